/* fixture.h — a simulated machine running ept_strategy (or another strategy), with guest page tables the test
 * builds itself through a pt_mem over guest-physical memory (mmu_gpa_ptr), table pages taken
 * from the page-table pool. */
#ifndef MEMVIRT_TESTS_EPT_FIXTURE_H
#define MEMVIRT_TESTS_EPT_FIXTURE_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ept/ept.h"
#include "ept/p2m.h"
#include "mmu/strategy.h"

#define FX_RAM (64ULL << 20)
#define FX_POOL (4ULL << 20)
#define FX_USER_RW (X86_P | X86_RW | X86_US)
#define FX_VA 0x00007f0040000000ULL /* 1 GiB aligned: where the tests map their pages */
#define FX_GPA 0x400000ULL          /* 2 MiB aligned, in RAM: what they map there */

/* The paging shapes the walk-reference tests go through, in order: 4 and 5 guest levels, each
 * with 4 KiB and 2 MiB guest pages, each over 4 KiB, 2 MiB and 1 GiB host pages. */
struct fx_shape {
	unsigned levels;
	uint64_t guest_page, host_page;
};
#define FX_SHAPES 12u

static inline struct fx_shape fx_shape_at(unsigned i)
{
	static const uint64_t host[] = { PT_PAGE_4K, PT_PAGE_2M, PT_PAGE_1G };
	return (struct fx_shape){ .levels = 4 + i / 6, .guest_page = (i / 3) % 2 ? PT_PAGE_2M : PT_PAGE_4K,
				  .host_page = host[i % 3] };
}

struct fx {
	struct mmu_vm vm;
	uint64_t next_table; /* gpa bump allocator in the pool */
	uint64_t root;
	struct pt_mem gmem;
	uint32_t last_err;
	int pf_calls;
};

static inline bool fx_read(void *ctx, uint64_t table, unsigned i, uint64_t *e)
{
	struct fx *f = ctx;
	uint64_t *p = mmu_gpa_ptr(&f->vm, table + i * 8ULL);
	if (!p)
		return false;
	*e = *p;
	return true;
}

static inline void fx_write(void *ctx, uint64_t table, unsigned i, uint64_t e)
{
	struct fx *f = ctx;
	uint64_t *p = mmu_gpa_ptr(&f->vm, table + i * 8ULL);
	if (p)
		*p = e;
}

static inline uint64_t fx_alloc(void *ctx)
{
	struct fx *f = ctx;
	uint64_t t = f->next_table;
	if (t + PT_PAGE_4K > FX_RAM + FX_POOL)
		return PT_NO_TABLE;
	f->next_table += PT_PAGE_4K; /* pool frames are never reused: zero */
	return t;
}

/* A guest #PF handler that records the error and gives up. */
static inline int fx_pf_fatal(void *guest, uint64_t gva, uint32_t err)
{
	struct fx *f = guest;
	(void)gva;
	f->last_err = err;
	f->pf_calls++;
	return -EFAULT;
}

/* A machine running `ops` (tests/shadow uses this fixture with shadow_strategy). */
static inline int fx_init_strategy(struct fx *f, const struct mmu_strategy_ops *ops, unsigned levels, uint64_t guest_page,
			    uint64_t host_page, unsigned tlb, bool pwc, bool ntlb)
{
	struct mmu_config cfg = { .levels = levels, .guest_page = guest_page, .host_page = host_page,
				  .tlb_entries = tlb, .pwc = pwc, .ntlb = ntlb, .ram_bytes = FX_RAM,
				  .pt_pool_bytes = FX_POOL, .cost = mmu_cost_defaults() };
	int rc;
	memset(f, 0, sizeof(*f));
	rc = mmu_vm_init(&f->vm, &cfg, ops);
	if (rc)
		return rc;
	f->gmem = (struct pt_mem){ fx_read, fx_write, fx_alloc, NULL, f };
	f->next_table = FX_RAM;
	f->root = fx_alloc(f);
	f->vm.guest = f;
	f->vm.guest_pf = fx_pf_fatal;
	mmu_cr3_load(&f->vm, f->root, 1);
	return 0;
}

static inline int fx_init(struct fx *f, unsigned levels, uint64_t guest_page, uint64_t host_page, unsigned tlb,
		   bool pwc, bool ntlb)
{
	return fx_init_strategy(f, &ept_strategy, levels, guest_page, host_page, tlb, pwc, ntlb);
}

static inline int fx_map(struct fx *f, uint64_t va, uint64_t gpa, uint64_t size, uint64_t flags)
{
	return pt_map(&pt_format_x86, f->vm.cfg.levels, f->root, va, gpa, size, flags, &f->gmem);
}

/* An access that must succeed; the host pointer it reached. */
static inline void *fx_access_ok(struct fx *f, uint64_t va, unsigned access)
{
	void *p = NULL;
	assert_int_equal(mmu_access(&f->vm, va, access, &p), 0);
	assert_non_null(p);
	return p;
}

/* The two user accesses the walk-reference tests make at each shape: a read, then a write. */
static const unsigned fx_user_accesses[2] = { MMU_READ | MMU_USER, MMU_WRITE | MMU_USER };

/* With no TLB and no walk caches: an access at va is one walk of exactly refs references, and
 * reaches direct. */
static inline void fx_assert_one_walk(struct fx *f, uint64_t va, unsigned access, const void *direct, uint64_t refs)
{
	struct mmu_counters c0 = f->vm.user;
	assert_ptr_equal(fx_access_ok(f, va, access), direct);
	assert_int_equal(f->vm.user.walks - c0.walks, 1);
	assert_int_equal(f->vm.user.walk_refs - c0.walk_refs, refs);
}

/* gpa of the guest leaf entry for va (walks the guest tables without counting). */
static inline uint64_t fx_leaf_gpa(struct fx *f, uint64_t va)
{
	struct pt_walk w;
	pt_walk(&pt_format_x86, f->vm.cfg.levels, f->root, va, 0, &f->gmem, &w);
	return w.tables[w.level] + pt_index(va, w.level) * 8ULL;
}

#endif
