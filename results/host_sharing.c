/* host_sharing.c — page sharing over time on the host report (host_page.h, issue 11 item 5):
 * the bytes each sharing engine saved, and the CPU seconds its scanner spent, on the run's
 * time axis, one line per engine.
 *
 * Two engines can be in one document: Linux KSM (host.ksm.series: ksmd's host-wide counters
 * sampled by ksm/ksm_session.c) and memvirt's own merge engine (host.sharing.series, with
 * saved_bytes and scan_cpu_s columns of its own). They are read into the same shape — time,
 * saved bytes, CPU seconds since the run began — so one chart draws both, and a reader sees
 * which saved more, how soon, and at what CPU cost.
 *
 * KSM's saving is computed as ksm_session.c reports it: the pages sharing a KSM page plus the
 * zero pages KSM mapped to the kernel's zero page (use_zero_pages), each counted from its value
 * before the run (host.ksm.before), times the 4 KiB base page KSM merges. The counters are
 * host-wide: another process merging at the same time would count too, which the caption says.
 * ksmd's CPU is its utime + stime (ksmd_cpu_ms) since before the run.
 *
 * Values a person reads: each line's peak is marked and labelled with its size and time, its
 * last value labelled at the line's end, and the first time it reached 90 % of its peak ticked
 * (the "time to savings" of issue 11); hovering a line gives the same figures. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/host_page.h"

#define KSM_PAGE 4096.0
#define SHARE_PLOT_H 220
#define SHARE_MAX_DRAWN 2000 /* points of a line; more samples are thinned */
#define KSM_COLOR "#1c7ed6"
#define OWN_COLOR "#e8590c"

void host_share_free(struct host_share *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->line[i].t_s);
		free(s->line[i].saved);
		free(s->line[i].cpu_s);
	}
	*s = (struct host_share){ 0 };
}

/* x - base, not below 0 (a counter that fell: KSM unmerged what the run's VMs freed, pages
 * another process had merged went away); NaN stays NaN. */
static double since(double x, double base) { return isnan(x) ? NAN : x > base ? x - base : 0; }

/* The first finite value of col, or 0. */
static double first_value(const double *col, size_t n)
{
	for (size_t i = 0; col && i < n; i++)
		if (isfinite(col[i]))
			return col[i];
	return 0;
}

/* host.ksm.series into a line. 0 when there is no series (KSM off), or -EINVAL/-ENOMEM with why. */
static int load_ksm(struct host_share_line *l, const json_t *ksm, char *why, size_t n)
{
	const json_t *series = json_object_get(ksm, "series"), *before = json_object_get(ksm, "before");
	size_t rows;
	int rc = 0;
	if (!json_is_object(series))
		return 0;
	if ((rc = host_series_rows(series, "host.ksm.series", &rows, why, n)) < 0)
		return rc;
	double *t = host_series_col(series, rows, "time_ms", true, &rc);
	double *sharing = host_series_col(series, rows, "pages_sharing", true, &rc);
	double *zero = host_series_col(series, rows, "ksm_zero_pages", false, &rc);
	double *cpu = host_series_col(series, rows, "ksmd_cpu_ms", false, &rc);
	if (rc == 0 && (!t || !sharing))
		rc = (snprintf(why, n, "host.ksm.series has no %s column", t ? "pages_sharing" : "time_ms"), -EINVAL);
	if (rc == 0) {
		/* before the run; a document without `before`: the first sample */
		double b_sharing = json_is_number(json_object_get(before, "pages_sharing"))
					   ? host_num(before, "pages_sharing") : first_value(sharing, rows);
		double b_zero = json_is_number(json_object_get(before, "ksm_zero_pages")) ? host_num(before, "ksm_zero_pages")
											   : first_value(zero, rows);
		double b_cpu = json_is_number(json_object_get(before, "ksmd_cpu_ms")) ? host_num(before, "ksmd_cpu_ms")
										       : first_value(cpu, rows);
		for (size_t i = 0; i < rows; i++) {
			t[i] /= 1e3;
			double z = zero ? since(zero[i], b_zero) : 0;
			sharing[i] = (since(sharing[i], b_sharing) + (isnan(z) ? 0 : z)) * KSM_PAGE;
			if (cpu)
				cpu[i] = since(cpu[i], b_cpu) / 1e3;
		}
		*l = (struct host_share_line){ .name = "Linux KSM (ksmd)", .color = KSM_COLOR, .n = rows, .t_s = t,
					       .saved = sharing, .cpu_s = cpu };
		free(zero);
		return 0;
	}
	if (rc == -ENOMEM)
		snprintf(why, n, "out of memory");
	free(t), free(sharing), free(zero), free(cpu);
	return rc;
}

/* host.sharing.series (memvirt's own engine) into a line: saved_bytes and scan_cpu_s as the
 * engine records them. */
static int load_own(struct host_share_line *l, const json_t *sharing, char *why, size_t n)
{
	const json_t *series = json_object_get(sharing, "series");
	size_t rows;
	int rc = 0;
	if (!json_is_object(series))
		return 0;
	if ((rc = host_series_rows(series, "host.sharing.series", &rows, why, n)) < 0)
		return rc;
	double *t = host_series_col(series, rows, "time_ms", true, &rc);
	double *saved = host_series_col(series, rows, "saved_bytes", true, &rc);
	double *cpu = host_series_col(series, rows, "scan_cpu_s", false, &rc);
	if (rc == 0 && (!t || !saved))
		rc = (snprintf(why, n, "host.sharing.series has no %s column", t ? "saved_bytes" : "time_ms"), -EINVAL);
	if (rc == 0) {
		for (size_t i = 0; i < rows; i++)
			t[i] /= 1e3;
		*l = (struct host_share_line){ .name = "memvirt engine", .color = OWN_COLOR, .n = rows, .t_s = t,
					       .saved = saved, .cpu_s = cpu };
		return 0;
	}
	if (rc == -ENOMEM)
		snprintf(why, n, "out of memory");
	free(t), free(saved), free(cpu);
	return rc;
}

/* The line just loaded is kept when it has samples; one without (a series of no rows) is
 * dropped, its columns freed. */
static void keep_line(struct host_share *s, int rc)
{
	struct host_share_line *l = &s->line[s->n];
	if (rc == 0 && l->n > 0) {
		s->n++;
		return;
	}
	if (rc == 0) {
		free(l->t_s);
		free(l->saved);
		free(l->cpu_s);
	}
	*l = (struct host_share_line){ 0 };
}

int host_share_load(struct host_page *pg, char *why, size_t n)
{
	const json_t *host = json_object_get(pg->doc, "host");
	struct host_share *s = &pg->share;
	int rc = load_ksm(&s->line[s->n], json_object_get(host, "ksm"), why, n);
	keep_line(s, rc);
	if (rc == 0) {
		rc = load_own(&s->line[s->n], json_object_get(host, "sharing"), why, n);
		keep_line(s, rc);
	}
	for (size_t i = 0; i < s->n; i++)
		s->any_cpu |= s->line[i].cpu_s != NULL;
	return rc;
}

/* ---- Drawing -------------------------------------------------------------------------------- */

/* The largest finite value of col over the lines (0 when none). */
static double largest(const struct host_share *s, bool cpu)
{
	double m = 0;
	for (size_t k = 0; k < s->n; k++) {
		const double *col = cpu ? s->line[k].cpu_s : s->line[k].saved;
		for (size_t i = 0; col && i < s->line[k].n; i++)
			if (isfinite(col[i]) && col[i] > m)
				m = col[i];
	}
	return m;
}

/* Bytes in the binary unit that fits max: divisor and name. */
static double byte_unit(double max, const char **name)
{
	static const char *const names[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double div = 1;
	size_t k = 0;
	while (k + 1 < sizeof(names) / sizeof(names[0]) && max / div >= 1024)
		div *= 1024, k++;
	*name = names[k];
	return div;
}

/* "185.5 MiB" or "0.39 s". */
static void value_text(char *buf, size_t n, bool cpu, double v)
{
	if (cpu)
		snprintf(buf, n, "%.3g s", v);
	else
		html_size(buf, n, v);
}

/* One line: the curve (scaled by div), its peak marked and labelled, its last value labelled,
 * the first time at 90 % of the peak ticked (saved bytes only). */
static void draw_line(FILE *f, const struct svg_plot *p, const struct host_share_line *l, bool cpu, double div,
		      size_t k)
{
	const double *col = cpu ? l->cpu_s : l->saved;
	double *y = calloc(l->n + 1, sizeof(double));
	size_t peak = 0, last = 0, at90 = SIZE_MAX;
	bool any = false;
	if (!y || !col)
		return free(y);
	for (size_t i = 0; i < l->n; i++) {
		y[i] = col[i] / div;
		if (!isfinite(col[i]) || !isfinite(l->t_s[i]))
			continue;
		if (!any || col[i] > col[peak])
			peak = i;
		last = i, any = true;
	}
	for (size_t i = 0; any && col[peak] > 0 && i < l->n && at90 == SIZE_MAX; i++)
		if (isfinite(col[i]) && isfinite(l->t_s[i]) && col[i] >= 0.9 * col[peak])
			at90 = i;
	char pv[32], lv[32], title[300];
	value_text(pv, sizeof(pv), cpu, any ? col[peak] : 0);
	value_text(lv, sizeof(lv), cpu, any ? col[last] : 0);
	snprintf(title, sizeof(title), "%s: %s, peak %s at %.2f s, last %s at %.2f s", l->name,
		 cpu ? "CPU time since the run began" : "bytes saved (sampled)", pv, any ? l->t_s[peak] : 0, lv,
		 any ? l->t_s[last] : 0);
	/* a long run's many samples thinned to at most SHARE_MAX_DRAWN, the labelled ones kept */
	size_t stride = l->n > SHARE_MAX_DRAWN ? (l->n + SHARE_MAX_DRAWN - 1) / SHARE_MAX_DRAWN : 1, m = 0;
	double *xs = stride > 1 ? calloc(l->n + 1, sizeof(double)) : NULL, *ys = xs ? calloc(l->n + 1, sizeof(double)) : NULL;
	for (size_t i = 0; ys && i < l->n; i++)
		if (i % stride == 0 || i == peak || i == last || i == at90)
			xs[m] = l->t_s[i], ys[m++] = y[i];
	if (ys)
		svg_plot_line_titled(f, p, xs, ys, m, l->color, false, title);
	else
		svg_plot_line_titled(f, p, l->t_s, y, l->n, l->color, false, title);
	free(xs);
	free(ys);
	if (any && !cpu) { /* the peak, its label on the side with room */
		double px = svg_px(p, l->t_s[peak]), py = svg_py(p, y[peak]);
		bool right = px > (p->left + p->w - p->right) / 2.0;
		html_printf(f, "<circle class=\"peak\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>"
			       "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\" fill=\"%s\">"
			       "peak %s at %.2f s</text>\n",
			    px, py, l->color, right ? px - 6 : px + 6, py - 6 + 14.0 * (double)k, right ? "end" : "start",
			    l->color, pv, l->t_s[peak]);
	}
	if (any && (cpu || last != peak)) /* the last value: for CPU, the total */
		html_printf(f, "<circle class=\"last\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>"
			       "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"%s\">"
			       "%s%s at %.2f s</text>\n",
			    svg_px(p, l->t_s[last]), svg_py(p, y[last]), l->color, svg_px(p, l->t_s[last]) - 6,
			    svg_py(p, y[last]) - 6 - 14.0 * (double)k, l->color, cpu ? "" : "last ", lv, l->t_s[last]);
	if (!cpu && at90 != SIZE_MAX) { /* dashed from the time axis up to the point, labelled beside it */
		double px = svg_px(p, l->t_s[at90]), py = svg_py(p, y[at90]);
		html_printf(f, "<path class=\"t90\" d=\"M%.1f %dV%.1f\" stroke=\"%s\" stroke-dasharray=\"3,3\" fill=\"none\"/>"
			       "<text class=\"value\" x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"%s\">90%% of the peak at "
			       "%.2f s</text>\n",
			    px, p->h - p->bottom, py, l->color, px + 4, p->h - p->bottom - 6 - 14 * (int)k, l->color,
			    l->t_s[at90]);
	}
	free(y);
}

static void chart(FILE *f, const struct host_page *pg, bool cpu)
{
	const struct host_share *s = &pg->share;
	const char *unit = "s";
	double max = largest(s, cpu), div = cpu ? 1 : byte_unit(max, &unit);
	struct svg_plot p = { .x0 = pg->t0_ms / 1e3, .x1 = pg->t1_ms / 1e3, .y0 = 0, .y1 = max > 0 ? max / div * 1.15 : 1,
			      .w = HOST_PLOT_W, .h = SHARE_PLOT_H + 70, .left = 64, .right = 16, .top = 36, .bottom = 34 };
	const char *names[2], *colors[2];
	char ylabel[64];
	size_t n = 0;
	snprintf(ylabel, sizeof(ylabel), cpu ? "scanner CPU time (%s)" : "memory saved (%s)", unit);
	svg_begin(f, p.w, p.h, cpu ? "scanner CPU seconds over time" : "bytes saved by page sharing over time");
	fputs(cpu ? "<text x=\"64\" y=\"14\" font-size=\"13\" font-weight=\"bold\">CPU time spent scanning for shared "
		    "pages</text>\n"
		  : "<text x=\"64\" y=\"14\" font-size=\"13\" font-weight=\"bold\">Memory saved by page sharing</text>\n",
	      f);
	svg_plot_axes(f, &p, HOST_TIME_LABEL, ylabel);
	for (size_t k = 0; k < s->n; k++) {
		if (cpu && !s->line[k].cpu_s)
			continue;
		names[n] = s->line[k].name, colors[n++] = s->line[k].color;
		draw_line(f, &p, &s->line[k], cpu, div, k);
	}
	svg_plot_legend(f, &p, names, colors, n);
	svg_end(f);
}

void host_share_saved_chart(FILE *f, const void *page) { chart(f, page, false); }
void host_share_cpu_chart(FILE *f, const void *page) { chart(f, page, true); }
