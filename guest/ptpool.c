/* ptpool.c — the page-table-pool allocator: hands out pool pages to the walker as tables.
 * Invariant: a free pool page is all zero. The VMM gives the pool zeroed and a table comes
 * back only when its non-zero-entry count is 0, so this file never writes to a pool page
 * (under shadow paging each such write would be a VM exit). */
#include "guest/gk_internal.h"

void gk_pool_init(struct gk *k, uint64_t base, uint64_t bytes)
{
	k->pool.base = base;
	k->pool.npages = (uint32_t)(bytes / PT_PAGE_4K);
	k->pool.bump = 0;
	k->pool.free_head = GK_NONE32;
}

uint64_t gk_pool_alloc(struct gk *k)
{
	struct gk_pool *p = &k->pool;
	uint32_t i = p->free_head;
	if (i != GK_NONE32)
		p->free_head = p->link[i];
	else if (p->bump < p->npages)
		i = p->bump++;
	else
		return GK_NO_FRAME;
	p->nonzero[i] = 0;
	p->link[i] = GK_NONE32; /* parent: set when an entry pointing here is written */
	p->parent_index[i] = 0;
	k->stats.pool_pages++;
	return gk_pool_gpa(k, i);
}

int gk_pool_free(struct gk *k, uint64_t gpa)
{
	struct gk_pool *p = &k->pool;
	if (!gk_pool_contains(k, gpa) || gpa % PT_PAGE_4K != 0)
		return -EINVAL;
	uint32_t i = gk_pool_index(k, gpa);
	if (i >= p->bump || p->nonzero[i] != 0)
		return -EINVAL;
	p->link[i] = p->free_head;
	p->free_head = i;
	k->stats.pool_pages--;
	return 0;
}
