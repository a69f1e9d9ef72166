/* p2m.h — the guest-physical to host-physical map: a 4-level EPT-format table in hostmem (the
 * table the simulated hardware walks in the second dimension), with leaves of the configured
 * host page size, plus the VM's frame-state book: one state byte per 4 KiB guest frame (what
 * backs it, ept/p2m_book.h), updated once per host page backed or unbacked.
 *
 * Backing is allocation order, never identity: the first frame touched gets the first host
 * frame handed out, so corrupting a p2m entry has a visible effect. Every gpa is range-checked
 * against [0, gpa_limit) (guest RAM + page-table pool); outside it the calls return -EFAULT.
 *
 * It is the simulated machine's second-dimension map: p2m_ops implements struct mmu_p2m_ops
 * (mmu/strategy.h) and both strategies' ops tables point at it, so mmu/ creates and reads it
 * without depending on ept/. */
#ifndef MEMVIRT_EPT_P2M_H
#define MEMVIRT_EPT_P2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept/p2m_book.h"
#include "ept/p2m_pool.h"
#include "mmu/hostmem.h"
#include "mmu/pt_hostmem.h"
#include "mmu/strategy.h"
#include "mmu/walk.h"

#define P2M_LEVELS 4u

struct p2m {
	struct mmu_p2m map;   /* what the machine reads: map.gen, bumped whenever an existing
			       * mapping changes or disappears (cached translations are stale) */
	struct hostmem *host;
	uint64_t root;        /* hpa of the EPT PML4 */
	uint64_t gpa_limit;   /* guest-physical bytes covered */
	uint64_t page_size;   /* leaf size: 4 KiB, 2 MiB or 1 GiB */
	unsigned leaf_level;  /* 1, 2 or 3 */
	struct p2m_book book; /* the frame-state book: a state per 4 KiB guest frame, counts, moves */
	uint64_t backed_pages;/* host frames (of page_size) mapped */
	uint64_t ballooned_touches;   /* p2m_back refused: the frame is the balloon's */
	uint64_t ballooned_touch_gpa; /* the first such frame */
	struct pt_hostmem tables; /* the walker's view of EPT tables in hostmem (and their count) */
	struct p2m_pool *pool;  /* the host's shared-frame pool this map shares frames of
				 * (ept/p2m_share.c); NULL until the first merge */
};

/* The machine's view of this map (mmu_p2m_ops over p2m_create/destroy/lookup/back). */
extern const struct mmu_p2m_ops p2m_ops;

/* The p2m a machine created through p2m_ops (vm->p2m). */
static inline struct p2m *p2m_from(struct mmu_p2m *m)
{
	return m ? (struct p2m *)((char *)m - offsetof(struct p2m, map)) : NULL;
}

/* 0 and *out, or -EINVAL (bad page size / limit), -ENOMEM. */
int p2m_create(struct hostmem *h, uint64_t gpa_limit, uint64_t host_page, struct p2m **out);
void p2m_destroy(struct p2m *p);

/* Translate gpa by walking the EPT table (uncounted): 0 and *hpa; -ENOENT when not backed;
 * -EFAULT outside guest memory. */
int p2m_lookup(struct p2m *p, uint64_t gpa, uint64_t *hpa);
/* The same walk, with its details (refs, levels, status) for callers that count. */
enum pt_walk_status p2m_walk(struct p2m *p, uint64_t gpa, struct pt_walk *w);
/* Resolve an EPT violation: back the host page containing gpa with a fresh zeroed host frame.
 * 0 (also when already backed), -EFAULT outside guest memory, -ENOMEM, -EACCES when the 4 KiB
 * frame is P2M_BALLOONED: the guest gave it to the balloon and touches it anyway — a guest
 * error, counted (ballooned_touches, the first gpa in ballooned_touch_gpa), never refaulted. */
int p2m_back(struct p2m *p, uint64_t gpa);
/* Remove the mapping of the host page containing gpa, free its frame, set every 4 KiB frame
 * in it to new_state (reclaim, balloon). 0, -ENOENT when not backed, -EFAULT outside. */
int p2m_unback(struct p2m *p, uint64_t gpa, enum p2m_state new_state);
/* The host pages p2m_unback released are given back in batches (hostmem_release): give back
 * the last batch now (after a balloon message, so the host sees it at once). */
void p2m_release_flush(struct p2m *p);

/* P2M_UNBACKED outside guest memory. */
enum p2m_state p2m_get_state(struct p2m *p, uint64_t gpa);
/* 0, -EFAULT outside guest memory, -EINVAL for a state not in enum p2m_state. */
int p2m_set_state(struct p2m *p, uint64_t gpa, enum p2m_state s);
/* Levels of the EPT walk for this leaf size: 4, 3 or 2. */
unsigned p2m_walk_levels(const struct p2m *p);
static inline uint64_t p2m_backed_bytes(const struct p2m *p) { return p->backed_pages * p->page_size; }

/* ept/p2m_share.c — copy-on-write sharing of 4 KiB guest frames through the host's
 * shared-frame pool (ept/p2m_pool.h; the own merge engine's merges, ksm/ksm_merge.h). Only with
 * 4 KiB host pages and a host memory that maps the pool's window: -EINVAL otherwise. A shared
 * guest frame maps a pool frame read-only, state P2M_SHARED; its own host frame was released.
 *
 * Move the guest frame at gpa into a new pool frame of `domain` (its content copied): the
 * first frame of a content to be shared. 0 and *frame, -ENOENT (not backed), -EFAULT, -EINVAL
 * (already shared), -ENOSPC (pool full). */
int p2m_share_new(struct p2m *p, uint64_t gpa, struct p2m_pool *pool, unsigned domain, uint64_t *frame);
/* Make the guest frame at gpa map pool frame `frame` (the caller compared the contents):
 * 0, -ENOENT, -EFAULT, -EINVAL, -EXDEV (the pool frame is another domain's). */
int p2m_share(struct p2m *p, uint64_t gpa, struct p2m_pool *pool, uint64_t frame, unsigned domain);
/* The pool frame gpa maps: 0 and *frame, -ENOENT when gpa is not shared. */
int p2m_shared_frame(struct p2m *p, uint64_t gpa, uint64_t *frame);
/* A write to a shared frame: give gpa a private copy of its content, writable again, RESIDENT;
 * the pool frame is freed when its last guest frame leaves. 0, -ENOENT (not shared), -EFAULT,
 * -ENOMEM. */
int p2m_cow_break(struct p2m *p, uint64_t gpa);
/* p2m_unback of a frame mapping host frame hpa: true when hpa is the VM's own frame to
 * release; a pool frame is dropped (the pool frees it with its last guest frame) instead. */
bool p2m_share_release(struct p2m *p, uint64_t hpa);
/* Drops every pool frame this map still maps (the VM ends: others may still map them). */
void p2m_share_drop_all(struct p2m *p);
/* This VM's proportional share of the pool frames it maps, in frames: each pool frame counts
 * 1/refs (the VMs mapping it split it), so summed over the VMs mapping pool frames it is the
 * pool's resident frames. */
double p2m_share_pss_frames(struct p2m *p);

#endif
