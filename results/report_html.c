/* report_html.c — the run report page (see report.h): a summary table, five SVG plots sharing
 * one time axis (six for a VM with a balloon: its size, the guest's free memory and the host's
 * resident bytes together) (every plot carries the dip bands and reclaim markers, so a fault burst can be
 * read against the throughput dip above it), and tables of dips and reclaim events. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "results/result.h"
#include "results/html.h"
#include "results/report.h"

#define PLOT_W 1000
#define PLOT_H 230
#define MAX_POINTS 900
#define DIP_COLOR "#e03131"

struct page {
	const struct report *r;
	const json_t *doc, *tel, *dips, *events;
	struct report_rates rates;
	struct svg_plot frame; /* x range and geometry; y range set per plot */
};

static double num(const json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }
static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *event_color(const char *action)
{
	return strcmp(action, "discard") == 0 ? "#1c7ed6" : strcmp(action, "pageout") == 0 ? "#7048e8"
	       : strcmp(action, "limit") == 0 ? "#e8590c" : "#2b8a3e";
}

/* ---- Plots --------------------------------------------------------------------------------- */

static bool any_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			return true;
	return false;
}

static double max_of(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > m)
			m = v[i];
	return m;
}

static void decorations(FILE *f, const struct page *pg, const struct svg_plot *p)
{
	const json_t *d, *e;
	size_t i;
	json_array_foreach(pg->dips, i, d) {
		char t[160];
		snprintf(t, sizeof(t), "dip %zu: %.1f-%.1f ms, depth %.0f%%, cause %s", i + 1, num(d, "start_ms"),
			 num(d, "end_ms"), 100 * num(d, "depth"), str(d, "cause"));
		svg_plot_band(f, p, num(d, "start_ms"), num(d, "end_ms"), DIP_COLOR, t);
	}
	json_array_foreach(pg->events, i, e) {
		if (strcmp(str(e, "status"), "pending") == 0)
			continue;
		char label[64];
		snprintf(label, sizeof(label), "%s%s", str(e, "action"), strcmp(str(e, "status"), "done") ? " (not done)" : "");
		svg_plot_marker(f, p, num(e, "start_ms"), event_color(str(e, "action")), label);
	}
}

struct series_ref {
	const char *name, *color;
	const double *y;
};

static void plot(FILE *f, const struct page *pg, const char *title, const char *ylabel, const struct series_ref *s,
		 size_t ns, double ymax)
{
	struct svg_plot p = pg->frame;
	p.y0 = 0;
	p.y1 = ymax > 0 ? ymax * 1.1 : 1;
	html_printf(f, "<h3>%s</h3>\n", title);
	svg_begin(f, p.w, p.h, title);
	decorations(f, pg, &p);
	svg_plot_axes(f, &p, "time since the run started (ms)", ylabel);
	const char *names[8], *colors[8];
	for (size_t i = 0; i < ns && i < 8; i++) {
		svg_plot_line(f, &p, pg->rates.t_ms, s[i].y, pg->rates.n, s[i].color, s[i].name);
		names[i] = s[i].name;
		colors[i] = s[i].color;
	}
	svg_plot_legend(f, &p, names, colors, ns < 8 ? ns : 8);
	if (s == NULL || strcmp(s[0].name, "throughput") != 0) {
		svg_end(f);
		return;
	}
	double base = num(pg->tel, "baseline_ops_per_s");
	svg_plot_hline(f, &p, base, "#555", "baseline");
	svg_plot_hline(f, &p, base * num(pg->tel, "dip_threshold"), DIP_COLOR, "dip threshold");
	svg_end(f);
}

static void plots(FILE *f, const struct page *pg)
{
	const struct report_rates *r = &pg->rates;
	size_t n = r->n;
	plot(f, pg, "Guest throughput (dips shaded, reclaim events marked)", "operations / s",
	     (struct series_ref[]){ { "throughput", "#222", r->ops_per_s } }, 1,
	     fmax(max_of(r->ops_per_s, n), num(pg->tel, "baseline_ops_per_s")));
	/* uffd: first touches and missing-page refaults the VMM resolved (kvm --uffd only) */
	plot(f, pg, "Page faults of the VMM process", "faults / ms",
	     (struct series_ref[]){ { "minor", "#f08c00", r->minflt_per_ms }, { "major", DIP_COLOR, r->majflt_per_ms },
				    { "uffd (resolved by the VMM)", "#0ca678", r->uffd_per_ms } },
	     any_finite(r->uffd_per_ms, n) ? 3 : 2,
	     fmax(fmax(max_of(r->minflt_per_ms, n), max_of(r->majflt_per_ms, n)), max_of(r->uffd_per_ms, n)));
	char swap_title[160];
	snprintf(swap_title, sizeof(swap_title), "Host swap traffic (all processes; read every %.0f samples, averaged over as many)",
		 num(pg->tel, "vmstat_every"));
	plot(f, pg, swap_title, "pages / ms",
	     (struct series_ref[]){ { "swap-in", "#7048e8", r->swapin_per_ms }, { "swap-out", "#1c7ed6", r->swapout_per_ms } },
	     2, fmax(max_of(r->swapin_per_ms, n), max_of(r->swapout_per_ms, n)));
	/* used: the guest's own view (frames its kernel handed out); the gap above it is memory the
	 * guest freed that the host still holds (absent in series from before the column) */
	plot(f, pg, "Guest RAM held by the host", "MiB",
	     (struct series_ref[]){ { "resident (mincore)", "#2b8a3e", r->resident_mib },
				    { "mapped (pagemap)", "#1c7ed6", r->mapped_mib },
				    { "used by the guest", "#e8590c", r->used_mib } },
	     any_finite(r->used_mib, n) ? 3 : 2,
	     fmax(fmax(max_of(r->resident_mib, n), max_of(r->mapped_mib, n)), max_of(r->used_mib, n)));
	/* a VM with a balloon: what it holds, what the guest says is free (its statistics, checked by
	 * the VMM), what the host holds behind guest RAM, and what free page reporting gave back */
	if (any_finite(r->balloon_mib, n)) {
		bool reported = max_of(r->reported_mib, n) > 0;
		plot(f, pg, "Balloon, guest free memory and host memory", "MiB",
		     (struct series_ref[]){ { "balloon", "#7048e8", r->balloon_mib },
					    { "free in the guest (its statistics)", "#e8590c", r->guest_free_mib },
					    { "host resident (mincore)", "#2b8a3e", r->resident_mib },
					    { "reported free (cumulative)", "#1c7ed6", r->reported_mib } },
		     reported ? 4 : 3,
		     fmax(fmax(max_of(r->balloon_mib, n), max_of(r->guest_free_mib, n)),
			  fmax(max_of(r->resident_mib, n), reported ? max_of(r->reported_mib, n) : 0)));
	}
	plot(f, pg, "Workload thread waiting for a CPU (averaged over 25 ms)", "fraction of time",
	     (struct series_ref[]){ { "run-queue wait", "#868e96", r->wait_frac } }, 1, fmax(max_of(r->wait_frac, n), 0.1));
}

/* ---- Tables -------------------------------------------------------------------------------- */

/* The faults the VMM's userfaultfd handler resolved (kvm --uffd): a count, or "none" (null) */
static void uffd_count(FILE *f, const json_t *host)
{
	const json_t *v = json_object_get(host, "uffd_faults");
	if (json_is_number(v))
		html_printf(f, "%.0f", json_number_value(v));
	else
		fputs("&ndash;", f);
}

static void summary(FILE *f, const struct page *pg)
{
	const json_t *cfg = json_object_get(pg->doc, "config"), *res = json_object_get(pg->doc, "result");
	const json_t *st = json_object_get(pg->doc, "status"), *host = json_object_get(pg->tel, "host");
	fputs("<h2>Summary</h2>\n<table>\n", f);
	html_printf(f, "<tr><th class=l>run</th><td class=l>%s on %s (mmu %s), %.0f MiB, seed %.0f, state <b>%s</b> ", str(cfg, "workload"),
		str(cfg, "platform"), str(cfg, "mmu"), num(cfg, "mem_bytes") / (1 << 20), num(cfg, "seed"), str(st, "state"));
	html_escape(f, str(st, "message"));
	html_printf(f, "</td></tr>\n<tr><th class=l>measured phase</th><td class=l>%.0f operations in %.3f s (%.4g ops/s); "
		   "checksum %s</td></tr>\n",
		num(res, "ops"), num(res, "run_s"), num(res, "ops_per_s"),
		json_is_string(json_object_get(res, "checksum")) ? str(res, "checksum") : "none");
	html_printf(f, "<tr><th class=l>dips</th><td class=l><b>%zu</b> below %.0f%% of the baseline %.4g ops/s for at least "
		   "%.1f ms (bins of %.2f ms)</td></tr>\n",
		json_array_size(pg->dips), 100 * num(pg->tel, "dip_threshold"), num(pg->tel, "baseline_ops_per_s"),
		num(pg->tel, "dip_min_ms"), num(pg->tel, "dip_bin_ms"));
	html_printf(f, "<tr><th class=l>host, measured phase</th><td class=l>minor faults %.0f, major faults %.0f, swap-in %.0f, "
		   "swap-out %.0f pages, memory PSI some %.0f &micro;s, worker CPU wait %.1f ms, faults resolved by uffd ",
		num(host, "minor_faults"), num(host, "major_faults"), num(host, "pswpin"), num(host, "pswpout"),
		num(host, "psi_some_us"), num(host, "worker_wait_us") / 1e3);
	uffd_count(f, host);
	fputs("</td></tr>\n", f);
	html_printf(f, "<tr><th class=l>telemetry</th><td class=l>%.0f samples every %.0f &micro;s, %.1f &micro;s each, "
		   "%.0f late; series from ", num(pg->tel, "samples"), num(pg->tel, "sample_us"),
		num(pg->tel, "cost_us_per_sample"), num(pg->tel, "overruns"));
	html_escape(f, pg->r->series_from);
	fputs("</td></tr>\n</table>\n", f);
}

/* A dip's event is an index into the run's events: one outside them (a hand-made document)
 * is shown as "#?" rather than counted from. */
static void dip_event(FILE *f, size_t k, const json_t *e, size_t nevents)
{
	json_int_t v = json_integer_value(e);
	if (json_is_integer(e) && v >= 0 && (uint64_t)v < nevents)
		html_printf(f, "%s#%lld", k ? ", " : "", (long long)v + 1);
	else
		html_printf(f, "%s#?", k ? ", " : "");
}

static void dip_row(FILE *f, size_t i, const json_t *d, size_t nevents)
{
	const json_t *h = json_object_get(d, "host"), *ev = json_object_get(d, "events"), *e;
	size_t k;
	html_printf(f, "<tr><td>%zu</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.0f%%</td><td>%.4g</td><td class=l>%s</td><td class=l>",
		i + 1, num(d, "start_ms"), num(d, "end_ms"), num(d, "duration_ms"), 100 * num(d, "depth"), num(d, "ops_lost"),
		str(d, "cause"));
	json_array_foreach(ev, k, e) dip_event(f, k, e, nevents);
	html_printf(f, "</td><td>%.1f</td><td>%.0f</td><td>%.0f</td><td>", json_is_number(json_object_get(d, "lag_ms")) ? num(d, "lag_ms") : NAN,
		num(h, "minor_faults"), num(h, "major_faults"));
	uffd_count(f, h);
	html_printf(f, "</td><td>%.0f</td><td>%.0f</td><td>%.1f</td></tr>\n", num(h, "pswpin"), num(h, "pswpout"),
		num(h, "worker_wait_us") / 1e3);
}

/* A section's heading, then either `none` (rows is empty: returns false) or the table's
 * opening and its header cells (returns true: the caller writes the rows and closes it). */
static bool table_open(FILE *f, const char *title, const json_t *rows, const char *none, const char *header)
{
	html_printf(f, "<h2>%s</h2>\n", title);
	if (!json_array_size(rows)) {
		html_printf(f, "<p>%s</p>\n", none);
		return false;
	}
	fputs("<table><tr>", f);
	fputs(header, f); /* markup of this file's own */
	fputs("</tr>\n", f);
	return true;
}

static void dips_table(FILE *f, const struct page *pg)
{
	const json_t *d;
	size_t i;
	if (!table_open(f, "Dips", pg->dips, "None at these thresholds.",
			"<th>#</th><th>start ms</th><th>end ms</th><th>ms</th><th>depth</th><th>ops lost</th><th>cause</th>"
			"<th>events</th><th>lag ms</th><th>minor faults</th><th>major faults</th><th>uffd faults</th>"
			"<th>swap-in</th><th>swap-out</th><th>CPU wait ms</th>"))
		return;
	json_array_foreach(pg->dips, i, d) dip_row(f, i, d, json_array_size(pg->events));
	fputs("</table>\n", f);
}

static void events_table(FILE *f, const struct page *pg)
{
	const json_t *e;
	size_t i;
	if (!table_open(f, "Reclaim events", pg->events, "None: this run had no --reclaim.",
			"<th>#</th><th class=l>action</th><th class=l>status</th><th>due ms</th><th>start ms</th>"
			"<th>end ms</th><th>bytes</th><th>mapped pages before / after</th>"
			"<th>resident pages before / after</th><th class=l>message</th>"))
		return;
	json_array_foreach(pg->events, i, e) {
		html_printf(f, "<tr><td>%zu</td><td class=l style=\"color:%s\">%s</td><td class=l>%s</td><td>%.1f</td><td>%.1f</td>"
			   "<td>%.1f</td><td>%.0f</td><td>%.0f / %.0f</td><td>%.0f / %.0f</td><td class=l>",
			i + 1, event_color(str(e, "action")), str(e, "action"), str(e, "status"), num(e, "at_ms"),
			num(e, "start_ms"), num(e, "end_ms"), num(e, "bytes"), num(e, "mapped_pages_before"),
			num(e, "mapped_pages_after"), num(e, "resident_pages_before"), num(e, "resident_pages_after"));
		html_escape(f, str(e, "message"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* ---- The page ------------------------------------------------------------------------------ */

/* The measured phase with a margin either side, within the series. */
static void time_range(const struct page *pg, double *t0, double *t1)
{
	const struct tel_series *ts = &pg->r->series;
	const json_t *m = json_object_get(pg->tel, "measure");
	double a = num(m, "start_ms"), b = num(m, "end_ms");
	if (!(b > a)) {
		a = ts->s[0].time_ms;
		b = ts->s[ts->n - 1].time_ms;
	}
	double margin = (b - a) * 0.04;
	*t0 = fmax(a - margin, ts->s[0].time_ms);
	*t1 = fmin(b + margin, ts->s[ts->n - 1].time_ms);
}

/* A killed run (its janitor wrote the document: docs/result-schema.md) is said first: the
 * series ends where the run died, and there are no measured-phase figures or dips. */
static void killed_banner(FILE *f, const struct page *pg)
{
	const json_t *st = json_object_get(pg->doc, "status");
	if (strcmp(str(st, "state"), "killed") != 0)
		return;
	fputs("<p class=killed><b>KILLED</b> &mdash; this run did not finish: ", f);
	html_escape(f, str(st, "message"));
	fputs(". Its janitor wrote this document; the series ends where the run died, and no measured-phase "
	      "figures, checksum or dips were computed.</p>\n", f);
}

static void emit(FILE *f, const void *arg)
{
	const struct page *pg = arg;
	const json_t *cfg = json_object_get(pg->doc, "config");
	char title[200];
	snprintf(title, sizeof(title), "memvirt report: %s on %s", str(cfg, "workload"), str(cfg, "platform"));
	html_page_begin(f, title, "h3{margin:1.2em 0 .2em;font-size:1em}.killed{border:2px solid #c00;padding:.4em}");
	html_printf(f, "<h1>%s</h1>\n<p>Guest progress and host activity on one clock. Shaded red: dips, where throughput "
		   "stayed below the threshold fraction of the baseline (median) rate. Vertical lines: host reclaim "
		   "events. How to read it: docs/reclaim.md.</p>\n", title);
	killed_banner(f, pg);
	summary(f, pg);
	plots(f, pg);
	dips_table(f, pg);
	events_table(f, pg);
	html_page_end(f);
}

int report_write_html(const struct report *r, const char *path)
{
	struct page pg = { .r = r, .doc = r->doc };
	pg.tel = json_object_get(r->doc, "telemetry");
	pg.dips = json_object_get(r->doc, "dips");
	pg.events = json_object_get(json_object_get(r->doc, "reclaim"), "events");
	double t0, t1;
	time_range(&pg, &t0, &t1);
	int rc = report_rates_compute(&r->series, t0, t1, MAX_POINTS, &pg.rates);
	if (rc < 0)
		return rc;
	report_rates_smooth_host(&pg.rates, num(pg.tel, "vmstat_every") * num(pg.tel, "sample_us") / 1e3);
	report_rates_smooth_wait(&pg.rates);
	pg.frame = (struct svg_plot){ .x0 = t0, .x1 = t1, .w = PLOT_W, .h = PLOT_H, .left = 64, .right = 16, .top = 22, .bottom = 34 };
	rc = atomic_write_stream(path, emit, &pg);
	report_rates_free(&pg.rates);
	return rc;
}
