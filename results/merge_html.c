/* merge_html.c — a merged sweep as one self-contained HTML page (DIR/report.html): what the
 * columns mean, the summary table (a column group per metric), the trend charts of every metric
 * against every swept axis (trend.h) and each repetition's files (point_files.h), both made
 * from the summary document. Page chrome and plot axes are html.h's, shared with compare and
 * report. */
#include <stdbool.h>
#include <stdio.h>

#include "results/result.h"
#include "results/html.h"
#include "results/merge.h"
#include "results/point_files.h"
#include "results/trend.h"

#define METRIC_COLS 5 /* mean, sd, min–max, diff, sig */

static void html_metric(FILE *f, const struct merge_point *p, const struct merge_metric *x)
{
	struct merge_stat_text t;
	if (x->s.n == 0) {
		html_printf(f, "<td colspan=%d>%s</td>", METRIC_COLS, merge_absent_text(x));
		return;
	}
	merge_stat_text(&x->s, &t);
	html_printf(f, "<td>%s</td><td>%s</td><td>%s&ndash;%s</td>", t.mean, t.sd, t.min, t.max);
	if (p->is_base)
		fputs("<td>baseline</td><td></td>", f);
	else if (x->have_diff) {
		char diff[32];
		merge_diff_text(diff, sizeof(diff), x);
		html_printf(f, "<td>%s</td><td class=\"%s\">%s</td>", diff, x->sig == MERGE_SIG_YES ? "win" : "",
			    merge_sig_text(x));
	}
	else
		html_printf(f, "<td>-</td><td>%s</td>", merge_sig_text(x));
}

static void html_point(FILE *f, const struct merge *m, const struct merge_point *p)
{
	html_printf(f, "<tr><td>%ld</td><td class=l>", p->index);
	html_escape(f, p->job);
	fputs("</td><td class=l>", f);
	html_escape(f, p->label);
	html_printf(f, "</td><td>%u/%u</td>", p->ok, p->runs);
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
		fputs("<th>mean</th><th>sd</th><th>min&ndash;max</th><th>diff</th><th>sig</th>", f);
	fputs("<th class=l>checksum (vs baseline)</th></tr>\n", f);
}

static void html_table(FILE *f, const struct merge *m)
{
	html_table_head(f, m);
	for (size_t i = 0; i < m->n; i++)
		html_point(f, m, &m->points[i]);
	fputs("</table>\n", f);
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

struct page {
	const struct merge *m;
	const json_t *summary;
};

static void merge_emit_html(FILE *f, const void *arg)
{
	const struct page *pg = arg;
	const struct merge *m = pg->m;
	html_page_begin(f, "memvirt sweep", NULL);
	fputs("<h1>memvirt sweep: ", f);
	html_escape(f, m->file);
	fputs("</h1>\n<p>One row per point of the sweep; its settings column shows what varies across the sweep. "
	      "Statistics are over the repetitions that finished ok (failed or interrupted ones are counted, never "
	      "averaged): for each metric (a path into the result document) mean, sample standard deviation, "
	      "min&ndash;max; <i>null</i> or <i>missing</i> when no repetition has it as a number. <i>diff</i> is the "
	      "difference of the mean against the baseline point in percent; <i>sig</i> is Welch's t-test at "
	      "95&nbsp;% (yes: p &lt; 0.05), n/a below two repetitions on either side, <i>exact</i> when neither side "
	      "varies and the means differ. The checksum is the repetitions' (they must agree) and is "
	      "compared with the baseline's when workload, seed, size and parameters are the same. See "
	      "docs/experiment-files.md.</p>\n", f);
	html_table(f, m);
	html_notes(f, m);
	trend_html(f, pg->summary);
	point_files_html(f, pg->summary);
	html_page_end(f);
}

int merge_write_html(const struct merge *m, const json_t *summary, const char *path)
{
	return atomic_write_stream(path, merge_emit_html, &(struct page){ .m = m, .summary = summary });
}
