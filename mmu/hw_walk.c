/* hw_walk.c — the "hardware" page walk both strategies perform on a TLB miss: the shared
 * walker over the table the CPU walks (guest tables under ept, shadow tables under shadow),
 * resumed from the page-walk cache when it holds the upper levels, with its references
 * and PWC savings charged to the current counters. */
#include "mmu/strategy.h"

/* A PWC hit is used only when the rights of the skipped entries allow this access, so that
 * protection faults always see the entries that cause them. */
static bool pwc_hit_allows(const struct pwc_hit *hit, unsigned flags)
{
	return (!(flags & PT_WALK_WRITE) || hit->writable) && (!(flags & PT_WALK_USER) || hit->user);
}

void mmu_hw_walk(struct mmu_vm *vm, uint64_t root, uint64_t va, unsigned flags, const struct pt_mem *mem,
		 struct pt_walk *w)
{
	struct pwc_hit hit;
	unsigned levels = vm->cfg.levels;
	bool resumed = pwc_lookup(&vm->pwc, vm->asid, levels, va, &hit) && pwc_hit_allows(&hit, flags);

	if (resumed) {
		vm->cur->pwc_hits += levels - hit.start_level;
		pt_walk_from(&pt_format_x86, hit.start_level, hit.table, va, flags, mem, w);
	} else {
		pt_walk(&pt_format_x86, levels, root, va, flags, mem, w);
	}
	vm->cur->walk_refs += w->refs;
	pwc_fill(&vm->pwc, &pt_format_x86, vm->asid, resumed ? hit.start_level : levels, va, w,
		 resumed ? &hit : NULL);
}
