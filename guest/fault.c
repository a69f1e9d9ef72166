/* fault.c — the page-fault handler: demand-zero mapping of region pages on first touch.
 * Kept short on purpose: on some hosts every ring-0 instruction is emulated (~1 µs). */
#include "guest/gk_internal.h"

#define GK_LEAF_FLAGS (X86_P | X86_RW | X86_US)

/* pt_map failed half-way: free the tables it created that hold nothing. */
static void undo_partial_tables(struct gk *k, uint64_t root, uint64_t va)
{
	struct pt_walk w;
	if (pt_walk(&pt_format_x86, k->levels, root, va, 0, &k->ptm, &w) == PT_WALK_NOT_PRESENT)
		gk_pt_reclaim(k, w.tables[w.level]);
}

static int map_demand_zero(struct gk *k, struct gk_aspace *as, struct gk_region *r, uint64_t gva)
{
	uint64_t va = gva & ~(r->page_size - 1);
	uint64_t frame = gk_frame_alloc(k, r->page_size);
	if (frame == GK_NO_FRAME)
		return -ENOMEM;
	int rc = pt_map(&pt_format_x86, k->levels, as->root, va, frame, r->page_size,
			GK_LEAF_FLAGS, &k->ptm);
	if (rc == 0) {
		r->mapped++;
		return 0;
	}
	gk_frame_free(k, frame, r->page_size);
	if (rc == -EEXIST) /* already mapped: a spurious fault */
		return 0;
	undo_partial_tables(k, as->root, va);
	return rc == -ENOMEM ? -ENOMEM : -EFAULT;
}

int gk_page_fault(struct gk *k, uint64_t gva, uint32_t err)
{
	struct gk_aspace *as = &k->as[k->cur_as];
	struct gk_region *r = (err & PF_ERR_P) ? NULL : gk_region_find(as, gva);
	int rc = r ? map_demand_zero(k, as, r, gva) : -EFAULT;
	if (rc == 0)
		k->stats.faults++;
	else
		k->stats.faults_failed++;
	return rc;
}

int gk_page_fault_cb(void *guest, uint64_t gva, uint32_t err)
{
	return gk_page_fault(guest, gva, err);
}
