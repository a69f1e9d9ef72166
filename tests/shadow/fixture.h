/* fixture.h — the ept tests' machine (tests/ept/fixture.h) running shadow_strategy, with the
 * test's guest-table writes going through mmu_pt_write as a guest's would (they trap), and
 * a reference translation — guest tables then p2m, read without side effects on the shadow —
 * to hold the shadow against. */
#ifndef MEMVIRT_TESTS_SHADOW_FIXTURE_H
#define MEMVIRT_TESTS_SHADOW_FIXTURE_H

#include "shadow/shadow.h"
#include "tests/ept/fixture.h"

static inline void sfx_write_trapped(void *ctx, uint64_t table, unsigned i, uint64_t e)
{
	struct fx *f = ctx;
	mmu_pt_write(&f->vm, table + i * 8ULL, e);
}

static inline int sfx_init(struct fx *f, unsigned levels, uint64_t guest_page, uint64_t host_page, unsigned tlb,
			   bool pwc)
{
	int rc = fx_init_strategy(f, &shadow_strategy, levels, guest_page, host_page, tlb, pwc, false);
	if (rc == 0)
		f->gmem.write = sfx_write_trapped;
	return rc;
}

/* What the guest's tables under `root`, then the p2m, make of gva: true and *hpa (and the
 * guest walk in *w) when mapped and backed. Reads only: no A/D, no backing. */
static inline bool sfx_reference(struct fx *f, uint64_t root, uint64_t gva, uint64_t *hpa, struct pt_walk *w)
{
	struct pt_mem ro = f->gmem;
	ro.write = NULL; /* the walker sets no A/D without a write hook */
	if (pt_walk(&pt_format_x86, f->vm.cfg.levels, root, gva, 0, &ro, w) != PT_WALK_OK)
		return false;
	if (w->pa >= FX_RAM + FX_POOL)
		return false;
	return p2m_lookup(p2m_from(f->vm.p2m), w->pa, hpa) == 0;
}

#endif
