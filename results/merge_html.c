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
#include "results/trend_plot.h"

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
	html_printf(f, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s&ndash;%s", t.mean, t.sd, t.median, t.iqr,
		    t.min, t.max);
	fputs(x->outliers ? " <b>(out)</b></td>" : "</td>", f); /* markup: never through %s, which escapes */
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
	html_printf(f, "</td><td>%u/%u", p->ok, p->runs);
	fputs(p->flagged ? " <b>host</b></td>" : "</td>", f);
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
			char rel[32] = "-";
			if (x->have_rel)
				merge_pct_text(rel, sizeof(rel), x->mean_rel_pct);
			html_printf(f, "<td>%s</td>", rel);
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
	const struct page *pg = arg;
	const struct merge *m = pg->m;
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
	trend_plots_html(f, pg->summary);
	trend_html(f, pg->summary);
	point_files_html(f, pg->summary);
	html_page_end(f);
}

int merge_write_html(const struct merge *m, const json_t *summary, const char *path)
{
	return atomic_write_stream(path, merge_emit_html, &(struct page){ .m = m, .summary = summary });
}
