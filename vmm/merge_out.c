/* merge_out.c — a merged sweep as text: the terminal table (mmtests style: mean, spread,
 * difference against the baseline, significance), summary.json and summary.csv. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "results/result.h"
#include "vmm/merge.h"

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
static void diff_text(char *buf, size_t n, const struct merge *m, const struct merge_point *p,
		      const struct merge_metric *x)
{
	(void)m;
	if (p->is_base)
		snprintf(buf, n, "base");
	else if (x->have_diff)
		snprintf(buf, n, "%+.1f%%", x->diff_pct);
	else
		snprintf(buf, n, "-");
}

static const char *checksum_text(const struct merge_point *p)
{
	if (!p->checksum[0])
		return "-";
	return p->checksums_agree ? p->checksum : "DIFFER across repetitions";
}

static void print_point(FILE *f, const struct merge *m, const struct merge_point *p)
{
	char runs[64], drun[16], dops[16];
	runs_text(runs, sizeof(runs), p);
	fprintf(f, "%5ld %-12s %-30s %-8s", p->index, p->job, p->label, runs);
	if (p->ok == 0) {
		fprintf(f, " %s: %s\n", p->interrupted ? "interrupted" : p->skipped && !p->failed ? "skipped" : "failed",
			p->message);
		return;
	}
	bool base = p->is_base;
	diff_text(drun, sizeof(drun), m, p, &p->run_s);
	diff_text(dops, sizeof(dops), m, p, &p->ops_per_s);
	fprintf(f, " %9.4f %8.4f %7s %4s %11.4g %10.3g %7s %4s  %s (%s)\n", p->run_s.s.mean, p->run_s.s.sd, drun,
		base ? "" : merge_sig_name(p->run_s.sig), p->ops_per_s.s.mean, p->ops_per_s.s.sd, dops,
		base ? "" : merge_sig_name(p->ops_per_s.sig), checksum_text(p), p->vs_baseline);
}

void merge_print(const struct merge *m, FILE *f)
{
	fprintf(f, "%5s %-12s %-30s %-8s %9s %8s %7s %4s %11s %10s %7s %4s  %s\n", "point", "job", "settings", "ok/runs",
		"run_s", "sd", "diff", "sig", "ops/s", "sd", "diff", "sig", "checksum (vs baseline)");
	for (size_t i = 0; i < m->n; i++)
		print_point(f, m, &m->points[i]);
	if (m->baseline >= 0)
		fprintf(f, "baseline: point %ld (%s)", m->points[m->baseline].index, m->points[m->baseline].job);
	else
		fprintf(f, "baseline: for each point, the point with %s and the same other settings", m->baseline_spec);
	fprintf(f, "; sig: Welch's t-test, p < %.2f (n/a below 2 repetitions)\n", MERGE_ALPHA);
	if (m->npoints > (long)m->n)
		fprintf(f, "%ld of %ld points have no result yet\n", m->npoints - (long)m->n, m->npoints);
}

static json_t *metric_json(const struct merge_metric *x)
{
	json_t *o = json_pack("{s:i}", "n", (json_int_t)x->s.n);
	if (x->s.n) {
		json_object_set_new(o, "mean", json_real(x->s.mean));
		json_object_set_new(o, "sd", json_real(x->s.sd));
		json_object_set_new(o, "min", json_real(x->s.min));
		json_object_set_new(o, "max", json_real(x->s.max));
	}
	json_object_set_new(o, "diff_pct", x->have_diff ? json_real(x->diff_pct) : json_null());
	json_object_set_new(o, "significant", x->sig == MERGE_SIG_NA ? json_null() : json_boolean(x->sig));
	json_object_set_new(o, "p_value", x->sig == MERGE_SIG_NA ? json_null() : json_real(x->p));
	return o;
}

static json_t *point_json(const struct merge *m, const struct merge_point *p)
{
	return json_pack("{s:i, s:s, s:s, s:O?, s:i, s:i, s:i, s:i, s:i, s:s, s:o, s:o, s:s?, s:b, s:s, s:o}", "point",
			 (json_int_t)p->index, "job", p->job, "label", p->label, "settings", p->settings, "runs",
			 (json_int_t)p->runs, "ok", (json_int_t)p->ok, "failed", (json_int_t)p->failed, "interrupted",
			 (json_int_t)p->interrupted, "skipped", (json_int_t)p->skipped, "message", p->message, "run_s",
			 metric_json(&p->run_s), "ops_per_s", metric_json(&p->ops_per_s), "checksum",
			 p->checksum[0] ? p->checksum : NULL, "checksums_agree", p->checksums_agree,
			 "checksum_vs_baseline", p->vs_baseline, "baseline_point",
			 p->base >= 0 ? json_integer(m->points[p->base].index) : json_null());
}

json_t *merge_to_json(const struct merge *m)
{
	json_t *pts = json_array();
	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(pts, point_json(m, &m->points[i]));
	return json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:f, s:o}", "schema_version", RESULT_SCHEMA_VERSION, "kind",
			 "sweep-summary", "file", m->file, "baseline", m->baseline_spec, "baseline_point",
			 m->baseline >= 0 ? json_integer(m->points[m->baseline].index) : json_null(), "points_expected",
			 m->npoints >= 0 ? json_integer(m->npoints) : json_null(), "alpha", MERGE_ALPHA, "points", pts);
}

static void csv_metric(FILE *f, const struct merge_metric *x)
{
	if (x->s.n)
		fprintf(f, ",%.6g,%.6g,%.6g,%.6g", x->s.mean, x->s.sd, x->s.min, x->s.max);
	else
		fputs(",,,,", f);
	if (x->have_diff)
		fprintf(f, ",%.3f", x->diff_pct);
	else
		fputc(',', f);
	if (x->sig == MERGE_SIG_NA)
		fputs(",n/a,", f);
	else
		fprintf(f, ",%s,%.4g", merge_sig_name(x->sig), x->p);
}

static void merge_emit_csv(FILE *f, const void *arg)
{
	const struct merge *m = arg;
	fputs("point,job,settings,runs,ok,failed,interrupted,skipped,"
	      "run_s_mean,run_s_sd,run_s_min,run_s_max,run_s_diff_pct,run_s_significant,run_s_p,"
	      "ops_per_s_mean,ops_per_s_sd,ops_per_s_min,ops_per_s_max,ops_per_s_diff_pct,ops_per_s_significant,"
	      "ops_per_s_p,checksum,checksums_agree,checksum_vs_baseline\n", f);
	for (size_t i = 0; i < m->n; i++) {
		const struct merge_point *p = &m->points[i];
		fprintf(f, "%ld,%s,\"%s\",%u,%u,%u,%u,%u", p->index, p->job, p->label, p->runs, p->ok, p->failed,
			p->interrupted, p->skipped);
		csv_metric(f, &p->run_s);
		csv_metric(f, &p->ops_per_s);
		fprintf(f, ",%s,%s,%s\n", p->checksum, p->checksums_agree ? "yes" : "no", p->vs_baseline);
	}
}

int merge_write_csv(const struct merge *m, const char *path)
{
	return atomic_write_stream(path, merge_emit_csv, m);
}
