/* test_kvm_overcommit.c — idle, phases and dup on real KVM: the same checksum under ept and
 * shadow paging as natively, for several seeds; idle's paravirtual sleeps (GK_HC_SLEEP: the VMM
 * sleeps the vCPU thread) make its measured phase last at least the sleep time by the guest's
 * own clock; phases' regrown chunks are guest faults again. Small sizes: 512 KiB, at most a few
 * hundred guest faults per run (each costs ~0.4 ms of emulated ring 0 on PVM hosts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "tests/kvm/kvm_test.h"
#include "tests/workloads/overcommit_cases.h"
#include "vmm/run/run.h"

#define OC_KVM_MEM (512 << 10)

static struct run_result rn, rk;

static void run_case(const char *wl, const char *platform, const char *mmu, uint64_t seed, struct run_result *r)
{
	struct run_config c = kvm_test_config(wl, platform, OC_KVM_MEM, seed, 0);
	oc_case_params(wl, &c.params);
	if (mmu)
		c.mmu = mmu;
	enum run_state st = run_execute(&c, r, NULL);
	if (st != RUN_OK)
		fprintf(stderr, "%s on %s/%s: %s\n", wl, platform, c.mmu, r->message);
	assert_int_equal(st, RUN_OK);
	assert_true(r->have_checksum);
}

/* Native checksums, computed once for both strategies. */
static uint64_t native_sum[OC_NWORKLOADS][OC_NSEEDS];

static void check_kvm(const char *mmu)
{
	for (size_t w = 0; w < OC_NWORKLOADS; w++)
		for (size_t i = 0; i < OC_NSEEDS; i++) {
			const char *wl = oc_workloads[w];
			if (!native_sum[w][i]) {
				run_case(wl, "native", NULL, oc_seeds[i], &rn);
				native_sum[w][i] = rn.checksum;
			}
			run_case(wl, "kvm", mmu, oc_seeds[i], &rk);
			assert_true(rk.checksum == native_sum[w][i]);
			if (strcmp(wl, "idle") == 0) {
				assert_true(rk.run_s >= OC_IDLE_MIN_RUN_S);
				/* each sleep is one hypercall, besides the phase marks */
				assert_true(whole_run(&rk)->exits.hypercall >= OC_IDLE_WAKES + 3);
			}
			if (strcmp(wl, "phases") == 0)
				assert_true(whole_run(&rk)->guest_faults > OC_KVM_MEM / 4096);
		}
}

static void test_kvm_ept_equals_native(void **st)
{
	(void)st;
	check_kvm("ept");
}

static void test_kvm_shadow_equals_native(void **st)
{
	(void)st;
	check_kvm("shadow");
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_overcommit");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_ept_equals_native),
		cmocka_unit_test(test_kvm_shadow_equals_native),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
