/* test_coherence.c — shadow coherence as a property: after every step of a long random
 * sequence, every translation the shadow holds, in every cached shadow root, equals what
 * the guest's tables and the p2m say (same host address, no more rights), and every access
 * lands on that host address.
 *   1. raw guest: the test edits guest page tables itself (trapped writes) — maps, unmaps,
 *      remaps, rights and D changes, cleared upper entries, tables aliased within and across
 *      address spaces — and switches between roots; no TLB, page-walk caches on;
 *   2. the real guest kernel (guest/) mapping, touching and unmapping regions in several
 *      address spaces, with TLB and PCIDs on; its own bookkeeping must also agree with the
 *      exit counters (every PTE write, CR3 load and invlpg trapped exactly once).
 * Both run also with write flooding on, which unshadows and reshadows tables all along. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <cmocka.h>

#include "guest/gk.h"
#include "tests/shadow/fixture.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

/* ---- 1. raw guest tables ------------------------------------------------------------------ */

#define RAW_ROOTS 3
#define RAW_AREAS 4       /* 1 GiB apart: separate level-3 entries */
#define RAW_PAGES 24      /* per area, spanning two level-1 tables */
#define RAW_STEPS 3000

static const uint64_t RAW_VA = 0x00007f0000000000ULL;

struct raw {
	struct fx f;
	uint64_t roots[RAW_ROOTS];
	int cur;
	uint64_t rng;
};

static uint64_t raw_gva(unsigned i)
{
	unsigned area = i / RAW_PAGES, page = i % RAW_PAGES;
	return RAW_VA + area * PT_PAGE_1G + (page < RAW_PAGES / 2 ? page : PT_ENTRIES - RAW_PAGES + page) * PT_PAGE_4K;
}

static uint64_t raw_random_gva(struct raw *r) { return raw_gva((unsigned)rng_below(&r->rng, RAW_AREAS * RAW_PAGES)); }

/* gpa of the entry at `level` on gva's path under root, or 0 when the path stops above it. */
static uint64_t raw_entry_gpa(struct raw *r, uint64_t root, uint64_t gva, unsigned level)
{
	struct pt_walk w;
	pt_walk(&pt_format_x86, 4, root, gva, 0, &r->f.gmem, &w);
	if (w.level > level || w.status == PT_WALK_MEM_FAULT)
		return 0;
	return w.tables[level] + pt_index(gva, level) * 8ULL;
}

static uint64_t raw_read(struct raw *r, uint64_t gpa) { return *(uint64_t *)mmu_gpa_ptr(&r->f.vm, gpa); }

static void raw_write(struct raw *r, uint64_t gpa, uint64_t v) { mmu_pt_write(&r->f.vm, gpa, v); }

static uint64_t raw_random_frame(struct raw *r) { return (1 + rng_below(&r->rng, 4000)) * PT_PAGE_4K; }

/* One random guest action. */
static void raw_step(struct raw *r)
{
	uint64_t root = r->roots[rng_below(&r->rng, RAW_ROOTS)], gva = raw_random_gva(r), e, gpa;
	struct fx *f = &r->f;
	switch (rng_below(&r->rng, 12)) {
	case 0: case 1: case 2: case 3: /* map (tables created as needed) */
		f->root = root;
		fx_map(f, gva, raw_random_frame(r), PT_PAGE_4K, FX_USER_RW | (rng_below(&r->rng, 2) ? X86_D : 0));
		break;
	case 4: /* unmap */
		pt_unmap(&pt_format_x86, 4, root, gva, &f->gmem, &e);
		break;
	case 5: /* remap the leaf to another frame */
		if ((gpa = raw_entry_gpa(r, root, gva, 1)) && (e = raw_read(r, gpa)) & X86_P)
			raw_write(r, gpa, (e & ~PT_ADDR_MASK) | raw_random_frame(r));
		break;
	case 6: /* flip RW, US or D of the leaf */
		if ((gpa = raw_entry_gpa(r, root, gva, 1)) && (e = raw_read(r, gpa)) & X86_P)
			raw_write(r, gpa, e ^ (rng_below(&r->rng, 3) == 0 ? X86_RW : rng_below(&r->rng, 2) ? X86_US : X86_D));
		break;
	case 7: /* now and then, clear an upper entry (its table is orphaned) */
		if (rng_below(&r->rng, 3) == 0 && (gpa = raw_entry_gpa(r, root, gva, 2 + (unsigned)rng_below(&r->rng, 3))))
			raw_write(r, gpa, 0);
		break;
	case 8: { /* alias: make an upper entry point where another path's does */
		unsigned level = 2 + (unsigned)rng_below(&r->rng, 3);
		uint64_t other = raw_entry_gpa(r, r->roots[rng_below(&r->rng, RAW_ROOTS)], raw_random_gva(r), level);
		if ((gpa = raw_entry_gpa(r, root, gva, level)) && other)
			raw_write(r, gpa, raw_read(r, other));
		break;
	}
	case 9: /* address-space switch */
		r->cur = (int)rng_below(&r->rng, RAW_ROOTS);
		mmu_cr3_load(&f->vm, r->roots[r->cur], (uint16_t)(r->cur + 1));
		break;
	default: { /* the guest touches a page of the current space */
		void *p;
		mmu_access(&f->vm, gva, (rng_below(&r->rng, 2) ? MMU_WRITE : MMU_READ) | MMU_USER, &p);
		mmu_invlpg(&f->vm, raw_random_gva(r)); /* and, now and then, flushes one */
		break;
	}
	}
}

/* The shadow of root may hold nothing the guest + p2m do not say, with no more rights. */
static void raw_check_shadow(struct raw *r, uint64_t root, uint64_t gva)
{
	uint64_t shpa, ref;
	bool writable;
	struct pt_walk w;
	if (shadow_translate(&r->f.vm, root, gva, &shpa, &writable) != 0)
		return;
	assert_true(sfx_reference(&r->f, root, gva, &ref, &w));
	assert_int_equal(shpa, ref);
	assert_true(!writable || (w.writable && (w.entry & X86_D)));
}

/* In the current space, an access succeeds exactly when the guest allows it, and lands on
 * the reference host byte. */
static void raw_check_access(struct raw *r, uint64_t gva, unsigned access)
{
	uint64_t root = r->roots[r->cur], ref;
	struct pt_walk w;
	void *p = NULL;
	bool mapped = sfx_reference(&r->f, root, gva, &ref, &w) ||
		      (w.status == PT_WALK_OK && w.pa < FX_RAM); /* mapped, frame not backed yet */
	bool allowed = mapped && w.user && (!(access & MMU_WRITE) || w.writable);
	int rc = mmu_access(&r->f.vm, gva + 8, access, &p);
	assert_int_equal(rc == 0, allowed);
	if (rc == 0) {
		assert_true(sfx_reference(&r->f, root, gva, &ref, &w)); /* backed now */
		assert_ptr_equal(p, hostmem_ptr(&r->f.vm.host, ref + 8));
	}
}

static void run_raw_guest(bool write_flood)
{
	struct raw r = { .rng = 0x9e3779b97f4a7c15ULL };
	assert_int_equal(sfx_init(&r.f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, true), 0);
	r.f.vm.cfg.shadow_write_flood = write_flood;
	r.roots[0] = r.f.root;
	for (int i = 1; i < RAW_ROOTS; i++)
		r.roots[i] = fx_alloc(&r.f);
	uint64_t pt0 = r.f.vm.exits.pt_write;
	for (int step = 0; step < RAW_STEPS; step++) {
		raw_step(&r);
		for (int k = 0; k < RAW_ROOTS; k++)
			for (unsigned i = 0; i < RAW_AREAS * RAW_PAGES; i++)
				raw_check_shadow(&r, r.roots[k], raw_gva(i));
		raw_check_access(&r, raw_random_gva(&r), (rng_below(&r.rng, 2) ? MMU_WRITE : MMU_READ) | MMU_USER);
	}
	/* the sequence did exercise what it claims to */
	assert_true(r.f.vm.exits.pt_write - pt0 > RAW_STEPS / 4);
	assert_true(r.f.vm.exits.hidden_fault > RAW_STEPS / 10);
	assert_true(shadow_of(&r.f.vm)->tables.zapped > RAW_STEPS / 20);
	assert_true(shadow_of(&r.f.vm)->tables.freed > 10);
	assert_true(write_flood ? shadow_of(&r.f.vm)->flood_unprotects > 10 : shadow_of(&r.f.vm)->flood_unprotects == 0);
	assert_int_equal(r.f.vm.exits.ept_violation, 0);
	mmu_vm_fini(&r.f.vm);
}

static void test_raw_guest_random(void **s)
{
	(void)s;
	run_raw_guest(false);
	run_raw_guest(true); /* tables unshadowed and reshadowed all along */
}

/* ---- 2. the guest kernel ------------------------------------------------------------------ */

#define GK_RAM (48ULL << 20)
#define GK_POOL (8ULL << 20)
#define GK_SPACES 4
#define GK_REGIONS 6
#define GK_STEPS 1500

static uint64_t hal_read(void *hw, uint64_t gpa) { return *(uint64_t *)mmu_gpa_ptr(hw, gpa); }
static void hal_write(void *hw, uint64_t gpa, uint64_t v) { *(uint64_t *)mmu_gpa_ptr(hw, gpa) = v; }
static void hal_zero(void *hw, uint64_t gpa, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += PT_PAGE_4K) /* host pages need not be contiguous */
		memset(mmu_gpa_ptr(hw, gpa + off), 0, PT_PAGE_4K);
}
static void hal_pt_write(void *hw, uint64_t gpa, uint64_t v) { mmu_pt_write(hw, gpa, v); }
static void hal_cr3(void *hw, uint64_t root, uint16_t asid) { mmu_cr3_load(hw, root, asid); }
static void hal_invlpg(void *hw, uint64_t gva) { mmu_invlpg(hw, gva); }

struct gk_region_ref {
	uint64_t va, bytes;
};

struct gkt {
	struct mmu_vm vm;
	struct gk *k;
	int spaces;
	struct gk_region_ref reg[GK_SPACES][GK_REGIONS];
	uint64_t rng;
};

static void gkt_boot(struct gkt *t, unsigned levels, uint64_t guest_page, uint64_t host_page, bool write_flood)
{
	struct mmu_config cfg = { .levels = levels, .guest_page = guest_page, .host_page = host_page,
				  .tlb_entries = 64, .pwc = true, .pcid = true, .ram_bytes = GK_RAM,
				  .pt_pool_bytes = GK_POOL, .shadow_write_flood = write_flood,
				  .cost = mmu_cost_defaults() };
	struct gk_hal hal = { .phys_read = hal_read, .phys_write = hal_write, .phys_zero = hal_zero,
			      .pt_write = hal_pt_write, .cr3_load = hal_cr3, .invlpg = hal_invlpg, .hw = &t->vm };
	struct gk_boot_info bi = { .magic = GK_BOOT_MAGIC, .version = GK_BOOT_VERSION, .flags = GK_BOOT_SHADOW,
				   .ram_base = 0, .ram_bytes = GK_RAM, .pt_pool_base = GK_RAM,
				   .pt_pool_bytes = GK_POOL, .levels = levels, .guest_page = guest_page };
	assert_int_equal(mmu_vm_init(&t->vm, &cfg, &shadow_strategy), 0);
	t->k = malloc(sizeof(*t->k));
	assert_non_null(t->k);
	t->vm.guest = t->k;
	t->vm.guest_pf = gk_page_fault_cb;
	assert_int_equal(gk_boot(t->k, &hal, &bi), 0);
	t->spaces = 1;
}

static void gkt_fini(struct gkt *t)
{
	mmu_vm_fini(&t->vm);
	free(t->k);
}

/* Reference: the guest kernel's tables of space `as`, read-only, then the p2m. */
static bool gkt_reference(struct gkt *t, int as, uint64_t gva, uint64_t *hpa, struct pt_walk *w)
{
	struct pt_mem ro = *gk_pt_mem(t->k);
	ro.write = NULL;
	if (pt_walk(&pt_format_x86, t->k->levels, gk_as_root(t->k, as), gva, 0, &ro, w) != PT_WALK_OK)
		return false;
	return p2m_lookup(p2m_from(t->vm.p2m), w->pa, hpa) == 0;
}

static void gkt_check_page(struct gkt *t, int as, uint64_t gva)
{
	uint64_t shpa, ref;
	bool writable;
	struct pt_walk w;
	if (shadow_translate(&t->vm, gk_as_root(t->k, as), gva, &shpa, &writable) != 0)
		return;
	assert_true(gkt_reference(t, as, gva, &ref, &w));
	assert_int_equal(shpa, ref);
	assert_true(!writable || (w.writable && (w.entry & X86_D)));
}

/* Every page of every region (and the guard page after it) of every space. */
static void gkt_check_all(struct gkt *t)
{
	for (int as = 0; as < t->spaces; as++)
		for (int i = 0; i < GK_REGIONS; i++) {
			const struct gk_region_ref *g = &t->reg[as][i];
			for (uint64_t off = 0; g->bytes && off <= g->bytes; off += PT_PAGE_4K)
				gkt_check_page(t, as, g->va + off);
		}
}

static void gkt_touch(struct gkt *t)
{
	int as = gk_current_as(t->k);
	const struct gk_region_ref *g = &t->reg[as][rng_below(&t->rng, GK_REGIONS)];
	if (!g->bytes)
		return;
	uint64_t gva = g->va + 8 * rng_below(&t->rng, g->bytes / 8), ref, v = rng_next(&t->rng);
	struct pt_walk w;
	uint64_t *p;
	assert_int_equal(mmu_access(&t->vm, gva, MMU_WRITE | MMU_USER, (void **)&p), 0);
	*p = v;
	assert_true(gkt_reference(t, as, gva, &ref, &w));
	assert_ptr_equal(p, hostmem_ptr(&t->vm.host, ref));
	assert_int_equal(*(uint64_t *)mmu_gpa_ptr(&t->vm, w.pa), v);
	assert_int_equal(mmu_access(&t->vm, gva, MMU_READ | MMU_USER, (void **)&p), 0);
	assert_int_equal(*p, v);
}

static void gkt_step(struct gkt *t)
{
	int as = gk_current_as(t->k);
	struct gk_region_ref *g = &t->reg[as][rng_below(&t->rng, GK_REGIONS)];
	switch (rng_below(&t->rng, 8)) {
	case 0: /* map a region (or unmap and remap the slot) */
		if (g->bytes)
			assert_int_equal(gk_sys_unmap(t->k, g->va, g->bytes), 0);
		g->bytes = (1 + rng_below(&t->rng, 40)) * PT_PAGE_4K + (rng_below(&t->rng, 3) == 0 ? PT_PAGE_2M : 0);
		g->va = gk_sys_map(t->k, g->bytes);
		assert_true(g->va != 0);
		break;
	case 1: /* unmap */
		if (g->bytes)
			assert_int_equal(gk_sys_unmap(t->k, g->va, g->bytes), 0);
		g->bytes = 0;
		break;
	case 2: /* switch, creating a space now and then */
		if (t->spaces < GK_SPACES && rng_below(&t->rng, 2))
			assert_int_equal(gk_as_create(t->k), t->spaces++);
		assert_int_equal(gk_as_switch(t->k, (int)rng_below(&t->rng, t->spaces)), 0);
		break;
	default:
		gkt_touch(t);
		break;
	}
}

static void run_guest_kernel(unsigned levels, uint64_t guest_page, uint64_t host_page, bool write_flood,
			     uint64_t seed)
{
	struct gkt *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->rng = seed;
	gkt_boot(t, levels, guest_page, host_page, write_flood);
	for (int step = 0; step < GK_STEPS; step++) {
		gkt_step(t);
		gkt_check_all(t);
	}
	/* every guest PTE write, CR3 load and invlpg trapped exactly once — PTE writes to tables
	 * that write flooding unprotected excepted */
	uint64_t unprotected = shadow_of(&t->vm)->unprotected_writes;
	assert_int_equal(t->vm.exits.pt_write + unprotected, t->k->stats.pt_writes);
	assert_true(write_flood ? unprotected > 0 : unprotected == 0);
	assert_int_equal(t->vm.exits.cr3_load, t->k->stats.switches);
	assert_int_equal(t->vm.exits.invlpg, t->k->stats.invlpgs);
	assert_true(t->k->stats.unmaps > 50 && t->k->stats.switches > 50);
	assert_true(t->vm.exits.hidden_fault >= t->k->stats.faults);
	assert_int_equal(t->vm.exits.ept_violation, 0);
	gkt_fini(t);
	free(t);
}

static void test_guest_kernel_random(void **s)
{
	(void)s;
	run_guest_kernel(4, PT_PAGE_4K, PT_PAGE_4K, false, 1);
	run_guest_kernel(5, PT_PAGE_4K, PT_PAGE_2M, false, 2);
	run_guest_kernel(4, PT_PAGE_2M, PT_PAGE_4K, false, 3);
	run_guest_kernel(4, PT_PAGE_2M, PT_PAGE_2M, false, 4);
	run_guest_kernel(4, PT_PAGE_4K, PT_PAGE_4K, true, 5);
	run_guest_kernel(5, PT_PAGE_2M, PT_PAGE_4K, true, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_guest_random),
		cmocka_unit_test(test_guest_kernel_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
