/* ntlb.h — nested TLB: caches gpa page -> hpa page translations produced by p2m walks.
 * It serves only the guest page-table reads of a 2D walk (each of which would otherwise cost
 * a full p2m walk); the final data gpa is not looked up here, because its translation ends up
 * in the TLB entry anyway (as in Bhargava et al., ASPLOS'08, where the NTLB sits beside the
 * nested walk of the guest's page-table references). Granularity = the p2m leaf size.
 * NTLB_SETS x NTLB_WAYS, true LRU. Must be flushed when the p2m changes a mapping. */
#ifndef MEMVIRT_MMU_NTLB_H
#define MEMVIRT_MMU_NTLB_H

#include <stdbool.h>
#include <stdint.h>

#define NTLB_SETS 8u
#define NTLB_WAYS 4u

struct ntlb_entry {
	uint64_t gfn, hpa_page; /* gfn = gpa >> shift */
	bool valid, writable;
};

struct ntlb {
	bool enabled;
	unsigned shift; /* log2 of the p2m leaf size */
	struct ntlb_entry e[NTLB_SETS][NTLB_WAYS];
};

void ntlb_init(struct ntlb *n, bool enabled, uint64_t page_size);
bool ntlb_lookup(struct ntlb *n, uint64_t gpa, uint64_t *hpa);
void ntlb_insert(struct ntlb *n, uint64_t gpa, uint64_t hpa_page, bool writable);
void ntlb_flush(struct ntlb *n);

#endif
