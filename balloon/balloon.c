/* balloon.c — the balloon device's platform-independent part (see balloon.h): the --balloon
 * parser, the target and its schedule, the statistics poll and the report epoch, and the
 * checks and bookkeeping of every guest message and of the guest's statistics.
 *
 * Why the balloon keeps its own map of ballooned frames instead of asking the frame book: the
 * book also holds reclaimed and shared states that other threads move, and a refusal must not
 * depend on them; the map answers "did this guest give this frame to the balloon" exactly, in
 * one bit, without the book's lock. Why adjacent entries are merged into one release: the
 * driver takes chunks in address order, so a message of 256 chunks is usually one run — one
 * madvise or fallocate for 512 MiB instead of 256. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
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
#define BALLOON_STATS_MIN_US 1000ULL        /* stats=: the poll is a thread wake-up and a copy */
#define BALLOON_REPORT_DELAY_MIN_US 2000ULL /* report_delay=: the epoch advances every half */
#define BALLOON_PERIOD_MAX_US 3600000000ULL

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
	if (strcmp(key, "stats") == 0) {
		if (strcmp(val, "off") == 0) {
			c->stats_us = 0;
			return 0;
		}
		if (parse_duration_us(val, &us) < 0 || us < BALLOON_STATS_MIN_US || us > BALLOON_PERIOD_MAX_US)
			return fail(why, n, "--balloon: bad stats period '%s' (1ms to 3600s, or off)", val);
		c->stats_us = us;
		return 0;
	}
	if (strcmp(key, "report") == 0)
		return parse_bool(val, &c->report) < 0 ? fail(why, n, "--balloon: report=%s: on or off", val) : 0;
	if (strcmp(key, "report_delay") == 0) {
		if (parse_duration_us(val, &us) < 0 || us < BALLOON_REPORT_DELAY_MIN_US || us > BALLOON_PERIOD_MAX_US)
			return fail(why, n, "--balloon: bad report_delay '%s' (2ms to 3600s)", val);
		c->report_delay_us = us;
		return 0;
	}
	return fail(why, n,
		    "--balloon: unknown key '%s' (target, at, deflate_on_oom, protect, stats, report, report_delay)",
		    key);
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
	if (!c->defaults_set) {
		c->defaults_set = true;
		c->deflate_on_oom = true;
		c->report_delay_us = BALLOON_REPORT_DELAY_US;
	}
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
	if (!have_target && s.has_at)
		return fail(why, whylen, "--balloon %s: at= needs a target=SIZE", spec);
	if (have_target)
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
	if (b->cfg.report_delay_us == 0) /* a configuration no --balloon value went into (a policy's) */
		b->cfg.report_delay_us = BALLOON_REPORT_DELAY_US;
	b->shared = &b->own;
	b->measure_t0 = -1;
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

static void thread_start(struct balloon *b);

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
	b->flags = (b->cfg.deflate_on_oom ? GK_BALLOON_DEFLATE_ON_OOM : 0) |
		   (b->cfg.report && b->be.report ? GK_BALLOON_REPORTING : 0);
	b->shared->flags = b->flags;
	memset(b->step_done, 0, sizeof(b->step_done));
	b->measure_t0 = -1;
	b->shared->stats_request = b->stats_request = 0;
	b->shared->report_epoch = b->report_epoch = 0;
	b->shared->stats_seq = 0;
	b->stats_seq_taken = 0;
	b->target_bytes = boot_target(&b->cfg);
	if (b->target_bytes > ram_bytes)
		b->target_bytes = ram_bytes;
	b->target_bytes = b->target_bytes / FRAME * FRAME;
	publish_target(b);
	b->attached = true;
	b->stopping = false;
	pthread_mutex_unlock(&b->lock);
	if (b->cfg.stats_us || (b->flags & GK_BALLOON_REPORTING))
		thread_start(b); /* the poll and the epoch run from boot */
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

/* ---- The balloon's thread: the at= schedule, the stats poll, the report epoch -------------- */

const char *balloon_stats_check(const struct gk_balloon_stats *s, const struct gk_balloon_stats *prev,
				uint64_t ram_bytes)
{
	if (s->total_frames > ram_bytes / FRAME)
		return "total beyond guest RAM";
	if (s->free_frames > s->total_frames)
		return "free beyond total";
	if (s->available_frames > s->total_frames)
		return "available beyond total";
	if (prev && (s->major_faults < prev->major_faults || s->minor_faults < prev->minor_faults ||
		     s->oom_events < prev->oom_events || s->alloc_stalls < prev->alloc_stalls))
		return "a counter went back";
	return NULL;
}

/* Guest statistics, already copied out of guest memory: kept when they pass the checks, else
 * counted as refused. Under the lock. */
static void stats_accept(struct balloon *b, const struct gk_balloon_stats *s)
{
	if (balloon_stats_check(s, b->have_stats ? &b->stats : NULL, b->ram_bytes)) {
		b->stats_refused++;
		return;
	}
	b->stats = *s;
	b->have_stats = true;
	b->stats_taken++;
}

/* One poll: copy the statistics the guest last completed (between two equal even reads of its
 * seqlock, each field loaded once), then ask for fresh ones. Under the lock. */
static void stats_poll(struct balloon *b)
{
	volatile struct gk_balloon_shared *sh = b->shared;
	b->stats_polls++;
	uint64_t seq = __atomic_load_n(&sh->stats_seq, __ATOMIC_ACQUIRE);
	if (seq != b->stats_seq_taken) {
		struct gk_balloon_stats c = {
			.total_frames = sh->stats.total_frames, .free_frames = sh->stats.free_frames,
			.available_frames = sh->stats.available_frames, .major_faults = sh->stats.major_faults,
			.minor_faults = sh->stats.minor_faults, .oom_events = sh->stats.oom_events,
			.alloc_stalls = sh->stats.alloc_stalls,
		};
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (seq % 2 == 0 && __atomic_load_n(&sh->stats_seq, __ATOMIC_RELAXED) == seq) {
			b->stats_seq_taken = seq;
			stats_accept(b, &c);
		} else {
			b->stats_busy++; /* the guest was writing: next time */
		}
	}
	__atomic_store_n(&sh->stats_request, ++b->stats_request, __ATOMIC_RELEASE);
}

static void epoch_advance(struct balloon *b)
{
	__atomic_store_n(&b->shared->report_epoch, ++b->report_epoch, __ATOMIC_RELEASE);
}

static struct timespec abs_time(double t)
{
	return (struct timespec){ .tv_sec = (time_t)t, .tv_nsec = (long)((t - (double)(time_t)t) * 1e9) };
}

/* The earliest at= step not yet applied, or -1. */
static int next_step(const struct balloon *b)
{
	int next = -1;
	for (unsigned i = 0; i < b->cfg.n; i++)
		if (b->cfg.step[i].has_at && !b->step_done[i] &&
		    (next < 0 || b->cfg.step[i].at_s < b->cfg.step[next].at_s))
			next = (int)i;
	return next;
}

/* Step i's target, now. Under the lock. */
static void step_apply(struct balloon *b, unsigned i)
{
	b->step_done[i] = true;
	if (b->attached) {
		uint64_t t = b->cfg.step[i].target_bytes;
		b->target_bytes = (t > b->ram_bytes ? b->ram_bytes : t) / FRAME * FRAME;
		publish_target(b);
	}
}

static void *thread_main(void *arg)
{
	struct balloon *b = arg;
	double stats_s = (double)b->cfg.stats_us / 1e6, epoch_s = (double)b->cfg.report_delay_us / 2e6;
	double now = monotonic_seconds(), next_stats = now + stats_s, next_epoch = now + epoch_s;
	pthread_mutex_lock(&b->lock);
	bool reporting = b->flags & GK_BALLOON_REPORTING;
	while (!b->stopping) {
		now = monotonic_seconds();
		double due = INFINITY;
		int next = next_step(b);
		if (next >= 0 && b->measure_t0 >= 0) {
			double at = b->measure_t0 + b->cfg.step[next].at_s;
			if (now >= at) {
				step_apply(b, (unsigned)next);
				continue;
			}
			due = at;
		}
		if (b->cfg.stats_us && b->attached) {
			if (now >= next_stats) {
				stats_poll(b);
				next_stats = now + stats_s;
			}
			due = fmin(due, next_stats);
		}
		if (reporting && b->attached) {
			if (now >= next_epoch) {
				epoch_advance(b);
				next_epoch = now + epoch_s;
			}
			due = fmin(due, next_epoch);
		}
		if (isinf(due) && next < 0)
			break; /* nothing left to do */
		if (isinf(due)) {
			pthread_cond_wait(&b->cond, &b->lock); /* at= steps wait for the measured phase */
			continue;
		}
		struct timespec ts = abs_time(due);
		pthread_cond_timedwait(&b->cond, &b->lock, &ts);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void thread_start(struct balloon *b)
{
	pthread_mutex_lock(&b->lock);
	if (b->attached && !b->thread_started && !b->stopping)
		b->thread_started = pthread_create(&b->thread, NULL, thread_main, b) == 0;
	pthread_mutex_unlock(&b->lock);
}

void balloon_measure_started(struct balloon *b)
{
	bool any = false;
	for (unsigned i = 0; i < b->cfg.n; i++)
		any |= b->cfg.step[i].has_at;
	pthread_mutex_lock(&b->lock);
	if (b->measure_t0 < 0) {
		b->measure_t0 = monotonic_seconds();
		/* at=0 is the measured phase's start itself: set here, on the caller's thread, so the
		 * guest sees it at its next check however late the balloon's thread gets a CPU */
		for (int i; (i = next_step(b)) >= 0 && b->cfg.step[i].at_s <= 0;)
			step_apply(b, (unsigned)i);
	}
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	if (any)
		thread_start(b);
}

void balloon_sample(struct balloon *b, struct balloon_sample *out)
{
	pthread_mutex_lock(&b->lock);
	*out = (struct balloon_sample){ .balloon_bytes = b->frames * FRAME,
					.guest_free_bytes = b->have_stats ? b->stats.free_frames * FRAME : UINT64_MAX,
					.reported_bytes = b->reported_frames * FRAME };
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

static const char *op_name(unsigned op)
{
	return op == GK_BALLOON_INFLATE ? "inflate" : op == GK_BALLOON_REPORT ? "report" : "deflate";
}

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
	if (op == GK_BALLOON_REPORT && size != CHUNK) {
		snprintf(why, whylen, "balloon report entry %u: frame 0x%" PRIx64 ": free page reporting takes 2 MiB chunks only",
			 i, gpa);
		return -EINVAL;
	}
	int st = map_state(b->map, *off / FRAME, size / FRAME);
	if (op == GK_BALLOON_REPORT && st != 0) {
		snprintf(why, whylen, "balloon report entry %u: 2 MiB chunk 0x%" PRIx64 " is %sballooned, not free", i, gpa,
			 st == 1 ? "" : "partly ");
		return -EINVAL;
	}
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
	if (op == GK_BALLOON_REPORT)
		return b->be.report(b->be.ctx, off, bytes, why, whylen);
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
	/* The RSS as an inflate or deflate round begins, read before the clock so that the timed
	 * round does not include it (this thread alone sends messages and moves in_round, so
	 * neither is raced). */
	if ((op == GK_BALLOON_INFLATE || op == GK_BALLOON_DEFLATE) && !b->in_round[op]) {
		b->round_rss[op] = process_rss_bytes();
		if (!b->rss_before[op])
			b->rss_before[op] = b->round_rss[op];
	}
	double now = monotonic_seconds();
	if (op != GK_BALLOON_INFLATE && op != GK_BALLOON_DEFLATE && op != GK_BALLOON_REPORT) {
		snprintf(why, whylen, "balloon: unknown operation %u", op);
		return -EINVAL;
	}
	if (n > GK_BALLOON_BATCH || (flags & ~GK_BALLOON_MSG_KNOWN) || (op != GK_BALLOON_DEFLATE && (flags & GK_BALLOON_MSG_OOM))) {
		snprintf(why, whylen, "balloon %s: %u entries (at most %u) with flags 0x%x", op_name(op), n, GK_BALLOON_BATCH,
			 flags);
		return -EINVAL;
	}
	pthread_mutex_lock(&b->lock);
	int rc = 0;
	if (!b->attached) {
		snprintf(why, whylen, "balloon %s: the device is not attached", op_name(op));
		rc = -ENODEV;
	} else if (op == GK_BALLOON_REPORT && !(b->flags & GK_BALLOON_REPORTING)) {
		snprintf(why, whylen, "balloon report: free page reporting is off for this VM");
		rc = -EINVAL;
	}
	uint64_t run_off = 0, run_bytes = 0;
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		uint64_t off, bytes;
		if ((rc = entry_check(b, op, i, entries[i], &off, &bytes, why, whylen)) < 0)
			break;
		if (op == GK_BALLOON_REPORT) {
			b->reported_frames += bytes / FRAME; /* stays the guest's: the map is unchanged */
		} else if (op == GK_BALLOON_INFLATE) {
			map_write(b->map, off / FRAME, bytes / FRAME, true);
			b->frames += bytes / FRAME;
			b->inflated_frames += bytes / FRAME;
		} else {
			map_write(b->map, off / FRAME, bytes / FRAME, false);
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
	if (rc == 0 && op == GK_BALLOON_REPORT) {
		b->report_messages++;
		round_mark(b, op, flags, now);
	} else if (rc == 0) {
		b->messages++;
		if (flags & GK_BALLOON_MSG_OOM && (flags & GK_BALLOON_MSG_LAST))
			b->oom_deflates++;
		round_mark(b, op, flags, now);
		if (flags & GK_BALLOON_MSG_LAST) {
			b->rss_after[op] = process_rss_bytes();
			b->rss_drop[op] += (int64_t)b->round_rss[op] - (int64_t)b->rss_after[op];
		}
		if (stats && (flags & GK_BALLOON_MSG_LAST))
			stats_accept(b, stats);
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
		.reported = b->reported_frames * FRAME,
		.report_messages = b->report_messages,
		.report_s = b->op_s[GK_BALLOON_REPORT],
		.have_stats = b->have_stats,
		.guest_free = b->stats.free_frames * FRAME,
		.guest_total = b->stats.total_frames * FRAME,
		.guest_available = b->stats.available_frames * FRAME,
		.guest_major_faults = b->stats.major_faults,
		.guest_minor_faults = b->stats.minor_faults,
		.guest_oom_events = b->stats.oom_events,
		.guest_alloc_stalls = b->stats.alloc_stalls,
		.inflate_rss_before = b->rss_before[GK_BALLOON_INFLATE],
		.inflate_rss_after = b->rss_after[GK_BALLOON_INFLATE],
		.deflate_rss_before = b->rss_before[GK_BALLOON_DEFLATE],
		.deflate_rss_after = b->rss_after[GK_BALLOON_DEFLATE],
		.inflate_rss_drop = b->rss_drop[GK_BALLOON_INFLATE],
		.deflate_rss_drop = b->rss_drop[GK_BALLOON_DEFLATE],
		.stats_polls = b->stats_polls,
		.stats_refused = b->stats_refused,
	};
	pthread_mutex_unlock(&b->lock);
}
