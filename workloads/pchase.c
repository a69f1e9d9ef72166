/* pchase — dependent pointer chasing through a random cyclic permutation (latency-bound).
 * One node per 64-byte line; each node holds the index (not the address) of its successor,
 * so the chase and its checksum are the same wherever the buffer is mapped. The
 * permutation is built with Sattolo's algorithm, which yields a single cycle through every
 * node. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

#define PCHASE_NODE 64u

static uint64_t pchase_nodes(const struct wl_params *p) { return p->mem_bytes / PCHASE_NODE; }

static uint64_t pchase_ops(const struct wl_params *p) { return p->ops ? p->ops : 2 * pchase_nodes(p); }

static void pchase_build_cycle(struct wl_ctx *c, wl_addr_t buf, uint64_t n, uint64_t *rng)
{
	for (uint64_t i = 0; i < n; i++)
		wl_store64(c, buf + PCHASE_NODE * i, i);
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = wl_rand_below(rng, i); /* j < i: Sattolo, not Fisher-Yates */
		wl_addr_t ai = buf + PCHASE_NODE * i, aj = buf + PCHASE_NODE * j;
		uint64_t t = wl_load64(c, ai);
		wl_store64(c, ai, wl_load64(c, aj));
		wl_store64(c, aj, t);
	}
}

static int pchase_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	uint64_t n = pchase_nodes(p), ops = pchase_ops(p), rng = p->seed;
	if (n < 2)
		return -EINVAL;
	wl_addr_t buf = wl_map(c, n * PCHASE_NODE);
	if (!buf)
		return -ENOMEM;
	pchase_build_cycle(c, buf, n, &rng);

	wl_phase(c, WL_PHASE_MEASURE);
	uint64_t cur = 0, h = WL_CSUM_INIT;
	do {
		for (uint64_t op = 0; op < ops; op++) {
			cur = wl_load64(c, buf + PCHASE_NODE * cur);
			h = wl_csum_step(h, cur);
			if ((op & (WL_PROGRESS_EVERY - 1)) == 0)
				wl_progress(c, op);
		}
		wl_progress(c, ops);
	} while (wl_next_pass(c, ops));
	wl_phase(c, WL_PHASE_DONE);

	*checksum = h;
	return wl_unmap(c, buf, n * PCHASE_NODE);
}

WL_EXPORT(pchase) = {
	.name = "pchase",
	.summary = "dependent pointer chasing through a random cyclic permutation (latency-bound); one node per 64 B",
	.params = NULL,
	.main = pchase_main,
	.ops = pchase_ops,
};
