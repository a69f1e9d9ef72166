/* aspace.c — address spaces (a root table from the pool each, ASID = id + 1) and their
 * region tables: regions are kept sorted by start (gk_sys_map hands out ascending addresses),
 * so the fault path finds its region with a binary search over at most 64 entries. */
#include "guest/gk_internal.h"

int gk_as_create(struct gk *k)
{
	for (int id = 0; id < GK_MAX_AS; id++) {
		struct gk_aspace *as = &k->as[id];
		if (as->used)
			continue;
		uint64_t root = gk_pool_alloc(k);
		if (root == GK_NO_FRAME)
			return -ENOMEM;
		as->used = true;
		as->root = root;
		as->va_next = GK_VA_BASE;
		as->nregions = 0;
		return id;
	}
	return -ENOMEM;
}

int gk_as_switch(struct gk *k, int id)
{
	if (id < 0 || id >= GK_MAX_AS || !k->as[id].used)
		return -EINVAL;
	if (id == k->cur_as)
		return 0;
	k->hal.cr3_load(k->hal.hw, k->as[id].root, (uint16_t)(id + 1));
	k->cur_as = id;
	k->stats.switches++;
	return 0;
}

uint64_t gk_as_root(const struct gk *k, int id)
{
	if (id < 0 || id >= GK_MAX_AS || !k->as[id].used)
		return PT_NO_TABLE;
	return k->as[id].root;
}

struct gk_region *gk_region_find(struct gk_aspace *as, uint64_t va)
{
	uint32_t lo = 0, hi = as->nregions;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		struct gk_region *r = &as->regions[mid];
		if (va < r->start)
			hi = mid;
		else if (va - r->start >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}
