/* merge_html.c — a merged sweep as one self-contained HTML page (DIR/report.html): what the
 * columns mean, the summary table, and an SVG plot of each point's mean throughput with its
 * min–max range, relative to its baseline when there are baselines. Page chrome and plot axes are
 * html.h's, shared with compare and report. */
#include <stdbool.h>
#include <stdio.h>

#include "results/result.h"
#include "vmm/html.h"
#include "vmm/merge.h"

#define PLOT_W 900
#define PLOT_H 320

static void html_metric(FILE *f, const struct merge *m, const struct merge_point *p, const struct merge_metric *x)
{
	char mean[32], sd[32], lo[32], hi[32];
	svg_short_number(mean, sizeof(mean), x->s.mean);
	svg_short_number(sd, sizeof(sd), x->s.sd);
	svg_short_number(lo, sizeof(lo), x->s.min);
	svg_short_number(hi, sizeof(hi), x->s.max);
	fprintf(f, "<td>%s</td><td>%s</td><td>%s&ndash;%s</td>", mean, sd, lo, hi);
	(void)m;
	if (p->is_base)
		fputs("<td>baseline</td><td></td>", f);
	else if (x->have_diff)
		fprintf(f, "<td>%+.1f%%</td><td%s>%s</td>", x->diff_pct, x->sig == MERGE_SIG_YES ? " class=win" : "",
			merge_sig_name(x->sig));
	else
		fprintf(f, "<td>-</td><td>%s</td>", merge_sig_name(x->sig));
}

static void html_point(FILE *f, const struct merge *m, const struct merge_point *p)
{
	fprintf(f, "<tr><td>%ld</td><td class=l>", p->index);
	html_escape(f, p->job);
	fputs("</td><td class=l>", f);
	html_escape(f, p->label);
	fprintf(f, "</td><td>%u/%u</td>", p->ok, p->runs);
	if (p->ok == 0) {
		fprintf(f, "<td colspan=11 class=l><b>%s</b>: ", p->interrupted ? "interrupted" : p->failed ? "failed" : "skipped");
		html_escape(f, p->message);
		fputs("</td></tr>\n", f);
		return;
	}
	html_metric(f, m, p, &p->run_s);
	html_metric(f, m, p, &p->ops_per_s);
	fprintf(f, "<td class=l>%s%s (%s)</td></tr>\n", p->checksum[0] ? p->checksum : "-",
		p->checksums_agree ? "" : " <b>differ across repetitions</b>", p->vs_baseline);
}

static void html_table(FILE *f, const struct merge *m)
{
	fputs("<table><tr><th>point</th><th class=l>job</th><th class=l>settings</th><th>ok/runs</th>"
	      "<th>run_s mean</th><th>sd</th><th>min&ndash;max</th><th>diff</th><th>sig</th>"
	      "<th>ops/s mean</th><th>sd</th><th>min&ndash;max</th><th>diff</th><th>sig</th>"
	      "<th class=l>checksum (vs baseline)</th></tr>\n", f);
	for (size_t i = 0; i < m->n; i++)
		html_point(f, m, &m->points[i]);
	fputs("</table>\n", f);
}

/* Throughput is plotted relative to each point's baseline when there are baselines (points of
 * different workloads differ by orders of magnitude; their ratios to the baseline do not), else
 * as it is. Returns the divisor for p, or 0 when p is not plotted. */
static double plot_scale(const struct merge *m, const struct merge_point *p, bool relative)
{
	if (!p->ok)
		return 0;
	if (!relative)
		return 1;
	return p->base >= 0 && m->points[p->base].ok ? m->points[p->base].ops_per_s.s.mean : 0;
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
		if (d > 0 && m->points[i].ops_per_s.s.max / d > max)
			max = m->points[i].ops_per_s.s.max / d;
	}
	return max > 0 ? max : 1;
}

static void plot_bar(FILE *f, const struct svg_plot *p, const struct merge_point *pt, double x, double bw, double d)
{
	double y = svg_py(p, pt->ops_per_s.s.mean / d);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>point %ld ",
		x - bw / 2, y, bw, svg_py(p, 0) - y, pt->is_base ? "#e07b39" : "#3a7bd5", pt->index);
	html_escape(f, pt->label);
	fprintf(f, ": %.4g ops/s</title></rect>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n",
		pt->ops_per_s.s.mean, x, svg_py(p, pt->ops_per_s.s.min / d), x, svg_py(p, pt->ops_per_s.s.max / d));
}

/* One bar per point at its row number (1 = the table's first row): the mean and a whisker
 * over min–max; baselines in orange. */
static void html_plot(FILE *f, const struct merge *m)
{
	bool rel = plot_relative(m);
	struct svg_plot p = { .x0 = 0.5, .x1 = (double)m->n + 0.5, .y0 = 0, .y1 = plot_max(m, rel) * 1.1, .w = PLOT_W,
			      .h = PLOT_H, .left = 70, .right = 20, .top = 20, .bottom = 40 };
	double bw = (svg_px(&p, 2) - svg_px(&p, 1)) * 0.6;
	fprintf(f, "<h2>Throughput per point%s (mean, min&ndash;max)</h2>\n", rel ? ", relative to its baseline" : "");
	svg_begin(f, PLOT_W, PLOT_H, "mean ops per second per sweep point, with min-max range");
	svg_plot_axes(f, &p, "row in the table", rel ? "ops/s / baseline mean" : "ops/s");
	for (size_t i = 0; i < m->n; i++) {
		double d = plot_scale(m, &m->points[i], rel);
		if (d > 0)
			plot_bar(f, &p, &m->points[i], svg_px(&p, (double)i + 1), bw, d);
	}
	if (rel)
		svg_plot_hline(f, &p, 1.0, "#e07b39", "baseline");
	else if (m->baseline >= 0 && m->points[m->baseline].ok)
		svg_plot_hline(f, &p, m->points[m->baseline].ops_per_s.s.mean, "#e07b39", "baseline");
	svg_end(f);
}

static void merge_emit_html(FILE *f, const void *arg)
{
	const struct merge *m = arg;
	html_page_begin(f, "memvirt sweep", NULL);
	fputs("<h1>memvirt sweep: ", f);
	html_escape(f, m->file);
	fputs("</h1>\n<p>One row per point of the sweep; its settings column shows what varies across the sweep. "
	      "Statistics are over the repetitions that finished ok (failed or interrupted ones are counted, never "
	      "averaged): mean, sample standard deviation, min&ndash;max. <i>diff</i> is the difference of the mean "
	      "against the baseline point in percent; <i>sig</i> is Welch's t-test at 95&nbsp;% (yes: p &lt; 0.05), "
	      "n/a below two repetitions on either side. The checksum is the repetitions' (they must agree) and is "
	      "compared with the baseline's when workload, seed, size and parameters are the same. See "
	      "docs/experiment-files.md.</p>\n", f);
	html_table(f, m);
	html_plot(f, m);
	html_page_end(f);
}

int merge_write_html(const struct merge *m, const char *path)
{
	return atomic_write_stream(path, merge_emit_html, m);
}
