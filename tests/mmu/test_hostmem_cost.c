/* test_hostmem_cost.c — host frame allocator (alignment, zeroing, reuse, exhaustion), frames
 * released to the host (a balloon's: no longer resident, zero when reused; a freed table frame
 * stays resident) and the cost model (names, parsing, the modelled-cycles sum). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Resident pages of [p, p + bytes) (mincore). */
static size_t resident(void *p, size_t bytes)
{
	unsigned char vec[64];
	size_t n = 0, pages = bytes / 4096;
	assert_true(pages <= sizeof(vec));
	assert_int_equal(mincore(p, bytes, vec), 0);
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

static void test_release_gives_pages_back(void **s)
{
	(void)s;
	static const unsigned flags[] = { 0, HOSTMEM_ANON }; /* memfd (punched hole), anonymous (DONTNEED) */
	for (size_t f = 0; f < 2; f++) {
		struct hostmem h;
		uint64_t hpa[16];
		assert_int_equal(hostmem_init(&h, PT_PAGE_1G, flags[f]), 0);
		for (int i = 0; i < 16; i++) {
			assert_int_equal(hostmem_alloc(&h, PT_PAGE_4K, &hpa[i]), 0);
			memset(hostmem_ptr(&h, hpa[i]), 0xab, PT_PAGE_4K);
		}
		uint8_t *base = hostmem_ptr(&h, hpa[0]);
		assert_int_equal(hpa[15], hpa[0] + 15 * PT_PAGE_4K);
		assert_int_equal(resident(base, 16 * PT_PAGE_4K), 16);
		/* a freed frame (a table's) is zeroed in place: still resident */
		assert_int_equal(hostmem_free(&h, hpa[0], PT_PAGE_4K), 0);
		assert_int_equal(resident(base, PT_PAGE_4K), 1);
		/* released frames (a balloon's) go back to the host once flushed */
		for (int i = 1; i < 9; i++)
			assert_int_equal(hostmem_release(&h, hpa[i], PT_PAGE_4K), 0);
		assert_int_equal(hostmem_release(&h, hpa[1] + 1, PT_PAGE_4K), -EINVAL);
		hostmem_release_flush(&h);
		assert_int_equal(resident(base + PT_PAGE_4K, 8 * PT_PAGE_4K), 0);
		assert_int_equal(resident(base + 9 * PT_PAGE_4K, 7 * PT_PAGE_4K), 7);
		assert_int_equal(h.released_bytes, 8 * PT_PAGE_4K);
		assert_int_equal(h.allocated[HOSTMEM_4K], 7);
		/* reused, they read zero */
		for (int i = 0; i < 9; i++) {
			uint64_t again;
			assert_int_equal(hostmem_alloc(&h, PT_PAGE_4K, &again), 0);
			uint8_t *p = hostmem_ptr(&h, again);
			for (size_t b = 0; b < PT_PAGE_4K; b += 512)
				assert_int_equal(p[b], 0);
		}
		/* a queued frame is given back before any 4 KiB allocation can take it */
		assert_int_equal(hostmem_release(&h, hpa[10], PT_PAGE_4K), 0);
		uint64_t next;
		assert_int_equal(hostmem_alloc(&h, PT_PAGE_4K, &next), 0);
		assert_int_equal(h.nrelease, 0);
		assert_int_equal(*(uint8_t *)hostmem_ptr(&h, next), 0);
		hostmem_fini(&h);
	}
}

static void test_cost(void **s)
{
	(void)s;
	struct mmu_cost c = mmu_cost_defaults();
	size_t n;
	const struct mmu_cost_param *t = mmu_cost_params(&n);
	assert_int_equal(n, 13);
	assert_string_equal(t[0].name, "tlb_hit");
	assert_string_equal(mmu_cost_names()[n - 1], "exit_cow_break");
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
	struct exit_counters e = { .ept_violation = 2, .hypercall = 1, .cow_break = 1 };
	assert_int_equal(c.exit_cow_break, 3000);
	assert_int_equal(mmu_modeled_cycles(&c, &m, &e),
			 10 * c.tlb_hit + 24 * 50 + 3 * c.pwc_hit + 2 * c.ntlb_hit + c.guest_fault + 3 * 2000 + 3000);
	assert_int_equal(mmu_cost_set(&c, "exit_hypercall", "7"), 0);
	assert_int_equal(mmu_modeled_cycles(&c, &m, &e) - mmu_modeled_cycles(&c, &m, NULL), 4000 + 7 + 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_zero),
		cmocka_unit_test(test_release_gives_pages_back),
		cmocka_unit_test(test_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
