/* seq — sequential read-modify-write sweeps over one buffer: the TLB-friendly baseline.
 * Every 8-byte word is updated in address order; `ops` updates in all (default: `passes`
 * sweeps over the buffer). */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

static uint64_t seq_words(const struct wl_params *p) { return p->mem_bytes / 8; }

static uint64_t seq_ops(const struct wl_params *p)
{
	return p->ops ? p->ops : seq_words(p) * (p->passes ? p->passes : 4);
}

static int seq_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	uint64_t n = seq_words(p), ops = seq_ops(p), rng = p->seed;
	wl_addr_t buf = wl_map(c, n * 8);
	if (!buf)
		return -ENOMEM;
	wl_fill_random(c, buf, n, &rng);

	wl_phase(c, WL_PHASE_MEASURE);
	do {
		uint64_t i = 0;
		for (uint64_t op = 0; op < ops; op++) {
			wl_addr_t a = buf + 8 * i;
			wl_store64(c, a, wl_load64(c, a) * 3 + op);
			if (++i == n)
				i = 0;
			if ((op & (WL_PROGRESS_EVERY - 1)) == 0)
				wl_progress(c, op);
		}
		wl_progress(c, ops);
	} while (wl_next_pass(c, ops));
	wl_phase(c, WL_PHASE_DONE);

	*checksum = wl_checksum_words(c, buf, n);
	return wl_unmap(c, buf, n * 8);
}

static const struct wl_param_desc seq_params[] = {
	{ "passes", "sweeps over the buffer when --ops is not given", offsetof(struct wl_params, passes),
	  false, 4, 1, 1u << 20, WL_PARAM_NUMBER },
	{ 0 },
};

WL_EXPORT(seq) = {
	.name = "seq",
	.summary = "sequential read-modify-write sweeps over a buffer (TLB-friendly)",
	.params = seq_params,
	.main = seq_main,
	.ops = seq_ops,
};
