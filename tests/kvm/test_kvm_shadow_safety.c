/* test_kvm_shadow_safety.c — shadow paging on real KVM stays right and stays the VMM's:
 *   - coherence: ring 3 drives a long random sequence of map / unmap / protect / write /
 *     switch steps that the guest kernel performs on its own tables, and checks every page
 *     natively after each (GK_SELFTEST_COHERENCE); it must finish cleanly with the same
 *     checksum under shadow as under ept, having made the VMM trap every kind of operation.
 *     It fails if the VMM's coherence is broken on purpose, and on this PVM host it fails
 *     without the host MMU flush after shadow removals (both checked by hand: see
 *     docs/kvm-platform.md);
 *   - a malicious guest kernel: a page-table entry pointing into the VMM's shadow area is
 *     refused (not applied, the guest stopped), a writable mapping of the page-table pool is
 *     refused when ring 3 writes through it, and the VMM carries on: the next VM runs fine;
 *   - the kernel's half of the shadow keeps the boot map's U/S bits: ring 3 still cannot
 *     read kernel pages or write its own code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/run/kvm_platform.h"

static struct run_result res;

static int run_selftest(unsigned selftest, const char *mmu, uint64_t steps, uint64_t seed)
{
	struct run_config c = kvm_test_config("seq", "kvm", 256 << 10, seed, steps);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .image = &kvm_selftest_image, .selftest = selftest };
	c.mmu = mmu;
	memset(&res, 0, sizeof(res));
	int rc = kvm_platform_run(&c, &ctx, NULL, &res, &h);
	if (rc != 0)
		fprintf(stderr, "selftest %u under %s: %s\n", selftest, mmu, res.message);
	return rc;
}

static void test_random_map_unmap_protect_switch_stays_coherent(void **st)
{
	(void)st;
	for (uint64_t seed = 11; seed <= 12; seed++) {
		assert_int_equal(run_selftest(GK_SELFTEST_COHERENCE, "ept", 400, seed), 0);
		assert_true(res.have_checksum);
		uint64_t ept_checksum = res.checksum;
		assert_int_equal(whole_run(&res)->exits.pt_write + whole_run(&res)->exits.hidden_fault + whole_run(&res)->exits.invlpg, 0);

		assert_int_equal(run_selftest(GK_SELFTEST_COHERENCE, "shadow", 400, seed), 0);
		assert_true(res.have_checksum);
		assert_true(res.checksum == ept_checksum);
		/* it made the VMM do every kind of shadow work along the way */
		assert_true(whole_run(&res)->exits.pt_write > 60);
		assert_true(whole_run(&res)->exits.invlpg > 20);
		assert_true(whole_run(&res)->exits.cr3_load > 10);
		assert_true(whole_run(&res)->exits.hidden_fault > 40);
	}
}

static void expect_refused(unsigned selftest, const char *needle)
{
	assert_true(run_selftest(selftest, "shadow", 1000, 1) < 0);
	if (!strstr(res.message, needle))
		fprintf(stderr, "selftest %u: message '%s' lacks '%s'\n", selftest, res.message, needle);
	assert_false(res.have_checksum);
	assert_non_null(strstr(res.message, needle));
	/* the VMM is healthy: a VM after it runs to the end */
	assert_int_equal(run_selftest(GK_SELFTEST_NONE, "shadow", 1000, 1), 0);
	assert_true(res.have_checksum);
}

static void test_entry_into_shadow_area_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_MAP_SHADOW_AREA, "refused (not applied)");
	expect_refused(GK_SELFTEST_MAP_SHADOW_AREA, "points into the VMM's shadow area");
}

static void test_writable_pool_mapping_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_MAP_POOL_RW, "refused: the guest's tables map it onto memory it may not map");
}

/* Under ept the same self-test is the guest's business: nothing traps, the guest really
 * writes its own page table (and then goes on). The contrast is the point of the test above. */
static void test_ept_does_not_trap_pool_mapping(void **st)
{
	(void)st;
	run_selftest(GK_SELFTEST_MAP_POOL_RW, "ept", 1000, 1);
	assert_null(strstr(res.message, "refused"));
	assert_int_equal(whole_run(&res)->exits.pt_write + whole_run(&res)->exits.hidden_fault, 0);
}

static void test_kernel_half_keeps_user_bits(void **st)
{
	(void)st;
	assert_true(run_selftest(GK_SELFTEST_READ_KERNEL, "shadow", 1000, 1) < 0);
	assert_non_null(strstr(res.message, "page fault at 0x200000 (error 0x5"));
	assert_true(run_selftest(GK_SELFTEST_WRITE_USER_TEXT, "shadow", 1000, 1) < 0);
	assert_non_null(strstr(res.message, "(error 0x7"));
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_shadow_safety");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_map_unmap_protect_switch_stays_coherent),
		cmocka_unit_test(test_entry_into_shadow_area_refused),
		cmocka_unit_test(test_writable_pool_mapping_refused),
		cmocka_unit_test(test_ept_does_not_trap_pool_mapping),
		cmocka_unit_test(test_kernel_half_keeps_user_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
