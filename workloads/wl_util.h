/* wl_util.h — small pieces every workload shares: filling a buffer deterministically and
 * folding it into a checksum. Header-only so that each build flavour gets its own copy. */
#ifndef MEMVIRT_WL_UTIL_H
#define MEMVIRT_WL_UTIL_H

#include "workloads/wl.h"

static inline void wl_fill_random(struct wl_ctx *c, wl_addr_t buf, uint64_t words, uint64_t *rng)
{
	for (uint64_t i = 0; i < words; i++)
		wl_store64(c, buf + 8 * i, wl_rand_next(rng));
}

static inline uint64_t wl_checksum_words(struct wl_ctx *c, wl_addr_t buf, uint64_t words)
{
	uint64_t h = WL_CSUM_INIT;
	for (uint64_t i = 0; i < words; i++)
		h = wl_csum_step(h, wl_load64(c, buf + 8 * i));
	return h;
}

/* Uniform index in [0, n) without a division (Lemire's multiply-high reduction). */
static inline uint64_t wl_rand_below(uint64_t *rng, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)wl_rand_next(rng) * n) >> 64);
}

#endif
