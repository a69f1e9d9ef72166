/* merge.h — `memvirt merge DIR`: the result documents a sweep wrote under DIR/points/ grouped
 * by point, and summarised mmtests-style — mean, standard deviation and min–max of run_s and
 * ops_per_s over the repetitions that finished, the difference against a baseline point in
 * percent, and Welch's t-test at 95 % — with checksum agreement across repetitions and against
 * the baseline. Written as DIR/summary.json, DIR/summary.csv and DIR/report.html. */
#ifndef MEMVIRT_MERGE_H
#define MEMVIRT_MERGE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "vmm/merge_stats.h"

#define MERGE_MAX_REPS 100

/* A test against the baseline: not possible (fewer than 2 repetitions on a side, or no
 * baseline), or its outcome. */
enum merge_sig { MERGE_SIG_NA = -1, MERGE_SIG_NO = 0, MERGE_SIG_YES = 1 };

/* One measured quantity of a point: its repetitions, summary and comparison to the baseline. */
struct merge_metric {
	double x[MERGE_MAX_REPS];
	struct mstat s;
	bool have_diff;
	double diff_pct;              /* (mean - baseline mean) / baseline mean x 100 */
	enum merge_sig sig;
	double p;                     /* Welch's two-sided p when sig is not NA */
};

struct merge_point {
	long index;                   /* sweep.point */
	char job[64];
	char label[512];              /* the settings that vary across the sweep */
	json_t *settings;             /* sweep.settings (owned reference) */
	json_t *same_checksum_key;    /* workload, seed, mem_bytes, ops, params of config (owned) */
	unsigned runs, ok, failed, interrupted, skipped;
	char message[256];            /* the first non-ok repetition's status.message */
	struct merge_metric run_s, ops_per_s;
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
};

void merge_init(struct merge *m, const char *dir);
/* Adds one point document (`name` for messages). Returns 0, or -EINVAL with why. */
int merge_add_doc(struct merge *m, const json_t *doc, const char *name, char *why, size_t n);
/* Reads every DIR/points/NNNN-*.json. Returns 0, or a negative errno with why. */
int merge_load(struct merge *m, char *why, size_t n);
/* Statistics, labels, baseline comparison. */
void merge_compute(struct merge *m);
void merge_print(const struct merge *m, FILE *f);
json_t *merge_to_json(const struct merge *m);
int merge_write_csv(const struct merge *m, const char *path);
int merge_write_html(const struct merge *m, const char *path); /* merge_html.c */
void merge_free(struct merge *m);

/* All of it: load DIR, compute, print the table to `table` (may be NULL), write the three
 * files. Returns 0, or a negative errno with one line in why. */
int merge_dir(const char *dir, FILE *table, char *why, size_t n);

/* "n/a", "yes" or "no" */
const char *merge_sig_name(enum merge_sig s);

#endif
