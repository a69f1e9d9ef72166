/* merge_out.c — a merged sweep as text: the terminal table (mmtests style: one block per
 * metric with mean, spread, difference against the baseline, significance), summary.json and
 * summary.csv, and the small formatting rules the HTML page shares. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "results/result.h"
#include "results/merge.h"

const char *merge_sig_text(const struct merge_metric *x)
{
	if (x->sig == MERGE_SIG_NA)
		return "n/a";
	if (x->sig == MERGE_SIG_YES)
		return x->exact ? "exact" : "yes";
	return "no";
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
		snprintf(buf + used, n - (size_t)used, " %u skipped", p->skipped);
}

/* "+12.3%" or "-" without a baseline mean to compare with; "base" for the baseline. */
static void diff_text(char *buf, size_t n, const struct merge_point *p, const struct merge_metric *x)
{
	if (p->is_base)
		snprintf(buf, n, "base");
	else if (x->have_diff)
		merge_diff_text(buf, n, x);
	else
		snprintf(buf, n, "-");
}

void merge_diff_text(char *buf, size_t n, const struct merge_metric *x)
{
	if (fabs(x->diff_pct) < 1000)
		snprintf(buf, n, "%+.1f%%", x->diff_pct);
	else
		snprintf(buf, n, "x%.4g", 1 + x->diff_pct / 100);
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
	char range[72], diff[16];
	fprintf(f, "%5ld %-30s %3zu", p->index, p->label, x->s.n);
	if (x->s.n == 0) {
		fprintf(f, " %14s\n", p->ok ? merge_absent_text(x) : "-");
		return;
	}
	merge_stat_text(&x->s, &t);
	snprintf(range, sizeof(range), "%s-%s", t.min, t.max);
	diff_text(diff, sizeof(diff), p, x);
	fprintf(f, " %14s %10s %23s %8s", t.mean, t.sd, range, diff);
	if (!p->is_base)
		fprintf(f, " %5s", merge_sig_text(x));
	if (x->nulls || x->missing)
		fprintf(f, " (%u %s)", x->nulls + x->missing, merge_absent_text(x));
	fputc('\n', f);
}

static void print_metric(FILE *f, const struct merge *m, size_t k)
{
	fprintf(f, "\n%s\n%5s %-30s %3s %14s %10s %23s %8s %5s\n", m->metrics.path[k], "point", "settings", "n", "mean",
		"sd", "min-max", "diff", "sig");
	for (size_t i = 0; i < m->n; i++)
		print_metric_row(f, &m->points[i], &m->points[i].metric[k]);
}

void merge_print(const struct merge *m, FILE *f)
{
	char note[METRIC_PATH_MAX + 96];
	fprintf(f, "%5s %-12s %-30s %-8s %s\n", "point", "job", "settings", "ok/runs", "checksum (vs baseline)");
	for (size_t i = 0; i < m->n; i++)
		print_point(f, &m->points[i]);
	for (size_t k = 0; k < m->metrics.n; k++)
		print_metric(f, m, k);
	fputc('\n', f);
	if (m->baseline >= 0)
		fprintf(f, "baseline: point %ld (%s)", m->points[m->baseline].index, m->points[m->baseline].job);
	else
		fprintf(f, "baseline: for each point, the point with %s and the same other settings", m->baseline_spec);
	fprintf(f, "; sig: Welch's t-test, p < %.2f (n/a below 2 repetitions; exact: no spread on either side, the "
		   "means differ)\n", MERGE_ALPHA);
	for (size_t k = 0; k < m->metrics.n; k++) {
		merge_absent_note(m, k, note, sizeof(note));
		if (note[0])
			fprintf(f, "%s\n", note);
	}
	merge_print_gaps(m, f);
}

/* JSON has no NaN or infinity: such a figure is null. */
static json_t *json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *metric_json(const struct merge_metric *x)
{
	json_t *o = json_pack("{s:i, s:i, s:i}", "n", (json_int_t)x->s.n, "null", (json_int_t)x->nulls, "missing",
			      (json_int_t)x->missing);
	if (x->s.n) {
		json_object_set_new(o, "mean", json_num(x->s.mean));
		json_object_set_new(o, "sd", json_num(x->s.sd));
		json_object_set_new(o, "min", json_num(x->s.min));
		json_object_set_new(o, "max", json_num(x->s.max));
	}
	json_object_set_new(o, "diff_pct", x->have_diff ? json_num(x->diff_pct) : json_null());
	json_object_set_new(o, "significant", x->sig == MERGE_SIG_NA ? json_null() : json_boolean(x->sig));
	json_object_set_new(o, "exact", json_boolean(x->sig != MERGE_SIG_NA && x->exact));
	json_object_set_new(o, "p_value", x->sig == MERGE_SIG_NA ? json_null() : json_num(x->p));
	return o;
}

static json_t *point_metrics_json(const struct merge *m, const struct merge_point *p)
{
	json_t *o = json_object();
	for (size_t k = 0; k < m->metrics.n; k++)
		json_object_set_new(o, m->metrics.path[k], metric_json(&p->metric[k]));
	return o;
}

static json_t *point_json(const struct merge *m, const struct merge_point *p)
{
	return json_pack("{s:i, s:s, s:s, s:O?, s:i, s:i, s:i, s:i, s:i, s:s, s:o, s:s?, s:b, s:s, s:o}", "point",
			 (json_int_t)p->index, "job", p->job, "label", p->label, "settings", p->settings, "runs",
			 (json_int_t)p->runs, "ok", (json_int_t)p->ok, "failed", (json_int_t)p->failed, "interrupted",
			 (json_int_t)p->interrupted, "skipped", (json_int_t)p->skipped, "message", p->message, "metrics",
			 point_metrics_json(m, p), "checksum", p->checksum[0] ? p->checksum : NULL, "checksums_agree",
			 p->checksums_agree, "checksum_vs_baseline", p->vs_baseline, "baseline_point",
			 p->base >= 0 ? json_integer(m->points[p->base].index) : json_null());
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
	return doc;
}

static void csv_metric(FILE *f, const struct merge_metric *x)
{
	fprintf(f, ",%zu", x->s.n);
	if (x->s.n)
		fprintf(f, ",%.17g,%.17g,%.17g,%.17g", x->s.mean, x->s.sd, x->s.min, x->s.max);
	else
		fputs(",,,,", f);
	if (x->have_diff)
		fprintf(f, ",%.3f", x->diff_pct);
	else
		fputc(',', f);
	if (x->sig == MERGE_SIG_NA)
		fputs(",n/a,", f);
	else
		fprintf(f, ",%s,%.4g", merge_sig_text(x), x->p);
}

static void merge_emit_csv(FILE *f, const void *arg)
{
	static const char *const cols[] = { "n", "mean", "sd", "min", "max", "diff_pct", "significant", "p", NULL };
	const struct merge *m = arg;
	fputs("point,job,settings,runs,ok,failed,interrupted,skipped", f);
	for (size_t k = 0; k < m->metrics.n; k++)
		for (const char *const *c = cols; *c; c++)
			fprintf(f, ",%s_%s", m->metrics.path[k], *c);
	fputs(",checksum,checksums_agree,checksum_vs_baseline\n", f);
	for (size_t i = 0; i < m->n; i++) {
		const struct merge_point *p = &m->points[i];
		fprintf(f, "%ld,%s,\"%s\",%u,%u,%u,%u,%u", p->index, p->job, p->label, p->runs, p->ok, p->failed,
			p->interrupted, p->skipped);
		for (size_t k = 0; k < m->metrics.n; k++)
			csv_metric(f, &p->metric[k]);
		fprintf(f, ",%s,%s,%s\n", p->checksum, p->checksums_agree ? "yes" : "no", p->vs_baseline);
	}
}

int merge_write_csv(const struct merge *m, const char *path)
{
	return atomic_write_stream(path, merge_emit_csv, m);
}
