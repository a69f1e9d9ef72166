/* dup — pages with known duplicate and zero content, for page-sharing (KSM) experiments.
 * Every page of --mem holds one whole-page content drawn from the seed: all zero with
 * probability --zero-frac, else a copy of one of --dup-pool shared contents with probability
 * --dup-frac, else content of its own. The measured phase visits random pages (one op = one
 * visit): a visit reads one word, except every --rewrite-every-th, which redraws and rewrites
 * the whole page (so the sharing a host found goes stale at a known rate, while the fractions
 * stay the same). The checksum folds the words read and then every word of the final
 * content: it depends on content only, never on timing or on where pages live. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

#define DUP_PAGE_WORDS (WL_PAGE_SIZE / 8)
#define DUP_POOL_SALT 0x5ca1ab1edeadbeefULL

static uint64_t dup_pages(const struct wl_params *p) { return p->mem_bytes / WL_PAGE_SIZE; }

static uint64_t dup_ops(const struct wl_params *p) { return p->ops ? p->ops : 4 * dup_pages(p); }

static const char *dup_check(const struct wl_params *p, const char **param)
{
	*param = "zero-frac";
	return p->dup_frac + p->zero_frac > WL_FRAC_ONE ? "--dup-frac plus --zero-frac exceed 1" : 0;
}

/* The key of shared content j: every word of the page follows from it. */
static uint64_t dup_pool_key(uint64_t seed, uint64_t j)
{
	uint64_t s = (seed ^ DUP_POOL_SALT) + j * 0xd1b54a32d192ed03ULL;
	return wl_rand_next(&s);
}

/* Draw a content for the page at `page` and write all of it. */
static void dup_write_page(struct wl_ctx *c, const struct wl_params *p, wl_addr_t page, uint64_t *rng)
{
	uint64_t r = wl_rand_below(rng, WL_FRAC_ONE), key;
	if (r < p->zero_frac) {
		for (uint64_t i = 0; i < DUP_PAGE_WORDS; i++)
			wl_store64(c, page + 8 * i, 0);
		return;
	}
	if (r < p->zero_frac + p->dup_frac)
		key = dup_pool_key(p->seed, wl_rand_below(rng, p->dup_pool));
	else
		key = wl_rand_next(rng);
	wl_fill_random(c, page, DUP_PAGE_WORDS, &key);
}

static int dup_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	uint64_t pages = dup_pages(p), ops = dup_ops(p), rng = p->seed, h = WL_CSUM_INIT;
	const char *bad_param;
	if (pages == 0 || p->dup_pool == 0 || p->rewrite_every == 0 || dup_check(p, &bad_param))
		return -EINVAL;
	wl_addr_t buf = wl_map(c, pages * WL_PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	for (uint64_t pg = 0; pg < pages; pg++)
		dup_write_page(c, p, buf + pg * WL_PAGE_SIZE, &rng);

	wl_phase(c, WL_PHASE_MEASURE);
	do {
		for (uint64_t op = 0; op < ops; op++) {
			wl_addr_t page = buf + WL_PAGE_SIZE * wl_rand_below(&rng, pages);
			if (op % p->rewrite_every == p->rewrite_every - 1)
				dup_write_page(c, p, page, &rng);
			else
				h = wl_csum_step(h, wl_load64(c, page + 8 * wl_rand_below(&rng, DUP_PAGE_WORDS)));
			if ((op & (WL_PROGRESS_EVERY - 1)) == 0)
				wl_progress(c, op);
		}
		wl_progress(c, ops);
	} while (wl_next_pass(c, ops));
	wl_phase(c, WL_PHASE_DONE);

	*checksum = wl_csum_step(h, wl_checksum_words(c, buf, pages * DUP_PAGE_WORDS));
	return wl_unmap(c, buf, pages * WL_PAGE_SIZE);
}

static const struct wl_param_desc dup_params[] = {
	{ "dup-frac", "fraction of pages copying one of --dup-pool shared contents",
	  offsetof(struct wl_params, dup_frac), false, WL_FRAC_ONE / 2, 0, WL_FRAC_ONE, WL_PARAM_FRAC },
	{ "zero-frac", "fraction of pages that are all zero (with --dup-frac at most 1)",
	  offsetof(struct wl_params, zero_frac), false, WL_FRAC_ONE / 10, 0, WL_FRAC_ONE, WL_PARAM_FRAC },
	{ "dup-pool", "distinct shared page contents", offsetof(struct wl_params, dup_pool), false, 16, 1, 1u << 20,
	  WL_PARAM_NUMBER },
	{ "rewrite-every", "every N-th visit rewrites the page with a fresh draw (1 = every visit)",
	  offsetof(struct wl_params, rewrite_every), false, 8, 1, 1ULL << 32, WL_PARAM_NUMBER },
	{ 0 },
};

WL_EXPORT(dup) = {
	.name = "dup",
	.summary = "pages of zero, shared-pool and unique content, rewritten at a set rate (page sharing, KSM); "
		   "one op = one page visit",
	.params = dup_params,
	.main = dup_main,
	.ops = dup_ops,
	.check = dup_check,
	.overcommit = true,
};
