/* gk_internal.h — helpers shared by the guest kernel's own files (not part of its API). */
#ifndef MEMVIRT_GUEST_GK_INTERNAL_H
#define MEMVIRT_GUEST_GK_INTERNAL_H

#include <errno.h>
#include <stddef.h>

#include "guest/gk.h"

#define GK_PTE_SIZE 8u

static inline uint64_t gk_align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* frames.c / ptpool.c: set up the allocators from validated boot info. */
void gk_frames_init(struct gk *k, uint64_t ram_base, uint64_t ram_bytes);
void gk_pool_init(struct gk *k, uint64_t base, uint64_t bytes);
static inline bool gk_pool_contains(const struct gk *k, uint64_t gpa)
{
	return gpa >= k->pool.base && gpa - k->pool.base < (uint64_t)k->pool.npages * PT_PAGE_4K;
}
static inline uint32_t gk_pool_index(const struct gk *k, uint64_t gpa)
{
	return (uint32_t)((gpa - k->pool.base) >> 12);
}
static inline uint64_t gk_pool_gpa(const struct gk *k, uint32_t idx)
{
	return k->pool.base + ((uint64_t)idx << 12);
}

/* ptmem.c: the pt_mem the walker uses, and the reclaim of tables that became empty. */
void gk_ptmem_init(struct gk *k);
void gk_pt_reclaim(struct gk *k, uint64_t table);

/* balloon.c: an empty balloon. */
void gk_balloon_init(struct gk *k);

/* aspace.c: region lookup in an address space. */
struct gk_region *gk_region_find(struct gk_aspace *as, uint64_t va);

#endif
