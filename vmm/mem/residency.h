/* residency.h — how much of guest RAM the host holds, measured on the host mapping:
 * resident (mincore: in host memory, page cache included, not swapped out) and mapped
 * (/proc/self/pagemap present bit: touchable by the guest without a host fault). The two
 * differ after a discard of memfd-backed RAM, which unmaps pages but leaves them in the page
 * cache. A scan may cover the whole region at once (reclaim events) or a few pages per call
 * (the monitor), keeping per-chunk counts so the totals stay current. */
#ifndef MEMVIRT_RESIDENCY_H
#define MEMVIRT_RESIDENCY_H

#include <stddef.h>
#include <stdint.h>

struct residency_counts {
	uint64_t resident_pages, mapped_pages;
};

#define RESIDENCY_BATCH 512 /* most pages residency_mapped reads per call */

/* mapped[i] = 1 when page i of [p, p + pages * 4 KiB) is mapped (pagemap present bit), else 0;
 * pages <= RESIDENCY_BATCH. Returns 0 or a negative errno. */
int residency_mapped(int pagemap_fd, const void *p, uint64_t pages, uint8_t *mapped);

/* Counts [base, base+bytes) (page-aligned base). Returns 0 or a negative errno. */
int residency_count(int pagemap_fd, void *base, uint64_t bytes, struct residency_counts *out);

struct residency_scan {
	int pagemap_fd;
	void *base;
	uint64_t bytes;
	uint64_t chunk_pages;
	size_t nchunks, next;
	struct residency_counts *chunk; /* last count of each chunk */
	struct residency_counts total;
};

int residency_scan_init(struct residency_scan *r, uint64_t chunk_pages);
void residency_scan_fini(struct residency_scan *r);
/* Re-counts the next chunk of [base, base+bytes); starts over when the region changes.
 * A NULL base clears the totals. */
void residency_scan_step(struct residency_scan *r, void *base, uint64_t bytes);

#endif
