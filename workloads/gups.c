/* gups — random read-modify-write updates over one large table (HPCC RandomAccess style):
 * nearly every update touches a different page, so it is TLB-miss heavy once the table is
 * far beyond TLB reach. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

static uint64_t gups_words(const struct wl_params *p) { return p->mem_bytes / 8; }

static uint64_t gups_ops(const struct wl_params *p) { return p->ops ? p->ops : gups_words(p); }

static int gups_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	uint64_t n = gups_words(p), ops = gups_ops(p), rng = p->seed;
	wl_addr_t table = wl_map(c, n * 8);
	if (!table)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		wl_store64(c, table + 8 * i, i);

	wl_phase(c, WL_PHASE_MEASURE);
	do {
		for (uint64_t op = 0; op < ops; op++) {
			uint64_t r = wl_rand_next(&rng);
			wl_addr_t a = table + 8 * (uint64_t)(((unsigned __int128)r * n) >> 64);
			wl_store64(c, a, wl_load64(c, a) ^ r);
			if ((op & (WL_PROGRESS_EVERY - 1)) == 0)
				wl_progress(c, op);
		}
		wl_progress(c, ops);
	} while (wl_next_pass(c, ops));
	wl_phase(c, WL_PHASE_DONE);

	*checksum = wl_checksum_words(c, table, n);
	return wl_unmap(c, table, n * 8);
}

WL_EXPORT(gups) = {
	.name = "gups",
	.summary = "random read-modify-write updates over a large table (TLB-miss heavy); ops default: one per word",
	.params = NULL,
	.main = gups_main,
	.ops = gups_ops,
};
