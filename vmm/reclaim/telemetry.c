/* telemetry.c — the monitor thread (see telemetry.h). It wakes on an absolute schedule
 * (clock_nanosleep TIMER_ABSTIME), so a slow tick delays the next one but does not shift the
 * clock; a tick more than one period late is counted in `overruns`. At each tick it reads the
 * host-wide figures once and then samples every target, so all VMs share one time axis. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/reclaim/telemetry.h"
#include "vmm/util/clock.h"

void tel_target_init(struct tel_target *tg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		     const atomic_uint_fast64_t *events)
{
	*tg = (struct tel_target){ .ctx = ctx, .ram_handle = ram, .events = events, .sched_fd = -1, .live_fd = -1,
				   .prev = { .uffd_faults = TEL_ABSENT, .wss_bytes = TEL_ABSENT,
					      .damon_applied_bytes = TEL_ABSENT, .balloon_bytes = TEL_ABSENT,
					      .guest_free_bytes = TEL_ABSENT, .balloon_reported_bytes = TEL_ABSENT } };
	atomic_init(&tg->wss_latest, TEL_ABSENT);
	residency_scan_init(&tg->scan, TEL_SCAN_PAGES);
	pthread_mutex_init(&tg->last_lock, NULL);
}

bool tel_target_latest(struct tel_target *tg, struct tel_sample *out)
{
	pthread_mutex_lock(&tg->last_lock);
	bool have = tg->have_last;
	if (have)
		*out = tg->last;
	pthread_mutex_unlock(&tg->last_lock);
	return have;
}

uint64_t tel_target_wss_bytes(const struct tel_target *tg)
{
	return atomic_load(&tg->wss_latest);
}

int tel_target_wss(struct tel_target *tg, const struct wss_opts *o, char *why, size_t n)
{
	int rc = wss_init(&tg->wss, tg->ram_handle, o, why, n);
	tg->wss_on = rc == 0;
	return rc;
}

void tel_target_worker(struct tel_target *tg, pid_t tid) { atomic_store(&tg->worker_tid, tid); }

void tel_target_keep_on_disk(struct tel_target *tg, int fd) { tg->live_fd = fd; }

/* The new samples to the file on disk, a few times a second (one write each time). */
static void keep_on_disk(struct tel_target *tg)
{
	if (tg->live_fd < 0 || tg->live_rows == tg->series.n ||
	    tg->series.s[tg->series.n - 1].time_ms - tg->live_ms < TEL_LIVE_EVERY_MS)
		return;
	if (tel_series_append_csv(tg->live_fd, &tg->series, tg->live_rows) == 0) {
		tg->live_rows = tg->series.n;
		tg->live_ms = tg->series.s[tg->series.n - 1].time_ms;
	}
}

void tel_target_fini(struct tel_target *tg)
{
	if (tg->sched_fd >= 0)
		close(tg->sched_fd);
	tg->sched_fd = -1;
	residency_scan_fini(&tg->scan);
	if (tg->wss_on)
		wss_fini(&tg->wss);
	tg->wss_on = false;
	tel_series_free(&tg->series);
	pthread_mutex_destroy(&tg->last_lock);
}

static void follow_worker(struct tel_target *tg)
{
	pid_t tid = atomic_load(&tg->worker_tid);
	if (!tid || tid == tg->followed)
		return;
	if (tg->sched_fd >= 0)
		close(tg->sched_fd);
	tg->sched_fd = host_thread_schedstat_open(tid);
	tg->followed = tid;
	/* The column counts the wait from here on: what the thread waited before it was followed
	 * would land in one sample interval, as a CPU-wait fraction far above 1. */
	tg->wait_base = 0;
	(void)host_read_thread_wait(tg->sched_fd, &tg->wait_base);
	tg->wait_carry = tg->prev.worker_wait_us;
}

/* The estimator's step when its period is due: a new figure, or the last one carried. An
 * estimator that fails for good (guest RAM that cannot be sampled) stops; the column keeps
 * its last figure and the result names the reason. */
static void wss_tick(struct tel_target *tg, double now_ms, struct tel_sample *s)
{
	if (!tg->wss_on || tg->wss_err || now_ms < tg->wss_next_ms)
		return;
	tg->wss_next_ms = now_ms + (double)tg->wss.o.period_us * 1e-3;
	struct wss_estimate e;
	int rc = wss_step(&tg->wss, &e);
	if (rc == 0) {
		s->wss_bytes = e.wss_bytes;
		atomic_store(&tg->wss_latest, e.wss_bytes);
	}
	else if (rc != -EAGAIN)
		tg->wss_err = rc;
}

/* `host` holds this tick's host-wide figures (and whether vmstat was refreshed). */
static void sample_target(struct tel_target *tg, const struct tel_sample *host, bool vmstat)
{
	struct tel_sample s = tg->prev; /* vmstat, residency and uffd_faults carry over between refreshes */
	bool fresh = tg->ram_handle && guest_ram_try_get(tg->ram_handle, &tg->ram);
	if (tg->ram_handle && !fresh)
		tg->ram_busy++; /* reclaim holds it: scan the region as last seen (a stale one only fails) */
	struct guest_ram ram = tg->ram;
	if (fresh && ram.uffd_faults) /* only while published: a stale counter may be freed */
		s.uffd_faults = atomic_load(ram.uffd_faults);
	s.time_ms = host->time_ms;
	/* progress before used_bytes: platforms publish used_bytes before the progress that follows
	 * it, so a sample never pairs a step's progress with the previous step's working set */
	s.progress = tg->ctx->progress;
	s.phase = tg->ctx->phase;
	s.guest_used_bytes = tg->ctx->used_bytes;
	s.minflt = host->minflt;
	s.majflt = host->majflt;
	s.psi_some_us = host->psi_some_us;
	s.psi_full_us = host->psi_full_us;
	if (vmstat) {
		s.pswpin = host->pswpin;
		s.pswpout = host->pswpout;
		s.pgmajfault = host->pgmajfault;
		s.workingset_refault = host->workingset_refault;
		s.steal_us = host->steal_us;
		s.damon_applied_bytes = host->damon_applied_bytes;
	}
	uint64_t wait;
	if (tg->sched_fd >= 0 && host_read_thread_wait(tg->sched_fd, &wait) && wait >= tg->wait_base)
		s.worker_wait_us = tg->wait_carry + (wait - tg->wait_base); /* else it stays as last read */
	residency_scan_step(&tg->scan, ram.base, ram.bytes);
	s.guest_resident_bytes = tg->scan.total.resident_pages * 4096;
	s.guest_mapped_bytes = tg->scan.total.mapped_pages * 4096;
	s.reclaim_events = tg->events ? atomic_load(tg->events) : 0;
	wss_tick(tg, host->time_ms, &s);
	if (tg->balloon_read)
		tg->balloon_read(tg->balloon_arg, &s);
	if (tel_series_push(&tg->series, &s) == 0)
		tg->prev = s;
	keep_on_disk(tg);
	pthread_mutex_lock(&tg->last_lock);
	tg->last = s;
	tg->have_last = true;
	pthread_mutex_unlock(&tg->last_lock);
}

static void host_push(struct tel_host_series *hs, const struct tel_host_sample *h)
{
	struct tel_host_sample *p = series_room(hs->s, &hs->cap, hs->n, sizeof(*h));
	if (p) {
		hs->s = p;
		hs->s[hs->n++] = *h;
	}
}

static void tick(struct telemetry *t, uint64_t n, struct tel_sample *host)
{
	bool vmstat = n % TEL_VMSTAT_EVERY == 0;
	struct tel_host_sample hm = { .available_bytes = t->host.n ? t->host.s[t->host.n - 1].available_bytes : 0 };
	host->time_ms = hm.time_ms = (monotonic_seconds() - t->t0) * 1e3;
	host_read_fast(&t->src, host);
	if (vmstat) {
		host_read_vmstat(&t->src, host);
		hm.available_bytes = host_read_available(&t->src);
	}
	hm.rss_bytes = host_read_rss(&t->src);
	hm.usage_bytes = t->usage_cg && memcg_usage(t->usage_cg, &hm.usage_bytes) == 0 ? hm.usage_bytes : TEL_ABSENT;
	host_push(&t->host, &hm);
	for (size_t i = 0; i < t->n; i++) {
		follow_worker(t->targets[i]);
		sample_target(t->targets[i], host, vmstat);
	}
}

static void timespec_add_us(struct timespec *ts, uint64_t us)
{
	ts->tv_nsec += (long)(us % 1000000) * 1000;
	ts->tv_sec += (time_t)(us / 1000000) + ts->tv_nsec / 1000000000;
	ts->tv_nsec %= 1000000000;
}

/* Overhead probe: a wake-up that falls in an odd (sampling off) window moves to the start of
 * the next even one — the boundary sample that closes the off window. */
static void skip_off_window(const struct telemetry *t, struct timespec *next)
{
	if (!t->ab_window_us)
		return;
	double at_us = ((double)next->tv_sec + (double)next->tv_nsec * 1e-9 - t->t0) * 1e6;
	uint64_t w = at_us > 0 ? (uint64_t)(at_us / (double)t->ab_window_us) : 0;
	if (w % 2 == 0)
		return;
	double start = t->t0 + (double)((w + 1) * t->ab_window_us) * 1e-6;
	next->tv_sec = (time_t)start;
	next->tv_nsec = (long)((start - (double)next->tv_sec) * 1e9);
}

static void *monitor_main(void *arg)
{
	struct telemetry *t = arg;
	struct tel_sample host = { 0 };
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t n = 0; !atomic_load(&t->stop); n++) {
		double c0 = monotonic_seconds();
		tick(t, n, &host);
		t->cost_us += (monotonic_seconds() - c0) * 1e6;
		timespec_add_us(&next, t->sample_us);
		skip_off_window(t, &next);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec)) {
			t->overruns++;
			next = now; /* do not burst to catch up: the series stays evenly spaced after a stall */
		} else {
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	/* one last tick, so the series cover the end of the run */
	tick(t, 0, &host);
	return NULL;
}

void telemetry_init(struct telemetry *t, uint64_t sample_us, uint64_t ab_window_us, double t0)
{
	*t = (struct telemetry){ .sample_us = sample_us, .ab_window_us = ab_window_us, .t0 = t0 };
}

int telemetry_add(struct telemetry *t, struct tel_target *tg)
{
	if (t->running || t->n == TEL_MAX_TARGETS)
		return -E2BIG;
	t->targets[t->n++] = tg;
	return 0;
}

int telemetry_start(struct telemetry *t)
{
	host_sources_open(&t->src);
	int err = pthread_create(&t->thread, NULL, monitor_main, t);
	if (err) {
		host_sources_close(&t->src);
		return -err;
	}
	t->running = true;
	return 0;
}

void telemetry_stop(struct telemetry *t)
{
	if (!t->running)
		return;
	atomic_store(&t->stop, true);
	pthread_join(t->thread, NULL);
	t->running = false;
	host_sources_close(&t->src);
}

void telemetry_fini(struct telemetry *t)
{
	free(t->host.s);
	t->host = (struct tel_host_series){ 0 };
}
