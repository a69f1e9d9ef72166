/* cost.h — the cost model: turns exact counters into modelled cycles with named, settable
 * per-event costs (`memvirt run --cost name=value`).
 *
 * Defaults and where they come from (anchors.md; "assumption" = our choice, not a citation):
 *   tlb_hit            1    assumption: an L1 dTLB hit overlaps the load; ~1 cycle.
 *   walk_ref         100    assumption: a page-walk memory reference costs between an LLC hit
 *                            (~40 cycles) and a DRAM access (~200-300); walk references are
 *                            often cache-resident, so we take 100.
 *   pwc_hit            2    assumption: a page-walk-cache hit is an SRAM lookup in the MMU.
 *   ntlb_hit           2    assumption: as pwc_hit.
 *   guest_fault     1500    assumption: #PF delivery, guest handler, iret (no VM exit).
 *   exit_*          2000    a VM exit costs ~2,000 cycles directly (SplitX; anchors.md);
 *                            indirect costs (cache/TLB pollution, up to ~10x) are NOT included.
 *                            The same figure is used for every exit reason (assumption: the
 *                            handler work is small next to the exit/entry round trip).
 *   exit_cow_break  3000    the exit plus the copy-on-write break's own work: allocate a
 *                            frame, copy 4 KiB (~1000 cycles at ~4 bytes a cycle), remap
 *                            (assumption).
 */
#ifndef MEMVIRT_MMU_COST_H
#define MEMVIRT_MMU_COST_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/counters.h"

/* X(name, default cycles, help) — the one list of cost names. */
#define MMU_COST_PARAMS(X)                                                                   \
	X(tlb_hit, 1, "TLB hit (assumption)")                                                \
	X(walk_ref, 100, "memory reference by a page walk (assumption: LLC..DRAM)")          \
	X(pwc_hit, 2, "walk step served by the page-walk cache (assumption)")                \
	X(ntlb_hit, 2, "nested translation served by the nested TLB (assumption)")           \
	X(guest_fault, 1500, "guest #PF delivery and handling, no exit (assumption)")        \
	X(exit_pt_write, 2000, "VM exit: trapped guest page-table write (SplitX ~2000)")     \
	X(exit_cr3_load, 2000, "VM exit: guest CR3 load / hypercall (SplitX ~2000)")         \
	X(exit_hidden_fault, 2000, "VM exit: hidden (shadow) fault (SplitX ~2000)")          \
	X(exit_invlpg, 2000, "VM exit: invlpg (SplitX ~2000)")                               \
	X(exit_ept_violation, 2000, "VM exit: EPT violation (SplitX ~2000)")                 \
	X(exit_mmio, 2000, "VM exit: MMIO emulation (SplitX ~2000)")                         \
	X(exit_hypercall, 2000, "VM exit: hypercall (SplitX ~2000)")                       \
	X(exit_cow_break, 3000, "VM exit: write to a shared frame, 4 KiB copied (~2000 + copy, assumption)")

struct mmu_cost {
#define MMU_COST_FIELD(name, def, help) uint64_t name;
	MMU_COST_PARAMS(MMU_COST_FIELD)
#undef MMU_COST_FIELD
};

struct mmu_cost_param {
	const char *name;
	uint64_t def;
	const char *help;
	size_t offset; /* offsetof(struct mmu_cost, name) */
};

struct mmu_cost mmu_cost_defaults(void);
/* Set one cost from "name" and a decimal cycle count: 0, or -EINVAL. */
int mmu_cost_set(struct mmu_cost *c, const char *name, const char *value);
/* The parameter table (for --help); *n receives its length. */
const struct mmu_cost_param *mmu_cost_params(size_t *n);
/* The names, NULL-terminated. */
const char *const *mmu_cost_names(void);
uint64_t mmu_modeled_cycles(const struct mmu_cost *c, const struct mmu_counters *m,
			    const struct exit_counters *e);

#endif
