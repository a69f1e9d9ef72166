/* test_overcommit_equivalence.c — idle, phases and dup give the same checksum natively and on
 * sim under ept and shadow paging, for several seeds (tests/kvm/test_kvm_overcommit.c adds kvm);
 * idle's measured phase lasts at least its sleeps on each platform, and phases' shrinking
 * working set gives frames back to the guest kernel (sim counts them as guest faults again
 * when it regrows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "tests/workloads/overcommit_cases.h"
#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

static struct run_result rn, re, rs;

static void run_case(const char *wl, const char *platform, const char *mmu, uint64_t seed, struct run_result *r)
{
	struct run_config c;
	assert_int_equal(cli_config_for(&c, wl, platform, mmu, 1 << 20), 0);
	c.params.seed = seed;
	oc_case_params(wl, &c.params);
	enum run_state st = run_execute(&c, r, NULL);
	if (st != RUN_OK)
		fprintf(stderr, "%s on %s/%s: %s\n", wl, platform, mmu, r->message);
	assert_int_equal(st, RUN_OK);
	assert_true(r->have_checksum);
}

static void test_native_and_sim_agree(void **st)
{
	(void)st;
	for (size_t w = 0; w < OC_NWORKLOADS; w++)
		for (size_t i = 0; i < OC_NSEEDS; i++) {
			const char *wl = oc_workloads[w];
			run_case(wl, "native", "none", oc_seeds[i], &rn);
			run_case(wl, "sim", "ept", oc_seeds[i], &re);
			run_case(wl, "sim", "shadow", oc_seeds[i], &rs);
			assert_true(re.checksum == rn.checksum);
			assert_true(rs.checksum == rn.checksum);
			if (strcmp(wl, "idle") == 0) {
				assert_true(rn.run_s >= OC_IDLE_MIN_RUN_S);
				assert_true(re.run_s >= OC_IDLE_MIN_RUN_S);
				assert_true(rs.run_s >= OC_IDLE_MIN_RUN_S);
			}
			if (strcmp(wl, "phases") == 0) /* the regrown half faults in again after the shrink */
				assert_true(whole_run(&re)->guest_faults > (1 << 20) / 4096);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_and_sim_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
