/* test_gk_kernel.c — demand-zero faults, regions, unmap, 2 MiB pages, 5-level tables,
 * address-space isolation and running out of memory, checked through the guest's own tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>

#include <cmocka.h>

#include "tests/guest/test_hal.h"

#define MiB (1ULL << 20)
#define PF_USER_WRITE (PF_ERR_U | PF_ERR_W)

static void demand_zero_fault_maps_a_zeroed_frame(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_4K);
	struct gk *k = vm.k;
	uint64_t va = gk_sys_map(k, 3 * PT_PAGE_4K - 100);
	assert_int_equal(va, GK_VA_BASE);
	struct pt_walk w;
	assert_int_equal(th_walk(&vm, 0, va, &w), PT_WALK_NOT_PRESENT); /* nothing until touched */

	assert_int_equal(gk_page_fault(k, va + PT_PAGE_4K + 8, PF_USER_WRITE), 0);
	assert_int_equal(th_walk(&vm, 0, va + PT_PAGE_4K + 8, &w), PT_WALK_OK);
	assert_int_equal(w.page_size, PT_PAGE_4K);
	assert_true(w.writable && w.user);
	assert_int_equal(w.pa & 0xfff, 8);
	assert_true(w.pa < 16 * MiB);
	assert_true(th_all_zero(&vm, w.pa & ~0xfffULL, PT_PAGE_4K)); /* RAM was 0xA5 garbage */
	assert_int_equal(th_walk(&vm, 0, va, &w), PT_WALK_NOT_PRESENT);
	assert_int_equal(th_walk(&vm, 0, va + 2 * PT_PAGE_4K, &w), PT_WALK_NOT_PRESENT);

	assert_int_equal(k->stats.faults, 1);
	assert_int_equal(k->stats.frames_4k, 1);
	assert_int_equal(k->stats.pool_pages, 4); /* root + 3 levels of tables */
	assert_int_equal(vm.hw.pt_writes, 4);     /* 3 table links + 1 leaf */
	assert_int_equal(vm.hw.pt_writes_outside_pool, 0);
	/* a read fault on the next page maps it too */
	assert_int_equal(gk_page_fault(k, va, PF_ERR_U), 0);
	assert_int_equal(k->stats.frames_4k, 2);
	assert_int_equal(k->stats.pool_pages, 4);
	th_teardown(&vm);
}

static void faults_outside_regions_are_efault(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_4K);
	struct gk *k = vm.k;
	uint64_t va = gk_sys_map(k, 2 * PT_PAGE_4K);
	uint64_t va2 = gk_sys_map(k, PT_PAGE_4K);
	assert_true(va2 > va + 2 * PT_PAGE_4K); /* a guard gap between regions */
	assert_int_equal(gk_page_fault(k, 0, PF_USER_WRITE), -EFAULT);
	assert_int_equal(gk_page_fault(k, va - 1, PF_USER_WRITE), -EFAULT);
	assert_int_equal(gk_page_fault(k, va + 2 * PT_PAGE_4K, PF_USER_WRITE), -EFAULT);
	assert_int_equal(gk_page_fault(k, va2 + PT_PAGE_4K, PF_USER_WRITE), -EFAULT);
	assert_int_equal(gk_page_fault(k, 0xffff800000000000ULL, PF_ERR_W), -EFAULT);
	/* a protection fault inside a region: the kernel maps everything RW, so it is a bug */
	assert_int_equal(gk_page_fault(k, va, PF_ERR_P | PF_USER_WRITE), -EFAULT);
	assert_int_equal(k->stats.faults_failed, 6);
	assert_int_equal(k->stats.frames_4k, 0);
	assert_int_equal(k->stats.pool_pages, 1);
	assert_int_equal(gk_page_fault(k, va2, PF_USER_WRITE), 0);
	assert_int_equal(gk_sys_map(k, 0), 0);
	th_teardown(&vm);
}

static void unmap_frees_frames_and_invalidates_each_page_once(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_4K);
	struct gk *k = vm.k;
	const uint64_t bytes = 10 * PT_PAGE_4K;
	uint64_t va = gk_sys_map(k, bytes);
	uint64_t keep = gk_sys_map(k, PT_PAGE_4K);
	assert_int_equal(gk_page_fault(k, keep, PF_USER_WRITE), 0);
	const unsigned touched[] = { 0, 3, 9 };
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(gk_page_fault(k, va + touched[i] * PT_PAGE_4K + 5, PF_USER_WRITE), 0);
	assert_int_equal(k->stats.frames_4k, 4);

	assert_int_equal(gk_sys_unmap(k, va + PT_PAGE_4K, bytes - PT_PAGE_4K), -EINVAL);
	assert_int_equal(gk_sys_unmap(k, va, bytes + PT_PAGE_4K), -EINVAL);
	assert_int_equal(gk_sys_unmap(k, va, bytes / 2), -EINVAL);
	assert_int_equal(gk_sys_unmap(k, va, 0), -EINVAL);
	assert_int_equal(vm.hw.invlpgs, 0);

	assert_int_equal(gk_sys_unmap(k, va, bytes - 7), 0); /* same rounding: the same region */
	assert_int_equal(vm.hw.invlpgs, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(vm.hw.invlpg_log[i], va + touched[i] * PT_PAGE_4K);
	assert_int_equal(k->stats.frames_4k, 1);
	assert_int_equal(k->stats.unmaps, 1);
	assert_int_equal(k->stats.pool_pages, 4); /* `keep` still needs its tables */
	struct pt_walk w;
	assert_int_equal(th_walk(&vm, 0, va, &w), PT_WALK_NOT_PRESENT);
	assert_int_equal(gk_page_fault(k, va, PF_USER_WRITE), -EFAULT); /* region is gone */
	assert_int_equal(gk_sys_unmap(k, va, bytes), -EINVAL);

	assert_int_equal(gk_sys_unmap(k, keep, PT_PAGE_4K), 0);
	assert_int_equal(k->stats.frames_4k, 0);
	assert_int_equal(k->stats.pool_pages, 1); /* empty tables went back */
	uint64_t reachable;
	assert_int_equal(th_dirty_free_pool_pages(&vm, &reachable), 0);
	assert_int_equal(reachable, 1);
	assert_true(th_all_zero(&vm, gk_as_root(k, 0), PT_PAGE_4K));
	assert_int_equal(vm.hw.pt_writes_outside_pool, 0);
	th_teardown(&vm);
}

static void large_regions_use_2m_pages(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_2M);
	struct gk *k = vm.k;
	uint64_t small = gk_sys_map(k, 100 * 1024);
	uint64_t big = gk_sys_map(k, 4 * MiB + 1);
	assert_int_equal(big % PT_PAGE_2M, 0);
	assert_int_equal(gk_page_fault(k, big + 5 * MiB + 123, PF_USER_WRITE), 0); /* third page */
	struct pt_walk w;
	assert_int_equal(th_walk(&vm, 0, big + 4 * MiB, &w), PT_WALK_OK);
	assert_int_equal(w.page_size, PT_PAGE_2M);
	assert_int_equal(w.level, 2);
	assert_int_equal((w.pa - 0) % PT_PAGE_2M, 0);
	assert_true(th_all_zero(&vm, w.pa, PT_PAGE_2M));
	assert_int_equal(k->stats.frames_2m, 1);
	assert_int_equal(k->stats.frames_4k, 0);
	assert_int_equal(gk_page_fault(k, small + 8192, PF_USER_WRITE), 0);
	assert_int_equal(th_walk(&vm, 0, small + 8192, &w), PT_WALK_OK);
	assert_int_equal(w.page_size, PT_PAGE_4K);
	assert_int_equal(k->stats.frames_4k, 1);
	assert_int_equal(gk_sys_unmap(k, big, 4 * MiB + 1), 0);
	assert_int_equal(vm.hw.invlpgs, 1);
	assert_int_equal(k->stats.frames_2m, 0);
	th_teardown(&vm);

	/* a kernel booted for 4 KiB pages never uses 2 MiB ones */
	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_4K);
	big = gk_sys_map(vm.k, 4 * MiB);
	assert_int_equal(gk_page_fault(vm.k, big, PF_USER_WRITE), 0);
	assert_int_equal(th_walk(&vm, 0, big, &w), PT_WALK_OK);
	assert_int_equal(w.page_size, PT_PAGE_4K);
	th_teardown(&vm);
}

static void five_level_tables(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * MiB, MiB, 5, PT_PAGE_4K);
	struct gk *k = vm.k;
	uint64_t va = gk_sys_map(k, PT_PAGE_4K);
	assert_int_equal(gk_page_fault(k, va, PF_USER_WRITE), 0);
	assert_int_equal(k->stats.pool_pages, 5);
	struct pt_walk w;
	assert_int_equal(th_walk(&vm, 0, va, &w), PT_WALK_OK);
	assert_int_equal(w.refs, 5);
	assert_int_equal(w.tables[5], gk_as_root(k, 0));
	/* read as 4-level, the root's entry would be a table, not the same translation */
	struct pt_walk w4;
	pt_walk(&pt_format_x86, 4, gk_as_root(k, 0), va, 0, gk_pt_mem(k), &w4);
	assert_false(w4.status == PT_WALK_OK && w4.pa == w.pa);
	/* the 5-level user half is larger than the 4-level one */
	assert_int_not_equal(gk_sys_map(k, 1ULL << 50), 0);
	assert_int_equal(gk_sys_unmap(k, va, PT_PAGE_4K), 0);
	assert_int_equal(k->stats.pool_pages, 1);
	th_teardown(&vm);

	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_4K);
	assert_int_equal(gk_sys_map(vm.k, 1ULL << 50), 0); /* does not fit below 2^47 */
	th_teardown(&vm);
}

static void address_spaces_are_isolated(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * MiB, MiB, 4, PT_PAGE_4K);
	struct gk *k = vm.k;
	uint64_t a0 = gk_sys_map(k, PT_PAGE_4K);
	assert_int_equal(gk_page_fault(k, a0, PF_USER_WRITE), 0);
	int as1 = gk_as_create(k);
	assert_int_equal(as1, 1);
	assert_int_equal(gk_current_as(k), 0); /* creating does not switch */
	assert_int_equal(gk_as_switch(k, as1), 0);
	assert_int_equal(vm.hw.last_asid, 2);
	assert_int_equal(vm.hw.last_root, gk_as_root(k, 1));
	assert_int_not_equal(gk_as_root(k, 0), gk_as_root(k, 1));

	/* AS 1 has no region yet: a0 faults */
	assert_int_equal(gk_page_fault(k, a0, PF_USER_WRITE), -EFAULT);
	uint64_t a1 = gk_sys_map(k, PT_PAGE_4K);
	assert_int_equal(a1, a0); /* same VA ... */
	assert_int_equal(gk_page_fault(k, a1, PF_USER_WRITE), 0);
	struct pt_walk w0, w1;
	assert_int_equal(th_walk(&vm, 0, a0, &w0), PT_WALK_OK);
	assert_int_equal(th_walk(&vm, 1, a1, &w1), PT_WALK_OK);
	assert_int_not_equal(w0.pa, w1.pa); /* ... different frames */

	/* unmapping in AS 1 leaves AS 0 alone */
	assert_int_equal(gk_sys_unmap(k, a1, PT_PAGE_4K), 0);
	assert_int_equal(th_walk(&vm, 0, a0, &w0), PT_WALK_OK);
	assert_int_equal(th_walk(&vm, 1, a1, &w1), PT_WALK_NOT_PRESENT);

	uint64_t loads = vm.hw.cr3_loads;
	assert_int_equal(gk_as_switch(k, 1), 0); /* already current: no reload */
	assert_int_equal(vm.hw.cr3_loads, loads);
	assert_int_equal(gk_as_switch(k, 0), 0);
	assert_int_equal(vm.hw.cr3_loads, loads + 1);
	assert_int_equal(gk_as_switch(k, 7), -EINVAL);
	assert_int_equal(gk_as_switch(k, -1), -EINVAL);
	assert_int_equal(gk_as_switch(k, GK_MAX_AS), -EINVAL);
	for (int i = 2; i < GK_MAX_AS; i++)
		assert_int_equal(gk_as_create(k), i);
	assert_int_equal(gk_as_create(k), -ENOMEM);
	assert_int_equal(k->stats.switches, 3);
	th_teardown(&vm);
}

static void out_of_frames_is_enomem_without_leaks(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 16 * PT_PAGE_4K, MiB, 4, PT_PAGE_4K);
	struct gk *k = vm.k;
	uint64_t va = gk_sys_map(k, 32 * PT_PAGE_4K);
	int rc = 0;
	unsigned mapped = 0;
	for (unsigned i = 0; i < 32 && rc == 0; i++) {
		rc = gk_page_fault(k, va + i * PT_PAGE_4K, PF_USER_WRITE);
		mapped += rc == 0;
	}
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(mapped, 16);
	assert_int_equal(k->stats.frames_4k, 16);
	assert_int_equal(gk_sys_unmap(k, va, 32 * PT_PAGE_4K), 0);
	assert_int_equal(k->stats.frames_4k, 0);
	assert_int_equal(k->stats.pool_pages, 1);
	assert_int_equal(vm.hw.invlpgs, 16);
	th_teardown(&vm);
}

static void out_of_pool_is_enomem_and_frees_partial_tables(void **state)
{
	(void)state;
	struct test_vm vm;
	/* root + 2 tables: a 4-level 4 KiB mapping needs 3 */
	th_boot(&vm, 4 * MiB, 3 * PT_PAGE_4K, 4, PT_PAGE_4K);
	struct gk *k = vm.k;
	uint64_t va = gk_sys_map(k, PT_PAGE_4K);
	assert_int_equal(gk_page_fault(k, va, PF_USER_WRITE), -ENOMEM);
	assert_int_equal(k->stats.frames_4k, 0);
	assert_int_equal(k->stats.pool_pages, 1);
	uint64_t reachable;
	assert_int_equal(th_dirty_free_pool_pages(&vm, &reachable), 0);
	assert_int_equal(reachable, 1);
	th_teardown(&vm);

	/* with 2 MiB pages two tables suffice */
	th_boot(&vm, 4 * MiB, 3 * PT_PAGE_4K, 4, PT_PAGE_2M);
	va = gk_sys_map(vm.k, PT_PAGE_2M);
	assert_int_equal(gk_page_fault(vm.k, va, PF_USER_WRITE), 0);
	assert_int_equal(vm.k->stats.pool_pages, 3);
	th_teardown(&vm);
}

static void region_slots_run_out(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 4 * MiB, MiB, 4, PT_PAGE_4K);
	uint64_t va[GK_MAX_REGIONS];
	for (int i = 0; i < GK_MAX_REGIONS; i++) {
		va[i] = gk_sys_map(vm.k, PT_PAGE_4K);
		assert_int_not_equal(va[i], 0);
	}
	assert_int_equal(gk_sys_map(vm.k, PT_PAGE_4K), 0);
	/* removing one in the middle keeps lookups right for the rest */
	assert_int_equal(gk_sys_unmap(vm.k, va[10], PT_PAGE_4K), 0);
	for (int i = 0; i < GK_MAX_REGIONS; i++)
		assert_int_equal(gk_page_fault(vm.k, va[i], PF_USER_WRITE), i == 10 ? -EFAULT : 0);
	assert_int_not_equal(gk_sys_map(vm.k, PT_PAGE_4K), 0);
	th_teardown(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demand_zero_fault_maps_a_zeroed_frame),
		cmocka_unit_test(faults_outside_regions_are_efault),
		cmocka_unit_test(unmap_frees_frames_and_invalidates_each_page_once),
		cmocka_unit_test(large_regions_use_2m_pages),
		cmocka_unit_test(five_level_tables),
		cmocka_unit_test(address_spaces_are_isolated),
		cmocka_unit_test(out_of_frames_is_enomem_without_leaks),
		cmocka_unit_test(out_of_pool_is_enomem_and_frees_partial_tables),
		cmocka_unit_test(region_slots_run_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
