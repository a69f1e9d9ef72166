/* merge.h — `memvirt merge DIR`: the result documents a sweep wrote under DIR/points/ grouped
 * by point, and summarised mmtests-style — for each chosen metric (a dotted path into the
 * result document, metric_path.h) the mean, standard deviation and min–max over the
 * repetitions that finished, the difference against a baseline point in percent, and Welch's
 * t-test at 95 % — with checksum agreement across repetitions and against the baseline.
 * Written as DIR/summary.json, DIR/summary.csv and DIR/report.html. */
#ifndef MEMVIRT_MERGE_H
#define MEMVIRT_MERGE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "results/merge_stats.h"
#include "results/metric_path.h"

#define MERGE_MAX_REPS 100
/* Point indices a sweep can have (its SWEEP_MAX_POINTS; vmm/cli/sweep.c checks they agree):
 * a document naming another point, or a sweep of more, is refused — the gap listing walks
 * every index up to the largest. */
#define MERGE_MAX_POINTS 4096

/* A test against the baseline: not possible (fewer than 2 repetitions on a side, or no
 * baseline), or its outcome. */
enum merge_sig { MERGE_SIG_NA = -1, MERGE_SIG_NO = 0, MERGE_SIG_YES = 1 };

/* One metric of a point: its values over the ok repetitions that have it, summary and
 * comparison to the baseline. A repetition where it is null or missing is counted, not
 * averaged. */
struct merge_metric {
	double x[MERGE_MAX_REPS];
	struct mstat s;               /* s.n: ok repetitions where the metric is a number */
	unsigned nulls, missing;      /* ok repetitions where it is null; missing or not a number */
	bool have_diff;
	double diff_pct;              /* (mean - baseline mean) / baseline mean x 100 */
	enum merge_sig sig;
	bool exact;                   /* no spread on either side: the test compares constants */
	double p;                     /* Welch's two-sided p when sig is not NA */
};

struct merge_point {
	long index;                   /* sweep.point */
	char job[64];
	char label[512];              /* the settings that vary across the sweep */
	json_t *settings;             /* sweep.settings (owned reference) */
	json_t *same_checksum_key;    /* workload, seed, mem_bytes, ops, params of config (owned) */
	unsigned runs, ok, failed, interrupted, skipped;
	unsigned repeat;              /* sweep.repeat: the repetitions the point should have */
	char message[256];            /* the first non-ok repetition's status.message */
	struct merge_metric metric[METRIC_MAX]; /* as merge.metrics */
	char checksum[24];            /* of the ok repetitions, when they agree */
	bool checksums_agree;
	const char *vs_baseline;      /* "equal", "differ", "baseline" or "n/a" */
	long base;                    /* position of this point's baseline in points[], or -1 */
	bool is_base;                 /* it is its own baseline */
};

struct merge {
	char dir[4096];
	char file[4096];              /* sweep.file */
	char baseline_spec[320];      /* sweep.baseline: JOB, KEY=VALUE, or "" (the first point) */
	long npoints;                 /* sweep.points: how many the experiment has */
	size_t n, cap;
	struct merge_point *points;   /* by index */
	long baseline;                /* the one baseline's position in points[]; -1 with KEY=VALUE */
	struct metric_list metrics;   /* --metrics, else sweep.metrics, else the default */
	/* per metric, the first point whose results lack it (-1: none), and how */
	long absent_point[METRIC_MAX];
	enum metric_found absent_how[METRIC_MAX];
};

/* The metrics when neither --metrics nor the experiment file chose any; on sim, where times
 * are the simulator's own, mmu.modeled_cycles is added. */
#define MERGE_DEFAULT_METRICS "result.run_s, result.ops_per_s"
#define MERGE_SIM_METRIC "mmu.modeled_cycles"

/* metrics NULL or empty: taken from the first document (sweep.metrics, else the default). */
void merge_init(struct merge *m, const char *dir, const struct metric_list *metrics);
/* Adds one point document (`name` for messages). Returns 0, or -EINVAL with why. */
int merge_add_doc(struct merge *m, const json_t *doc, const char *name, char *why, size_t n);
/* merge_metrics.c: chooses m->metrics from doc when none are chosen yet (0, or -EINVAL with
 * why), and adds an ok repetition's values of them to p. */
int merge_metrics_for(struct merge *m, const json_t *doc, const char *name, char *why, size_t n);
void merge_metrics_add(struct merge *m, struct merge_point *p, const json_t *doc);
/* Reads every DIR/points/NNNN-*.json. Returns 0, or a negative errno with why. */
int merge_load(struct merge *m, char *why, size_t n);
/* Statistics, labels, baseline comparison. */
void merge_compute(struct merge *m);
void merge_print(const struct merge *m, FILE *f);
json_t *merge_to_json(const struct merge *m);
int merge_write_csv(const struct merge *m, const char *path);
/* merge_html.c: the page, its charts and file links made from summary (merge_to_json with
 * point_files_add). */
int merge_write_html(const struct merge *m, const json_t *summary, const char *path);
void merge_free(struct merge *m);

/* merge_gaps.c: what a sweep lacks — points with no result, repetitions missing, and
 * repetitions that failed, were interrupted or skipped — one entry per point. */
bool merge_complete(const struct merge *m);
/* "point 3 (job a): missing", "point 5 (job b): 1 of 3 repetitions failed: why", one per line. */
void merge_print_gaps(const struct merge *m, FILE *f);
/* [{point, job, state: "missing"|"incomplete"|"failed", missing, failed, interrupted, skipped, message}] */
json_t *merge_gaps_json(const struct merge *m);

/* All of it: load DIR, compute, print the table to `table` (may be NULL), write the three
 * files. A sweep with gaps (merge_complete false) is merged only when `partial`, the gaps
 * named in the table and the summary; otherwise they are printed to `table` and nothing is
 * written (-EAGAIN). Returns 0, or a negative errno with one line in why. */
int merge_dir(const char *dir, const struct metric_list *metrics, bool partial, FILE *table, char *why, size_t n);

/* "n/a", "yes" or "no"; "exact" for a difference between constant samples */
const char *merge_sig_text(const struct merge_metric *x);
/* "-", "null" or "missing": why a point has no mean for x (x->s.n == 0) */
const char *merge_absent_text(const struct merge_metric *x);
/* A metric value for people: counts exactly (146000071), other values to 4 digits. */
void merge_number_text(char *buf, size_t n, double v);
/* The difference against the baseline for people: "+12.3%" below ±1000%, else the ratio of
 * the means ("x16397"): exits that go from a handful to millions read as a factor, not as
 * +1639600.0%. */
void merge_diff_text(char *buf, size_t n, const struct merge_metric *x);
/* A metric's mean, sd, min and max as merge_number_text writes them (table and HTML alike). */
struct merge_stat_text {
	char mean[32], sd[32], min[32], max[32];
};
void merge_stat_text(const struct mstat *s, struct merge_stat_text *out);
/* "metric X: not in point N's results" for metric i, or "" when every point has it. */
void merge_absent_note(const struct merge *m, size_t i, char *buf, size_t n);

#endif
