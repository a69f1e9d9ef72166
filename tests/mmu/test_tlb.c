/* test_tlb.c — TLB: LRU order, asid tags, flushes per page size, "MRU hit changes nothing",
 * disabled TLB; and the page-walk cache's resume depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/strategy.h"
#include "mmu/pwc.h"
#include "mmu/tlb.h"

static struct mmu_xlat x4k(uint64_t hpa) { return (struct mmu_xlat){ hpa, PT_PAGE_4K, true, true, true }; }

static void test_lru_eviction_order(void **s)
{
	(void)s;
	struct tlb t;
	struct mmu_xlat x;
	assert_int_equal(tlb_init(&t, 4), 0); /* one set, 4 ways */
	for (uint64_t p = 0; p < 4; p++) {
		struct mmu_xlat in = x4k(0x100000 + p * 4096);
		tlb_insert(&t, 1, p * 4096, &in);
	}
	assert_true(tlb_lookup(&t, 1, 0, &x)); /* page 0 becomes MRU: page 1 is LRU */
	assert_int_equal(x.hpa_page, 0x100000);
	struct mmu_xlat in = x4k(0x900000);
	tlb_insert(&t, 1, 4 * 4096, &in);
	assert_false(tlb_lookup(&t, 1, 1 * 4096, &x));
	assert_true(tlb_lookup(&t, 1, 2 * 4096, &x)); /* order now 2,4,0,3: 3 is LRU */
	tlb_insert(&t, 1, 5 * 4096, &in);
	assert_false(tlb_lookup(&t, 1, 3 * 4096, &x));
	assert_true(tlb_lookup(&t, 1, 0, &x));
	assert_true(tlb_lookup(&t, 1, 4 * 4096, &x));
	assert_true(tlb_lookup(&t, 1, 5 * 4096, &x));
	tlb_fini(&t);
}

static void test_asid_tagging(void **s)
{
	(void)s;
	struct tlb t;
	struct mmu_xlat x, a = x4k(0x1000), b = x4k(0x2000);
	assert_int_equal(tlb_init(&t, 64), 0);
	tlb_insert(&t, 1, 0x7000, &a);
	tlb_insert(&t, 2, 0x7000, &b);
	assert_true(tlb_lookup(&t, 1, 0x7123, &x));
	assert_int_equal(x.hpa_page, 0x1000);
	assert_true(tlb_lookup(&t, 2, 0x7123, &x));
	assert_int_equal(x.hpa_page, 0x2000);
	assert_false(tlb_lookup(&t, 3, 0x7123, &x));
	tlb_flush_asid(&t, 1);
	assert_false(tlb_lookup(&t, 1, 0x7000, &x));
	assert_true(tlb_lookup(&t, 2, 0x7000, &x));
	tlb_flush_all(&t);
	assert_false(tlb_lookup(&t, 2, 0x7000, &x));
	tlb_fini(&t);
}

static void test_flush_va_each_size(void **s)
{
	(void)s;
	static const uint64_t sizes[] = { PT_PAGE_4K, PT_PAGE_2M, PT_PAGE_1G };
	struct tlb t;
	struct mmu_xlat x;
	assert_int_equal(tlb_init(&t, 64), 0);
	for (int i = 0; i < 3; i++) {
		uint64_t va = (uint64_t)(i + 1) << 32;
		struct mmu_xlat in = { sizes[i] * 3, sizes[i], true, true, false };
		tlb_insert(&t, 7, va, &in);
		assert_true(tlb_lookup(&t, 7, va + sizes[i] - 8, &x));
		assert_int_equal(x.page_size, sizes[i]);
		assert_int_equal(x.hpa_page, sizes[i] * 3);
		assert_false(x.dirty);
		assert_false(tlb_lookup(&t, 7, va + sizes[i], &x));
		tlb_flush_va(&t, 8, va); /* other asid: no effect */
		assert_true(tlb_lookup(&t, 7, va, &x));
		tlb_flush_va(&t, 7, va + sizes[i] / 2);
		assert_false(tlb_lookup(&t, 7, va, &x));
	}
	tlb_fini(&t);
}

static void test_mru_hit_changes_nothing(void **s)
{
	(void)s;
	struct tlb t;
	struct mmu_xlat x;
	assert_int_equal(tlb_init(&t, 16), 0); /* 2 sets x 8 ways */
	for (uint64_t p = 0; p < 12; p++) {
		struct mmu_xlat in = x4k(p << 12);
		tlb_insert(&t, 1, p << 12, &in);
	}
	size_t bytes = (size_t)t.a[TLB_SIZE_4K].sets * t.a[TLB_SIZE_4K].ways * sizeof(struct tlb_entry);
	void *before = malloc(bytes);
	memcpy(before, t.a[TLB_SIZE_4K].e, bytes);
	uint64_t gen = t.gen;
	assert_true(tlb_lookup(&t, 1, 11 << 12, &x)); /* the last insert: MRU of its set */
	assert_int_equal(memcmp(before, t.a[TLB_SIZE_4K].e, bytes), 0);
	assert_int_equal(t.gen, gen);
	assert_true(tlb_lookup(&t, 1, 10 << 12, &x)); /* MRU of the other set */
	assert_int_equal(t.gen, gen);
	assert_true(tlb_lookup(&t, 1, 9 << 12, &x)); /* not MRU: state changes */
	assert_int_not_equal(memcmp(before, t.a[TLB_SIZE_4K].e, bytes), 0);
	assert_int_not_equal(t.gen, gen);
	free(before);
	tlb_fini(&t);
}

static void test_disabled(void **s)
{
	(void)s;
	struct tlb t;
	struct mmu_xlat x, in = x4k(0x1000);
	assert_int_equal(tlb_init(&t, 0), 0);
	tlb_insert(&t, 0, 0x1000, &in);
	assert_false(tlb_lookup(&t, 0, 0x1000, &x));
	tlb_flush_all(&t);
	tlb_flush_va(&t, 0, 0);
	tlb_fini(&t);
}

static void test_insert_replaces_same_page(void **s)
{
	(void)s;
	struct tlb t;
	struct mmu_xlat x, ro = { 0x1000, PT_PAGE_4K, false, true, false }, rw = { 0x1000, PT_PAGE_4K, true, true, true };
	assert_int_equal(tlb_init(&t, 4), 0);
	for (uint64_t p = 1; p < 4; p++) {
		struct mmu_xlat in = x4k(p << 12);
		tlb_insert(&t, 1, p << 24, &in);
	}
	tlb_insert(&t, 1, 0, &ro);
	tlb_insert(&t, 1, 0, &rw); /* must not take a second way */
	for (uint64_t p = 1; p < 4; p++)
		assert_true(tlb_lookup(&t, 1, p << 24, &x));
	assert_true(tlb_lookup(&t, 1, 0, &x));
	assert_true(x.writable && x.dirty);
	tlb_fini(&t);
}

/* PWC: a walk fills the upper levels; the next lookup resumes at the deepest cached level. */
static void test_pwc_resume_depth(void **s)
{
	(void)s;
	struct pwc p;
	struct pwc_hit hit;
	struct pt_walk w = { 0 };
	uint64_t va = 0x123456789000ULL;
	pwc_init(&p, true);
	assert_false(pwc_lookup(&p, 1, 4, va, &hit));
	/* a successful 4K walk: tables[4..1], entries all present+rw+user */
	w.level = 1;
	for (unsigned l = 1; l <= 4; l++) {
		w.tables[l] = 0x10000 * l;
		w.entries[l] = X86_P | X86_RW | X86_US;
	}
	w.entries[3] &= ~X86_RW;
	pwc_fill(&p, &pt_format_x86, 1, 4, va, &w, NULL);
	assert_true(pwc_lookup(&p, 1, 4, va + 0x1000, &hit)); /* same level-1 table */
	assert_int_equal(hit.start_level, 1);
	assert_int_equal(hit.table, 0x10000);
	assert_false(hit.writable); /* the level-3 entry was read-only */
	assert_true(hit.user);
	assert_true(pwc_lookup(&p, 1, 4, va + PT_PAGE_2M, &hit)); /* other 2M, same 1G */
	assert_int_equal(hit.start_level, 2);
	assert_int_equal(hit.table, 0x20000);
	assert_true(pwc_lookup(&p, 1, 4, va + PT_PAGE_1G, &hit));
	assert_int_equal(hit.start_level, 3);
	assert_false(pwc_lookup(&p, 1, 4, va + (1ULL << 39), &hit));
	assert_false(pwc_lookup(&p, 2, 4, va, &hit)); /* asid tagged */
	/* a 2M-leaf walk caches only levels 4 and 3 */
	pwc_init(&p, true);
	w.level = 2;
	pwc_fill(&p, &pt_format_x86, 1, 4, va, &w, NULL);
	assert_true(pwc_lookup(&p, 1, 4, va, &hit));
	assert_int_equal(hit.start_level, 2);
	pwc_flush_va(&p, 1, va);
	assert_false(pwc_lookup(&p, 1, 4, va, &hit));
	pwc_fill(&p, &pt_format_x86, 1, 4, va, &w, NULL);
	pwc_flush_asid(&p, 1);
	assert_false(pwc_lookup(&p, 1, 4, va, &hit));
	pwc_init(&p, false);
	pwc_fill(&p, &pt_format_x86, 1, 4, va, &w, NULL);
	assert_false(pwc_lookup(&p, 1, 4, va, &hit));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lru_eviction_order),    cmocka_unit_test(test_asid_tagging),
		cmocka_unit_test(test_flush_va_each_size),    cmocka_unit_test(test_mru_hit_changes_nothing),
		cmocka_unit_test(test_disabled),              cmocka_unit_test(test_insert_replaces_same_page),
		cmocka_unit_test(test_pwc_resume_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
