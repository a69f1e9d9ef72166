/* merge_html.c — a merged sweep as one self-contained HTML page (DIR/report.html): what the
 * columns mean, the summary table (a column group per metric), and an SVG plot of each point's
 * mean of the first metric with its min–max range, relative to its baseline when there are
 * baselines. Page chrome and plot axes are
 * html.h's, shared with compare and report. */
#include <stdbool.h>
#include <stdio.h>

#include "results/result.h"
#include "results/html.h"
#include "results/merge.h"

#define PLOT_W 900
#define PLOT_H 320

#define METRIC_COLS 9 /* mean, sd, median, IQR, min–max, diff, mdiff, welch, mwu */

static void html_metric(FILE *f, const struct merge_point *p, const struct merge_metric *x)
{
	struct merge_stat_text t;
	char diff[32], mdiff[32];
	if (x->s.n == 0) {
		html_printf(f, "<td colspan=%d>%s</td>", METRIC_COLS, merge_absent_text(x));
		return;
	}
	merge_stat_text(&x->s, &t);
	html_printf(f, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s&ndash;%s%s</td>", t.mean, t.sd, t.median,
		    t.iqr, t.min, t.max, x->outliers ? " <b>(out)</b>" : "");
	if (p->is_base) {
		fputs("<td colspan=4>baseline</td>", f);
		return;
	}
	snprintf(diff, sizeof(diff), "-");
	snprintf(mdiff, sizeof(mdiff), "-");
	if (x->have_diff)
		merge_diff_text(diff, sizeof(diff), x);
	if (x->have_mdiff)
		merge_mdiff_text(mdiff, sizeof(mdiff), x);
	html_printf(f, "<td>%s</td><td>%s</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td>", diff, mdiff,
		    x->sig == MERGE_SIG_YES ? "win" : "", merge_sig_text(x), x->mwu_sig == MERGE_SIG_YES ? "win" : "",
		    merge_sig_word(x->mwu_sig, x->exact));
}

static void html_point(FILE *f, const struct merge *m, const struct merge_point *p)
{
	html_printf(f, "<tr><td>%ld</td><td class=l>", p->index);
	html_escape(f, p->job);
	fputs("</td><td class=l>", f);
	html_escape(f, p->label);
	html_printf(f, "</td><td>%u/%u%s</td>", p->ok, p->runs, p->flagged ? " <b>host</b>" : "");
	if (p->ok == 0) {
		html_printf(f, "<td colspan=%zu class=l><b>%s</b>: ", METRIC_COLS * m->metrics.n + 1,
			p->interrupted ? "interrupted" : p->failed ? "failed" : "skipped");
		html_escape(f, p->message);
		fputs("</td></tr>\n", f);
		return;
	}
	for (size_t k = 0; k < m->metrics.n; k++)
		html_metric(f, p, &p->metric[k]);
	html_printf(f, "<td class=l>%s", p->checksum[0] ? p->checksum : "-");
	if (!p->checksums_agree)
		fputs(" <b>differ across repetitions</b>", f);
	html_printf(f, " (%s)</td></tr>\n", p->vs_baseline);
}

/* Two header rows: the metric's path over its group of columns, then the columns. */
static void html_table_head(FILE *f, const struct merge *m)
{
	fputs("<table><tr><th colspan=4></th>", f);
	for (size_t k = 0; k < m->metrics.n; k++) {
		html_printf(f, "<th colspan=%d>", METRIC_COLS);
		html_escape(f, m->metrics.path[k]);
		fputs("</th>", f);
	}
	fputs("<th></th></tr>\n<tr><th>point</th><th class=l>job</th><th class=l>settings</th><th>ok/runs</th>", f);
	for (size_t k = 0; k < m->metrics.n; k++)
		fputs("<th>mean</th><th>sd</th><th>median</th><th>IQR</th><th>min&ndash;max</th><th>diff</th><th>mdiff</th>"
		      "<th>welch</th><th>mwu</th>", f);
	fputs("<th class=l>checksum (vs baseline)</th></tr>\n", f);
}

static void html_table(FILE *f, const struct merge *m)
{
	html_table_head(f, m);
	for (size_t i = 0; i < m->n; i++)
		html_point(f, m, &m->points[i]);
	fputs("</table>\n", f);
}

/* The first metric is plotted relative to each point's baseline when there are baselines
 * (points of different workloads differ by orders of magnitude; their ratios to the baseline
 * do not), else as it is. Returns the divisor for p, or 0 when p is not plotted. */
static double plot_scale(const struct merge *m, const struct merge_point *p, bool relative)
{
	if (!p->metric[0].s.n)
		return 0;
	if (!relative)
		return 1;
	return p->base >= 0 && m->points[p->base].metric[0].s.n ? m->points[p->base].metric[0].s.mean : 0;
}

static bool plot_relative(const struct merge *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (plot_scale(m, &m->points[i], true) > 0)
			return true;
	return false;
}

static double plot_max(const struct merge *m, bool relative)
{
	double max = 0;
	for (size_t i = 0; i < m->n; i++) {
		double d = plot_scale(m, &m->points[i], relative);
		if (d > 0 && m->points[i].metric[0].s.max / d > max)
			max = m->points[i].metric[0].s.max / d;
	}
	return max > 0 ? max : 1;
}

static void plot_bar(FILE *f, const struct svg_plot *p, const struct merge_point *pt, double x, double bw, double d)
{
	const struct mstat *s = &pt->metric[0].s;
	double y = svg_py(p, s->mean / d);
	html_printf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>point %ld ",
		x - bw / 2, y, bw, svg_py(p, 0) - y, pt->is_base ? "#e07b39" : "#3a7bd5", pt->index);
	html_escape(f, pt->label);
	html_printf(f, ": %.6g</title></rect>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n",
		s->mean, x, svg_py(p, s->min / d), x, svg_py(p, s->max / d));
}

/* One bar per point at its row number (1 = the table's first row): the mean and a whisker
 * over min–max; baselines in orange. */
static void html_plot(FILE *f, const struct merge *m)
{
	bool rel = plot_relative(m);
	const char *name = m->metrics.path[0]; /* letters, digits, '_', '-', '.': nothing to escape */
	char ylabel[METRIC_PATH_MAX + 32], label[METRIC_PATH_MAX + 64];
	struct svg_plot p = { .x0 = 0.5, .x1 = (double)m->n + 0.5, .y0 = 0, .y1 = plot_max(m, rel) * 1.1, .w = PLOT_W,
			      .h = PLOT_H, .left = 70, .right = 20, .top = 20, .bottom = 40 };
	double bw = (svg_px(&p, 2) - svg_px(&p, 1)) * 0.6;
	snprintf(ylabel, sizeof(ylabel), "%s%s", name, rel ? " / baseline mean" : "");
	snprintf(label, sizeof(label), "mean %s per sweep point, with min-max range", name);
	html_printf(f, "<h2>%s per point%s (mean, min&ndash;max)</h2>\n", name, rel ? ", relative to its baseline" : "");
	svg_begin(f, PLOT_W, PLOT_H, label);
	svg_plot_axes(f, &p, "row in the table", ylabel);
	for (size_t i = 0; i < m->n; i++) {
		double d = plot_scale(m, &m->points[i], rel);
		if (d > 0)
			plot_bar(f, &p, &m->points[i], svg_px(&p, (double)i + 1), bw, d);
	}
	if (rel)
		svg_plot_hline(f, &p, 1.0, "#e07b39", "baseline");
	else if (m->baseline >= 0 && m->points[m->baseline].metric[0].s.n)
		svg_plot_hline(f, &p, m->points[m->baseline].metric[0].s.mean, "#e07b39", "baseline");
	svg_end(f);
}

/* "metric X: not in point N's results", one paragraph each. */
static void html_notes(FILE *f, const struct merge *m)
{
	char note[METRIC_PATH_MAX + 96];
	for (size_t k = 0; k < m->metrics.n; k++) {
		merge_absent_note(m, k, note, sizeof(note));
		if (note[0]) {
			fputs("<p><b>", f);
			html_escape(f, note);
			fputs("</b></p>\n", f);
		}
	}
}

/* The repetitions flagged for host interference or outside their point's fences. */
static void html_flags(FILE *f, const struct merge *m)
{
	char why[128];
	bool any = false;
	for (size_t i = 0; i < m->n; i++) {
		const struct merge_point *p = &m->points[i];
		for (unsigned r = 0; r < p->nrep; r++) {
			const struct merge_rep *x = &p->rep[r];
			if (!x->current || !x->ok || (!x->host.flagged && !x->outlier))
				continue;
			if (!any)
				fputs("<h2>Flagged repetitions</h2>\n<table><tr><th>point</th><th class=l>settings</th>"
				      "<th>repetition</th><th class=l>host interference</th><th>outlier</th></tr>\n", f);
			any = true;
			merge_interference_text(&x->host, why, sizeof(why));
			html_printf(f, "<tr><td>%ld</td><td class=l>", p->index);
			html_escape(f, p->label);
			html_printf(f, "</td><td>r%u</td><td class=l>%s</td><td>%s</td></tr>\n", x->repetition,
				    why[0] ? why : "-", x->outlier ? "yes" : "");
		}
	}
	if (any)
		fputs("</table>\n<p>Re-run the repetitions with host interference by <code>memvirt sweep FILE --out DIR "
		      "--rerun-flagged</code>; the originals move to points/superseded/ and are never averaged.</p>\n", f);
}

/* --paired AXIS: per metric, one row per group of points that differ only in AXIS. */
static void html_pairs(FILE *f, const struct merge *m)
{
	char mean[32], sd[32];
	if (!m->paired[0])
		return;
	fputs("<h2>Paired by ", f);
	html_escape(f, m->paired);
	fputs("</h2>\n<p>Each point against its baseline's point of the same value of this axis; the differences of "
	      "their means (point &minus; baseline) through a paired t-test at 95&nbsp;% (n/a below two pairs). A "
	      "point whose partner is missing is counted as unpaired.</p>\n", f);
	fputs("<table><tr><th class=l>metric</th><th class=l>settings</th><th>pairs</th><th>unpaired</th>"
	      "<th>mean diff</th><th>sd</th><th>mean rel</th><th>sig</th><th>p</th></tr>\n", f);
	for (size_t k = 0; k < m->metrics.n; k++)
		for (size_t g = 0; g < m->npairs; g++) {
			const struct merge_pair *p = &m->pairs[g];
			const struct merge_pair_metric *x = &p->metric[k];
			html_printf(f, "<tr><td class=l>%s</td><td class=l>", m->metrics.path[k]);
			html_escape(f, p->label);
			html_printf(f, "</td><td>%u</td><td>%u</td>", x->n, p->unpaired);
			if (p->is_base || !x->n) {
				html_printf(f, "<td colspan=5>%s</td></tr>\n", p->is_base ? "baseline" : "-");
				continue;
			}
			merge_number_text(mean, sizeof(mean), x->mean_diff);
			merge_number_text(sd, sizeof(sd), x->sd_diff);
			html_printf(f, "<td>%s</td><td>%s</td>", mean, sd);
			if (x->have_rel)
				html_printf(f, "<td>%+.1f%%</td>", x->mean_rel_pct);
			else
				fputs("<td>-</td>", f);
			html_printf(f, "<td class=\"%s\">%s</td><td>", x->sig == MERGE_SIG_YES ? "win" : "",
				    merge_sig_word(x->sig, x->exact));
			if (x->sig != MERGE_SIG_NA)
				html_printf(f, "%.3g", x->p);
			fputs("</td></tr>\n", f);
		}
	fputs("</table>\n", f);
}

static void merge_emit_html(FILE *f, const void *arg)
{
	const struct merge *m = arg;
	html_page_begin(f, "memvirt sweep", NULL);
	fputs("<h1>memvirt sweep: ", f);
	html_escape(f, m->file);
	fputs("</h1>\n<p>One row per point of the sweep; its settings column shows what varies across the sweep. "
	      "Statistics are over the repetitions that finished ok (failed or interrupted ones are counted, never "
	      "averaged): for each metric (a path into the result document) mean, sample standard deviation, "
	      "median, interquartile range (IQR), min&ndash;max, <b>(out)</b> when a repetition lies outside 1.5 IQR "
	      "of the quartiles; <i>null</i> or <i>missing</i> when no repetition has it as a number. <i>diff</i> is the "
	      "difference of the mean against the baseline point in percent, <i>mdiff</i> that of the medians (which "
	      "one disturbed repetition barely moves); <i>welch</i> is Welch's t-test at "
	      "95&nbsp;% (yes: p &lt; 0.05), n/a below two repetitions on either side, <i>exact</i> when neither side "
	      "varies and the means differ; <i>mwu</i> the Mann&ndash;Whitney U test on ranks (exact for small "
	      "samples: 3 against 3 can never reach p &lt; 0.05). <b>host</b> counts the repetitions whose measured "
	      "phase shows host interference (CPU wait, host swap, memory stalls: listed below). The checksum is the repetitions' (they must agree) and is "
	      "compared with the baseline's when workload, seed, size and parameters are the same. See "
	      "docs/experiment-files.md.</p>\n", f);
	html_table(f, m);
	html_notes(f, m);
	html_flags(f, m);
	html_pairs(f, m);
	html_plot(f, m);
	html_page_end(f);
}

int merge_write_html(const struct merge *m, const char *path)
{
	return atomic_write_stream(path, merge_emit_html, m);
}
