/* syscalls.c — the memory system calls workloads use (struct wl_sys map/unmap): reserve a
 * demand-zero region in the current address space, and release it with all its pages. */
#include "guest/gk_internal.h"

/* A gap left unmapped after each region, so running off its end faults (-EFAULT). */
#define GK_GUARD_BYTES PT_PAGE_4K

/* 2 MiB pages for regions of at least 2 MiB when the kernel may use them. */
static uint64_t region_page_size(const struct gk *k, uint64_t bytes)
{
	return k->max_page == PT_PAGE_2M && bytes >= PT_PAGE_2M ? PT_PAGE_2M : PT_PAGE_4K;
}

uint64_t gk_sys_map(struct gk *k, uint64_t bytes)
{
	struct gk_aspace *as = &k->as[k->cur_as];
	if (bytes == 0 || bytes > k->va_limit || as->nregions == GK_MAX_REGIONS)
		return 0;
	uint64_t page = region_page_size(k, bytes);
	uint64_t len = gk_align_up(bytes, page);
	uint64_t start = gk_align_up(as->va_next, page);
	if (start >= k->va_limit || len > k->va_limit - start)
		return 0;
	struct gk_region *r = &as->regions[as->nregions++];
	r->start = start;
	r->len = len;
	r->page_size = page;
	r->mapped = 0;
	as->va_next = start + len + GK_GUARD_BYTES;
	k->stats.maps++;
	return start;
}

/* After pt_unmap found nothing at va: the first address past the hole the walk ends in, so
 * untouched parts of a region cost one walk per missing table rather than one per page. */
static uint64_t skip_hole(struct gk *k, const struct gk_aspace *as, uint64_t va, uint64_t page)
{
	struct pt_walk w;
	if (pt_walk(&pt_format_x86, k->levels, as->root, va, 0, &k->ptm, &w) != PT_WALK_NOT_PRESENT)
		return va + page;
	uint64_t span = pt_level_page_size(w.level);
	return (va & ~(span - 1)) + span;
}

/* Unmap one leaf at va if there is one: the entry, then empty tables, then the TLB, then the
 * frame (only once no translation to it can remain). Returns the bytes it covered, 0 if none. */
static uint64_t unmap_leaf(struct gk *k, const struct gk_aspace *as, uint64_t va)
{
	uint64_t old = 0;
	unsigned level = pt_unmap(&pt_format_x86, k->levels, as->root, va, &k->ptm, &old);
	if (level == 0)
		return 0;
	uint64_t size = pt_level_page_size(level);
	gk_pt_reclaim(k, k->pt_last_table);
	k->hal.invlpg(k->hal.hw, va);
	k->stats.invlpgs++;
	gk_frame_free(k, old & PT_ADDR_MASK & ~(size - 1), size);
	return size;
}

static void region_unmap_pages(struct gk *k, const struct gk_aspace *as, struct gk_region *r)
{
	uint64_t va = r->start, end = r->start + r->len;
	while (va < end && r->mapped > 0) {
		uint64_t size = unmap_leaf(k, as, va);
		if (size == 0) {
			va = skip_hole(k, as, va, r->page_size);
			continue;
		}
		r->mapped--;
		va += size;
	}
}

/* Drop regions[i], keeping the array sorted (field by field: no hidden memcpy/memmove). */
static void region_remove(struct gk_aspace *as, uint32_t i)
{
	for (; i + 1 < as->nregions; i++) {
		as->regions[i].start = as->regions[i + 1].start;
		as->regions[i].len = as->regions[i + 1].len;
		as->regions[i].page_size = as->regions[i + 1].page_size;
		as->regions[i].mapped = as->regions[i + 1].mapped;
	}
	as->nregions--;
}

int gk_sys_unmap(struct gk *k, uint64_t va, uint64_t bytes)
{
	struct gk_aspace *as = &k->as[k->cur_as];
	struct gk_region *r = gk_region_find(as, va);
	if (r == NULL || r->start != va || bytes == 0 || bytes > k->va_limit)
		return -EINVAL;
	uint64_t page = region_page_size(k, bytes);
	if (page != r->page_size || gk_align_up(bytes, page) != r->len)
		return -EINVAL;
	region_unmap_pages(k, as, r);
	region_remove(as, (uint32_t)(r - as->regions));
	k->stats.unmaps++;
	return 0;
}
