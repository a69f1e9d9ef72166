/* p2m_pool.h — a host's shared-frame pool: the 4 KiB host frames that sim VMs' guest frames
 * share copy-on-write (ept/p2m_share.c), owned by the host, never by one VM.
 *
 * Why a pool of the host's own: each sim VM has host memory of its own (mmu/hostmem.h), so a
 * frame one VM allocated cannot be mapped by another, and when that VM ends its memory goes
 * away with it. Content shared by several VMs therefore moves into a frame of the pool — one
 * memfd, mapped into every sharing VM's host memory at the same offset of its window — and
 * every guest frame with that content maps the pool frame read-only. The pool counts the guest
 * frames mapping each of its frames; the last one to leave (a copy-on-write break, a balloon or
 * reclaim unback, the VM's end) frees it and its memory goes back to the host (a punched hole).
 * So a VM that finishes while others still map a frame only drops its references: the frame
 * stays for the others. That is Linux KSM's arrangement too: a KSM page belongs to no process.
 *
 * Each frame carries the sharing domain it was made for (VMware's salting): a guest frame of
 * another domain is refused it (p2m_share: -EXDEV), so domains cannot share even by mistake.
 *
 * Thread-safe: VMs' threads break and drop frames concurrently (the mutex guards everything
 * below but the mapping, fixed from init to fini). Pure C. */
#ifndef MEMVIRT_EPT_P2M_POOL_H
#define MEMVIRT_EPT_P2M_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define P2M_POOL_DOMAINS 64u /* sharing domains a pool tells apart (a host's VMs at most) */

struct p2m_pool {
	pthread_mutex_t lock;
	int fd;                 /* the memfd every sharing VM maps (its window) */
	uint8_t *base;          /* the pool's own mapping of it (frame i at base + i * 4 KiB) */
	uint64_t frames;        /* capacity */
	uint32_t *refs;         /* per frame: guest frames mapping it (0: free) */
	uint8_t *domain;        /* per frame: its sharing domain */
	uint64_t *free;         /* frames given back, reused first */
	uint64_t nfree, bump;   /* bump: frames ever handed out */
	/* Under the lock: */
	uint64_t used;          /* frames with at least one guest frame */
	uint64_t refs_total;    /* guest frames mapping pool frames */
	uint64_t dom_used[P2M_POOL_DOMAINS], dom_refs[P2M_POOL_DOMAINS];
	uint64_t cow_breaks;    /* guest frames that left their pool frame by a write */
	uint64_t peak_used;
};

/* What the pool holds at one instant (p2m_pool_counts). Saved frames = refs - used: every
 * content kept once instead of refs times. */
struct p2m_pool_counts {
	uint64_t used, refs, cow_breaks, peak_used;
	uint64_t dom_used[P2M_POOL_DOMAINS], dom_refs[P2M_POOL_DOMAINS];
};

/* A pool of `bytes` (a multiple of 4 KiB: the most frames it can hold). 0, -EINVAL, -ENOMEM. */
int p2m_pool_init(struct p2m_pool *p, uint64_t bytes);
void p2m_pool_fini(struct p2m_pool *p);
static inline uint64_t p2m_pool_bytes(const struct p2m_pool *p) { return p->frames * 4096u; }

/* A new frame of domain `domain` holding a copy of `content` (4 KiB), with one reference (the
 * guest frame about to map it): 0 and *frame, -ENOSPC (full), -EINVAL (bad domain). */
int p2m_pool_new(struct p2m_pool *p, unsigned domain, const void *content, uint64_t *frame);
/* One more guest frame of `domain` maps `frame`: 0, -EINVAL (not in use), -EXDEV (another
 * domain's frame). */
int p2m_pool_get(struct p2m_pool *p, uint64_t frame, unsigned domain);
/* A guest frame stopped mapping `frame` (broken = by a copy-on-write break); the last one
 * frees it. true when freed, false otherwise (or not in use). */
bool p2m_pool_put(struct p2m_pool *p, uint64_t frame, bool broken);
/* The frame's content (4 KiB), NULL outside the pool. */
static inline const void *p2m_pool_ptr(const struct p2m_pool *p, uint64_t frame)
{
	return frame < p->frames ? p->base + frame * 4096u : (const void *)0;
}
/* Guest frames mapping `frame` now (0: free or outside). */
uint32_t p2m_pool_refs(struct p2m_pool *p, uint64_t frame);
void p2m_pool_counts(struct p2m_pool *p, struct p2m_pool_counts *out);

#endif
