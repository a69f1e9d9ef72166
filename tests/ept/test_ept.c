/* test_ept.c — the p2m (allocation-order backing, range checks, state) and the EPT 2D strategy:
 * n*m + n + m references for every level / page-size combination, walk caches, TLB refill
 * for writes, corrupted guest and p2m entries, EPT violations per first-touched host frame. */
#include <errno.h>

#include "tests/ept/fixture.h"
#include "workloads/wl.h"

static unsigned host_levels(uint64_t host_page) { return 4 - (pt_leaf_level(host_page) - 1); }

static void test_p2m_backing_and_ranges(void **s)
{
	(void)s;
	struct hostmem h;
	struct p2m *p;
	uint64_t a, b;
	assert_int_equal(hostmem_init(&h, 4 * PT_PAGE_1G, 0), 0);
	assert_int_equal(p2m_create(&h, 8192, 3 * PT_PAGE_4K, &p), -EINVAL);
	assert_int_equal(p2m_create(&h, 16 << 20, PT_PAGE_4K, &p), 0);
	assert_int_equal(p2m_walk_levels(p), 4);
	assert_int_equal(p2m_lookup(p, 0x5000, &a), -ENOENT);
	assert_int_equal(p2m_back(p, 0x5123), 0);
	assert_int_equal(p2m_back(p, 0x0), 0);
	assert_int_equal(p2m_lookup(p, 0x5123, &a), 0);
	assert_int_equal(p2m_lookup(p, 0x0, &b), 0);
	assert_int_not_equal(a & ~0xfffULL, 0x5000); /* not identity ... */
	assert_int_not_equal(b, 0);
	assert_true(b > a);                          /* ... but allocation order */
	assert_int_equal(a & 0xfff, 0x123);
	assert_int_equal(p->backed_pages, 2);
	assert_int_equal(p2m_backed_bytes(p), 8192);
	assert_int_equal(p2m_get_state(p, 0x5000), P2M_RESIDENT);
	assert_int_equal(p2m_get_state(p, 0x6000), P2M_UNBACKED);
	/* range checks */
	assert_int_equal(p2m_back(p, 16 << 20), -EFAULT);
	assert_int_equal(p2m_lookup(p, 16 << 20, &a), -EFAULT);
	assert_int_equal(p2m_set_state(p, 16 << 20, P2M_SHARED), -EFAULT);
	assert_int_equal(p2m_unback(p, 16 << 20, P2M_RECLAIMED), -EFAULT);
	assert_int_equal(p2m_get_state(p, 1ULL << 40), P2M_UNBACKED);
	/* unback: frame gone, state set, generation bumped */
	uint64_t gen = p->map.gen;
	assert_int_equal(p2m_unback(p, 0x5000, P2M_RECLAIMED), 0);
	assert_int_equal(p2m_unback(p, 0x5000, P2M_RECLAIMED), -ENOENT);
	assert_int_equal(p2m_lookup(p, 0x5000, &a), -ENOENT);
	assert_int_equal(p2m_get_state(p, 0x5000), P2M_RECLAIMED);
	assert_int_equal(p->map.gen, gen + 1);
	assert_int_equal(p->backed_pages, 1);
	p2m_destroy(p);
	/* 2M leaves: 3 EPT levels, every 4K frame of the page becomes resident */
	assert_int_equal(p2m_create(&h, 16 << 20, PT_PAGE_2M, &p), 0);
	assert_int_equal(p2m_walk_levels(p), 3);
	assert_int_equal(p2m_back(p, 0x300000), 0);
	assert_int_equal(p2m_get_state(p, 0x200000), P2M_RESIDENT);
	assert_int_equal(p2m_get_state(p, 0x3ff000), P2M_RESIDENT);
	assert_int_equal(p2m_get_state(p, 0x400000), P2M_UNBACKED);
	struct pt_walk w;
	assert_int_equal(p2m_walk(p, 0x312345, &w), PT_WALK_OK);
	assert_int_equal(w.refs, 3);
	assert_int_equal(w.pa & (PT_PAGE_2M - 1), 0x112345);
	p2m_destroy(p);
	hostmem_fini(&h);
}

/* --tlb 0 --pwc off --ntlb off: every walk costs n*m + n + m references. */
static void test_2d_refs_formula_all_combinations(void **s)
{
	(void)s;
	for (unsigned i = 0; i < FX_SHAPES; i++) {
		struct fx_shape sh = fx_shape_at(i);
		struct fx f;
		unsigned n = sh.levels - (sh.guest_page == PT_PAGE_2M), m = host_levels(sh.host_page);
		uint64_t expect = (uint64_t)n * m + n + m;
		assert_int_equal(fx_init(&f, sh.levels, sh.guest_page, sh.host_page, 0, false, false), 0);
		assert_int_equal(fx_map(&f, FX_VA, FX_GPA, sh.guest_page, FX_USER_RW), 0);
		uint8_t *direct = mmu_gpa_ptr(&f.vm, FX_GPA + 0x238); /* back the data frame */
		assert_non_null(direct);
		for (unsigned a = 0; a < 2; a++) {
			uint64_t misses0 = f.vm.user.tlb_misses, v0 = f.vm.exits.ept_violation;
			fx_assert_one_walk(&f, FX_VA + 0x238, fx_user_accesses[a], direct, expect);
			assert_int_equal(f.vm.user.tlb_misses - misses0, 1);
			assert_int_equal(f.vm.exits.ept_violation, v0);
		}
		mmu_vm_fini(&f.vm);
	}
}

static void test_pwc_and_ntlb_save_refs(void **s)
{
	(void)s;
	struct fx f;
	struct mmu_counters c0;
	/* PWC: a neighbour in the same level-1 table resumes at level 1 */
	assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, true, false), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	assert_int_equal(fx_map(&f, FX_VA + 4096, FX_GPA + 4096, PT_PAGE_4K, FX_USER_RW), 0);
	mmu_gpa_ptr(&f.vm, FX_GPA);
	mmu_gpa_ptr(&f.vm, FX_GPA + 4096);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	c0 = f.vm.user;
	fx_access_ok(&f, FX_VA + 4096, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.user.pwc_hits - c0.pwc_hits, 3);
	assert_int_equal(f.vm.user.walk_refs - c0.walk_refs, 1 * 4 + 1 + 4);
	/* invlpg drops the PWC entries for that va: a full walk again */
	mmu_invlpg(&f.vm, FX_VA + 4096);
	c0 = f.vm.user;
	fx_access_ok(&f, FX_VA + 4096, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.user.pwc_hits - c0.pwc_hits, 0);
	assert_int_equal(f.vm.user.walk_refs - c0.walk_refs, 24);
	mmu_vm_fini(&f.vm);
	/* nested TLB: the guest-table translations hit, the data translation is walked */
	assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, false, true), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	mmu_gpa_ptr(&f.vm, FX_GPA);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	c0 = f.vm.user;
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.user.ntlb_hits - c0.ntlb_hits, 4);
	assert_int_equal(f.vm.user.walk_refs - c0.walk_refs, 4 + 4);
	mmu_vm_fini(&f.vm);
}

static void test_tlb_hits_and_write_refill(void **s)
{
	(void)s;
	struct fx f;
	uint64_t leaf;
	assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, PT_PAGE_2M, 64, false, false), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	uint64_t *lp = mmu_gpa_ptr(&f.vm, fx_leaf_gpa(&f, FX_VA));
	leaf = *lp;
	assert_true(leaf & X86_A);
	assert_false(leaf & X86_D);
	struct mmu_counters c0 = f.vm.user;
	fx_access_ok(&f, FX_VA + 8, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.user.tlb_hits - c0.tlb_hits, 1);
	assert_int_equal(f.vm.user.walks - c0.walks, 0);
	/* first write through a clean entry: a miss and a walk that sets D */
	fx_access_ok(&f, FX_VA + 8, MMU_WRITE | MMU_USER);
	assert_int_equal(f.vm.user.tlb_misses - c0.tlb_misses, 1);
	assert_int_equal(f.vm.user.walks - c0.walks, 1);
	assert_true(*lp & X86_D);
	fx_access_ok(&f, FX_VA + 16, MMU_WRITE | MMU_USER);
	assert_int_equal(f.vm.user.tlb_hits - c0.tlb_hits, 2);
	/* the TLB entry is 4K (min of guest 4K and host 2M) */
	struct mmu_xlat x;
	assert_true(tlb_lookup(&f.vm.tlb, f.vm.asid, FX_VA, &x));
	assert_int_equal(x.page_size, PT_PAGE_4K);
	/* fast-path caches are dropped by TLB changes */
	struct wl_xlat_cache rd = { FX_VA >> 12, 0, 0 };
	f.vm.fast_rd = &rd;
	mmu_invlpg(&f.vm, FX_VA);
	assert_int_equal(rd.vpage, UINT64_MAX);
	rd.vpage = FX_VA >> 12;
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER); /* refill: TLB state changes */
	assert_int_equal(rd.vpage, UINT64_MAX);
	rd.vpage = FX_VA >> 12;
	fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER); /* MRU hit: nothing changes */
	assert_int_equal(rd.vpage, FX_VA >> 12);
	mmu_cr3_load(&f.vm, f.root, 2);
	assert_int_equal(rd.vpage, UINT64_MAX);
	assert_false(tlb_lookup(&f.vm.tlb, 1, FX_VA, &x)); /* no pcid: flushed */
	f.vm.fast_rd = NULL;
	mmu_vm_fini(&f.vm);
}

static void test_corrupted_guest_entries(void **s)
{
	(void)s;
	struct fx f;
	void *p;
	assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, false, false), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	uint64_t leaf_gpa = fx_leaf_gpa(&f, FX_VA);
	uint64_t good = *(uint64_t *)mmu_gpa_ptr(&f.vm, leaf_gpa);
	/* not present -> #PF, error code without P */
	mmu_pt_write(&f.vm, leaf_gpa, good & ~X86_P);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.pf_calls, 1);
	assert_int_equal(f.vm.user.guest_faults, 1);
	assert_int_equal(f.last_err, PF_ERR_U);
	/* read-only leaf, user write -> protection #PF */
	mmu_pt_write(&f.vm, leaf_gpa, good & ~X86_RW);
	p = fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_WRITE | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.last_err, PF_ERR_P | PF_ERR_W | PF_ERR_U);
	/* supervisor page, user read -> protection #PF */
	mmu_pt_write(&f.vm, leaf_gpa, good & ~X86_US);
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.last_err, PF_ERR_P | PF_ERR_U);
	fx_access_ok(&f, FX_VA, MMU_READ); /* the kernel may */
	/* leaf redirected to an untouched gpa -> one EPT violation, a fresh zero frame */
	uint64_t other = 0x2345000;
	mmu_pt_write(&f.vm, leaf_gpa, (good & ~PT_ADDR_MASK) | other);
	uint64_t v0 = f.vm.exits.ept_violation;
	uint64_t *q = fx_access_ok(&f, FX_VA + 8, MMU_READ | MMU_USER);
	assert_int_equal(f.vm.exits.ept_violation, v0 + 1);
	assert_int_equal(*q, 0);
	assert_ptr_equal(q, (uint8_t *)mmu_gpa_ptr(&f.vm, other) + 8);
	assert_int_equal(p2m_get_state(p2m_from(f.vm.p2m), other), P2M_RESIDENT);
	/* leaf pointing outside guest memory -> unresolvable (MMIO with no device) */
	mmu_pt_write(&f.vm, leaf_gpa, (good & ~PT_ADDR_MASK) | (1ULL << 40));
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.vm.exits.mmio, 1);
	mmu_vm_fini(&f.vm);
}

/* A handler that fixes the mapping: the access completes after one guest fault. */
static int pf_fix(void *guest, uint64_t gva, uint32_t err)
{
	struct fx *f = guest;
	(void)err;
	f->pf_calls++;
	return fx_map(f, gva & ~0xfffULL, FX_GPA, PT_PAGE_4K, FX_USER_RW);
}

static void test_guest_fault_handled(void **s)
{
	(void)s;
	struct fx f;
	assert_int_equal(fx_init(&f, 5, PT_PAGE_4K, PT_PAGE_4K, 64, false, false), 0);
	f.vm.guest_pf = pf_fix;
	uint64_t *p = fx_access_ok(&f, FX_VA + 16, MMU_WRITE | MMU_USER);
	*p = 42;
	assert_int_equal(f.pf_calls, 1);
	assert_int_equal(f.vm.user.guest_faults, 1);
	assert_int_equal(*(uint64_t *)((uint8_t *)mmu_gpa_ptr(&f.vm, FX_GPA) + 16), 42);
	mmu_vm_fini(&f.vm);
}

static uint64_t *p2m_leaf_entry(struct fx *f, uint64_t gpa)
{
	struct p2m *p = p2m_from(f->vm.p2m);
	struct pt_walk w;
	p2m_walk(p, gpa, &w);
	return hostmem_ptr(&f->vm.host, w.tables[w.level] + pt_index(gpa, w.level) * 8ULL);
}

static void test_corrupted_p2m_entries(void **s)
{
	(void)s;
	struct fx f;
	void *p;
	uint64_t hpa_b;
	assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, PT_PAGE_4K, 0, false, false), 0);
	assert_int_equal(fx_map(&f, FX_VA, FX_GPA, PT_PAGE_4K, FX_USER_RW), 0);
	*(uint64_t *)mmu_gpa_ptr(&f.vm, FX_GPA) = 0x1111;
	*(uint64_t *)mmu_gpa_ptr(&f.vm, FX_GPA + 0x10000) = 0x2222;
	assert_int_equal(*(uint64_t *)fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), 0x1111);
	/* point the data frame's p2m leaf at another frame: the guest sees that frame */
	assert_int_equal(p2m_lookup(p2m_from(f.vm.p2m), FX_GPA + 0x10000, &hpa_b), 0);
	uint64_t *e = p2m_leaf_entry(&f, FX_GPA);
	uint64_t saved = *e;
	*e = (saved & ~PT_ADDR_MASK) | hpa_b;
	assert_int_equal(*(uint64_t *)fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), 0x2222);
	/* clear it: an EPT violation, and the guest sees a fresh zero frame */
	*e = 0;
	uint64_t v0 = f.vm.exits.ept_violation;
	assert_int_equal(*(uint64_t *)fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER), 0);
	assert_int_equal(f.vm.exits.ept_violation, v0 + 1);
	/* clear the p2m leaf of the guest's level-1 table: violation during the walk, the new
	 * table frame is empty, so the guest then takes a not-present fault */
	uint64_t l1_table = fx_leaf_gpa(&f, FX_VA) & ~0xfffULL;
	*p2m_leaf_entry(&f, l1_table) = 0;
	v0 = f.vm.exits.ept_violation;
	assert_int_equal(mmu_access(&f.vm, FX_VA, MMU_READ | MMU_USER, &p), -EFAULT);
	assert_int_equal(f.vm.exits.ept_violation, v0 + 1);
	assert_int_equal(f.pf_calls, 1);
	assert_int_equal(f.last_err, PF_ERR_U);
	mmu_vm_fini(&f.vm);
}

/* EPT violations == distinct host frames first touched; unback (reclaim) is seen through
 * the TLB because a p2m change flushes it. */
static void test_violations_per_host_frame(void **s)
{
	(void)s;
	static const uint64_t hps[] = { PT_PAGE_4K, PT_PAGE_2M };
	for (int hh = 0; hh < 2; hh++) {
		struct fx f;
		const unsigned pages = 8;
		assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, hps[hh], 64, true, true), 0);
		for (unsigned i = 0; i < pages; i++)
			assert_int_equal(fx_map(&f, FX_VA + i * 4096ULL, (8ULL << 20) + i * (1ULL << 20),
						PT_PAGE_4K, FX_USER_RW), 0);
		uint64_t v0 = f.vm.exits.ept_violation;
		uint64_t b0 = p2m_from(f.vm.p2m)->backed_pages;
		for (int round = 0; round < 2; round++)
			for (unsigned i = 0; i < pages; i++)
				fx_access_ok(&f, FX_VA + i * 4096ULL, MMU_WRITE | MMU_USER);
		uint64_t frames = hps[hh] == PT_PAGE_4K ? pages : pages / 2;
		assert_int_equal(f.vm.exits.ept_violation - v0, frames);
		assert_int_equal(p2m_from(f.vm.p2m)->backed_pages - b0, frames);
		/* reclaim one frame behind the guest's back: next access faults it in again */
		uint64_t *d = fx_access_ok(&f, FX_VA, MMU_WRITE | MMU_USER);
		*d = 7;
		assert_int_equal(p2m_unback(p2m_from(f.vm.p2m), 8ULL << 20, P2M_RECLAIMED), 0);
		v0 = f.vm.exits.ept_violation;
		d = fx_access_ok(&f, FX_VA, MMU_READ | MMU_USER);
		assert_int_equal(f.vm.exits.ept_violation, v0 + 1);
		assert_int_equal(*d, 0);
		mmu_vm_fini(&f.vm);
	}
}

static void test_gpa_range_and_config(void **s)
{
	(void)s;
	struct fx f;
	struct mmu_vm vm;
	struct mmu_config bad = { .levels = 3, .guest_page = PT_PAGE_4K, .host_page = PT_PAGE_4K, .ram_bytes = FX_RAM };
	assert_int_equal(mmu_vm_init(&vm, &bad, &ept_strategy), -EINVAL);
	assert_int_equal(fx_init(&f, 4, PT_PAGE_4K, PT_PAGE_1G, 0, false, false), 0);
	assert_null(mmu_gpa_ptr(&f.vm, FX_RAM + FX_POOL));
	assert_non_null(mmu_gpa_ptr(&f.vm, FX_RAM + FX_POOL - 8));
	uint64_t v0 = f.vm.exits.ept_violation;
	assert_non_null(mmu_gpa_ptr(&f.vm, 0));
	assert_int_equal(f.vm.exits.ept_violation, v0); /* one 1 GiB frame backs it all */
	mmu_vm_fini(&f.vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2m_backing_and_ranges),
		cmocka_unit_test(test_2d_refs_formula_all_combinations),
		cmocka_unit_test(test_pwc_and_ntlb_save_refs),
		cmocka_unit_test(test_tlb_hits_and_write_refill),
		cmocka_unit_test(test_corrupted_guest_entries),
		cmocka_unit_test(test_guest_fault_handled),
		cmocka_unit_test(test_corrupted_p2m_entries),
		cmocka_unit_test(test_violations_per_host_frame),
		cmocka_unit_test(test_gpa_range_and_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
