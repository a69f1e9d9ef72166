/* test_share_domains.c — the sharing domains of a host's VMs (share_host_add): by default each
 * VM is a domain of its own, so two VMs share nothing unless a scenario names one domain for
 * both. A VM's own domain must therefore never be another VM's, even when their names agree in
 * their first 31 characters (the length of a named domain) or when another VM names a domain
 * after it; VMs naming one domain are in one domain. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "vmm/run/share_host.h"

static void test_own_domains_stay_apart(void **st)
{
	(void)st;
	static struct share_host sh;
	assert_int_equal(share_host_init(&sh, 1u << 20, 0), 0);
	/* names alike in their first 31 characters (count = N makes NAME-1 ... NAME-N) */
	int a = share_host_add(&sh, "database-replica-primary-east-1", NULL);
	int b = share_host_add(&sh, "database-replica-primary-east-2", NULL);
	int c = share_host_add(&sh, "a-scenario-section-name-of-30ch-1", NULL);
	int d = share_host_add(&sh, "a-scenario-section-name-of-30ch-2", NULL);
	/* another VM names a domain after VM e: it does not join e's own domain */
	int e = share_host_add(&sh, "web", NULL);
	int f = share_host_add(&sh, "cache", "web");
	int g = share_host_add(&sh, "cache2", "web");
	assert_true(a >= 0 && b >= 0 && c >= 0 && d >= 0 && e >= 0 && f >= 0 && g >= 0);
	assert_int_not_equal(sh.slot[a].domain, sh.slot[b].domain);
	assert_int_not_equal(sh.slot[c].domain, sh.slot[d].domain);
	assert_int_not_equal(sh.slot[e].domain, sh.slot[f].domain);
	assert_int_equal(sh.slot[f].domain, sh.slot[g].domain); /* a named domain is one domain */
	assert_int_equal(share_host_add(&sh, "bad", "no spaces"), -EINVAL);
	/* host.sharing.domains: one entry per domain, VM web's own apart from the domain web */
	json_t *o = share_host_json(&sh);
	json_t *doms = json_object_get(o, "domains");
	assert_int_equal(json_object_size(doms), sh.ndomains);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(doms, "web (own)"), "vms"), 0)),
			    "web");
	assert_int_equal(json_array_size(json_object_get(json_object_get(doms, "web"), "vms")), 2);
	json_decref(o);
	share_host_fini(&sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_domains_stay_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
