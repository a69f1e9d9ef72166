/* test_shadow.c — shadow paging on a hand-built guest: exact walk references for every
 * level / guest page / host page combination, A/D emulation, the PWC over shadow tables,
 * trapped PTE writes / CR3 loads / invlpg and their counters, the root cache and its
 * eviction, p2m changes, guest entries that must be refused without harm, the
 * write-flooding option, and the VMM-owned root entry kvm uses for the guest kernel's half. */
#include <errno.h>

#include "tests/shadow/fixture.h"

static uint64_t guest_leaf(struct fx *f, uint64_t va) { return *(uint64_t *)mmu_gpa_ptr(&f->vm, fx_leaf_gpa(f, va)); }

/* The shadow leaf is the smaller of guest and host page; each level above it is one read. */
static unsigned expected_refs(unsigned levels, uint64_t guest_page, uint64_t host_page)
{
	uint64_t leaf = guest_page < host_page ? guest_page : host_page;
	unsigned levels_below_leaf = 0;
	for (uint64_t s = PT_PAGE_4K; s < leaf; s <<= 9)
		levels_below_leaf++;
	return levels - levels_below_leaf;
}

/* --tlb 0 --pwc off: once filled, every access is one walk of exactly the shadow's depth,
 * and reaches the same host byte as the guest tables + p2m do. */
static void test_walk_refs_all_combinations(void **s)
{
	(void)s;
	for (unsigned i = 0; i < FX_SHAPES; i++) {
		struct fx_shape sh = fx_shape_at(i);
		struct fx f;
		unsigned expect = expected_refs(sh.levels, sh.guest_page, sh.host_page);
		assert_int_equal(sfx_init(&f, sh.levels, sh.guest_page, sh.host_page, 0, false), 0);
		assert_int_equal(fx_map(&f, FX_VA, FX_GPA, sh.guest_page, FX_USER_RW), 0);
		/* first read and first write: one hidden fault each (fill, then D) */
		fx_access_ok(&f, FX_VA + 0x238, MMU_READ | MMU_USER);
		fx_access_ok(&f, FX_VA + 0x238, MMU_WRITE | MMU_USER);
		assert_int_equal(f.vm.exits.hidden_fault, 2);
		uint8_t *direct = mmu_gpa_ptr(&f.vm, FX_GPA + 0x238);
		for (unsigned a = 0; a < 2; a++)
			fx_assert_one_walk(&f, FX_VA + 0x238, fx_user_accesses[a], direct, expect);
		assert_int_equal(f.vm.exits.hidden_fault, 2);
		assert_int_equal(f.vm.exits.ept_violation, 0);
		mmu_vm_fini(&f.vm);
	}
}

/* A is set in the guest leaf by the fill, D only by the first write, which faults because
 * a clean page is mapped read-only in the shadow; a guest that clears D gets it set again. */
static void test_accessed_dirty_emulation(void **s)
{
	(void)s;
	struct fx f;
	uint64_t hpa;
	bool writable;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 64, false), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	assert_false(guest_leaf(&f, FX_VA) & X86_A);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_true(guest_leaf(&f, FX_VA) & X86_A);
	assert_false(guest_leaf(&f, FX_VA) & X86_D);
	assert_int_equal(shadow_translate(&f.vm, f.root, FX_VA, &hpa, &writable), 0);
	assert_false(writable);
	fx_access_ok(&f, FX_VA, MMU_WRITE | MMU_USER);
	assert_true(guest_leaf(&f, FX_VA) & X86_D);
	assert_int_equal(shadow_translate(&f.vm, f.root, FX_VA, &hpa, &writable), 0);
	assert_true(writable);
	assert_int_equal(f.vm.exits.hidden_fault, 2);
	/* the guest clears D (and flushes): the write traps, the shadow leaf goes */
	uint64_t w0 = f.vm.exits.pt_write;
	mmu_pt_write(&f.vm, fx_leaf_gpa(&f, FX_VA), guest_leaf(&f, FX_VA) & ~X86_D);
	mmu_invlpg(&f.vm, FX_VA);
	assert_int_equal(f.vm.exits.pt_write, w0 + 1);
	assert_int_equal(shadow_translate(&f.vm, f.root, FX_VA, &hpa, &writable), -ENOENT);
	fx_access_ok(&f, FX_VA, MMU_WRITE | MMU_USER);
	assert_true(guest_leaf(&f, FX_VA) & X86_D);
	assert_int_equal(f.vm.exits.hidden_fault, 3);
	mmu_vm_fini(&f.vm);
}

/* The PWC works over shadow tables: a neighbour resumes at the leaf level. */
static void test_pwc_over_shadow_tables(void **s)
{
	(void)s;
	struct fx f;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, true), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	assert_int_equal(fx_map(&f, FX_VA + 4096, FX_GPA + 4096, PT_PAGE_4K, FX_USER_RW), 0);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	fx_access_ok(&f, FX_VA + 4096, MMU_READ | MMU_USER);
	struct mmu_counters c0 = f.vm.user;
	fx_access_ok(&f, FX_VA + 4096, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.user.pwc_hits - c0.pwc_hits, 3);
	assert_int_equal(f.vm.user.walk_refs - c0.walk_refs, 1);
	/* unlinking the guest's level-1 table frees its shadow: the PWC must not resume into it */
	uint64_t l1_entry_gpa;
	{
		struct pt_walk w;
		pt_walk(&pt_format_x86, 4, f.root, FX_VA, 0, &f.gmem, &w);
		l1_entry_gpa = w.tables[2] + pt_index(FX_VA, 2) * 8ULL;
	}
	uint64_t live = shadow_of(&f.vm)->tables.live;
	mmu_pt_write(&f.vm, l1_entry_gpa, 0);
	assert_int_equal(shadow_of(&f.vm)->tables.live, live - 1);
	void *p;
	assert_int_equal(mmu_access(&f.vm, FX_VA + 4096, MMU_READ | MMU_USER, &p), -EFAULT); /* guest #PF, fatal */
	assert_int_equal(f.last_err, PF_ERR_U);
	mmu_vm_fini(&f.vm);
}

/* invlpg traps and drops the shadow leaf; CR3 loads trap; roots are cached per guest root. */
static void test_traps_and_root_cache(void **s)
{
	(void)s;
	struct fx f;
	uint64_t hpa;
	bool wr;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 64, false), 0);
	assert_int_equal(f.vm.exits.cr3_load, 1);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	mmu_invlpg(&f.vm, FX_VA);
	assert_int_equal(f.vm.exits.invlpg, 1);
	assert_int_equal(shadow_translate(&f.vm, f.root, FX_VA, &hpa, &wr), -ENOENT);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.exits.hidden_fault, 2);

	/* more guest roots than the cache holds, each mapping FX_VA to its own frame */
	uint64_t roots[SHADOW_MAX_ROOTS + 2];
	roots[0] = f.root;
	for (unsigned i = 1; i < SHADOW_MAX_ROOTS + 2; i++) {
		roots[i] = f.root = fx_alloc(&f);
		assert_int_equal(fx_map(&f, FX_VA, FX_GPA + i * PT_PAGE_4K, PT_PAGE_4K, FX_USER_RW), 0);
	}
	uint64_t h0 = f.vm.exits.hidden_fault, c0 = f.vm.exits.cr3_load;
	for (unsigned i = 1; i < SHADOW_MAX_ROOTS; i++) { /* fills the cache exactly */
		mmu_cr3_load(&f.vm, roots[i], (uint16_t)(i + 1));
		assert_ptr_equal(fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), mmu_gpa_ptr(&f.vm, FX_GPA + i * PT_PAGE_4K));
	}
	assert_int_equal(f.vm.exits.hidden_fault - h0, SHADOW_MAX_ROOTS - 1);
	/* back to a cached root: its tree is still filled (the TLB was flushed: pcid is off) */
	h0 = f.vm.exits.hidden_fault;
	mmu_cr3_load(&f.vm, roots[0], 1);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.exits.hidden_fault, h0);
	assert_int_equal(shadow_of(&f.vm)->roots.evicted, 0);
	/* one more root evicts the least recently used (roots[1]); going back to it refills */
	mmu_cr3_load(&f.vm, roots[SHADOW_MAX_ROOTS], 99);
	assert_int_equal(shadow_of(&f.vm)->roots.evicted, 1);
	assert_int_equal(shadow_translate(&f.vm, roots[1], FX_VA, &hpa, &wr), -ENOENT);
	assert_int_equal(shadow_translate(&f.vm, roots[2], FX_VA, &hpa, &wr), 0);
	mmu_cr3_load(&f.vm, roots[1], 2);
	h0 = f.vm.exits.hidden_fault;
	assert_ptr_equal(fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), mmu_gpa_ptr(&f.vm, FX_GPA + PT_PAGE_4K));
	assert_int_equal(f.vm.exits.hidden_fault, h0 + 1);
	assert_int_equal(f.vm.exits.cr3_load - c0, SHADOW_MAX_ROOTS + 2);
	assert_int_equal(f.vm.exits.ept_violation, 0);
	mmu_vm_fini(&f.vm);
}

/* Every page-table write traps, whether or not anything shadows the table yet. */
static void test_pt_writes_counted(void **s)
{
	(void)s;
	struct fx f;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 64, false), 0);
	uint64_t w0 = f.vm.exits.pt_write;
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(fx_map(&f, FX_VA + i * PT_PAGE_4K, FX_GPA + i * PT_PAGE_4K, PT_PAGE_4K, FX_USER_RW), 0);
	/* 64 leaves + one link at each of levels 4, 3, 2 */
	assert_int_equal(f.vm.exits.pt_write - w0, 64 + 3);
	mmu_vm_fini(&f.vm);
}

/* Guest entries outside guest memory, onto its page tables, or forbidding the access. */
static void test_refused_and_faulting_entries(void **s)
{
	(void)s;
	struct fx f;
	void *p;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, false), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	uint64_t leaf_gpa = fx_leaf_gpa(&f, FX_VA), good = guest_leaf(&f, FX_VA);
	fx_access_ok(&f, FX_VA, MMU_WRITE | MMU_USER);
	/* leaf outside guest memory: refused, nothing shadowed, no crash */
	mmu_pt_write(&f.vm, leaf_gpa, (good & ~PT_ADDR_MASK) | (1ULL << 40));
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.vm.exits.mmio, 1);
	/* the last guest page before the end of guest memory is fine; one page on is not */
	mmu_pt_write(&f.vm, leaf_gpa, (good & ~PT_ADDR_MASK) | (FX_RAM + FX_POOL - PT_PAGE_4K));
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	mmu_pt_write(&f.vm, leaf_gpa, (good & ~PT_ADDR_MASK) | (FX_RAM + FX_POOL));
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	/* a table link outside guest memory */
	struct pt_walk w;
	pt_walk(&pt_format_x86, 4, f.root, FX_VA, 0, &f.gmem, &w);
	uint64_t l2_gpa = w.tables[2] + pt_index(FX_VA, 2) * 8ULL, l2 = w.entries[2];
	mmu_pt_write(&f.vm, l2_gpa, (l2 & ~PT_ADDR_MASK) | (1ULL << 45));
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	mmu_pt_write(&f.vm, l2_gpa, l2);
	/* a user mapping of a guest page table: readable, never writable */
	mmu_pt_write(&f.vm, leaf_gpa, (good & ~PT_ADDR_MASK) | FX_RAM | X86_D);
	assert_ptr_equal(fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), mmu_gpa_ptr(&f.vm, FX_RAM));
	uint64_t m0 = f.vm.exits.mmio;
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_WRITE | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.vm.exits.mmio, m0 + 1);
	/* true guest faults carry the x86 error code */
	mmu_pt_write(&f.vm, leaf_gpa, good & ~X86_P);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.last_err, PF_ERR_U);
	mmu_pt_write(&f.vm, leaf_gpa, good & ~X86_RW);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_WRITE | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.last_err, PF_ERR_P | PF_ERR_W | PF_ERR_U);
	mmu_pt_write(&f.vm, leaf_gpa, good & ~X86_US);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.last_err, PF_ERR_P | PF_ERR_U);
	fx_access_ok(&f, FX_VA, MMU_READ); /* the kernel may */
	/* a guest root outside guest memory */
	mmu_cr3_load(&f.vm, 1ULL << 44, 7);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.vm.exits.ept_violation, 0);
	mmu_vm_fini(&f.vm);
}

/* Reclaim behind the guest's back (p2m_unback) drops the shadow: the guest then sees a fresh
 * zero frame, backed in the hidden-fault path (no EPT violation under shadow). */
static void test_p2m_change_drops_shadow(void **s)
{
	(void)s;
	struct fx f;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_2M, 64, true), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	uint64_t *d = fx_access_ok(&f, FX_VA, MMU_WRITE | MMU_USER);
	*d = 7;
	assert_int_equal(p2m_unback(p2m_from(f.vm.p2m), FX_GPA, P2M_RECLAIMED), 0);
	uint64_t h0 = f.vm.exits.hidden_fault;
	d = fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_int_equal(*d, 0);
	assert_ptr_equal(d, mmu_gpa_ptr(&f.vm, FX_GPA));
	assert_int_equal(f.vm.exits.hidden_fault, h0 + 1);
	assert_int_equal(f.vm.exits.ept_violation, 0);
	mmu_vm_fini(&f.vm);
}

/* Write flooding (option): a guest table written 3 times with no fault through it stops being
 * shadowed and its writes stop trapping, until a fault shadows it again; writes interleaved
 * with faults never flood. */
static void test_write_flooding(void **s)
{
	(void)s;
	for (int flood = 0; flood <= 1; flood++) {
		struct fx f;
		assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 64, true), 0);
		f.vm.cfg.shadow_write_flood = flood;
		struct shadow *sh = shadow_of(&f.vm);
		for (unsigned i = 0; i < 8; i++) { /* map, fault, map, fault...: never floods */
			assert_int_equal(fx_map(&f, FX_VA + i * PT_PAGE_4K, FX_GPA + i * PT_PAGE_4K, PT_PAGE_4K, FX_USER_RW), 0);
			fx_access_ok(&f, FX_VA + i * PT_PAGE_4K, MMU_READ | MMU_USER);
		}
		assert_int_equal(sh->flood_unprotects, 0);
		uint64_t w0 = f.vm.exits.pt_write, live = sh->tables.live, hpa;
		bool wr;
		for (unsigned i = 0; i < 8; i++) { /* unmap all eight in a row, as a guest does */
			mmu_pt_write(&f.vm, fx_leaf_gpa(&f, FX_VA + i * PT_PAGE_4K), 0);
			mmu_invlpg(&f.vm, FX_VA + i * PT_PAGE_4K);
		}
		assert_int_equal(f.vm.exits.pt_write - w0, flood ? 3 : 8);
		assert_int_equal(sh->flood_unprotects, flood ? 1 : 0);
		assert_int_equal(sh->unprotected_writes, flood ? 5 : 0);
		assert_int_equal(sh->tables.live, flood ? live - 1 : live); /* the level-1 shadow went */
		for (unsigned i = 0; i < 8; i++)
			assert_int_equal(shadow_translate(&f.vm, f.root, FX_VA + i * PT_PAGE_4K, &hpa, &wr), -ENOENT);
		/* remap one page: written freely under flooding; the fault shadows (protects) it again */
		w0 = f.vm.exits.pt_write;
		assert_int_equal(fx_map(&f, FX_VA, FX_GPA + 0x10000, PT_PAGE_4K, FX_USER_RW), 0);
		assert_int_equal(f.vm.exits.pt_write - w0, flood ? 0 : 1);
		assert_ptr_equal(fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), mmu_gpa_ptr(&f.vm, FX_GPA + 0x10000));
		assert_int_equal(fx_map(&f, FX_VA + PT_PAGE_4K, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
		assert_int_equal(f.vm.exits.pt_write - w0, flood ? 1 : 2);
		assert_ptr_equal(fx_access_ok(&f, FX_VA + PT_PAGE_4K, MMU_READ | MMU_USER), mmu_gpa_ptr(&f.vm, FX_GPA));
		mmu_vm_fini(&f.vm);
	}
}

static uint64_t shadow_entry(const struct shadow *sh, const struct shadow_page *sp, unsigned i)
{
	uint64_t e = 0;
	sh->tables.mem->read(sh->tables.mem->ctx, sp->table, i, &e);
	return e;
}

/* A VMM-owned root entry (on kvm: the guest kernel's half) is in every root built after it is
 * set and survives guest writes to that entry; zapping a link that is not the entry's own
 * child clears it without freeing what it links, which another root still uses. */
static void test_fixed_root_entry(void **s)
{
	(void)s;
	struct fx f;
	uint64_t hpa;
	bool wr;
	assert_int_equal(sfx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 64, false), 0);
	struct shadow *sh = shadow_of(&f.vm);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	const struct shadow_page *first = shadow_roots_peek(&sh->roots, f.root);
	uint64_t link = shadow_entry(sh, first, pt_index(FX_VA, 4));
	assert_true(link & X86_P);

	sh->tables.fixed_entry = link;
	sh->tables.fixed_index = 7;
	uint64_t root2 = fx_alloc(&f);
	mmu_cr3_load(&f.vm, root2, 2);
	struct shadow_page *second = shadow_roots_peek(&sh->roots, root2);
	assert_int_equal(shadow_entry(sh, second, 7), link);
	mmu_pt_write(&f.vm, root2 + 7 * 8, 0); /* the guest's own entry 7: the VMM's stays */
	assert_int_equal(shadow_entry(sh, second, 7), link);

	uint64_t live = sh->tables.live;
	assert_int_equal(shadow_entry_zap(&sh->tables, second, 7), 0);
	assert_int_equal(shadow_entry(sh, second, 7), 0);
	assert_int_equal(sh->tables.live, live);
	assert_int_equal(shadow_translate(&f.vm, f.root, FX_VA, &hpa, &wr), 0);
	mmu_vm_fini(&f.vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_refs_all_combinations),
		cmocka_unit_test(test_accessed_dirty_emulation),
		cmocka_unit_test(test_pwc_over_shadow_tables),
		cmocka_unit_test(test_traps_and_root_cache),
		cmocka_unit_test(test_pt_writes_counted),
		cmocka_unit_test(test_refused_and_faulting_entries),
		cmocka_unit_test(test_p2m_change_drops_shadow),
		cmocka_unit_test(test_write_flooding),
		cmocka_unit_test(test_fixed_root_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
