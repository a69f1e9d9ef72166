/* hostmem.h — "host-physical" memory of the simulator: one anonymous mapping addressed by
 * hpa = byte offset into it, and a frame allocator handing out zeroed, naturally aligned
 * 4 KiB, 2 MiB and 1 GiB frames. The p2m, the shadow tables and guest-RAM backing all come
 * from here, so one hpa space covers everything the simulated hardware walks.
 *
 * Allocation: per-size free lists (LIFO stacks of hpas) refilled by splitting one frame of the
 * next size up; 1 GiB frames come from a bump pointer. Every operation is O(1) amortised
 * (a refill pushes 512 frames). Fresh memory is zero; freed frames are zeroed when freed
 * (memset for 4 KiB, a punched hole for larger) so alloc never zeroes.
 *
 * A memset keeps the page resident: right for the shadow and p2m tables, freed and taken again
 * at a high rate, and wrong for guest frames a balloon (or a p2m unback) gives back — the host
 * would get nothing back. Those go through hostmem_release, which gives the pages back to the
 * host instead (a punched hole in the memfd, MADV_DONTNEED on anonymous memory), batched: up to
 * HOSTMEM_RELEASE_BATCH frames are queued and given back together, adjacent frames in one call,
 * before any 4 KiB frame is handed out again.
 *
 * A host whose sim VMs share frames (vmm/run/share_host.h) maps one more memfd, the host's
 * shared-frame pool (ept/p2m_pool.h), right after the allocator's range: the window
 * [size, size + window_bytes). Every VM of the host maps the same pool memory there, so a p2m
 * leaf can point at a pool frame and the walker reads it like any host frame; the allocator
 * never hands out or takes back a window frame (the pool owns them). A window is a second
 * mapping rather than a region all VMs allocate from because each VM's allocator, counters
 * and published guest RAM then stay its own, with no lock on the fault path.
 *
 * The region is a shared mapping of a memfd, as a VMM's guest RAM would be: the host can then
 * drop its mappings (MADV_DONTNEED) without destroying the contents — the pages stay in the
 * memfd and a later access is a minor fault — which is what host-reclaim experiments on the
 * simulator rely on. Where memfd_create is unavailable it falls back to anonymous memory
 * (fd -1). */
#ifndef MEMVIRT_MMU_HOSTMEM_H
#define MEMVIRT_MMU_HOSTMEM_H

#include <stddef.h>
#include <stdint.h>

#define HOSTMEM_NO_FRAME UINT64_MAX

enum hostmem_class { HOSTMEM_4K = 0, HOSTMEM_2M = 1, HOSTMEM_1G = 2, HOSTMEM_CLASSES = 3 };

struct hostmem_freelist {
	uint64_t *hpa; /* stack of free frames; the top is handed out next */
	size_t n, cap;
};

#define HOSTMEM_RELEASE_BATCH 64

struct hostmem {
	uint8_t *base;    /* host pointer of hpa 0 */
	uint64_t size;    /* bytes addressable: hpa in [0, size) */
	void *map;        /* the mapping as mmap returned it (base is aligned within it) */
	size_t map_bytes;
	int fd;           /* the memfd behind the mapping (hpa 0 at file offset 0), or -1 */
	uint64_t bump;    /* next never-used 1 GiB-aligned hpa */
	struct hostmem_freelist free[HOSTMEM_CLASSES];
	uint64_t allocated[HOSTMEM_CLASSES]; /* frames currently handed out, by size */
	uint64_t allocated_bytes;
	uint64_t release[HOSTMEM_RELEASE_BATCH]; /* 4 KiB frames released, not yet given back */
	size_t nrelease;
	uint64_t released_bytes;  /* given back to the host by hostmem_release, in total */
	uint64_t window_bytes;    /* the shared-frame pool's window at hpa `size` (0: none) */
};

#define HOSTMEM_HUGEPAGE 1u /* madvise(MADV_HUGEPAGE) */
#define HOSTMEM_ANON 2u     /* private anonymous memory, no memfd: what Linux KSM merges (a discard
			     * is then destructive) */

/* Reserve `bytes` (rounded up to 1 GiB) of address space; flags HOSTMEM_*. Returns 0 or
 * -ENOMEM / -EINVAL. */
int hostmem_init(struct hostmem *h, uint64_t bytes, unsigned flags);
/* The same, with the memfd `window_fd` (window_bytes, a multiple of 4 KiB) mapped shared at
 * hpa h->size (see above). window_bytes 0: no window (hostmem_init). */
int hostmem_init_window(struct hostmem *h, uint64_t bytes, unsigned flags, int window_fd, uint64_t window_bytes);
void hostmem_fini(struct hostmem *h);

/* Region size for a guest: RAM + page-table pool rounded to the host page (every backing
 * frame fits), plus slack for p2m and shadow tables and for splitting (2 GiB; only address
 * space: the mapping is MAP_NORESERVE). */
uint64_t hostmem_bytes_for(uint64_t ram_bytes, uint64_t pool_bytes, uint64_t host_page);

/* A zeroed frame of `size` (PT_PAGE_4K/2M/1G) aligned to its size: 0 and *hpa, or -EINVAL
 * (bad size) / -ENOMEM (region exhausted). */
int hostmem_alloc(struct hostmem *h, uint64_t size, uint64_t *hpa);
/* Give a frame back (it is zeroed now). -EINVAL on a bad size or misaligned / outside hpa. */
int hostmem_free(struct hostmem *h, uint64_t hpa, uint64_t size);

/* Give a frame back and its memory to the host (see above): what a balloon frees. Same checks
 * and answers as hostmem_free; 4 KiB frames are queued until hostmem_release_flush, a full
 * batch or the next 4 KiB allocation. */
int hostmem_release(struct hostmem *h, uint64_t hpa, uint64_t size);
void hostmem_release_flush(struct hostmem *h);

/* Host pointer for hpa (the window included), NULL outside the region. */
static inline void *hostmem_ptr(const struct hostmem *h, uint64_t hpa)
{
	return hpa < h->size + h->window_bytes ? (void *)(h->base + hpa) : NULL;
}

/* Whether hpa is a frame of the shared-frame pool's window. */
static inline int hostmem_in_window(const struct hostmem *h, uint64_t hpa)
{
	return hpa >= h->size && hpa < h->size + h->window_bytes;
}

#endif
