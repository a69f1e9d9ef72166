/* merge_html.c — a merged sweep as one self-contained HTML page (DIR/report.html): what the
 * columns mean, the summary table, and an SVG plot of each point's mean throughput with its
 * min–max range and the baseline's mean as a dashed line. Page chrome and plot axes are
 * html.h's, shared with compare and report. */
#include <stdio.h>

#include "results/result.h"
#include "vmm/html.h"
#include "vmm/merge.h"

#define PLOT_W 900
#define PLOT_H 320

static void html_metric(FILE *f, const struct merge *m, const struct merge_point *p, const struct merge_metric *x)
{
	fprintf(f, "<td>%.4g</td><td>%.3g</td><td>%.4g&ndash;%.4g</td>", x->s.mean, x->s.sd, x->s.min, x->s.max);
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

static double max_ops(const struct merge *m)
{
	double max = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->points[i].ok && m->points[i].ops_per_s.s.max > max)
			max = m->points[i].ops_per_s.s.max;
	return max > 0 ? max : 1;
}

/* One bar per point (position = order in the table): the mean, and a whisker over min–max. */
static void html_plot(FILE *f, const struct merge *m)
{
	struct svg_plot p = { .x0 = -0.5, .x1 = (double)m->n - 0.5, .y0 = 0, .y1 = max_ops(m) * 1.1, .w = PLOT_W,
			      .h = PLOT_H, .left = 70, .right = 20, .top = 20, .bottom = 40 };
	double bw = (svg_px(&p, 1) - svg_px(&p, 0)) * 0.6;
	fputs("<h2>Throughput per point (mean, min&ndash;max)</h2>\n", f);
	svg_begin(f, PLOT_W, PLOT_H, "mean ops per second per sweep point, with min-max range");
	svg_plot_axes(f, &p, "position in the table", "ops/s");
	for (size_t i = 0; i < m->n; i++) {
		const struct merge_point *pt = &m->points[i];
		if (!pt->ok)
			continue;
		double x = svg_px(&p, (double)i), y = svg_py(&p, pt->ops_per_s.s.mean);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>point %ld ",
			x - bw / 2, y, bw, svg_py(&p, 0) - y, pt->is_base ? "#e07b39" : "#3a7bd5", pt->index);
		html_escape(f, pt->label);
		fprintf(f, ": %.4g ops/s</title></rect>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n",
			pt->ops_per_s.s.mean, x, svg_py(&p, pt->ops_per_s.s.min), x, svg_py(&p, pt->ops_per_s.s.max));
	}
	if (m->baseline >= 0 && m->points[m->baseline].ok)
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
