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

#include "vmm/platform.h"
#include "vmm/residency.h"
#include "workloads/wl.h"

#define TEL_VMSTAT_EVERY 10
#define TEL_SCAN_PAGES 512

/* The CSV columns after time_ms, in order: name and struct tel_sample field. */
#define TEL_COLUMNS(X)                                                                 \
	X(phase) X(progress) X(minflt) X(majflt) X(pswpin) X(pswpout) X(pgmajfault)    \
	X(workingset_refault) X(psi_some_us) X(psi_full_us) X(guest_resident_bytes)    \
	X(guest_mapped_bytes) X(worker_wait_us) X(reclaim_events) X(uffd_faults)
/* The last columns, which files written before them lack: read as TEL_ABSENT. */
#define TEL_OPTIONAL_COLUMNS 1
/* A value the run does not have (uffd_faults without --uffd): an empty CSV field, null in JSON. */
#define TEL_ABSENT UINT64_MAX

struct tel_sample {
	double time_ms;                /* since the run clock's zero */
	uint64_t phase;                /* enum wl_phase */
	uint64_t progress;             /* workload operations so far */
	uint64_t minflt, majflt;       /* the VMM process (getrusage) */
	uint64_t pswpin, pswpout;      /* host-wide pages swapped in/out (/proc/vmstat) */
	uint64_t pgmajfault;           /* host-wide major faults */
	uint64_t workingset_refault;   /* host-wide refaults of recently evicted pages (anon+file) */
	uint64_t psi_some_us, psi_full_us; /* memory PSI totals */
	uint64_t guest_resident_bytes; /* guest RAM in host memory (mincore) */
	uint64_t guest_mapped_bytes;   /* guest RAM mapped in the VMM (pagemap): touchable without a host fault */
	uint64_t worker_wait_us;       /* the workload thread's time waiting for a CPU */
	uint64_t reclaim_events;       /* reclaim actions started so far */
	uint64_t uffd_faults;          /* missing-page faults of guest RAM the VMM's userfaultfd handler
					* resolved (kvm --uffd); TEL_ABSENT until published, or without uffd */
};

/* b - a for a cumulative counter that may be TEL_ABSENT (check b first): a counter not yet
 * published at a had counted nothing. */
static inline uint64_t tel_counter_delta(uint64_t a, uint64_t b) { return b - (a == TEL_ABSENT ? 0 : a); }
/* A column's value in the JSON series: an integer, or null when TEL_ABSENT. */
json_t *tel_value_json(uint64_t v);

struct tel_series {
	struct tel_sample *s;
	size_t n, cap;
};

int tel_series_push(struct tel_series *ts, const struct tel_sample *s);
void tel_series_free(struct tel_series *ts);
/* CSV with a header line; first column time_ms. Written atomically. */
int tel_series_write_csv(const struct tel_series *ts, const char *path);
int tel_series_read_csv(const char *path, struct tel_series *ts);
/* The series embedded in a result document ({columns, rows}, see experiment_doc.c). */
int tel_series_from_json(const json_t *series, struct tel_series *ts);

/* Host counter sources, kept open between samples. */
struct host_sources {
	int vmstat_fd, psi_fd, sched_fd;
};
void host_sources_open(struct host_sources *h);
void host_sources_close(struct host_sources *h);
void host_sources_follow_thread(struct host_sources *h, pid_t tid);
void host_read_fast(struct host_sources *h, struct tel_sample *s); /* rusage, PSI, schedstat */
void host_read_vmstat(struct host_sources *h, struct tel_sample *s);
/* Pure parsers (unit-tested): return 0 or -EINVAL when a field is missing. */
int vmstat_parse(const char *text, struct tel_sample *s);
int psi_parse(const char *text, uint64_t *some_us, uint64_t *full_us);

struct telemetry {
	struct wl_ctx *ctx;
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

int telemetry_start(struct telemetry *t, struct wl_ctx *ctx, uint64_t sample_us, uint64_t ab_window_us,
		    double t0, const atomic_uint_fast64_t *events);

/* The overhead probe (--overhead-windows): with sampling on in even windows and off in odd
 * ones (one sample at each boundary), the measured-phase throughput of the two kinds of window
 * in the same run — {window_ms, on_windows, off_windows, on_ops_per_s, off_ops_per_s (medians),
 * overhead = 1 - on/off}. NULL when there are not at least 2 windows of each kind. */
json_t *telemetry_overhead_json(const struct tel_series *ts, double m0, double m1, double window_ms);
void telemetry_stop(struct telemetry *t);

#endif
