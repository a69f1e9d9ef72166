/* test_walk.c — the shared walker over a flat fake memory: reference counts per level and leaf
 * size, rights, faults, A/D updates, pt_map/pt_unmap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "mmu/walk.h"

#define MEM_PAGES 64
struct fake_mem {
	uint64_t *words;
	unsigned next_page; /* page 0 is the root */
	bool fail_alloc;
	unsigned writes;
};

static bool fm_read(void *ctx, uint64_t table, unsigned i, uint64_t *e)
{
	struct fake_mem *m = ctx;
	if (table >= MEM_PAGES * 4096ULL)
		return false;
	*e = m->words[table / 8 + i];
	return true;
}
static void fm_write(void *ctx, uint64_t table, unsigned i, uint64_t e)
{
	struct fake_mem *m = ctx;
	m->words[table / 8 + i] = e;
	m->writes++;
}
static uint64_t fm_alloc(void *ctx)
{
	struct fake_mem *m = ctx;
	if (m->fail_alloc || m->next_page >= MEM_PAGES)
		return PT_NO_TABLE;
	return 4096ULL * m->next_page++;
}

static struct fake_mem fm;
static struct pt_mem mem = { fm_read, fm_write, fm_alloc, NULL, &fm };

static int setup(void **s)
{
	(void)s;
	memset(&fm, 0, sizeof(fm));
	fm.words = calloc(MEM_PAGES * 512, 8);
	fm.next_page = 1;
	return 0;
}
static int teardown(void **s)
{
	(void)s;
	free(fm.words);
	return 0;
}

#define UFLAGS (X86_P | X86_RW | X86_US)
static const uint64_t VA = 0x00007f1234400000ULL; /* 2 MiB aligned */

static void check_refs(unsigned levels, uint64_t size)
{
	struct pt_walk w;
	uint64_t va = 0x0000400000000000ULL, pa = 0x40000000ULL; /* both 1 GiB aligned */
	setup(NULL);
	assert_int_equal(pt_map(&pt_format_x86, levels, 0, va, pa, size, UFLAGS, &mem), 0);
	assert_int_equal(pt_walk(&pt_format_x86, levels, 0, va + 0x238, 0, &mem, &w), PT_WALK_OK);
	assert_int_equal(w.refs, levels - (pt_leaf_level(size) - 1));
	assert_int_equal(w.level, pt_leaf_level(size));
	assert_int_equal(w.page_size, size);
	assert_int_equal(w.pa, pa + 0x238);
	for (unsigned l = levels; l >= w.level; l--)
		assert_int_not_equal(w.tables[l], PT_NO_TABLE);
	if (w.level > 1)
		assert_int_equal(w.tables[w.level - 1], PT_NO_TABLE);
	teardown(NULL);
}

static void test_refs_per_level_and_size(void **s)
{
	(void)s;
	for (unsigned levels = 4; levels <= 5; levels++) {
		check_refs(levels, PT_PAGE_4K);
		check_refs(levels, PT_PAGE_2M);
		check_refs(levels, PT_PAGE_1G);
	}
}

static void test_not_present(void **s)
{
	(void)s;
	struct pt_walk w;
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, 0, &mem, &w), PT_WALK_NOT_PRESENT);
	assert_int_equal(w.refs, 1);
	assert_int_equal(w.level, 4);
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA, 0x5000, PT_PAGE_4K, UFLAGS, &mem), 0);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA + 4096, 0, &mem, &w), PT_WALK_NOT_PRESENT);
	assert_int_equal(w.refs, 4);
	assert_int_equal(w.level, 1);
}

static void test_protection(void **s)
{
	(void)s;
	struct pt_walk w;
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA, 0x5000, PT_PAGE_4K, X86_P | X86_US, &mem), 0);
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA + 4096, 0x6000, PT_PAGE_4K, X86_P | X86_RW, &mem), 0);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, PT_WALK_USER, &mem, &w), PT_WALK_OK);
	assert_false(w.writable);
	assert_true(w.user);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, PT_WALK_USER | PT_WALK_WRITE, &mem, &w),
			 PT_WALK_PROTECTION);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA + 4096, PT_WALK_USER, &mem, &w), PT_WALK_PROTECTION);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA + 4096, PT_WALK_WRITE, &mem, &w), PT_WALK_OK);
	/* a read-only upper entry restricts the whole path (AND over the path) */
	uint64_t top;
	fm_read(&fm, 0, pt_index(VA, 4), &top);
	fm_write(&fm, 0, pt_index(VA, 4), top & ~X86_RW);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA + 4096, PT_WALK_WRITE, &mem, &w), PT_WALK_PROTECTION);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA + 4096, 0, &mem, &w), PT_WALK_OK);
	assert_false(w.writable);
}

static void test_accessed_dirty(void **s)
{
	(void)s;
	struct pt_walk w;
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA, 0x5000, PT_PAGE_4K, UFLAGS, &mem), 0);
	fm.writes = 0;
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, 0, &mem, &w), PT_WALK_OK);
	assert_int_equal(fm.writes, 0); /* no SET_AD: nothing written */
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, PT_WALK_SET_AD, &mem, &w), PT_WALK_OK);
	assert_int_equal(w.refs, 4); /* A/D write-back is not a reference */
	assert_false(w.dirty);
	for (unsigned l = 4; l >= 1; l--) {
		uint64_t e;
		fm_read(&fm, w.tables[l], pt_index(VA, l), &e);
		assert_true(e & X86_A);
		assert_false(e & X86_D);
	}
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, PT_WALK_SET_AD | PT_WALK_WRITE, &mem, &w), PT_WALK_OK);
	assert_true(w.dirty);
	uint64_t leaf, upper;
	fm_read(&fm, w.tables[1], pt_index(VA, 1), &leaf);
	fm_read(&fm, w.tables[2], pt_index(VA, 2), &upper);
	assert_true(leaf & X86_D);
	assert_false(upper & X86_D);
	/* EPT format: A/D off, nothing is written, dirty is implied */
	fm.writes = 0;
	assert_int_equal(pt_map(&pt_format_ept, 4, 0x20000, VA, 0x5000, PT_PAGE_4K, EPT_R | EPT_W, &mem), 0);
	fm.writes = 0;
	assert_int_equal(pt_walk(&pt_format_ept, 4, 0x20000, VA, PT_WALK_SET_AD | PT_WALK_WRITE | PT_WALK_USER,
				 &mem, &w), PT_WALK_OK);
	assert_int_equal(fm.writes, 0);
	assert_true(w.dirty && w.user && w.writable);
}

static void test_map_unmap_round_trip(void **s)
{
	(void)s;
	struct pt_walk w;
	uint64_t old;
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA, 0x200000, PT_PAGE_2M, UFLAGS, &mem), 0);
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA + 4096, 0x3000, PT_PAGE_4K, UFLAGS, &mem), -EEXIST);
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA + 4096, 0x3000, PT_PAGE_2M, UFLAGS, &mem), -EINVAL);
	assert_int_equal(pt_unmap(&pt_format_x86, 4, 0, VA + 0x1000, &mem, &old), 2);
	assert_true(old & X86_PS);
	assert_int_equal(old & PT_ADDR_MASK, 0x200000);
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA, 0, &mem, &w), PT_WALK_NOT_PRESENT);
	assert_int_equal(pt_unmap(&pt_format_x86, 4, 0, VA, &mem, &old), 0);
	assert_int_equal(old, 0);
	unsigned pages = fm.next_page;
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA + 4096, 0x3000, PT_PAGE_4K, UFLAGS, &mem), 0);
	assert_int_equal(fm.next_page, pages + 1); /* only the level-1 table was new */
	assert_int_equal(pt_walk(&pt_format_x86, 4, 0, VA + 4100, 0, &mem, &w), PT_WALK_OK);
	assert_int_equal(w.pa, 0x3004);
	/* a large leaf would orphan the level-1 table now present */
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, VA, 0x200000, PT_PAGE_2M, UFLAGS, &mem), -EEXIST);
	fm.fail_alloc = true;
	assert_int_equal(pt_map(&pt_format_x86, 4, 0, 0x1000000000ULL, 0x3000, PT_PAGE_4K, UFLAGS, &mem), -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs_per_level_and_size),
		cmocka_unit_test_setup_teardown(test_not_present, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accessed_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_unmap_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
