/* ctxsw — K address spaces taking turns: each sweeps its own buffer with read-modify-write
 * updates (continuing where it left off), and the workload switches to the next space every
 * N operations. The sweeps are TLB-friendly on purpose, so the cost that stands out is the
 * address-space switch itself. --mem is the total footprint, split evenly between the spaces. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

#define CTXSW_MAX_PROCS 64

static uint64_t ctxsw_words(const struct wl_params *p) { return p->mem_bytes / p->procs / 8; }

static uint64_t ctxsw_ops(const struct wl_params *p) { return p->ops ? p->ops : p->mem_bytes / 8; }

/* Creates the spaces (space 0 is the one the workload starts in) and fills each buffer. */
static int ctxsw_setup(struct wl_ctx *c, const struct wl_params *p, int *as, wl_addr_t *buf, uint64_t *rng)
{
	uint64_t n = ctxsw_words(p);
	for (uint64_t k = 0; k < p->procs; k++) {
		as[k] = k == 0 ? 0 : wl_as_create(c);
		if (as[k] < 0)
			return as[k];
		int rc = wl_as_switch(c, as[k]);
		if (rc < 0)
			return rc;
		buf[k] = wl_map(c, n * 8);
		if (!buf[k])
			return -ENOMEM;
		wl_fill_random(c, buf[k], n, rng);
	}
	return wl_as_switch(c, as[0]);
}

static int ctxsw_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	int as[CTXSW_MAX_PROCS];
	wl_addr_t buf[CTXSW_MAX_PROCS];
	uint64_t n = ctxsw_words(p), ops = ctxsw_ops(p), rng = p->seed;
	if (p->procs < 1 || p->procs > CTXSW_MAX_PROCS || n == 0 || p->switch_every == 0)
		return -EINVAL;
	int rc = ctxsw_setup(c, p, as, buf, &rng);
	if (rc < 0)
		return rc;

	wl_phase(c, WL_PHASE_MEASURE);
	uint64_t cur = 0, left = p->switch_every, cursor[CTXSW_MAX_PROCS] = { 0 };
	do {
		for (uint64_t op = 0; op < ops; op++) {
			wl_addr_t a = buf[cur] + 8 * cursor[cur];
			wl_store64(c, a, wl_load64(c, a) * 5 + op);
			if (++cursor[cur] == n)
				cursor[cur] = 0;
			if (--left == 0) {
				left = p->switch_every;
				cur = cur + 1 == p->procs ? 0 : cur + 1;
				if ((rc = wl_as_switch(c, as[cur])) < 0)
					return rc;
			}
			if ((op & (WL_PROGRESS_EVERY - 1)) == 0)
				wl_progress(c, op);
		}
		wl_progress(c, ops);
	} while (wl_next_pass(c, ops));
	wl_phase(c, WL_PHASE_DONE);

	uint64_t h = WL_CSUM_INIT;
	for (uint64_t k = 0; k < p->procs; k++) {
		if ((rc = wl_as_switch(c, as[k])) < 0)
			return rc;
		h = wl_csum_step(h, wl_checksum_words(c, buf[k], n));
	}
	*checksum = h;
	return 0;
}

static const struct wl_param_desc ctxsw_params[] = {
	{ "procs", "address spaces taking turns", offsetof(struct wl_params, procs), false, 4, 1, CTXSW_MAX_PROCS, WL_PARAM_NUMBER },
	{ "switch-every", "operations between address-space switches", offsetof(struct wl_params, switch_every),
	  false, 64, 1, UINT64_MAX, WL_PARAM_NUMBER },
	{ 0 },
};

WL_EXPORT(ctxsw) = {
	.name = "ctxsw",
	.summary = "K address spaces taking turns, switching every N operations (address-space-switch heavy)",
	.params = ctxsw_params,
	.main = ctxsw_main,
	.ops = ctxsw_ops,
};
