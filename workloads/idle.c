/* idle — a mostly idle guest for memory-overcommit experiments: fill a footprint (--mem),
 * then sleep --wake-every between wakes and, at each wake, touch --touch bytes of it (one
 * word per page, read-modify-write, starting at a random page and wrapping around). Its
 * pages stay mapped but cold, which is what a host reclaiming, swapping or ballooning idle
 * guests sees. One op is one wake (default 10). The sleeps are wl_sleep_us (a paravirtual
 * sleep on kvm): only wall-clock time depends on them, never the checksum. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

#define IDLE_PAGE_WORDS (WL_PAGE_SIZE / 8)

static uint64_t idle_ops(const struct wl_params *p) { return p->ops ? p->ops : 10; }

/* Pages touched per wake: --touch rounded up to whole pages, at least one, at most --mem. */
static uint64_t idle_touch_pages(const struct wl_params *p, uint64_t pages)
{
	uint64_t t = (p->touch_bytes + WL_PAGE_SIZE - 1) / WL_PAGE_SIZE;
	return t == 0 ? 1 : t > pages ? pages : t;
}

static int idle_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	uint64_t pages = p->mem_bytes / WL_PAGE_SIZE, wakes = idle_ops(p), rng = p->seed, h = WL_CSUM_INIT;
	if (pages == 0)
		return -EINVAL;
	uint64_t touch = idle_touch_pages(p, pages);
	wl_addr_t buf = wl_map(c, pages * WL_PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	wl_fill_random(c, buf, pages * IDLE_PAGE_WORDS, &rng);

	wl_phase(c, WL_PHASE_MEASURE);
	do {
		for (uint64_t wake = 0; wake < wakes; wake++) {
			int rc = wl_sleep_us(c, p->wake_every_us);
			if (rc < 0)
				return rc;
			uint64_t pg = wl_rand_below(&rng, pages);
			for (uint64_t i = 0; i < touch; i++) {
				wl_addr_t a = buf + pg * WL_PAGE_SIZE + 8 * wl_rand_below(&rng, IDLE_PAGE_WORDS);
				uint64_t v = wl_load64(c, a);
				h = wl_csum_step(h, v);
				wl_store64(c, a, v * 3 + wake);
				if (++pg == pages)
					pg = 0;
			}
			wl_progress(c, wake + 1);
		}
	} while (wl_next_pass(c, wakes));
	wl_phase(c, WL_PHASE_DONE);

	*checksum = wl_csum_step(h, wl_checksum_words(c, buf, pages * IDLE_PAGE_WORDS));
	return wl_unmap(c, buf, pages * WL_PAGE_SIZE);
}

static const struct wl_param_desc idle_params[] = {
	{ "wake-every", "sleep before each wake, e.g. 10ms or 1s (at most 10s)",
	  offsetof(struct wl_params, wake_every_us), false, 100000, 1, WL_SLEEP_MAX_US, WL_PARAM_TIME },
	{ "touch", "bytes touched per wake, one word per page (at most --mem)", offsetof(struct wl_params, touch_bytes),
	  true, 64 << 10, 1, 1ULL << 40, WL_PARAM_NUMBER },
	{ 0 },
};

WL_EXPORT(idle) = {
	.name = "idle",
	.summary = "fill --mem, then sleep and wake periodically to touch a small part of it; "
		   "one op = one wake (default 10)",
	.params = idle_params,
	.main = idle_main,
	.ops = idle_ops,
	.overcommit = true,
};
