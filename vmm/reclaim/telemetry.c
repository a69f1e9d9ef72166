/* telemetry.c — the monitor thread (see telemetry.h). It wakes on an absolute schedule
 * (clock_nanosleep TIMER_ABSTIME), so a slow sample delays the next one but does not shift
 * the clock; a sample more than one period late is counted in `overruns`. */
#include <errno.h>
#include <time.h>

#include "vmm/util/clock.h"
#include "vmm/reclaim/telemetry.h"

static void take_sample(struct telemetry *t, uint64_t n, struct tel_sample *prev)
{
	struct tel_sample s = *prev; /* vmstat, residency and uffd_faults carry over between refreshes */
	bool fresh = guest_ram_try_get(t->ram_handle, &t->ram);
	if (!fresh)
		t->ram_busy++; /* reclaim holds it: scan the region as last seen (a stale one only fails) */
	struct guest_ram ram = t->ram;
	if (fresh && ram.uffd_faults) /* only while published: a stale counter may be freed */
		s.uffd_faults = atomic_load(ram.uffd_faults);
	s.time_ms = (monotonic_seconds() - t->t0) * 1e3;
	s.progress = t->ctx->progress;
	s.phase = t->ctx->phase;
	host_read_fast(&t->src, &s);
	if (n % TEL_VMSTAT_EVERY == 0)
		host_read_vmstat(&t->src, &s);
	residency_scan_step(&t->scan, ram.base, ram.bytes);
	s.guest_resident_bytes = t->scan.total.resident_pages * 4096;
	s.guest_mapped_bytes = t->scan.total.mapped_pages * 4096;
	s.reclaim_events = t->events ? atomic_load(t->events) : 0;
	if (tel_series_push(&t->series, &s) == 0)
		*prev = s;
}

static void follow_worker(struct telemetry *t, pid_t *followed)
{
	pid_t tid = atomic_load(&t->worker_tid);
	if (tid && tid != *followed) {
		host_sources_follow_thread(&t->src, tid);
		*followed = tid;
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
	struct tel_sample prev = { .uffd_faults = TEL_ABSENT };
	struct timespec next;
	pid_t followed = 0;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t n = 0; !atomic_load(&t->stop); n++) {
		double c0 = monotonic_seconds();
		follow_worker(t, &followed);
		take_sample(t, n, &prev);
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
	/* one last sample, so the series covers the end of the run */
	take_sample(t, 0, &prev);
	return NULL;
}

int telemetry_start(struct telemetry *t, struct wl_ctx *ctx, struct guest_ram_handle *ram, uint64_t sample_us, uint64_t ab_window_us,
		    double t0, const atomic_uint_fast64_t *events)
{
	*t = (struct telemetry){ .ctx = ctx, .ram_handle = ram, .sample_us = sample_us, .ab_window_us = ab_window_us, .t0 = t0,
				 .events = events };
	host_sources_open(&t->src);
	residency_scan_init(&t->scan, TEL_SCAN_PAGES);
	int err = pthread_create(&t->thread, NULL, monitor_main, t);
	if (err) {
		host_sources_close(&t->src);
		residency_scan_fini(&t->scan);
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
	residency_scan_fini(&t->scan);
}
