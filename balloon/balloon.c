/* balloon.c — the balloon device's platform-independent part (see balloon.h): the --balloon
 * parser, the target and its schedule, and the checks and bookkeeping of every guest message.
 *
 * Why the balloon keeps its own map of ballooned frames instead of asking the frame book: the
 * book also holds reclaimed and shared states that other threads move, and a refusal must not
 * depend on them; the map answers "did this guest give this frame to the balloon" exactly, in
 * one bit, without the book's lock. Why adjacent entries are merged into one release: the
 * driver takes chunks in address order, so a message of 256 chunks is usually one run — one
 * madvise or fallocate for 512 MiB instead of 256. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "balloon/balloon.h"
#include "vmm/util/clock.h"
#include "vmm/util/parse.h"
#include "vmm/util/proc_rss.h"

#define FRAME 4096ULL
#define CHUNK (2ULL << 20)

/* ---- --balloon ----------------------------------------------------------------------------- */

static int fail(char *why, size_t n, const char *fmt, const char *arg)
{
	snprintf(why, n, fmt, arg);
	return -EINVAL;
}

static int step_key(struct balloon_config *c, struct balloon_step *s, const char *key, const char *val, char *why,
		    size_t n)
{
	uint64_t us;
	if (strcmp(key, "target") == 0)
		return parse_size(val, &s->target_bytes) < 0 ? fail(why, n, "--balloon: bad target '%s'", val) : 1;
	if (strcmp(key, "at") == 0) {
		if (parse_duration_us(val, &us) < 0)
			return fail(why, n, "--balloon: bad time '%s' (at=1s, 250ms)", val);
		s->at_s = (double)us / 1e6;
		s->has_at = true;
		return 0;
	}
	if (strcmp(key, "deflate_on_oom") == 0)
		return parse_bool(val, &c->deflate_on_oom) < 0 ? fail(why, n, "--balloon: deflate_on_oom=%s: on or off", val)
							       : 0;
	if (strcmp(key, "protect") == 0) {
		bool on;
		if (parse_bool(val, &on) < 0)
			return fail(why, n, "--balloon: protect=%s: on or off", val);
		c->no_protect = !on;
		return 0;
	}
	return fail(why, n, "--balloon: unknown key '%s' (target, at, deflate_on_oom, protect)", key);
}

int balloon_config_add(struct balloon_config *c, const char *spec, char *why, size_t whylen)
{
	char buf[256];
	if (c->n == BALLOON_MAX_STEPS) {
		snprintf(why, whylen, "--balloon: at most %d targets", BALLOON_MAX_STEPS);
		return -EINVAL;
	}
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return fail(why, whylen, "--balloon: '%.40s...' is too long", spec);
	if (c->n == 0)
		c->deflate_on_oom = true;
	struct balloon_step s = { 0 };
	bool have_target = false;
	char *save = NULL;
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return fail(why, whylen, "--balloon: '%s': expected key=value", kv);
		*eq = '\0';
		int rc = step_key(c, &s, kv, eq + 1, why, whylen);
		if (rc < 0)
			return rc;
		have_target |= rc == 1;
	}
	if (!have_target)
		return fail(why, whylen, "--balloon %s: target=SIZE is required", spec);
	c->step[c->n++] = s;
	return 0;
}

/* ---- Target -------------------------------------------------------------------------------- */

static void publish_target(struct balloon *b)
{
	__atomic_store_n(&b->shared->target_frames, b->target_bytes / FRAME, __ATOMIC_RELEASE);
}

int balloon_set_target(struct balloon *b, uint64_t bytes)
{
	int rc = 0;
	pthread_mutex_lock(&b->lock);
	if (!b->attached)
		rc = -ENODEV;
	else if (bytes > b->ram_bytes)
		rc = -ERANGE;
	else {
		b->target_bytes = bytes / FRAME * FRAME;
		publish_target(b);
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

uint64_t balloon_target_bytes(struct balloon *b)
{
	pthread_mutex_lock(&b->lock);
	uint64_t v = b->target_bytes;
	pthread_mutex_unlock(&b->lock);
	return v;
}

uint64_t balloon_actual_bytes(struct balloon *b)
{
	pthread_mutex_lock(&b->lock);
	uint64_t v = b->frames * FRAME;
	pthread_mutex_unlock(&b->lock);
	return v;
}

volatile struct gk_balloon_shared *balloon_shared(struct balloon *b) { return b->shared; }

/* ---- Lifetime ------------------------------------------------------------------------------ */

int balloon_init(struct balloon *b, const struct balloon_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	b->shared = &b->own;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

static void schedule_stop(struct balloon *b)
{
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_broadcast(&b->cond);
	bool started = b->thread_started;
	b->thread_started = false;
	pthread_mutex_unlock(&b->lock);
	if (started)
		pthread_join(b->thread, NULL);
}

void balloon_fini(struct balloon *b)
{
	schedule_stop(b);
	free(b->map);
	b->map = NULL;
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

/* The boot target: the last step without at=. */
static uint64_t boot_target(const struct balloon_config *c)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < c->n; i++)
		if (!c->step[i].has_at)
			t = c->step[i].target_bytes;
	return t;
}

int balloon_attach(struct balloon *b, uint64_t ram_gpa, uint64_t ram_bytes, volatile struct gk_balloon_shared *shared,
		   const struct balloon_backend *be)
{
	if (ram_bytes == 0 || ram_bytes % FRAME || ram_gpa % CHUNK || !be || !be->release || !be->reuse)
		return -EINVAL;
	uint64_t words = (ram_bytes / FRAME + 63) / 64;
	uint64_t *map = calloc(words, sizeof(uint64_t));
	if (!map)
		return -ENOMEM;
	pthread_mutex_lock(&b->lock);
	free(b->map);
	b->map = map;
	b->ram_gpa = ram_gpa;
	b->ram_bytes = ram_bytes;
	b->be = *be;
	b->frames = 0;
	b->shared = shared ? shared : &b->own;
	b->shared->version = GK_BALLOON_VERSION;
	b->shared->batch_max = GK_BALLOON_BATCH;
	b->shared->flags = b->cfg.deflate_on_oom ? GK_BALLOON_DEFLATE_ON_OOM : 0;
	b->target_bytes = boot_target(&b->cfg);
	if (b->target_bytes > ram_bytes)
		b->target_bytes = ram_bytes;
	b->target_bytes = b->target_bytes / FRAME * FRAME;
	publish_target(b);
	b->attached = true;
	b->stopping = false;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

void balloon_detach(struct balloon *b)
{
	schedule_stop(b);
	pthread_mutex_lock(&b->lock);
	/* The guest's control area goes with the VM; the last target stays in our own. */
	b->own.target_frames = b->target_bytes / FRAME;
	b->shared = &b->own;
	b->attached = false;
	pthread_mutex_unlock(&b->lock);
}

/* ---- The at= schedule ---------------------------------------------------------------------- */

static void *schedule_main(void *arg)
{
	struct balloon *b = arg;
	double t0 = monotonic_seconds();
	bool done[BALLOON_MAX_STEPS] = { false };
	pthread_mutex_lock(&b->lock);
	for (;;) {
		/* the earliest step not yet applied */
		int next = -1;
		for (unsigned i = 0; i < b->cfg.n; i++)
			if (b->cfg.step[i].has_at && !done[i] && (next < 0 || b->cfg.step[i].at_s < b->cfg.step[next].at_s))
				next = (int)i;
		if (next < 0 || b->stopping)
			break;
		double due = t0 + b->cfg.step[next].at_s;
		if (monotonic_seconds() < due) {
			struct timespec ts = { .tv_sec = (time_t)due, .tv_nsec = (long)((due - (double)(time_t)due) * 1e9) };
			pthread_cond_timedwait(&b->cond, &b->lock, &ts);
			continue;
		}
		done[next] = true;
		if (b->attached) {
			uint64_t t = b->cfg.step[next].target_bytes;
			b->target_bytes = (t > b->ram_bytes ? b->ram_bytes : t) / FRAME * FRAME;
			publish_target(b);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

void balloon_measure_started(struct balloon *b)
{
	bool any = false;
	for (unsigned i = 0; i < b->cfg.n; i++)
		any |= b->cfg.step[i].has_at;
	pthread_mutex_lock(&b->lock);
	if (any && b->attached && !b->thread_started && !b->stopping)
		b->thread_started = pthread_create(&b->thread, NULL, schedule_main, b) == 0;
	pthread_mutex_unlock(&b->lock);
}

/* ---- Messages ------------------------------------------------------------------------------ */

/* The map is read and written a 64-bit word at a time: a 2 MiB entry is 8 words, so a message
 * of 256 chunks costs ~2000 word operations, not 131072 bit operations (O(chunks), not
 * O(frames)). word_mask: the bits of frames [first, first + count) inside word w. */
static uint64_t word_mask(uint64_t w, uint64_t first, uint64_t end)
{
	uint64_t lo = w * 64 > first ? 0 : first - w * 64, hi = end - w * 64 >= 64 ? 64 : end - w * 64;
	uint64_t m = hi == 64 ? ~0ULL : (1ULL << hi) - 1;
	return m & ~((1ULL << lo) - 1);
}

/* The bits of frames [first, first + count) in the map: all set (1), none (0), mixed (-1). */
static int map_state(const uint64_t *map, uint64_t first, uint64_t count)
{
	bool any = false, all = true;
	for (uint64_t w = first / 64, end = first + count; w * 64 < end; w++) {
		uint64_t m = word_mask(w, first, end), v = map[w] & m;
		any |= v != 0;
		all &= v == m;
	}
	return all ? 1 : any ? -1 : 0;
}

static void map_write(uint64_t *map, uint64_t first, uint64_t count, bool v)
{
	for (uint64_t w = first / 64, end = first + count; w * 64 < end; w++) {
		uint64_t m = word_mask(w, first, end);
		map[w] = v ? map[w] | m : map[w] & ~m;
	}
}

static const char *op_name(unsigned op) { return op == GK_BALLOON_INFLATE ? "inflate" : "deflate"; }

/* Decodes and checks entry i; 0 and its RAM offset and size, or -EINVAL/-EFAULT with why. */
static int entry_check(struct balloon *b, unsigned op, uint32_t i, uint64_t e, uint64_t *off, uint64_t *bytes,
		       char *why, size_t whylen)
{
	uint64_t gpa = e & ~GK_BALLOON_ENTRY_FLAGS;
	uint64_t size = (e & GK_BALLOON_ENTRY_2M) ? CHUNK : FRAME;
	const char *what = size == CHUNK ? "2 MiB chunk" : "frame";
	if (e & GK_BALLOON_ENTRY_FLAGS & ~GK_BALLOON_ENTRY_2M) {
		snprintf(why, whylen, "balloon %s entry %u (0x%" PRIx64 "): unknown flag bits", op_name(op), i, e);
		return -EINVAL;
	}
	if (gpa % size) {
		snprintf(why, whylen, "balloon %s entry %u: %s 0x%" PRIx64 " not aligned to its size", op_name(op), i, what,
			 gpa);
		return -EINVAL;
	}
	if (gpa < b->ram_gpa || gpa - b->ram_gpa >= b->ram_bytes || size > b->ram_bytes - (gpa - b->ram_gpa)) {
		const char *area = b->be.area ? b->be.area(b->be.ctx, gpa) : NULL;
		snprintf(why, whylen, "balloon %s entry %u: %s 0x%" PRIx64 " outside guest RAM%s%s", op_name(op), i, what, gpa,
			 area ? ": in " : "", area ? area : "");
		return -EFAULT;
	}
	*off = gpa - b->ram_gpa;
	*bytes = size;
	int st = map_state(b->map, *off / FRAME, size / FRAME);
	if (op == GK_BALLOON_INFLATE && st != 0) {
		snprintf(why, whylen, "balloon inflate entry %u: %s 0x%" PRIx64 " %s ballooned", i, what, gpa,
			 st == 1 ? "already" : "partly");
		return -EINVAL;
	}
	if (op == GK_BALLOON_DEFLATE && st != 1) {
		snprintf(why, whylen, "balloon deflate entry %u: %s 0x%" PRIx64 " is not (wholly) ballooned", i, what, gpa);
		return -EINVAL;
	}
	return 0;
}

/* One run of adjacent accepted entries, applied through the platform. */
static int run_apply(struct balloon *b, unsigned op, uint64_t off, uint64_t bytes, char *why, size_t whylen)
{
	if (bytes == 0)
		return 0;
	if (op == GK_BALLOON_INFLATE)
		return b->be.release(b->be.ctx, off, bytes, why, whylen);
	int rc = b->be.reuse(b->be.ctx, off, bytes);
	if (rc < 0)
		snprintf(why, whylen, "balloon deflate: marking [0x%" PRIx64 ", +0x%" PRIx64 ") usable failed: %s", off, bytes,
			 strerror(-rc));
	return rc;
}

static void round_mark(struct balloon *b, unsigned op, uint32_t flags, double now)
{
	if (!b->in_round[op]) {
		b->in_round[op] = true;
		b->round_t0[op] = now;
	}
	if (flags & GK_BALLOON_MSG_LAST) {
		b->op_s[op] += monotonic_seconds() - b->round_t0[op];
		b->in_round[op] = false;
	}
}

int balloon_message(struct balloon *b, unsigned op, const uint64_t *entries, uint32_t n, uint32_t flags,
		    const struct gk_balloon_stats *stats, char *why, size_t whylen)
{
	if (op != GK_BALLOON_INFLATE && op != GK_BALLOON_DEFLATE) {
		snprintf(why, whylen, "balloon: unknown operation %u", op);
		return -EINVAL;
	}
	/* The RSS as a round begins, read before the clock so that the timed round does not
	 * include it (this thread alone sends messages and moves in_round, so neither is raced). */
	if (!b->in_round[op]) {
		b->round_rss[op] = process_rss_bytes();
		if (!b->rss_before[op])
			b->rss_before[op] = b->round_rss[op];
	}
	double now = monotonic_seconds();
	if (n > GK_BALLOON_BATCH || (flags & ~GK_BALLOON_MSG_KNOWN) || (op == GK_BALLOON_INFLATE && (flags & GK_BALLOON_MSG_OOM))) {
		snprintf(why, whylen, "balloon %s: %u entries (at most %u) with flags 0x%x", op_name(op), n, GK_BALLOON_BATCH,
			 flags);
		return -EINVAL;
	}
	pthread_mutex_lock(&b->lock);
	int rc = 0;
	if (!b->attached) {
		snprintf(why, whylen, "balloon %s: the device is not attached", op_name(op));
		rc = -ENODEV;
	}
	uint64_t run_off = 0, run_bytes = 0;
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		uint64_t off, bytes;
		if ((rc = entry_check(b, op, i, entries[i], &off, &bytes, why, whylen)) < 0)
			break;
		map_write(b->map, off / FRAME, bytes / FRAME, op == GK_BALLOON_INFLATE);
		if (op == GK_BALLOON_INFLATE) {
			b->frames += bytes / FRAME;
			b->inflated_frames += bytes / FRAME;
		} else {
			b->frames -= bytes / FRAME;
			b->deflated_frames += bytes / FRAME;
		}
		if (run_bytes && run_off + run_bytes == off) {
			run_bytes += bytes;
			continue;
		}
		rc = run_apply(b, op, run_off, run_bytes, why, whylen);
		run_off = off;
		run_bytes = bytes;
	}
	if (rc == 0 || rc == -EINVAL || rc == -EFAULT) { /* what was accepted before a bad entry */
		int rc2 = run_apply(b, op, run_off, run_bytes, why, whylen);
		if (rc == 0)
			rc = rc2;
	}
	if (rc == 0) {
		b->messages++;
		if (flags & GK_BALLOON_MSG_OOM && (flags & GK_BALLOON_MSG_LAST))
			b->oom_deflates++;
		round_mark(b, op, flags, now);
		if (flags & GK_BALLOON_MSG_LAST) {
			b->rss_after[op] = process_rss_bytes();
			b->rss_drop[op] += (int64_t)b->round_rss[op] - (int64_t)b->rss_after[op];
		}
		if (stats && (flags & GK_BALLOON_MSG_LAST))
			b->stats = *stats;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* ---- Result -------------------------------------------------------------------------------- */

void balloon_result(struct balloon *b, struct result_balloon *out)
{
	pthread_mutex_lock(&b->lock);
	*out = (struct result_balloon){
		.have = true,
		.target = b->target_bytes,
		.actual = b->frames * FRAME,
		.inflated = b->inflated_frames * FRAME,
		.deflated = b->deflated_frames * FRAME,
		.inflate_s = b->op_s[GK_BALLOON_INFLATE],
		.deflate_s = b->op_s[GK_BALLOON_DEFLATE],
		.oom_deflates = b->oom_deflates,
		.messages = b->messages,
		.guest_free = b->stats.free_frames * FRAME,
		.guest_total = b->stats.total_frames * FRAME,
		.guest_alloc_stalls = b->stats.alloc_stalls,
		.inflate_rss_before = b->rss_before[GK_BALLOON_INFLATE],
		.inflate_rss_after = b->rss_after[GK_BALLOON_INFLATE],
		.deflate_rss_before = b->rss_before[GK_BALLOON_DEFLATE],
		.deflate_rss_after = b->rss_after[GK_BALLOON_DEFLATE],
		.inflate_rss_drop = b->rss_drop[GK_BALLOON_INFLATE],
		.deflate_rss_drop = b->rss_drop[GK_BALLOON_DEFLATE],
	};
	pthread_mutex_unlock(&b->lock);
}
