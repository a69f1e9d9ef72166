/* churn — map a region, touch every page, unmap it, again and again: page-table-update
 * heavy. One operation is one page touched. Each touch first reads the fresh page (which
 * must be zero: demand-zero semantics are part of the checksum), then writes and reads back
 * a value. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

static uint64_t churn_region(const struct wl_params *p)
{
	uint64_t r = p->region_bytes ? p->region_bytes : 2ULL << 20;
	if (r > p->mem_bytes)
		r = p->mem_bytes;
	return r & ~(WL_PAGE_SIZE - 1);
}

static uint64_t churn_ops(const struct wl_params *p)
{
	return p->ops ? p->ops : 4 * (p->mem_bytes / WL_PAGE_SIZE);
}

/* One map / touch / unmap cycle of `pages` pages; folds what it saw into *h. */
static int churn_cycle(struct wl_ctx *c, uint64_t bytes, uint64_t pages, uint64_t *rng, uint64_t *h)
{
	wl_addr_t r = wl_map(c, bytes);
	if (!r)
		return -ENOMEM;
	for (uint64_t pg = 0; pg < pages; pg++) {
		wl_addr_t a = r + pg * WL_PAGE_SIZE + 8 * wl_rand_below(rng, WL_PAGE_SIZE / 8);
		uint64_t v = wl_rand_next(rng);
		*h = wl_csum_step(*h, wl_load64(c, a));
		wl_store64(c, a, v);
		*h = wl_csum_step(*h, wl_load64(c, a) ^ pg);
	}
	return wl_unmap(c, r, bytes);
}

static int churn_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	uint64_t bytes = churn_region(p), ops = churn_ops(p), rng = p->seed, h = WL_CSUM_INIT;
	uint64_t per_cycle = bytes / WL_PAGE_SIZE;
	if (per_cycle == 0)
		return -EINVAL;

	wl_phase(c, WL_PHASE_MEASURE);
	do {
		for (uint64_t done = 0; done < ops;) {
			uint64_t pages = ops - done < per_cycle ? ops - done : per_cycle;
			int rc = churn_cycle(c, bytes, pages, &rng, &h);
			if (rc < 0)
				return rc;
			done += pages;
			wl_progress(c, done);
		}
	} while (wl_next_pass(c, ops));
	wl_phase(c, WL_PHASE_DONE);
	*checksum = h;
	return 0;
}

static const struct wl_param_desc churn_params[] = {
	{ "region", "bytes mapped, touched and unmapped per cycle (at most --mem)",
	  offsetof(struct wl_params, region_bytes), true, 2ULL << 20, WL_PAGE_SIZE, 1ULL << 40, WL_PARAM_NUMBER },
	{ 0 },
};

WL_EXPORT(churn) = {
	.name = "churn",
	.summary = "map a region, touch every page, unmap it, repeatedly (page-table-update heavy); one op = one page",
	.params = churn_params,
	.main = churn_main,
	.ops = churn_ops,
};
