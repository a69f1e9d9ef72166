/* phases — a working set that follows a schedule, for memory-overcommit experiments: the
 * guest's demand grows and shrinks, and what it drops goes back to the guest kernel (unmapped,
 * so its frames are freed). `--ws SIZE:OPS,SIZE:OPS,...` (at most 8 steps): during a step the
 * workload makes OPS random read-modify-write touches (one word of a random page, from the
 * seed) within the first SIZE bytes of its memory. The schedule counts operations, not
 * seconds, so the checksum never depends on timing; how long a step lasts in wall-clock time
 * is whatever OPS touches cost on the platform. Default (no --ws): --mem/4, --mem, --mem/8,
 * 8 touches per page of each step.
 *
 * Memory is held in up to 16 equal chunks, each one wl_map (chunk = largest step / 16,
 * rounded up to 4 KiB, or to 2 MiB from a 32 MiB largest step on so that 2 MiB guest pages
 * can back it). A step maps the chunks its working set needs and unmaps the ones it no
 * longer does: a shrink frees whole chunks. Pages of a chunk mapped again are demand-zero,
 * and the touches fold what they read into the checksum, so demand-zero is checked too.
 *
 * `--sys-every N` makes a system call every N operations — an address-space switch to the
 * space already current, which changes nothing — so the guest kernel runs now and then in a
 * steady step as it would at a timer tick (this kernel has none): its balloon driver answers
 * the VMM there (statistics, free page reporting, docs/balloon.md). It changes no checksum. */
#include <errno.h>

#include "workloads/wl.h"
#include "workloads/wl_util.h"

#define PHASES_MAX_CHUNKS 16u
#define PHASES_DEFAULT_TOUCHES_PER_PAGE 8u

/* The schedule in effect: the given one, or the default derived from --mem. */
static unsigned phases_steps(const struct wl_params *p, struct wl_ws_step *out)
{
	unsigned n = 0;
	for (; n < WL_WS_STEPS && p->ws[n].bytes; n++)
		out[n] = p->ws[n];
	if (n)
		return n;
	uint64_t mem = p->mem_bytes;
	const uint64_t sizes[3] = { mem / 4, mem, mem / 8 };
	for (; n < 3; n++) {
		uint64_t b = sizes[n] < WL_PAGE_SIZE ? WL_PAGE_SIZE : sizes[n];
		out[n] = (struct wl_ws_step){ b, PHASES_DEFAULT_TOUCHES_PER_PAGE * (b / WL_PAGE_SIZE) };
	}
	return n;
}

static uint64_t phases_ops(const struct wl_params *p)
{
	struct wl_ws_step s[WL_WS_STEPS];
	uint64_t total = 0;
	for (unsigned i = 0, n = phases_steps(p, s); i < n; i++)
		total += s[i].ops;
	return total;
}

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

static uint64_t phases_chunk(const struct wl_ws_step *s, unsigned n)
{
	uint64_t max = 0;
	for (unsigned i = 0; i < n; i++)
		max = s[i].bytes > max ? s[i].bytes : max;
	uint64_t chunk = round_up(max, PHASES_MAX_CHUNKS) / PHASES_MAX_CHUNKS;
	return round_up(chunk ? chunk : 1, max >= (32ULL << 20) ? 2ULL << 20 : WL_PAGE_SIZE);
}

/* Sizes must fit --mem, which sizes the guest's RAM; --ops does not apply (the schedule's
 * OPS are the run's operations). */
static const char *phases_check(const struct wl_params *p, const char **param)
{
	struct wl_ws_step s[WL_WS_STEPS];
	unsigned n = phases_steps(p, s);
	*param = "ws";
	for (unsigned i = 0; i < n; i++) {
		if (s[i].bytes > p->mem_bytes)
			return "a working set is larger than --mem (which sizes guest RAM)";
		if (s[i].ops == 0)
			return "a step has 0 operations";
	}
	*param = "ops";
	return p->ops ? "--ops does not apply to phases: the schedule's SIZE:OPS steps give the operations" : 0;
}

struct phases_mem {
	wl_addr_t chunk[PHASES_MAX_CHUNKS];
	unsigned mapped;
	uint64_t chunk_bytes;
};

/* Map or unmap whole chunks until exactly those covering `bytes` are mapped. */
static int phases_resize(struct wl_ctx *c, struct phases_mem *m, uint64_t bytes)
{
	unsigned need = (unsigned)((bytes + m->chunk_bytes - 1) / m->chunk_bytes);
	while (m->mapped > need) {
		int rc = wl_unmap(c, m->chunk[m->mapped - 1], m->chunk_bytes);
		if (rc < 0)
			return rc;
		m->mapped--;
	}
	while (m->mapped < need) {
		if (!(m->chunk[m->mapped] = wl_map(c, m->chunk_bytes)))
			return -ENOMEM;
		m->mapped++;
	}
	return 0;
}

static wl_addr_t phases_page(const struct phases_mem *m, uint64_t page)
{
	uint64_t per_chunk = m->chunk_bytes / WL_PAGE_SIZE;
	return m->chunk[page / per_chunk] + (page % per_chunk) * WL_PAGE_SIZE;
}

static int phases_main(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	struct wl_ws_step s[WL_WS_STEPS];
	unsigned n = phases_steps(p, s);
	const char *bad_param;
	if (phases_check(p, &bad_param))
		return -EINVAL;
	struct phases_mem m = { .chunk_bytes = phases_chunk(s, n) };
	uint64_t rng = p->seed, h = WL_CSUM_INIT, done = 0;
	int rc = phases_resize(c, &m, s[0].bytes); /* setup: the first working set, filled */
	for (uint64_t pg = 0; rc == 0 && pg < s[0].bytes / WL_PAGE_SIZE; pg++)
		wl_store64(c, phases_page(&m, pg), wl_rand_next(&rng));

	wl_phase(c, WL_PHASE_MEASURE);
	do { /* a pass is the whole schedule */
		done = 0;
		for (unsigned i = 0; rc == 0 && i < n; i++) {
			uint64_t pages = (s[i].bytes + WL_PAGE_SIZE - 1) / WL_PAGE_SIZE;
			if ((rc = phases_resize(c, &m, s[i].bytes)) < 0)
				break;
			for (uint64_t op = 0; op < s[i].ops; op++, done++) {
				wl_addr_t a = phases_page(&m, wl_rand_below(&rng, pages));
				a += 8 * wl_rand_below(&rng, WL_PAGE_SIZE / 8);
				uint64_t v = wl_load64(c, a);
				h = wl_csum_step(h, v);
				wl_store64(c, a, v * 5 + done + 1);
				if ((done & (WL_PROGRESS_EVERY - 1)) == 0)
					wl_progress(c, done);
				if (p->sys_every && done % p->sys_every == 0 && (rc = wl_as_switch(c, 0)) < 0)
					break;
			}
		}
		wl_progress(c, done);
	} while (rc == 0 && wl_next_pass(c, done));
	wl_phase(c, WL_PHASE_DONE);
	*checksum = h;
	int rc2 = phases_resize(c, &m, 0);
	return rc < 0 ? rc : rc2;
}

static const struct wl_param_desc phases_params[] = {
	{ "ws", "working-set schedule SIZE:OPS,... (<= 8 steps, SIZE <= --mem; derived: --mem/4, --mem, "
		"--mem/8 at 8 touches a page)",
	  offsetof(struct wl_params, ws), true, 0, WL_PAGE_SIZE, 1ULL << 40, WL_PARAM_SCHEDULE },
	{ "sys-every", "a system call (a no-op address-space switch) every N operations, as a timer tick would "
		       "enter the guest kernel (default 0: none)",
	  offsetof(struct wl_params, sys_every), false, 0, 1, 1ULL << 40, WL_PARAM_NUMBER },
	{ 0 },
};

WL_EXPORT(phases) = {
	.name = "phases",
	.summary = "a working set following a schedule of SIZE:OPS steps, freeing what it drops; one op = one touch",
	.params = phases_params,
	.main = phases_main,
	.ops = phases_ops,
	.check = phases_check,
	.overcommit = true,
};
