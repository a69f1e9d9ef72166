/* reclaim.c — the reclaim thread and the acts of reclaim (see reclaim.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm/util/clock.h"
#include "vmm/reclaim/reclaim.h"
#include "vmm/mem/residency.h"
#include "vmm/host/swap.h"

#define PAGE 4096ULL

static const char *const status_names[] = { "pending", "done", "refused", "failed" };

static double run_ms(const struct reclaimer *r) { return (monotonic_seconds() - r->t0) * 1e3; }

static void add_action(struct reclaimer *r, const struct reclaim_spec *s, const char *what, uint64_t at_us)
{
	r->act[r->n++] = (struct reclaim_action){ .spec = s, .action = what, .at_us = at_us };
}

static int by_time(const void *a, const void *b)
{
	const struct reclaim_action *x = a, *y = b;
	return x->at_us < y->at_us ? -1 : x->at_us > y->at_us;
}

int reclaimer_init(struct reclaimer *r, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		   const struct reclaim_spec *specs, size_t n,
		   struct memcg *memcg, double t0)
{
	*r = (struct reclaimer){ .ctx = ctx, .ram = ram, .memcg = memcg, .t0 = t0, .measure_start_ms = -1 };
	for (size_t i = 0; i < n; i++) {
		if (r->n + 2 > RECLAIM_MAX_ACTIONS)
			return -E2BIG;
		add_action(r, &specs[i], reclaim_kind_name(specs[i].kind), specs[i].at_us);
		if (specs[i].kind == RECLAIM_LIMIT && specs[i].until_us)
			add_action(r, &specs[i], "unlimit", specs[i].until_us);
	}
	qsort(r->act, r->n, sizeof(r->act[0]), by_time);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca; /* sleep_until's deadlines are on the monotonic run clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

/* ---- Choosing pages and advising them ------------------------------------------------------ */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* madvise in steps of ADVISE_STEP: each call holds the process's mmap lock (for reading) for
 * its whole length, and a page-out of hundreds of MiB through zram takes a second; a thread
 * that needs the lock for writing (any mmap, e.g. the monitor's buffer growing) would queue
 * behind it and every later reader — the monitor's pagemap reads — behind that writer. */
#define ADVISE_STEP (1ULL << 20)

static int advise_steps(uint8_t *p, uint64_t len, int advice)
{
	for (uint64_t off = 0; off < len; off += ADVISE_STEP)
		if (madvise(p + off, len - off < ADVISE_STEP ? len - off : ADVISE_STEP, advice) < 0)
			return -errno;
	return 0;
}

/* What to advise, and whom to tell: the platform's p2m book follows each advised run. */
struct advise_job {
	int advice;
	const struct guest_ram *ram; /* NULL: nobody to tell */
};

static int advise_run(const struct advise_job *j, uint8_t *p, uint64_t len)
{
	int rc = advise_steps(p, len, j->advice);
	if (rc == 0 && len && j->ram && j->ram->reclaimed)
		j->ram->reclaimed(j->ram->owner, (uint64_t)(p - (uint8_t *)j->ram->base), len);
	return rc;
}

/* Random pattern: each page is chosen with probability frac; runs of chosen pages are
 * advised together. */
static int64_t advise_random(const struct advise_job *j, uint8_t *base, uint64_t pages, double frac, uint64_t seed)
{
	uint64_t rng = seed, run = 0, done = 0;
	uint64_t cut = frac >= 1 ? UINT64_MAX : (uint64_t)(frac * 18446744073709551616.0);
	for (uint64_t i = 0; i <= pages; i++) {
		bool pick = i < pages && splitmix(&rng) <= cut;
		if (pick) {
			run++;
			continue;
		}
		int rc = run ? advise_run(j, base + (i - run) * PAGE, run * PAGE) : 0;
		if (rc < 0)
			return rc;
		done += run;
		run = 0;
	}
	return (int64_t)(done * PAGE);
}

static int64_t advise_region(const struct advise_job *j, void *base, uint64_t bytes, const struct reclaim_spec *spec)
{
	uint64_t off = 0, len = bytes & ~(PAGE - 1);
	if (spec->length) {
		if (spec->offset >= bytes)
			return -ERANGE;
		off = spec->offset & ~(PAGE - 1);
		len = spec->length < bytes - off ? spec->length : bytes - off;
		len = (len + PAGE - 1) & ~(PAGE - 1);
	}
	uint8_t *p = (uint8_t *)base + off;
	double frac = spec->length ? 1.0 : spec->frac;
	if (spec->pattern == RECLAIM_RANDOM)
		return advise_random(j, p, len / PAGE, frac, spec->seed);
	len = (uint64_t)((double)(len / PAGE) * frac) * PAGE;
	int rc = advise_run(j, p, len);
	return rc < 0 ? rc : (int64_t)len;
}

int64_t reclaim_advise_region(void *base, uint64_t bytes, const struct reclaim_spec *spec, int advice)
{
	return advise_region(&(struct advise_job){ .advice = advice }, base, bytes, spec);
}

int64_t reclaim_advise_ram(const struct guest_ram *ram, const struct reclaim_spec *spec, int advice)
{
	return advise_region(&(struct advise_job){ .advice = advice, .ram = ram }, ram->base, ram->bytes, spec);
}

/* ---- Acting on guest RAM ------------------------------------------------------------------- */

struct ram_job {
	struct reclaimer *r;
	struct reclaim_action *a;
};

static void count_ram(const struct guest_ram *ram, uint64_t *mapped, uint64_t *resident)
{
	struct residency_counts c = { 0 };
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	(void)residency_count(fd, ram->base, ram->bytes, &c);
	if (fd >= 0)
		close(fd);
	*mapped = c.mapped_pages;
	*resident = c.resident_pages;
}

static int act_on_ram(const struct guest_ram *ram, void *arg)
{
	struct ram_job *j = arg;
	struct reclaim_action *a = j->a;
	a->start_ms = run_ms(j->r); /* the action begins here: counting is part of what the host does */
	bool discard = a->spec->kind == RECLAIM_DISCARD;
	if (!ram->base)
		return snprintf(a->message, sizeof(a->message), "no guest RAM published by the platform at this time"),
		       -ENOENT;
	if (discard && ram->fd < 0)
		return snprintf(a->message, sizeof(a->message),
				"refused: guest RAM is private anonymous memory, where MADV_DONTNEED would zero the "
				"guest's data instead of reclaiming it"),
		       -EPERM;
	count_ram(ram, &a->mapped_before, &a->resident_before);
	int64_t done = reclaim_advise_ram(ram, a->spec, discard ? MADV_DONTNEED : MADV_PAGEOUT);
	a->end_ms = run_ms(j->r);
	count_ram(ram, &a->mapped_after, &a->resident_after);
	if (done < 0)
		return snprintf(a->message, sizeof(a->message), "madvise: %s", strerror((int)-done)), (int)done;
	a->bytes_requested = (uint64_t)done;
	return 0;
}

#define LIMIT_PATIENCE_MS 2000 /* a lowering limit gives up after this long without a step */

uint64_t reclaim_limit_floor(uint64_t usage, uint64_t guest_bytes)
{
	return (usage > guest_bytes ? usage - guest_bytes : 0) + RECLAIM_LIMIT_HEADROOM;
}

static int act_on_limit(struct reclaimer *r, struct reclaim_action *a)
{
	bool lower = strcmp(a->action, "limit") == 0;
	a->bytes_requested = lower ? a->spec->limit_bytes : 0;
	(void)memcg_usage(r->memcg, &a->cgroup_usage_before);
	uint64_t floor = reclaim_limit_floor(a->cgroup_usage_before, guest_ram_get(r->ram).bytes);
	if (lower && a->bytes_requested < floor) {
		a->raised_from = a->bytes_requested;
		a->bytes_requested = floor;
		fprintf(stderr, "memvirt: reclaim limit raised from %.1f MiB to %.1f MiB: the VMM's own memory (%.1f MiB "
			"beyond guest RAM) is charged to the same cgroup, plus %llu MiB headroom (docs/reclaim.md)\n",
			(double)a->raised_from / (1 << 20), (double)floor / (1 << 20),
			(double)(floor - RECLAIM_LIMIT_HEADROOM) / (1 << 20), RECLAIM_LIMIT_HEADROOM >> 20);
	}
	a->start_ms = run_ms(r);
	uint64_t reached = 0;
	double until_s = lower && a->spec->until_us ? r->t0 + (r->measure_start_ms + (double)a->spec->until_us / 1e3) / 1e3 : 0;
	int rc = lower ? memcg_lower_limit(r->memcg, a->bytes_requested, LIMIT_PATIENCE_MS, until_s, &reached)
		       : memcg_set_limit(r->memcg, 0);
	a->end_ms = run_ms(r);
	(void)memcg_usage(r->memcg, &a->cgroup_usage_after);
	if (rc == -EBUSY)
		snprintf(a->message, sizeof(a->message), "the kernel could not reclaim down to the limit; the lowest it "
			 "took is %llu bytes (%s)", (unsigned long long)reached,
			 host_has_swap() ? "the guest refaulted its memory as fast as it was reclaimed"
					 : "anonymous or shmem memory needs swap: --swap zram:SIZE");
	else if (rc < 0)
		snprintf(a->message, sizeof(a->message), "cannot set the cgroup limit: %s", strerror(-rc));
	return rc;
}

static void perform(struct reclaimer *r, struct reclaim_action *a)
{
	atomic_fetch_add(&r->started, 1);
	int rc;
	if (a->spec->kind == RECLAIM_LIMIT) {
		rc = act_on_limit(r, a);
	} else {
		struct ram_job j = { r, a };
		rc = guest_ram_with(r->ram, act_on_ram, &j);
		if (rc < 0)
			a->end_ms = run_ms(r);
	}
	a->status = rc == 0 ? RECLAIM_DONE : rc == -EPERM ? RECLAIM_REFUSED : RECLAIM_FAILED;
	if (rc < 0)
		fprintf(stderr, "memvirt: reclaim %s at %.1f ms: %s\n", a->action, a->start_ms, a->message);
}

/* ---- The thread ---------------------------------------------------------------------------- */

/* Sleeps until `deadline` (run-clock ms) or until stopped; returns false when stopped. */
static bool sleep_until(struct reclaimer *r, double deadline_ms)
{
	bool stop;
	pthread_mutex_lock(&r->lock);
	while (!r->stop && run_ms(r) < deadline_ms) {
		double s = r->t0 + deadline_ms / 1e3;
		struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
	}
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return !stop;
}

/* The measured phase starts when the workload says so (ctx->phase); a platform that does not
 * publish the phase is covered by the first progress it reports. */
static bool wait_for_measure(struct reclaimer *r)
{
	while (r->ctx->phase < WL_PHASE_MEASURE && r->ctx->progress == 0)
		if (!sleep_until(r, run_ms(r) + 0.2))
			return false;
	r->measure_start_ms = run_ms(r);
	return true;
}

static void *reclaim_main(void *arg)
{
	struct reclaimer *r = arg;
	if (!wait_for_measure(r))
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		if (!sleep_until(r, r->measure_start_ms + (double)r->act[i].at_us / 1e3))
			break;
		perform(r, &r->act[i]);
	}
	return NULL;
}

int reclaimer_start(struct reclaimer *r)
{
	int err = pthread_create(&r->thread, NULL, reclaim_main, r);
	if (err)
		return -err;
	r->running = true;
	return 0;
}

void reclaimer_stop(struct reclaimer *r)
{
	if (!r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->running = false;
}

static json_t *action_json(const struct reclaim_action *a)
{
	json_t *o = json_pack("{s:s, s:s, s:f, s:o, s:o, s:s}", "action", a->action,
			      "status", status_names[a->status], "at_ms", (double)a->at_us / 1e3,
			      "start_ms", a->status == RECLAIM_PENDING ? json_null() : json_real(a->start_ms),
			      "end_ms", a->status == RECLAIM_PENDING ? json_null() : json_real(a->end_ms),
			      "message", a->message);
	json_object_set_new(o, "bytes", json_integer((json_int_t)a->bytes_requested));
	if (a->spec->kind == RECLAIM_LIMIT) {
		json_object_set_new(o, "cgroup_usage_before", json_integer((json_int_t)a->cgroup_usage_before));
		json_object_set_new(o, "cgroup_usage_after", json_integer((json_int_t)a->cgroup_usage_after));
		json_object_set_new(o, "raised_from", a->raised_from ? json_integer((json_int_t)a->raised_from) : json_null());
	} else {
		json_object_set_new(o, "mapped_pages_before", json_integer((json_int_t)a->mapped_before));
		json_object_set_new(o, "mapped_pages_after", json_integer((json_int_t)a->mapped_after));
		json_object_set_new(o, "resident_pages_before", json_integer((json_int_t)a->resident_before));
		json_object_set_new(o, "resident_pages_after", json_integer((json_int_t)a->resident_after));
	}
	return o;
}

json_t *reclaimer_events_json(const struct reclaimer *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(a, action_json(&r->act[i]));
	return a;
}
