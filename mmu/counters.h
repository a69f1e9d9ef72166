/* counters.h — the MMU and exit counters every strategy reports. Their names are part of the
 * JSON result contract (docs/result-schema.md): mmu{...} and exits{...}. */
#ifndef MEMVIRT_MMU_COUNTERS_H
#define MEMVIRT_MMU_COUNTERS_H

#include <stdint.h>

struct mmu_counters {
	uint64_t accesses;     /* translated loads and stores */
	uint64_t tlb_hits;
	uint64_t tlb_misses;
	uint64_t walks;        /* completed or faulting hardware walks */
	uint64_t walk_refs;    /* memory references made by those walks */
	uint64_t pwc_hits;     /* walk steps skipped thanks to the page-walk cache */
	uint64_t ntlb_hits;    /* nested translations served by the nested TLB */
	uint64_t guest_faults; /* #PF delivered to the guest kernel */
};

/* Exits to the VMM, by reason. Zero where a reason cannot occur under a strategy. */
#define MMU_EXIT_REASONS(X) \
	X(pt_write)         \
	X(cr3_load)         \
	X(hidden_fault)     \
	X(invlpg)           \
	X(ept_violation)    \
	X(mmio)             \
	X(hypercall)        \
	X(cow_break)

struct exit_counters {
#define MMU_EXIT_FIELD(name) uint64_t name;
	MMU_EXIT_REASONS(MMU_EXIT_FIELD)
#undef MMU_EXIT_FIELD
};

/* The reasons as indexes (MMU_EXIT_pt_write, ...), for per-reason tables such as exit costs. */
enum mmu_exit_reason {
#define MMU_EXIT_ENUM(name) MMU_EXIT_##name,
	MMU_EXIT_REASONS(MMU_EXIT_ENUM)
#undef MMU_EXIT_ENUM
	MMU_EXIT_REASON_COUNT
};

static inline uint64_t exit_counters_total(const struct exit_counters *e)
{
	uint64_t t = 0;
#define MMU_EXIT_SUM(name) t += e->name;
	MMU_EXIT_REASONS(MMU_EXIT_SUM)
#undef MMU_EXIT_SUM
	return t;
}

#endif
