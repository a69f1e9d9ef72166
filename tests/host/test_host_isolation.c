/* test_host_isolation.c — a VM whose guest misbehaves is stopped by the VMM, and only that VM:
 * on a kvm host of three VMs, the middle one runs a guest that stores outside every mapped
 * region (or issues an unknown hypercall, or touches a frame it gave to its balloon); its
 * neighbours finish with the checksums they have alone, and the host document marks the
 * stopped VM as failed, naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/kvm/kvm_test.h"
#include "vmm/run/host.h"
#include "vmm/run/kvm_platform.h"
#include "vmm/run/run.h"

static unsigned evil_selftest, evil_arg = 0x7777;

static int evil_run(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		    struct balloon *balloon, struct run_result *res)
{
	const struct kvm_platform_hooks h = { .image = &kvm_selftest_image, .selftest = evil_selftest,
					      .selftest_arg = evil_arg, .balloon = balloon };
	return kvm_platform_run(cfg, ctx, ram, res, &h);
}

static struct platform evil_platform;

static uint64_t alone(const struct run_config *cfg)
{
	struct run_result r;
	assert_int_equal(run_execute(cfg, &r, NULL), RUN_OK);
	assert_true(r.have_checksum);
	return r.checksum;
}

static void expect_neighbours_finish(unsigned selftest, const char *needle, const struct balloon_config *balloon)
{
	static struct host_spec spec; /* large; read-only while the host runs */
	memset(&spec, 0, sizeof(spec));
	evil_selftest = selftest;
	evil_platform = platform_kvm;
	evil_platform.run = evil_run;
	snprintf(spec.name, sizeof(spec.name), "isolation");
	spec.n = 3;
	const char *names[] = { "left", "evil", "right" }, *wls[] = { "gups", "seq", "churn" };
	for (int i = 0; i < 3; i++) {
		snprintf(spec.vm[i].name, sizeof(spec.vm[i].name), "%s", names[i]);
		spec.vm[i].cfg = kvm_test_config(wls[i], "kvm", 1 << 20, 3, 4000);
	}
	spec.vm[2].cfg.mmu = "shadow";
	spec.vm[1].plat = &evil_platform;
	spec.vm[1].cfg.balloon = balloon;
	json_t *doc = NULL;
	assert_int_equal(host_execute(&spec, &doc), RUN_FAILED);
	assert_non_null(doc);
	json_t *vms = json_object_get(doc, "vms");
	json_t *evil = json_object_get(vms, "evil");
	assert_string_equal(json_string_value(json_object_get(json_object_get(evil, "status"), "state")), "failed");
	const char *msg = json_string_value(json_object_get(json_object_get(evil, "status"), "message"));
	if (!strstr(msg, needle))
		fprintf(stderr, "evil VM's message '%s' lacks '%s'\n", msg, needle);
	assert_non_null(strstr(msg, needle));
	assert_true(json_is_null(json_object_get(json_object_get(evil, "result"), "checksum")));
	for (int i = 0; i < 3; i += 2) {
		json_t *r = json_object_get(vms, names[i]);
		char hex[19];
		assert_string_equal(json_string_value(json_object_get(json_object_get(r, "status"), "state")), "ok");
		snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)alone(&spec.vm[i].cfg));
		assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"), "checksum")), hex);
	}
	json_t *status = json_object_get(doc, "status");
	assert_string_equal(json_string_value(json_object_get(status, "state")), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(status, "message")), "vm evil failed"));
	json_t *totals = json_object_get(json_object_get(doc, "host"), "totals");
	assert_int_equal(json_integer_value(json_object_get(totals, "ok")), 2);
	assert_int_equal(json_integer_value(json_object_get(totals, "failed")), 1);
	json_decref(doc);
}

static void test_wild_store_stops_only_its_vm(void **st)
{
	(void)st;
	expect_neighbours_finish(GK_SELFTEST_WILD_STORE, "rip=", NULL);
}

static void test_unknown_hypercall_stops_only_its_vm(void **st)
{
	(void)st;
	expect_neighbours_finish(GK_SELFTEST_HCALL, "unknown hypercall number", NULL);
}

/* The evil VM gives a 2 MiB chunk to its balloon, then ring 3 writes it: the VMM made the chunk
 * inaccessible, so the VM stops naming the frame; the neighbours run on. */
static void test_ballooned_touch_stops_only_its_vm(void **st)
{
	(void)st;
	struct balloon_config bc = { 0 };
	char why[128];
	assert_int_equal(balloon_config_add(&bc, "target=0", why, sizeof(why)), 0);
	evil_arg = GK_SELFTEST_BALLOON_TOUCH;
	expect_neighbours_finish(GK_SELFTEST_BALLOON_BAD, "which it gave to the balloon", &bc);
	evil_arg = 0x7777;
}

int main(void)
{
	kvm_test_skip_unless_usable("host_isolation");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wild_store_stops_only_its_vm),
		cmocka_unit_test(test_unknown_hypercall_stops_only_its_vm),
		cmocka_unit_test(test_ballooned_touch_stops_only_its_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
