/* test_hostmem_cost.c — host frame allocator (alignment, zeroing, reuse, exhaustion) and the
 * cost model (names, parsing, the modelled-cycles sum). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "mmu/cost.h"
#include "mmu/hostmem.h"
#include "mmu/pte.h"

static void test_alignment_and_zero(void **s)
{
	(void)s;
	struct hostmem h;
	uint64_t a, b, big, giant;
	assert_int_equal(hostmem_init(&h, 3 * PT_PAGE_1G, 0), 0);
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_4K, &a), 0);
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_4K, &b), 0);
	assert_int_equal(b, a + PT_PAGE_4K); /* allocation order */
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_2M, &big), 0);
	assert_int_equal(big % PT_PAGE_2M, 0);
	assert_true(big >= a + PT_PAGE_2M || big + PT_PAGE_2M <= a);
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_1G, &giant), 0);
	assert_int_equal(giant % PT_PAGE_1G, 0);
	assert_int_equal(hostmem_alloc(&h, 8192, &a), -EINVAL);
	uint8_t *p = hostmem_ptr(&h, b);
	assert_non_null(p);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xab, 4096);
	memset(hostmem_ptr(&h, big), 0xcd, PT_PAGE_2M);
	assert_int_equal(hostmem_free(&h, b, PT_PAGE_4K), 0);
	assert_int_equal(hostmem_free(&h, big, PT_PAGE_2M), 0);
	uint64_t again;
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_4K, &again), 0);
	assert_int_equal(again, b); /* LIFO reuse, zeroed */
	for (int i = 0; i < 4096; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_2M, &again), 0);
	assert_int_equal(again, big);
	assert_int_equal(((uint8_t *)hostmem_ptr(&h, big))[PT_PAGE_2M - 1], 0);
	assert_null(hostmem_ptr(&h, h.size));
	assert_int_equal(hostmem_free(&h, b + 8, PT_PAGE_4K), -EINVAL);
	/* 3 GiB: one 1G chunk went to small frames, one to `giant`, one left, then none */
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_1G, &giant), 0);
	assert_int_equal(hostmem_alloc(&h, PT_PAGE_1G, &giant), -ENOMEM);
	hostmem_fini(&h);
}

static void test_cost(void **s)
{
	(void)s;
	struct mmu_cost c = mmu_cost_defaults();
	size_t n;
	const struct mmu_cost_param *t = mmu_cost_params(&n);
	assert_int_equal(n, 12);
	assert_string_equal(t[0].name, "tlb_hit");
	assert_string_equal(mmu_cost_names()[n - 1], "exit_hypercall");
	assert_null(mmu_cost_names()[n]);
	assert_int_equal(c.exit_pt_write, 2000);
	assert_int_equal(mmu_cost_set(&c, "walk_ref", "50"), 0);
	assert_int_equal(c.walk_ref, 50);
	assert_int_equal(mmu_cost_set(&c, "walk_refs", "50"), -EINVAL);
	assert_int_equal(mmu_cost_set(&c, "walk_ref", "5x"), -EINVAL);
	assert_int_equal(mmu_cost_set(&c, "walk_ref", ""), -EINVAL);
	assert_int_equal(mmu_cost_set(&c, "walk_ref", "-1"), -EINVAL);
	assert_int_equal(c.walk_ref, 50);
	struct mmu_counters m = { .tlb_hits = 10, .walk_refs = 24, .pwc_hits = 3, .ntlb_hits = 2, .guest_faults = 1 };
	struct exit_counters e = { .ept_violation = 2, .hypercall = 1 };
	assert_int_equal(mmu_modeled_cycles(&c, &m, &e),
			 10 * c.tlb_hit + 24 * 50 + 3 * c.pwc_hit + 2 * c.ntlb_hit + c.guest_fault + 3 * 2000);
	assert_int_equal(mmu_cost_set(&c, "exit_hypercall", "7"), 0);
	assert_int_equal(mmu_modeled_cycles(&c, &m, &e) - mmu_modeled_cycles(&c, &m, NULL), 4000 + 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_zero),
		cmocka_unit_test(test_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
