/* experiment.h — what a run records and does to the host besides running the workload:
 * telemetry sampling (--sample-us, --timeseries), host reclaim events (--reclaim), zram swap
 * (--swap), dip detection (--dip-threshold, --dip-min-ms) and the working-set estimator
 * (--wss, vmm/mem/wss.h, stepped by the monitor). The session ties them to one
 * run: host state is set up before the workload starts and restored after it, on every path
 * (docs/reclaim.md). */
#ifndef MEMVIRT_EXPERIMENT_H
#define MEMVIRT_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "vmm/host/host_state.h"
#include "vmm/reclaim/reclaim.h"
#include "vmm/reclaim/reclaim_spec.h"
#include "vmm/reclaim/telemetry.h"

#define EXPERIMENT_MAX_RECLAIM 16
#define EXPERIMENT_DEFAULT_SAMPLE_US 1000
#define EXPERIMENT_DEFAULT_DIP_THRESHOLD 0.5
#define EXPERIMENT_DEFAULT_DIP_MIN_MS 5.0

struct experiment {
	uint64_t sample_us;          /* 0 = no telemetry */
	uint64_t overhead_window_us; /* >0: overhead probe, sampling on and off in alternate windows */
	const char *timeseries_path; /* CSV, NULL = none */
	double dip_threshold;        /* fraction of the baseline rate */
	double dip_min_ms;
	uint64_t zram_bytes;         /* --swap zram:SIZE, 0 = none */
	size_t n_reclaim;
	struct reclaim_spec reclaim[EXPERIMENT_MAX_RECLAIM];
	bool wss_on;                 /* --wss: the monitor steps a working-set estimator (needs telemetry) */
	struct wss_opts wss;
};

extern const struct experiment experiment_defaults;

/* Host preconditions that can be known before the run (root for --swap and limit, swap for
 * pageout, a memory cgroup controller). Returns 0, or -errno with a reason naming the option. */
int experiment_check(const struct experiment *e, char *why, size_t whylen);

/* What a run that records its own death (vmm/run/run_record.h) lends the session: its
 * janitor, which the session tells what it changes instead of forking one of its own, and a
 * file to keep the series in as it grows (-1: none). */
struct experiment_keep {
	struct janitor *janitor;
	int series_fd;
};

struct experiment_session {
	const struct experiment *opts;
	double t0;                   /* the run clock's zero (monotonic seconds) */
	struct host_state host;      /* zram swap, the cgroup, their janitor (vmm/host/host_state.h) */
	struct janitor *lent_janitor;/* experiment_keep's, or NULL: host_state forks its own */
	int series_fd;               /* experiment_keep's, or -1 */
	struct telemetry own_monitor; /* a run of its own: the session's monitor */
	struct telemetry *monitor;    /* the one sampling this VM (own_monitor, or the host's); NULL: none */
	struct tel_target target;     /* this VM as the monitor sees it */
	struct wl_ctx *target_ctx;
	struct guest_ram_handle *target_ram;
	struct reclaimer rec;
};

/* Sets up host state and starts the reclaim thread for a run whose context is `ctx` and whose
 * guest RAM is behind `ram`. With `monitor` NULL the session samples the VM with a monitor of
 * its own, started here; otherwise the VM becomes one more target of `monitor` (a host of
 * several VMs), which the caller starts once every VM is added and stops before
 * experiment_end. `t0` is the run clock's zero. `keep` (or NULL) lends a janitor and a file
 * for the series. Returns 0, or -errno with the reason in why (nothing is left set up). */
int experiment_begin(struct experiment_session *s, const struct experiment *e, struct wl_ctx *ctx,
		     struct guest_ram_handle *ram, struct telemetry *monitor, double t0,
		     const struct experiment_keep *keep, char *why, size_t whylen);
/* Tells the monitor which thread runs the workload (its run-queue wait is sampled). */
void experiment_worker_started(struct experiment_session *s, pid_t tid);
/* Stops the threads and restores host state (cgroup, swap). Errors are printed. */
void experiment_end(struct experiment_session *s);
/* Adds config.telemetry/reclaim/swap, telemetry{}, reclaim{}, dips[] and wss{} to a result
 * document and writes the CSV time series. Frees the session's buffers. */
void experiment_finish_doc(struct experiment_session *s, json_t *doc);
/* What the options add to the document's config{}: telemetry, reclaim, swap. */
json_t *experiment_config_json(const struct experiment *e);

#endif
