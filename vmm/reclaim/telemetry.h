/* telemetry.h — the monitor: one thread sampling, on one clock, the workload's progress
 * counter and phase and the host's view of the run (faults, swap, PSI, guest RAM residency,
 * the worker's run-queue wait, reclaim events so far). Every field is a cumulative counter or
 * a level, so a rate over any window is a difference of two samples.
 *
 * Cost: each sample is getrusage, one schedstat and one PSI read (~3 µs together); /proc/vmstat
 * (~20 µs: the kernel formats the whole file) is read every TEL_VMSTAT_EVERY samples, and guest
 * RAM residency (mincore + /proc/self/pagemap, ~30 µs per 512 pages) is refreshed TEL_SCAN_PAGES pages
 * per sample, so a figure lags by bytes / (TEL_SCAN_PAGES * 4 KiB) samples. */
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
#include "vmm/mem/guest_ram.h"
#include "vmm/mem/residency.h"
#include "workloads/wl.h"

#define TEL_VMSTAT_EVERY 10
#define TEL_SCAN_PAGES 512

struct telemetry {
	struct wl_ctx *ctx;
	struct guest_ram_handle *ram_handle;
	uint64_t sample_us;
	uint64_t ab_window_us;             /* >0: sample only in every other window (overhead probe) */
	double t0;
	const atomic_uint_fast64_t *events; /* the reclaimer's count, may be NULL */
	atomic_int worker_tid;
	atomic_bool stop;
	bool running;
	pthread_t thread;
	struct host_sources src;
	struct residency_scan scan;
	struct guest_ram ram;              /* as last read */
	uint64_t ram_busy;                 /* samples that found guest RAM locked by reclaim */
	struct tel_series series;
	uint64_t overruns;                 /* samples taken late by more than one period */
	double cost_us;                    /* time spent sampling, total */
};

int telemetry_start(struct telemetry *t, struct wl_ctx *ctx, struct guest_ram_handle *ram, uint64_t sample_us, uint64_t ab_window_us,
		    double t0, const atomic_uint_fast64_t *events);

/* The overhead probe (--overhead-windows): with sampling on in even windows and off in odd
 * ones (one sample at each boundary), the measured-phase throughput of the two kinds of window
 * in the same run — {window_ms, on_windows, off_windows, on_ops_per_s, off_ops_per_s (medians),
 * overhead = 1 - on/off}. NULL when there are not at least 2 windows of each kind. */
json_t *telemetry_overhead_json(const struct tel_series *ts, double m0, double m1, double window_ms);
void telemetry_stop(struct telemetry *t);

#endif
