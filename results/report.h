/* report.h — `memvirt report RESULT.json -o DIR`: one run's result document and its telemetry
 * series (from the CSV the document names, or embedded in it) turned into one self-contained
 * HTML page with SVG plots on a common time axis — throughput with reclaim events marked and
 * dips shaded, the VMM's page faults, host swap traffic, guest RAM residency, the balloon against
 * the guest's free memory and the host's resident bytes (for a VM with a balloon) and the
 * worker's CPU wait — and tables of the dips and reclaim events (docs/reclaim.md, "Reading the report"). */
#ifndef MEMVIRT_REPORT_H
#define MEMVIRT_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "results/series.h"

struct report {
	json_t *doc;
	struct tel_series series;
	char series_from[4200]; /* the CSV path read, or "embedded" */
};

/* Loads the document and its series. Returns 0, or a negative errno with a one-line reason. */
int report_load(const char *json_path, struct report *r, char *why, size_t whylen);
/* The same for a run document already in memory (its reference is taken, even on failure);
 * json_path is where it came from, for a time-series file named relative to it. */
int report_init(struct report *r, json_t *doc, const char *json_path, char *why, size_t whylen);

/* A host document (memvirt host): DIR/index.html with a table of the VMs, memory by VM and state
 * over time (with the budget, usage, balloons, working sets and policy decisions when the
 * document has them), each VM's throughput on the same time axis with its dips, a per-VM
 * summary, the budget, the policy and its decision log; each chart also as DIR/host-*.svg; and
 * DIR/vm-NAME.html, each VM's own run report (for names that are file names). Returns 0, or a
 * negative errno with a one-line reason in why. */
int report_host_write(const json_t *doc, const char *json_path, const char *dir, char *why, size_t whylen);
void report_free(struct report *r);
/* Where a run's time series is: a relative name beside the JSON document when it is there
 * (a sweep records each repetition's so), else the path as recorded. Returns 0. */
int report_series_path(const char *json_path, const char *recorded, char *out, size_t n);
int report_write_html(const struct report *r, const char *path);

/* Rates over time from cumulative counters, in bins of bin_ms (exposed for tests). */
struct report_rates {
	size_t n;
	double bin_ms;
	double *t_ms, *ops_per_s, *minflt_per_ms, *majflt_per_ms, *swapin_per_ms, *swapout_per_ms;
	double *uffd_per_ms; /* NaN where the run has no uffd counter */
	double *resident_mib, *mapped_mib, *wait_frac;
	double *used_mib; /* guest_used_bytes; NaN in a series from before the column */
	/* The balloon's columns (balloon_bytes, guest_free_bytes, balloon_reported_bytes); NaN
	 * without a balloon, before the guest's first statistics, or in older series */
	double *balloon_mib, *guest_free_mib, *reported_mib;
};
int report_rates_compute(const struct tel_series *ts, double t0, double t1, size_t max_points, struct report_rates *out);
/* Host-wide counters (swap) are refreshed only every few samples: spread each refresh over
 * the bins it covers (a centred moving average of `period_ms`), instead of a spike and zeros. */
void report_rates_smooth_host(struct report_rates *r, double period_ms);
/* The scheduler accounts a thread's run-queue wait when it runs again, a time slice (a few ms)
 * at a time, so over one short bin the wait fraction reads far above 1: it is averaged over
 * REPORT_WAIT_WINDOW_MS. */
#define REPORT_WAIT_WINDOW_MS 25.0
void report_rates_smooth_wait(struct report_rates *r);
void report_rates_free(struct report_rates *r);

#endif
