/* host_throughput.c — each VM's throughput on the host report (host_page.h): one panel per VM,
 * all on the same time axis, each with its own y scale, its dips shaded and the policy's
 * decisions about it (and the host-wide ones) ticked.
 *
 * Why a panel per VM rather than one chart: VMs of one host differ in throughput by orders of
 * magnitude (a sequential scan and a random-access workload: 8e7 against 2e6 ops/s), and on a
 * shared y axis the slower VM's dips would be a flat line at zero. Panels keep every VM's dips
 * visible while the shared x axis still lines a dip up with the decision and the memory change
 * that caused it. Dips come from each VM's own run result (`dips`, as the run report shades
 * them), with its baseline drawn dashed. */
#include <math.h>
#include <stdlib.h>

#include "results/host_page.h"

#define PANEL_H 150     /* plot area */
#define PANEL_GAP 24    /* above each panel: its name */
#define DIP_COLOR "#e03131"

static void dip_bands(FILE *f, const struct svg_plot *p, const json_t *dips)
{
	const json_t *d;
	size_t i;
	json_array_foreach(dips, i, d) {
		char t[200];
		snprintf(t, sizeof(t), "dip %zu: %.3f-%.3f s, depth %.0f%%, %.4g ops lost, cause %.40s", i + 1,
			 host_num(d, "start_ms") / 1e3, host_num(d, "end_ms") / 1e3, 100 * host_num(d, "depth"),
			 host_num(d, "ops_lost"), host_str(d, "cause"));
		svg_plot_band(f, p, host_num(d, "start_ms") / 1e3, host_num(d, "end_ms") / 1e3, DIP_COLOR, t);
	}
}

static double panel_max(const struct report_rates *r, double baseline)
{
	double m = isfinite(baseline) ? baseline : 0;
	for (size_t i = 0; i < r->n; i++)
		if (isfinite(r->ops_per_s[i]) && r->ops_per_s[i] > m)
			m = r->ops_per_s[i];
	return m > 0 ? m * 1.1 : 1;
}

static void panel(FILE *f, const struct host_page *pg, size_t v, int y0, bool last)
{
	const struct report_rates *r = &pg->rates[v];
	const json_t *tel = json_object_get(pg->vm[v], "telemetry");
	double baseline = host_num(tel, "baseline_ops_per_s");
	struct svg_plot p = { .x0 = pg->t0_ms / 1e3, .x1 = pg->t1_ms / 1e3, .y1 = panel_max(r, baseline), .w = HOST_PLOT_W,
			      .left = 64, .right = 16, .top = y0 + PANEL_GAP, .bottom = last ? 34 : 20 };
	p.h = p.top + PANEL_H + p.bottom;
	html_printf(f, "<text x=\"64\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" fill=\"%s\">%s</text>", y0 + PANEL_GAP - 6,
		    host_vm_color(v), pg->name[v]);
	/* the baseline's value up here, where no curve covers it; its line dashed below */
	html_printf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">%zu dips shaded; "
		       "baseline (dashed) %.3g ops/s</text>\n",
		    HOST_PLOT_W - 16, y0 + PANEL_GAP - 6, json_array_size(json_object_get(pg->vm[v], "dips")), baseline);
	dip_bands(f, &p, json_object_get(pg->vm[v], "dips"));
	svg_plot_axes(f, &p, last ? HOST_TIME_LABEL : "", "ops/s");
	double *t = calloc(r->n + 1, sizeof(double));
	for (size_t i = 0; t && i < r->n; i++)
		t[i] = r->t_ms[i] / 1e3;
	if (t) {
		char title[300];
		snprintf(title, sizeof(title), "%s: operations per second, bins of %.2f ms", pg->name[v], r->bin_ms);
		svg_plot_line_titled(f, &p, t, r->ops_per_s, r->n, host_vm_color(v), false, title);
	}
	free(t);
	if (baseline > 0)
		svg_plot_hline(f, &p, baseline, "#555", "");
	host_decision_marks(f, pg, &p, v);
}

void host_throughput_chart(FILE *f, const void *page)
{
	const struct host_page *pg = page;
	size_t panels = 0;
	for (size_t v = 0; v < pg->n; v++)
		panels += pg->have_run[v];
	int h = 22 + (int)panels * (PANEL_GAP + PANEL_H + 20) + 14;
	svg_begin(f, HOST_PLOT_W, h, "throughput of each VM");
	fputs(json_array_size(pg->decisions) ? "<text x=\"64\" y=\"14\" font-size=\"13\" font-weight=\"bold\">Throughput of each VM "
					       "(dips shaded red, policy decisions ticked)</text>\n"
					     : "<text x=\"64\" y=\"14\" font-size=\"13\" font-weight=\"bold\">Throughput of each VM "
					       "(dips shaded red)</text>\n",
	      f);
	int y = 22;
	size_t k = 0;
	for (size_t v = 0; v < pg->n; v++) {
		if (!pg->have_run[v])
			continue;
		panel(f, pg, v, y, ++k == panels);
		y += PANEL_GAP + PANEL_H + 20;
	}
	svg_end(f);
}
