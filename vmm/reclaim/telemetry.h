/* telemetry.h — the monitor: one thread sampling, on one clock, the workload's progress
 * counter and phase and the host's view of the run (faults, swap, PSI, guest RAM residency,
 * the worker's run-queue wait, reclaim events so far). Every field is a cumulative counter or
 * a level, so a rate over any window is a difference of two samples.
 *
 * Cost: each sample is getrusage, one schedstat and one PSI read (~3 µs together); /proc/vmstat
 * (~20 µs: the kernel formats the whole file) is read every TEL_VMSTAT_EVERY samples, and guest
 * RAM residency (mincore + /proc/self/pagemap, ~30 µs per 512 pages) is refreshed TEL_SCAN_PAGES pages
 * per sample, so a figure lags by bytes / (TEL_SCAN_PAGES * 4 KiB) samples. With --wss the monitor
 * also steps each VM's working-set estimator when its period is due (vmm/mem/wss.h,
 * docs/working-set.md): ~0.2 ms for 100 sampled pages, under the guest-RAM handle's lock, so
 * that tick waits for a reclaim action in progress. */
#ifndef MEMVIRT_TELEMETRY_H
#define MEMVIRT_TELEMETRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "results/series.h"
#include "vmm/host/host_counters.h"
#include "vmm/host/memcg.h"
#include "vmm/mem/guest_ram.h"
#include "vmm/mem/residency.h"
#include "vmm/mem/wss.h"
#include "workloads/wl.h"

#define TEL_VMSTAT_EVERY 10
#define TEL_SCAN_PAGES 512

/* One VM as the monitor sees it: its workload context (progress, phase), its guest-RAM
 * handle (residency, uffd faults), its reclaimer's event count and the thread that runs it
 * (its run-queue wait). Each target has its own series; every series has the same rows in
 * the same ticks, so samples of different VMs with one index were taken together. */
struct tel_target {
	struct wl_ctx *ctx;
	struct guest_ram_handle *ram_handle;
	const atomic_uint_fast64_t *events; /* the reclaimer's count, may be NULL */
	atomic_int worker_tid;
	int sched_fd;                      /* the worker's schedstat, -1 until it is known */
	pid_t followed;
	uint64_t wait_base, wait_carry;    /* the followed thread's wait when followed, the column then */
	struct residency_scan scan;
	struct guest_ram ram;              /* as last read */
	uint64_t ram_busy;                 /* samples that found guest RAM locked by reclaim */
	struct tel_sample prev;            /* vmstat, residency and uffd carry over between refreshes */
	struct tel_series series;
	int live_fd;                       /* the series kept on disk as it grows (-1: not) */
	size_t live_rows;                  /* samples written there so far */
	double live_ms;                    /* when they were last written */
	/* The working-set estimator (--wss), stepped when its period is due; its figure is the
	 * wss_bytes column, carried between steps */
	bool wss_on;
	struct wss wss;
	double wss_next_ms;                /* when the next step is due (run clock) */
	atomic_uint_fast64_t wss_latest;   /* the last figure, for readers on other threads (policies) */
	int wss_err;                       /* 0, or the negative errno that stopped it (reason in wss.why) */
	/* The VM's balloon, read at each tick when set (the run driver's: telemetry knows no
	 * balloon): fills the sample's balloon_bytes, guest_free_bytes and balloon_reported_bytes
	 * (TEL_ABSENT without it). */
	void (*balloon_read)(void *arg, struct tel_sample *s);
	void *balloon_arg;
	/* The last sample, for readers on other threads (an overcommit policy): the series itself
	 * grows (and moves) under the monitor, so they read this copy, under its lock. */
	pthread_mutex_t last_lock;
	struct tel_sample last;
	bool have_last;
};

/* How often a series kept on disk (tel_target_keep_on_disk) gets its new samples. */
#define TEL_LIVE_EVERY_MS 200.0

#define TEL_MAX_TARGETS 64

/* The host's own memory at each tick: the VMM process's resident set, the host's
 * MemAvailable (refreshed with vmstat, every TEL_VMSTAT_EVERY ticks) and, for a host with a
 * memory budget, its cgroup's usage (TEL_ABSENT without one). */
struct tel_host_sample {
	double time_ms;
	uint64_t rss_bytes, available_bytes, usage_bytes;
};
struct tel_host_series {
	struct tel_host_sample *s;
	size_t n, cap;
};

/* The monitor: one thread, one clock (t0), every target sampled at each tick. Host-wide
 * figures (vmstat, PSI, the VMM process's faults) are read once per tick and given to every
 * target's sample. */
struct telemetry {
	uint64_t sample_us;
	uint64_t ab_window_us;             /* >0: sample only in every other window (overhead probe) */
	double t0;
	atomic_bool stop;
	bool running;
	pthread_t thread;
	struct host_sources src;
	size_t n;
	struct tel_target *targets[TEL_MAX_TARGETS];
	struct tel_host_series host;       /* one row per tick */
	const struct memcg *usage_cg;      /* a host's budget cgroup, its usage sampled each tick; NULL: none */
	uint64_t overruns;                 /* ticks taken late by more than one period */
	double cost_us;                    /* time spent sampling, total (all targets) */
};

/* A target for the VM whose context is ctx and guest RAM is behind ram; its series starts empty. */
void tel_target_init(struct tel_target *tg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		     const atomic_uint_fast64_t *events);
/* Turns on the target's working-set estimator (before the monitor starts): 0, or -errno with
 * the reason in why (wss_init). */
int tel_target_wss(struct tel_target *tg, const struct wss_opts *o, char *why, size_t n);
/* The estimator's latest figure (bytes), TEL_ABSENT while it has none or is off. Safe from any
 * thread while the monitor runs: an overcommit policy reads it here, not from the series (which
 * the monitor grows as it goes). */
uint64_t tel_target_wss_bytes(const struct tel_target *tg);
/* The thread that runs the target's workload (its run-queue wait is sampled). */
void tel_target_worker(struct tel_target *tg, pid_t tid);
/* The target's latest sample into *out: false before the first. Any thread. */
bool tel_target_latest(struct tel_target *tg, struct tel_sample *out);
/* From now on, every TEL_LIVE_EVERY_MS the monitor appends the target's new samples to fd as
 * CSV (header first): what a killed run leaves of its series (vmm/run/run_record.h). fd stays
 * the caller's. */
void tel_target_keep_on_disk(struct tel_target *tg, int fd);
/* Frees the target's series, scan and estimator. */
void tel_target_fini(struct tel_target *tg);

/* A monitor with no targets yet, ticking every sample_us on the clock whose zero is t0. */
void telemetry_init(struct telemetry *t, uint64_t sample_us, uint64_t ab_window_us, double t0);
/* Adds a target before the monitor starts. 0 or -E2BIG. */
int telemetry_add(struct telemetry *t, struct tel_target *tg);
/* Starts the thread. 0 or a negative errno. */
int telemetry_start(struct telemetry *t);

/* The overhead probe (--overhead-windows): with sampling on in even windows and off in odd
 * ones (one sample at each boundary), the measured-phase throughput of the two kinds of window
 * in the same run — {window_ms, on_windows, off_windows, on_ops_per_s, off_ops_per_s (medians),
 * overhead = 1 - on/off}. NULL when there are not at least 2 windows of each kind. */
json_t *telemetry_overhead_json(const struct tel_series *ts, double m0, double m1, double window_ms);
/* Stops the thread (one last tick is taken). The series stay readable. */
void telemetry_stop(struct telemetry *t);
/* Frees the host series (the targets' series belong to their owners). */
void telemetry_fini(struct telemetry *t);

#endif
