/* boot.c — checks the VMM's boot info and brings the kernel up: allocators, the x86 page-table
 * view, and address space 0 loaded in CR3. */
#include "guest/gk_internal.h"

/* Physical addresses a page-table entry can hold (52 bits). */
#define GK_PHYS_LIMIT (1ULL << 52)

static bool range_ok(uint64_t base, uint64_t bytes)
{
	return base % PT_PAGE_4K == 0 && bytes % PT_PAGE_4K == 0 && bytes > 0 &&
	       base < GK_PHYS_LIMIT && bytes <= GK_PHYS_LIMIT - base;
}

static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

/* RAM may start and end anywhere 4 KiB aligned, but must fit the chunk metadata. */
static bool ram_fits(uint64_t base, uint64_t bytes)
{
	uint64_t first = base / PT_PAGE_2M, end = gk_align_up(base + bytes, PT_PAGE_2M) / PT_PAGE_2M;
	return bytes <= GK_MAX_RAM_BYTES && end - first <= GK_MAX_CHUNKS;
}

int gk_boot_info_check(const struct gk_boot_info *bi)
{
	if (bi == NULL || bi->magic != GK_BOOT_MAGIC || bi->version != GK_BOOT_VERSION)
		return -EINVAL;
	if ((bi->flags & ~GK_BOOT_FLAGS_KNOWN) != 0 || bi->reserved != 0)
		return -EINVAL;
	if (bi->levels != 4 && bi->levels != 5)
		return -EINVAL;
	if (bi->guest_page != PT_PAGE_4K && bi->guest_page != PT_PAGE_2M)
		return -EINVAL;
	if (!range_ok(bi->ram_base, bi->ram_bytes) || !ram_fits(bi->ram_base, bi->ram_bytes))
		return -EINVAL;
	if (!range_ok(bi->pt_pool_base, bi->pt_pool_bytes) ||
	    bi->pt_pool_bytes / PT_PAGE_4K > GK_MAX_POOL_PAGES)
		return -EINVAL;
	if (ranges_overlap(bi->ram_base, bi->ram_bytes, bi->pt_pool_base, bi->pt_pool_bytes))
		return -EINVAL;
	return 0;
}

static bool hal_ok(const struct gk_hal *h)
{
	return h != NULL && h->phys_read && h->phys_write && h->phys_zero && h->pt_write &&
	       h->cr3_load && h->invlpg;
}

/* Field by field: a struct assignment may become a memcpy call, and there is no libc. */
static void hal_copy(struct gk_hal *dst, const struct gk_hal *src)
{
	dst->phys_read = src->phys_read;
	dst->phys_write = src->phys_write;
	dst->phys_zero = src->phys_zero;
	dst->pt_write = src->pt_write;
	dst->cr3_load = src->cr3_load;
	dst->invlpg = src->invlpg;
	dst->hw = src->hw;
	dst->balloon_shared = src->balloon_shared;
	dst->balloon_entries = src->balloon_entries;
	dst->balloon_doorbell = src->balloon_doorbell;
	dst->balloon_hw = src->balloon_hw;
}

/* A balloon flag needs the device's three pieces, and a control area of this version. */
static bool balloon_ok(const struct gk_hal *h, uint32_t flags)
{
	if (!(flags & GK_BOOT_BALLOON))
		return true;
	return h->balloon_shared && h->balloon_entries && h->balloon_doorbell &&
	       h->balloon_shared->version == GK_BALLOON_VERSION;
}

static void stats_clear(struct gk_stats *s)
{
	s->faults = s->faults_failed = 0;
	s->frames_4k = s->frames_2m = s->pool_pages = 0;
	s->maps = s->unmaps = s->switches = 0;
	s->pt_writes = s->invlpgs = s->tables_freed = 0;
}

int gk_boot(struct gk *k, const struct gk_hal *hal, const struct gk_boot_info *bi)
{
	if (k == NULL || !hal_ok(hal) || gk_boot_info_check(bi) != 0 || !balloon_ok(hal, bi->flags))
		return -EINVAL;
	hal_copy(&k->hal, hal);
	if (!(bi->flags & GK_BOOT_BALLOON))
		k->hal.balloon_shared = NULL; /* gk_balloon_poll's one test */
	gk_balloon_init(k);
	k->flags = bi->flags;
	k->levels = bi->levels;
	k->max_page = bi->guest_page;
	k->ram_base = bi->ram_base;
	k->ram_bytes = bi->ram_bytes;
	/* The lower (user) half of the canonical address space. */
	k->va_limit = 1ULL << (bi->levels == 5 ? 56 : 47);
	stats_clear(&k->stats);
	for (int i = 0; i < GK_MAX_AS; i++)
		k->as[i].used = false;
	gk_frames_init(k, bi->ram_base, bi->ram_bytes);
	gk_pool_init(k, bi->pt_pool_base, bi->pt_pool_bytes);
	gk_ptmem_init(k);
	int id = gk_as_create(k);
	if (id < 0)
		return id;
	k->cur_as = -1; /* so the switch below loads CR3 */
	return gk_as_switch(k, id);
}
