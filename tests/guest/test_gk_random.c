/* test_gk_random.c — a seeded random sequence of map / touch / unmap / switch across several
 * address spaces and both page sizes, checked after every step against a simple model:
 * frames in use, mapped pages readable through the guest tables, and, at the end, every frame
 * and table returned with the free pool pages all zero. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/guest/test_hal.h"
#include "workloads/wl.h"

#define MiB (1ULL << 20)
#define SPACES 3
#define SLOTS 8
#define MAX_PAGES 64

struct model_region {
	uint64_t va, bytes, page;
	uint8_t touched[MAX_PAGES];
};

struct model {
	struct model_region r[SPACES][SLOTS];
	uint64_t frames_4k, frames_2m;
};

static void check_frames(struct test_vm *vm, const struct model *m)
{
	assert_int_equal(vm->k->stats.frames_4k, m->frames_4k);
	assert_int_equal(vm->k->stats.frames_2m, m->frames_2m);
}

static void unmap_region(struct test_vm *vm, struct model *m, struct model_region *r)
{
	uint64_t n = (r->bytes + r->page - 1) / r->page, touched = 0, inv = vm->hw.invlpgs;
	for (uint64_t p = 0; p < n; p++)
		touched += r->touched[p];
	assert_int_equal(gk_sys_unmap(vm->k, r->va, r->bytes), 0);
	assert_int_equal(vm->hw.invlpgs - inv, touched);
	if (r->page == PT_PAGE_2M)
		m->frames_2m -= touched;
	else
		m->frames_4k -= touched;
	r->va = 0;
}

static void map_region(struct test_vm *vm, struct model_region *r, uint64_t guest_page, uint64_t rnd)
{
	bool large = guest_page == PT_PAGE_2M && (rnd >> 20) % 3 == 0;
	r->page = large ? PT_PAGE_2M : PT_PAGE_4K;
	r->bytes = 1 + (rnd >> 24) % (MAX_PAGES * r->page - (large ? PT_PAGE_2M : 0)) + (large ? PT_PAGE_2M : 0);
	for (unsigned p = 0; p < MAX_PAGES; p++)
		r->touched[p] = 0;
	r->va = gk_sys_map(vm->k, r->bytes);
	assert_int_not_equal(r->va, 0);
	assert_int_equal(r->va % r->page, 0);
}

/* A page of the region is mapped exactly when it was touched; an untouched one faults in. */
static void touch_region(struct test_vm *vm, struct model *m, struct model_region *r, int cur, uint64_t rnd)
{
	uint64_t off = (rnd >> 24) % r->bytes, p = off / r->page;
	struct pt_walk w;
	int present = th_walk(vm, cur, r->va + off, &w) == PT_WALK_OK;
	assert_int_equal(present, r->touched[p]);
	if (present)
		return;
	assert_int_equal(gk_page_fault(vm->k, r->va + off, PF_ERR_U | PF_ERR_W), 0);
	r->touched[p] = 1;
	if (r->page == PT_PAGE_2M)
		m->frames_2m++;
	else
		m->frames_4k++;
	assert_int_equal(th_walk(vm, cur, r->va + off, &w), PT_WALK_OK);
	assert_int_equal(w.page_size, r->page);
}

/* After every region is unmapped: every frame and table returned, free pool pages zero. */
static void check_all_returned(struct test_vm *vm, const struct model *m)
{
	check_frames(vm, m);
	assert_int_equal(m->frames_4k + m->frames_2m, 0);
	assert_int_equal(vm->k->stats.pool_pages, SPACES); /* only the roots */
	uint64_t reachable;
	assert_int_equal(th_dirty_free_pool_pages(vm, &reachable), 0);
	assert_int_equal(reachable, SPACES);
	assert_int_equal(vm->hw.pt_writes_outside_pool, 0);
	/* all RAM can be had again as 2 MiB frames: nothing leaked, chunks coalesced */
	uint64_t n = 0;
	while (gk_frame_alloc(vm->k, PT_PAGE_2M) != GK_NO_FRAME)
		n++;
	assert_int_equal(n, 512 * MiB / PT_PAGE_2M);
}

static void run(unsigned levels, uint64_t guest_page, uint64_t seed)
{
	struct test_vm vm;
	th_boot(&vm, 512 * MiB, 16 * MiB, levels, guest_page);
	struct model *m = calloc(1, sizeof(*m));
	int cur = 0;
	for (int s = 1; s < SPACES; s++)
		assert_int_equal(gk_as_create(vm.k), s);

	for (int step = 0; step < 4000; step++) {
		uint64_t rnd = wl_rand_next(&seed);
		struct model_region *r = &m->r[cur][rnd % SLOTS];
		unsigned op = (unsigned)(rnd >> 8) % 16;
		if (op == 0) {
			cur = (int)((rnd >> 16) % SPACES);
			assert_int_equal(gk_as_switch(vm.k, cur), 0);
		} else if (r->va == 0 && op < 4) {
			map_region(&vm, r, guest_page, rnd);
		} else if (r->va != 0 && op == 4) {
			unmap_region(&vm, m, r);
		} else if (r->va != 0) {
			touch_region(&vm, m, r, cur, rnd);
		}
		check_frames(&vm, m);
	}
	for (int s = 0; s < SPACES; s++) {
		assert_int_equal(gk_as_switch(vm.k, s), 0);
		for (int i = 0; i < SLOTS; i++)
			if (m->r[s][i].va)
				unmap_region(&vm, m, &m->r[s][i]);
	}
	check_all_returned(&vm, m);
	free(m);
	th_teardown(&vm);
}

static void random_4k_4level(void **state) { (void)state; run(4, PT_PAGE_4K, 1); }
static void random_2m_4level(void **state) { (void)state; run(4, PT_PAGE_2M, 2); }
static void random_2m_5level(void **state) { (void)state; run(5, PT_PAGE_2M, 3); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_4k_4level),
		cmocka_unit_test(random_2m_4level),
		cmocka_unit_test(random_2m_5level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
