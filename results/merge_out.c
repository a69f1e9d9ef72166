/* merge_out.c — a merged sweep as text: the terminal table (mmtests style: one block per
 * metric with mean, spread, median and IQR, difference against the baseline of the means and
 * of the medians, Welch's and the Mann–Whitney test, outliers), the repetitions flagged for host
 * interference, summary.json and summary.csv, and the small formatting rules the HTML page
 * shares. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "results/merge.h"
#include "results/trend.h"

const char *merge_sig_word(enum merge_sig s, bool exact)
{
	if (s == MERGE_SIG_NA)
		return "n/a";
	if (s == MERGE_SIG_YES)
		return exact ? "exact" : "yes";
	return "no";
}

const char *merge_sig_text(const struct merge_metric *x)
{
	return merge_sig_word(x->sig, x->exact);
}

const char *merge_absent_text(const struct merge_metric *x)
{
	if (x->nulls && !x->missing)
		return "null";
	return x->missing ? "missing" : "-";
}

void merge_number_text(char *buf, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.4g", v);
}

void merge_stat_text(const struct mstat *s, struct merge_stat_text *out)
{
	merge_number_text(out->mean, sizeof(out->mean), s->mean);
	merge_number_text(out->sd, sizeof(out->sd), s->sd);
	merge_number_text(out->min, sizeof(out->min), s->min);
	merge_number_text(out->max, sizeof(out->max), s->max);
	merge_number_text(out->median, sizeof(out->median), s->median);
	merge_number_text(out->iqr, sizeof(out->iqr), s->q3 - s->q1);
}

/* "ok 3/3", "ok 2/3, 1 failed", "interrupted 1/1" */
static void runs_text(char *buf, size_t n, const struct merge_point *p)
{
	int used = snprintf(buf, n, "%u/%u", p->ok, p->runs);
	if (p->failed)
		used += snprintf(buf + used, n - (size_t)used, " %u failed", p->failed);
	if (p->interrupted)
		used += snprintf(buf + used, n - (size_t)used, " %u intr", p->interrupted);
	if (p->skipped)
		used += snprintf(buf + used, n - (size_t)used, " %u skipped", p->skipped);
	if (p->flagged)
		used += snprintf(buf + used, n - (size_t)used, " %u host", p->flagged);
	if (p->superseded)
		snprintf(buf + used, n - (size_t)used, " %u superseded", p->superseded);
}

void merge_pct_text(char *buf, size_t n, double pct)
{
	if (fabs(pct) < 1000)
		snprintf(buf, n, "%+.1f%%", pct);
	else
		snprintf(buf, n, "x%.4g", 1 + pct / 100);
}

/* "+12.3%" or "-" without a baseline mean (median) to compare with; "base" for the baseline. */
static void diff_text(char *buf, size_t n, const struct merge_point *p, bool have, double pct)
{
	if (p->is_base)
		snprintf(buf, n, "base");
	else if (have)
		merge_pct_text(buf, n, pct);
	else
		snprintf(buf, n, "-");
}

void merge_diff_text(char *buf, size_t n, const struct merge_metric *x)
{
	merge_pct_text(buf, n, x->diff_pct);
}

void merge_mdiff_text(char *buf, size_t n, const struct merge_metric *x)
{
	merge_pct_text(buf, n, x->mdiff_pct);
}

static const char *checksum_text(const struct merge_point *p)
{
	if (!p->checksum[0])
		return "-";
	return p->checksums_agree ? p->checksum : "DIFFER across repetitions";
}

static void print_point(FILE *f, const struct merge_point *p)
{
	char runs[64];
	runs_text(runs, sizeof(runs), p);
	fprintf(f, "%5ld %-12s %-30s %-8s", p->index, p->job, p->label, runs);
	if (p->ok == 0)
		fprintf(f, " %s: %s\n", p->interrupted ? "interrupted" : p->skipped && !p->failed ? "skipped" : "failed",
			p->message);
	else
		fprintf(f, " %s (%s)\n", checksum_text(p), p->vs_baseline);
}

/* One row of a metric's block: n is the ok repetitions with a value; those without one are
 * counted after the row ("(1 null)"), or stand in for the mean when none has a value. */
static void print_metric_row(FILE *f, const struct merge_point *p, const struct merge_metric *x)
{
	struct merge_stat_text t;
	char range[72], diff[16], mdiff[16];
	fprintf(f, "%5ld %-30s %3zu", p->index, p->label, x->s.n);
	if (x->s.n == 0) {
		fprintf(f, " %12s\n", p->ok ? merge_absent_text(x) : "-");
		return;
	}
	merge_stat_text(&x->s, &t);
	snprintf(range, sizeof(range), "%s-%s", t.min, t.max);
	diff_text(diff, sizeof(diff), p, x->have_diff, x->diff_pct);
	diff_text(mdiff, sizeof(mdiff), p, x->have_mdiff, x->mdiff_pct);
	fprintf(f, " %12s %10s %12s %10s %21s %8s %8s", t.mean, t.sd, t.median, t.iqr, range, diff, mdiff);
	if (!p->is_base)
		fprintf(f, " %5s %5s", merge_sig_text(x), merge_sig_word(x->mwu_sig, x->exact));
	else
		fprintf(f, " %5s %5s", "", "");
	if (x->outliers)
		fprintf(f, " %u out", x->outliers);
	if (x->nulls || x->missing)
		fprintf(f, " (%u %s)", x->nulls + x->missing, merge_absent_text(x));
	fputc('\n', f);
}

static void print_metric(FILE *f, const struct merge *m, size_t k)
{
	fprintf(f, "\n%s\n%5s %-30s %3s %12s %10s %12s %10s %21s %8s %8s %5s %5s\n", m->metrics.path[k], "point",
		"settings", "n", "mean", "sd", "median", "iqr", "min-max", "diff", "mdiff", "welch", "mwu");
	for (size_t i = 0; i < m->n; i++)
		print_metric_row(f, &m->points[i], &m->points[i].metric[k]);
}

/* The repetitions flagged for host interference, one line each (the first MERGE_FLAGS_LISTED:
 * on a host busy throughout every repetition is), and the count of outliers. */
#define MERGE_FLAGS_LISTED 10
static void print_flags(FILE *f, const struct merge *m)
{
	char why[128];
	unsigned flagged = 0, outliers = 0, superseded = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct merge_point *p = &m->points[i];
		superseded += p->superseded;
		for (unsigned r = 0; r < p->nrep; r++) {
			const struct merge_rep *x = &p->rep[r];
			outliers += x->current && x->outlier;
			if (!x->current || !x->ok || !x->host.flagged)
				continue;
			if (flagged++ >= MERGE_FLAGS_LISTED)
				continue;
			merge_interference_text(&x->host, why, sizeof(why));
			fprintf(f, "%s  point %ld (%s) r%u: %s\n", flagged > 1 ? "" : "host interference in the measured phase:\n",
				p->index, p->label, x->repetition, why);
		}
	}
	if (flagged > MERGE_FLAGS_LISTED)
		fprintf(f, "  ... and %u more (all in summary.json and report.html)\n", flagged - MERGE_FLAGS_LISTED);
	if (flagged)
		fprintf(f, "  %u repetition%s flagged: memvirt sweep FILE --out DIR --rerun-flagged runs them again\n",
			flagged, flagged == 1 ? "" : "s");
	if (outliers)
		fprintf(f, "%u repetition%s outside 1.5 IQR of their point (out): see summary.json's repetitions\n",
			outliers, outliers == 1 ? "" : "s");
	if (superseded)
		fprintf(f, "%u earlier attempt%s superseded by a re-run (in points/superseded/, not averaged)\n",
			superseded, superseded == 1 ? "" : "s");
}

void merge_print(const struct merge *m, FILE *f)
{
	char note[METRIC_PATH_MAX + 96];
	fprintf(f, "%5s %-12s %-30s %-8s %s\n", "point", "job", "settings", "ok/runs", "checksum (vs baseline)");
	for (size_t i = 0; i < m->n; i++)
		print_point(f, &m->points[i]);
	for (size_t k = 0; k < m->metrics.n; k++)
		print_metric(f, m, k);
	merge_pair_print(m, f);
	fputc('\n', f);
	if (m->baseline >= 0)
		fprintf(f, "baseline: point %ld (%s)", m->points[m->baseline].index, m->points[m->baseline].job);
	else
		fprintf(f, "baseline: for each point, the point with %s and the same other settings", m->baseline_spec);
	fprintf(f, "; welch: Welch's t-test on the means, mwu: Mann-Whitney U on the ranks, p < %.2f (n/a below 2 "
		   "repetitions; exact: no spread on either side, the means differ); mdiff: of the medians\n", MERGE_ALPHA);
	for (size_t k = 0; k < m->metrics.n; k++) {
		merge_absent_note(m, k, note, sizeof(note));
		if (note[0])
			fprintf(f, "%s\n", note);
	}
	print_flags(f, m);
	merge_print_gaps(m, f);
}

json_t *merge_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *mwu_json(const struct merge_metric *x)
{
	if (x->mwu_sig == MERGE_SIG_NA)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:b, s:b}", "u", merge_json_num(x->mwu.u), "z",
			 x->mwu.exact ? json_null() : merge_json_num(x->mwu.z), "p_value", merge_json_num(x->mwu.p),
			 "exact", x->mwu.exact, "significant", x->mwu_sig == MERGE_SIG_YES);
}

static json_t *metric_json(const struct merge_metric *x)
{
	json_t *o = json_pack("{s:i, s:i, s:i}", "n", (json_int_t)x->s.n, "null", (json_int_t)x->nulls, "missing",
			      (json_int_t)x->missing);
	if (x->s.n) {
		json_object_set_new(o, "mean", merge_json_num(x->s.mean));
		json_object_set_new(o, "sd", merge_json_num(x->s.sd));
		json_object_set_new(o, "min", merge_json_num(x->s.min));
		json_object_set_new(o, "max", merge_json_num(x->s.max));
		json_object_set_new(o, "median", merge_json_num(x->s.median));
		json_object_set_new(o, "q1", merge_json_num(x->s.q1));
		json_object_set_new(o, "q3", merge_json_num(x->s.q3));
		json_object_set_new(o, "iqr", merge_json_num(x->s.q3 - x->s.q1));
	}
	json_object_set_new(o, "outliers", json_integer(x->outliers));
	json_object_set_new(o, "diff_pct", x->have_diff ? merge_json_num(x->diff_pct) : json_null());
	json_object_set_new(o, "median_diff_pct", x->have_mdiff ? merge_json_num(x->mdiff_pct) : json_null());
	json_object_set_new(o, "significant", x->sig == MERGE_SIG_NA ? json_null() : json_boolean(x->sig));
	json_object_set_new(o, "exact", json_boolean(x->sig != MERGE_SIG_NA && x->exact));
	json_object_set_new(o, "p_value", x->sig == MERGE_SIG_NA ? json_null() : merge_json_num(x->p));
	json_object_set_new(o, "mann_whitney", mwu_json(x));
	return o;
}

static json_t *point_metrics_json(const struct merge *m, const struct merge_point *p)
{
	json_t *o = json_object();
	for (size_t k = 0; k < m->metrics.n; k++)
		json_object_set_new(o, m->metrics.path[k], metric_json(&p->metric[k]));
	return o;
}

static json_t *interference_json(const struct merge_interference *h)
{
	char why[128];
	if (!h->known)
		return json_null();
	merge_interference_text(h, why, sizeof(why));
	return json_pack("{s:b, s:s, s:o, s:o, s:o, s:o, s:b}", "flagged", h->flagged, "why", why, "measure_s",
			 merge_json_num(h->measure_s), "cpu_wait_frac", merge_json_num(h->cpu_wait_frac), "swap_pages_per_s",
			 merge_json_num(h->swap_pages_per_s), "psi_some_frac", merge_json_num(h->psi_some_frac),
			 "own_reclaim", h->own_reclaim);
}

/* The metrics where repetition record r is outside the fences. */
static json_t *outlier_metrics(const struct merge *m, const struct merge_point *p, size_t r)
{
	json_t *a = json_array();
	for (size_t k = 0; k < m->metrics.n; k++) {
		const struct merge_metric *x = &p->metric[k];
		for (size_t i = 0; i < x->s.n; i++)
			if (x->rep_of[i] == r && mstat_outlier(&x->s, x->x[i]))
				json_array_append_new(a, json_string(m->metrics.path[k]));
	}
	return a;
}

static json_t *reps_json(const struct merge *m, const struct merge_point *p)
{
	json_t *a = json_array();
	for (size_t r = 0; r < p->nrep; r++) {
		const struct merge_rep *x = &p->rep[r];
		json_array_append_new(a, json_pack("{s:i, s:b, s:b, s:o, s:o, s:i}", "repetition", (json_int_t)x->repetition,
						   "current", x->current, "ok", x->ok, "outlier", outlier_metrics(m, p, r),
						   "interference", x->ok ? interference_json(&x->host) : json_null(),
						   "superseded", (json_int_t)x->superseded));
	}
	return a;
}

static json_t *point_json(const struct merge *m, const struct merge_point *p)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:O?, s:i, s:i, s:i, s:i, s:i, s:s, s:o, s:s?, s:b, s:s, s:o}", "point",
			      (json_int_t)p->index, "job", p->job, "label", p->label, "settings", p->settings, "runs",
			      (json_int_t)p->runs, "ok", (json_int_t)p->ok, "failed", (json_int_t)p->failed, "interrupted",
			      (json_int_t)p->interrupted, "skipped", (json_int_t)p->skipped, "message", p->message, "metrics",
			      point_metrics_json(m, p), "checksum", p->checksum[0] ? p->checksum : NULL, "checksums_agree",
			      p->checksums_agree, "checksum_vs_baseline", p->vs_baseline, "baseline_point",
			      p->base >= 0 ? json_integer(m->points[p->base].index) : json_null());
	json_object_set_new(o, "flagged", json_integer(p->flagged));
	json_object_set_new(o, "superseded", json_integer(p->superseded));
	json_object_set_new(o, "repetitions", reps_json(m, p));
	return o;
}

/* The chosen metrics, in order, and the "not in point N's results" notes. */
static void metrics_json(const struct merge *m, json_t **names, json_t **notes)
{
	char note[METRIC_PATH_MAX + 96];
	*names = json_array();
	*notes = json_array();
	for (size_t k = 0; k < m->metrics.n; k++) {
		json_array_append_new(*names, json_string(m->metrics.path[k]));
		merge_absent_note(m, k, note, sizeof(note));
		if (note[0])
			json_array_append_new(*notes, json_string(note));
	}
}

json_t *merge_to_json(const struct merge *m)
{
	json_t *pts = json_array(), *names, *notes;
	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(pts, point_json(m, &m->points[i]));
	metrics_json(m, &names, &notes);
	json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:f, s:o, s:o, s:o}", "schema_version", RESULT_SCHEMA_VERSION,
			 "kind", "sweep-summary", "file", m->file, "baseline", m->baseline_spec, "baseline_point",
			 m->baseline >= 0 ? json_integer(m->points[m->baseline].index) : json_null(), "points_expected",
			 m->npoints >= 0 ? json_integer(m->npoints) : json_null(), "alpha", MERGE_ALPHA, "metrics", names,
			 "notes", notes, "points", pts);
	json_object_set_new(doc, "complete", json_boolean(merge_complete(m)));
	json_object_set_new(doc, "gaps", merge_gaps_json(m));
	json_object_set_new(doc, "interference_thresholds",
			    json_pack("{s:f, s:f, s:f}", "cpu_wait_frac", MERGE_CPU_WAIT_FRAC, "swap_pages_per_s",
				      MERGE_SWAP_PAGES_PER_S, "psi_some_frac", MERGE_PSI_FRAC));
	json_object_set_new(doc, "paired", merge_pair_json(m));
	return doc;
}

static void csv_metric(FILE *f, const struct merge_metric *x)
{
	fprintf(f, ",%zu", x->s.n);
	if (x->s.n)
		fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", x->s.mean, x->s.sd, x->s.min, x->s.max, x->s.median,
			x->s.q1, x->s.q3);
	else
		fputs(",,,,,,,", f);
	fprintf(f, ",%u", x->outliers);
	if (x->have_diff)
		fprintf(f, ",%.3f", x->diff_pct);
	else
		fputc(',', f);
	if (x->have_mdiff)
		fprintf(f, ",%.3f", x->mdiff_pct);
	else
		fputc(',', f);
	if (x->sig == MERGE_SIG_NA)
		fputs(",n/a,", f);
	else
		fprintf(f, ",%s,%.4g", merge_sig_text(x), x->p);
	if (x->mwu_sig == MERGE_SIG_NA)
		fputs(",n/a,", f);
	else
		fprintf(f, ",%s,%.4g", merge_sig_word(x->mwu_sig, x->exact), x->mwu.p);
}

/* "2 5": the repetitions (numbers) flagged for host interference, or outside some fence. */
static void csv_reps(FILE *f, const struct merge_point *p, bool outliers)
{
	bool first = true;
	fputc(',', f);
	for (unsigned r = 0; r < p->nrep; r++) {
		const struct merge_rep *x = &p->rep[r];
		if (x->current && x->ok && (outliers ? x->outlier : x->host.flagged)) {
			fprintf(f, "%s%u", first ? "" : " ", x->repetition);
			first = false;
		}
	}
}

/* A CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled). */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fprintf(f, ",%s", s);
		return;
	}
	fputs(",\"", f);
	for (; *s; s++)
		if (*s == '"')
			fputs("\"\"", f);
		else
			fputc(*s, f);
	fputc('"', f);
}

struct csv_args {
	const struct merge *m;
	struct trend_axes ax; /* the swept axes: one column each, after settings */
};

static void merge_emit_csv(FILE *f, const void *arg)
{
	static const char *const cols[] = { "n", "mean", "sd", "min", "max", "median", "q1", "q3", "outliers", "diff_pct",
					    "median_diff_pct", "significant", "p", "mwu_significant", "mwu_p", NULL };
	const struct csv_args *a = arg;
	const struct merge *m = a->m;
	char cell[256];
	fputs("point,job,settings", f);
	for (size_t x = 0; x < a->ax.n; x++) {
		trend_axis_column(cell, sizeof(cell), &a->ax.axis[x]);
		csv_field(f, cell);
	}
	fputs(",runs,ok,failed,interrupted,skipped,superseded", f);
	for (size_t k = 0; k < m->metrics.n; k++)
		for (const char *const *c = cols; *c; c++)
			fprintf(f, ",%s_%s", m->metrics.path[k], *c);
	fputs(",checksum,checksums_agree,checksum_vs_baseline,host_interference_reps,outlier_reps\n", f);
	for (size_t i = 0; i < m->n; i++) {
		const struct merge_point *p = &m->points[i];
		fprintf(f, "%ld,%s,\"%s\"", p->index, p->job, p->label);
		for (size_t x = 0; x < a->ax.n; x++) {
			trend_axis_cell(cell, sizeof(cell), &a->ax.axis[x], p->settings);
			csv_field(f, cell);
		}
		fprintf(f, ",%u,%u,%u,%u,%u,%u", p->runs, p->ok, p->failed, p->interrupted, p->skipped, p->superseded);
		for (size_t k = 0; k < m->metrics.n; k++)
			csv_metric(f, &p->metric[k]);
		fprintf(f, ",%s,%s,%s", p->checksum, p->checksums_agree ? "yes" : "no", p->vs_baseline);
		csv_reps(f, p, false);
		csv_reps(f, p, true);
		fputc('\n', f);
	}
}

int merge_write_csv(const struct merge *m, const json_t *summary, const char *path)
{
	struct csv_args *a = malloc(sizeof(*a)); /* the axes are large for a stack */
	if (!a)
		return -ENOMEM;
	a->m = m;
	trend_axes_of(summary, &a->ax);
	int rc = atomic_write_stream(path, merge_emit_csv, a);
	free(a);
	return rc;
}
