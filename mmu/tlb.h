/* tlb.h — the simulated TLB: separate set-associative, true-LRU arrays for 4 KiB, 2 MiB and
 * 1 GiB translations, entries tagged by address-space id (PCID/VPID-like).
 *
 * Geometry (defaults modelled on recent x86 L1/L2 dTLBs, e.g. Skylake: L1 64 x 4K 4-way,
 * 32 x 2M 4-way, 4 x 1G fully associative; STLB 1536 x 4K/2M 12-way):
 *   4 KiB: tlb_entries in total, TLB_4K_WAYS-way (fully associative when fewer entries);
 *          sets = tlb_entries / ways (a remainder is dropped).
 *   2 MiB: TLB_2M_ENTRIES, TLB_2M_WAYS-way.
 *   1 GiB: TLB_1G_ENTRIES, fully associative.
 * tlb_entries == 0 disables the whole TLB: lookups miss, inserts do nothing.
 *
 * Each set is kept in recency order (way 0 = most recently used). A hit on way 0 therefore
 * changes no state at all — the workload fast path (wl_xlat_cache) counts such hits without
 * calling in. Any other state change bumps `gen`, so callers can tell. */
#ifndef MEMVIRT_MMU_TLB_H
#define MEMVIRT_MMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#define TLB_4K_WAYS 8u
#define TLB_2M_ENTRIES 32u
#define TLB_2M_WAYS 4u
#define TLB_1G_ENTRIES 4u

struct mmu_xlat; /* mmu/strategy.h */

struct tlb_entry {
	uint64_t vpn;      /* va >> page shift */
	uint64_t hpa_page;
	uint16_t asid;
	bool valid, writable, user, dirty;
};

struct tlb_array {
	struct tlb_entry *e; /* sets * ways, set-major, each set in recency order */
	unsigned sets, ways, shift;
};

enum tlb_size { TLB_SIZE_4K = 0, TLB_SIZE_2M = 1, TLB_SIZE_1G = 2, TLB_SIZES = 3 };

struct tlb {
	struct tlb_array a[TLB_SIZES];
	bool enabled;
	uint64_t gen; /* bumped on every state change (insert, reorder, flush) */
};

/* 0, -ENOMEM. */
int tlb_init(struct tlb *t, unsigned entries_4k);
void tlb_fini(struct tlb *t);
/* Hit: fills *out (hpa_page, page_size, rights) and makes the entry MRU of its set. */
bool tlb_lookup(struct tlb *t, uint16_t asid, uint64_t va, struct mmu_xlat *out);
/* Insert (replacing any entry for the same asid/page) as MRU; x->page_size picks the array. */
void tlb_insert(struct tlb *t, uint16_t asid, uint64_t va, const struct mmu_xlat *x);
void tlb_flush_all(struct tlb *t);
void tlb_flush_asid(struct tlb *t, uint16_t asid);
/* Drop every entry of this asid covering va, in all page sizes. */
void tlb_flush_va(struct tlb *t, uint16_t asid, uint64_t va);

#endif
