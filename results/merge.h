/* merge.h — `memvirt merge DIR`: the result documents a sweep wrote under DIR/points/ grouped
 * by point, and summarised mmtests-style — for each chosen metric (a dotted path into the
 * result document, metric_path.h) the mean, standard deviation and min–max over the
 * repetitions that finished, the difference against a baseline point in percent, and Welch's
 * t-test at 95 % — with checksum agreement across repetitions and against the baseline.
 * Beside them the robust figures a shared host needs (median, IQR, the difference of the
 * medians, the Mann–Whitney U test), and per repetition two flags: an outlier (outside
 * 1.5 IQR of its point, for some metric) and host interference (the telemetry of its measured
 * phase says another process took the CPU, swapped or stalled on memory: merge_flags.c).
 * Repetitions re-run by `memvirt sweep --rerun-flagged` leave their earlier attempts in
 * DIR/points/superseded/, counted and never averaged. With a paired axis (seed) the points
 * that differ only in it are compared pair by pair with their baselines (merge_paired.c).
 * Written as DIR/summary.json, DIR/summary.csv and DIR/report.html (or under -o OUT). */
#ifndef MEMVIRT_MERGE_H
#define MEMVIRT_MERGE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "results/merge_stats.h"
#include "results/metric_path.h"
#include "results/trend_plot.h"

#define MERGE_MAX_REPS 100
/* Point indices a sweep can have (its SWEEP_MAX_POINTS; vmm/cli/sweep.c checks they agree):
 * a document naming another point, or a sweep of more, is refused — the gap listing walks
 * every index up to the largest. */
#define MERGE_MAX_POINTS 4096

/* Host interference in a repetition's measured phase (telemetry.host over
 * telemetry.measure): the workload thread waited for a CPU at least this fraction of the
 * phase; or, in a run that reclaimed or swapped nothing itself, the host swapped at least
 * this many pages per second, or some task stalled on memory (PSI some) at least this
 * fraction of the phase. */
#define MERGE_CPU_WAIT_FRAC 0.20
#define MERGE_SWAP_PAGES_PER_S 256.0
#define MERGE_PSI_FRAC 0.05

struct merge_interference {
	bool known;                   /* the document has telemetry of its measured phase */
	bool flagged;
	bool cpu, swap, psi;          /* which criterion flagged it */
	bool own_reclaim;             /* the run reclaimed or swapped itself: swap and PSI not judged */
	double measure_s, cpu_wait_frac, swap_pages_per_s, psi_some_frac;
};
/* merge_flags.c: from a result document. Never fails: known is false without telemetry. */
void merge_interference_of(const json_t *doc, struct merge_interference *r);
/* "cpu wait 62%, host swap 1200 pages/s" (the criteria that flagged it), or "" */
void merge_interference_text(const struct merge_interference *r, char *buf, size_t n);
/* The top-level object `memvirt sweep --rerun-flagged` adds to a repetition it moves to
 * points/superseded/ ({reason, at, replaced_by}); merge counts such documents, never averages
 * them. */
#define MERGE_SUPERSEDED_KEY "superseded"

/* One repetition of a point (by sweep.repetition). */
struct merge_rep {
	unsigned repetition;
	bool current;                 /* a document in points/ (not only superseded ones) */
	bool ok;
	bool outlier;                 /* outside the fences of some metric */
	unsigned superseded;          /* earlier attempts kept in points/superseded/ */
	struct merge_interference host;
};

/* A test against the baseline: not possible (fewer than 2 repetitions on a side, or no
 * baseline), or its outcome. */
enum merge_sig { MERGE_SIG_NA = -1, MERGE_SIG_NO = 0, MERGE_SIG_YES = 1 };

/* One metric of a point: its values over the ok repetitions that have it, summary and
 * comparison to the baseline. A repetition where it is null or missing is counted, not
 * averaged. */
struct merge_metric {
	double x[MERGE_MAX_REPS];
	unsigned char rep_of[MERGE_MAX_REPS]; /* x[i] is of repetition record rep[rep_of[i]] */
	struct mstat s;               /* s.n: ok repetitions where the metric is a number */
	unsigned outliers;            /* values outside s's 1.5 IQR fences */
	unsigned nulls, missing;      /* ok repetitions where it is null; missing or not a number */
	bool have_diff;
	double diff_pct;              /* (mean - baseline mean) / baseline mean x 100 */
	enum merge_sig sig;
	bool exact;                   /* no spread on either side: the test compares constants */
	double p;                     /* Welch's two-sided p when sig is not NA */
	bool have_mdiff;
	double mdiff_pct;             /* (median - baseline median) / baseline median x 100 */
	enum merge_sig mwu_sig;       /* Mann–Whitney U against the baseline */
	struct mwu mwu;
};

struct merge_point {
	long index;                   /* sweep.point */
	char job[64];
	char label[512];              /* the settings that vary across the sweep */
	json_t *settings;             /* sweep.settings (owned reference) */
	json_t *same_checksum_key;    /* workload, seed, mem_bytes, ops, params of config (owned) */
	unsigned runs, ok, failed, interrupted, skipped;
	unsigned superseded;          /* documents in points/superseded/ */
	unsigned flagged;             /* current repetitions flagged for host interference */
	unsigned nrep;
	struct merge_rep rep[MERGE_MAX_REPS];
	unsigned repeat;              /* sweep.repeat: the repetitions the point should have */
	char message[256];            /* the first non-ok repetition's status.message */
	struct merge_metric metric[METRIC_MAX]; /* as merge.metrics */
	char checksum[24];            /* of the ok repetitions, when they agree */
	bool checksums_agree;
	const char *vs_baseline;      /* "equal", "differ", "baseline" or "n/a" */
	long base;                    /* position of this point's baseline in points[], or -1 */
	bool is_base;                 /* it is its own baseline */
};

/* Paired comparison (--paired AXIS): a group is the points whose settings differ only in AXIS;
 * each member is paired with the point that has its baseline's settings and the member's AXIS
 * value; the differences member - partner of the metric's means go through the paired t-test. */
struct merge_pair_metric {
	unsigned n;                   /* pairs where both sides have the metric */
	double mean_diff, sd_diff;    /* of member - partner */
	bool have_rel;
	double mean_rel_pct;          /* mean of (member - partner) / partner x 100 */
	enum merge_sig sig;
	bool exact;
	double p;
};
struct merge_pair {
	size_t first;                 /* the group's first point, position in points[] */
	char label[512];              /* its label without AXIS */
	bool is_base;                 /* every member is its own partner */
	unsigned members, unpaired;   /* points in the group; those with no partner */
	struct merge_pair_metric metric[METRIC_MAX];
};

struct merge {
	char dir[4096];
	char file[4096];              /* sweep.file */
	char baseline_spec[320];      /* sweep.baseline: JOB, KEY=VALUE, or "" (the first point) */
	bool baseline_given;          /* by the command line (--baseline): sweep.baseline ignored */
	char paired[64];              /* --paired AXIS, or "" */
	size_t npairs;
	struct merge_pair *pairs;     /* merge_paired.c, when paired[0] */
	long npoints;                 /* sweep.points: how many the experiment has */
	size_t n, cap;
	struct merge_point *points;   /* by index */
	long baseline;                /* the one baseline's position in points[]; -1 with KEY=VALUE */
	struct metric_list metrics;   /* --metrics, else sweep.metrics, else the default */
	/* per metric, the first point whose results lack it (-1: none), and how */
	long absent_point[METRIC_MAX];
	enum metric_found absent_how[METRIC_MAX];
	/* the experiment file's plot = and error = (sweep.charts, merge_charts.c): drawn unless the
	 * command line chose its own */
	bool charts_seen;             /* some document had sweep.charts */
	size_t nplots;
	struct trend_plot plots[TREND_MAX_PLOTS];
	bool error_given;
	enum trend_error error_bars;
};

/* The metrics when neither --metrics nor the experiment file chose any; on sim, where times
 * are the simulator's own, mmu.modeled_cycles is added. */
#define MERGE_DEFAULT_METRICS "result.run_s, result.ops_per_s"
#define MERGE_SIM_METRIC "mmu.modeled_cycles"

/* What `memvirt merge` was asked: out NULL writes beside the points (DIR); baseline NULL
 * takes sweep.baseline; paired NULL pairs nothing. */
struct merge_opts {
	const char *dir, *out, *baseline, *paired;
	const struct metric_list *metrics;
	bool partial;
	/* --error (error_given: else the experiment file's error =, else sd) and the --plot choices
	 * (trend_plot.h; none: the file's plot =), syntax already checked; merge_dir checks the plots
	 * drawn against the summary before it writes anything (-EDOM naming the plot). */
	bool error_given;
	int error_bars;
	const struct trend_plot *plots;
	size_t nplots;
};

/* metrics NULL or empty: taken from the first document (sweep.metrics, else the default). */
void merge_init(struct merge *m, const char *dir, const struct metric_list *metrics);
/* Adds one point document (`name` for messages). Returns 0, or -EINVAL with why. */
int merge_add_doc(struct merge *m, const json_t *doc, const char *name, char *why, size_t n);
/* merge_metrics.c: chooses m->metrics from doc when none are chosen yet (0, or -EINVAL with
 * why), and adds an ok repetition's values of them to p (rep: its record, p->rep[rep]). */
int merge_metrics_for(struct merge *m, const json_t *doc, const char *name, char *why, size_t n);
void merge_metrics_add(struct merge *m, struct merge_point *p, const json_t *doc, unsigned rep);
/* merge_charts.c: takes the file's charts from a document's sweep object (sw) when none are
 * taken yet. 0, or -EINVAL with one line in why naming the document and what is wrong. */
int merge_charts_note(struct merge *m, const json_t *sw, const char *name, char *why, size_t n);
/* Reads every DIR/points/NNNN-*.json. Returns 0, or a negative errno with why. */
int merge_load(struct merge *m, char *why, size_t n);
/* --baseline and --paired against the points loaded: 0, or -EDOM with one line in why naming
 * the value (no such job or setting; an axis that does not vary). */
int merge_check_opts(const struct merge *m, char *why, size_t n);
/* Statistics, labels, baseline comparison, flags, pairs. */
void merge_compute(struct merge *m);
/* Every setting but `key` the same (a and b objects of strings). */
bool merge_same_but(const json_t *a, const json_t *b, const char *key);
/* The settings (but `skip`, which may be NULL) whose value is not the same at every point, as
 * "key=value ...", into buf. */
void merge_label(const struct merge *m, const json_t *settings, const char *skip, char *buf, size_t n);
/* merge_paired.c: the groups and their paired tests (m->paired set); -ENOMEM. */
int merge_pair_compute(struct merge *m);
void merge_pair_print(const struct merge *m, FILE *f);
json_t *merge_pair_json(const struct merge *m);
void merge_print(const struct merge *m, FILE *f);
json_t *merge_to_json(const struct merge *m);
/* summary.csv: one line per point; a column per swept axis (the summary's, trend.h: sizes in
 * bytes, durations in seconds) after the settings string. */
int merge_write_csv(const struct merge *m, const json_t *summary, const char *path);
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
 * files (into o->out, made if missing, else DIR). A sweep with gaps (merge_complete false) is
 * merged only when `partial`, the gaps named in the table and the summary; otherwise they are
 * printed to `table` and nothing is written (-EAGAIN). Returns 0, or a negative errno with one
 * line in why: -EDOM for a --baseline or --paired value the points refute. */
int merge_dir(const struct merge_opts *o, FILE *table, char *why, size_t n);

/* "n/a", "yes" or "no"; "exact" for a difference between constant samples */
const char *merge_sig_text(const struct merge_metric *x);
/* The same words for a Mann–Whitney outcome ("n/a", "yes", "no") and a paired one. */
const char *merge_sig_word(enum merge_sig s, bool exact);
/* "-", "null" or "missing": why a point has no mean for x (x->s.n == 0) */
const char *merge_absent_text(const struct merge_metric *x);
/* A metric value for people: counts exactly (146000071), other values to 4 digits. */
void merge_number_text(char *buf, size_t n, double v);
/* The difference against the baseline for people: "+12.3%" below ±1000%, else the ratio of
 * the means ("x16397"): exits that go from a handful to millions read as a factor, not as
 * +1639600.0%. */
void merge_diff_text(char *buf, size_t n, const struct merge_metric *x);
/* The same for the difference of the medians. */
void merge_mdiff_text(char *buf, size_t n, const struct merge_metric *x);
/* The same rule for any relative difference in percent (a paired mean difference). */
void merge_pct_text(char *buf, size_t n, double pct);
/* A metric's mean, sd, min and max as merge_number_text writes them (table and HTML alike). */
struct merge_stat_text {
	char mean[32], sd[32], min[32], max[32], median[32], iqr[32];
};
void merge_stat_text(const struct mstat *s, struct merge_stat_text *out);
/* A figure in JSON: a number, or null for NaN and infinity (JSON has neither). */
json_t *merge_json_num(double v);
/* "metric X: not in point N's results" for metric i, or "" when every point has it. */
void merge_absent_note(const struct merge *m, size_t i, char *buf, size_t n);

#endif
