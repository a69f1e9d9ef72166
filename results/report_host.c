/* report_host.c — the host report (memvirt report on a `memvirt host` document): one page with
 * every VM's throughput on one time axis (the monitor sampled them together), the host memory
 * each VM's guest RAM held, stacked, under the VMM process's RSS, and a table of the VMs; and
 * each VM's own run report beside it (vm-NAME.html), linked from the table. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/html.h"
#include "results/report.h"
#include "results/result.h"

#define PLOT_W 1000
#define PLOT_H 260
#define MAX_POINTS 600
#define MAX_VMS 64

static const char *const palette[] = { "#1c7ed6", "#e8590c", "#2b8a3e", "#7048e8", "#c2255c",
				       "#0c8599", "#f08c00", "#5c940d", "#862e9c", "#495057" };
#define NCOLORS (sizeof(palette) / sizeof(palette[0]))

struct host_page {
	const json_t *doc;
	size_t n;
	const char *name[MAX_VMS];
	const json_t *vm[MAX_VMS];        /* the vms{} entries: each a run result */
	struct report run[MAX_VMS];       /* each VM's document and series */
	bool have_run[MAX_VMS];
	struct report_rates rates[MAX_VMS];
	double t0, t1;
};

static double num(const json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }
static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* ---- Per-VM throughput ------------------------------------------------------------------ */

static void throughput_plot(FILE *f, const struct host_page *pg)
{
	struct svg_plot p = { .x0 = pg->t0, .x1 = pg->t1, .w = PLOT_W, .h = PLOT_H, .left = 64, .right = 16, .top = 30,
			      .bottom = 34 };
	double ymax = 0;
	const char *names[MAX_VMS], *colors[MAX_VMS];
	size_t k = 0;
	for (size_t v = 0; v < pg->n; v++)
		for (size_t i = 0; pg->have_run[v] && i < pg->rates[v].n; i++)
			if (isfinite(pg->rates[v].ops_per_s[i]) && pg->rates[v].ops_per_s[i] > ymax)
				ymax = pg->rates[v].ops_per_s[i];
	p.y1 = ymax > 0 ? ymax * 1.1 : 1;
	fputs("<h2>Throughput of each VM</h2>\n", f);
	svg_begin(f, p.w, p.h, "throughput of each VM");
	svg_plot_axes(f, &p, "time since the host started (ms)", "operations / s");
	for (size_t v = 0; v < pg->n; v++) {
		if (!pg->have_run[v])
			continue;
		const char *c = palette[v % NCOLORS];
		svg_plot_line(f, &p, pg->rates[v].t_ms, pg->rates[v].ops_per_s, pg->rates[v].n, c, "throughput");
		names[k] = pg->name[v];
		colors[k++] = c;
	}
	svg_plot_legend(f, &p, names, colors, k);
	svg_end(f);
}

/* ---- Host memory, stacked by VM --------------------------------------------------------- */

/* MiB per VM over time: vm[v] what the host holds behind VM v's guest RAM, vm[nvm + v] what its
 * guest kernel has handed out (when the document has it); NaN where a VM was not sampled. */
struct mem_series {
	size_t rows, nvm, cols;
	double *t, *rss, **vm;
};

static void mem_free(struct mem_series *m)
{
	for (size_t v = 0; m->vm && v < m->cols; v++)
		free(m->vm[v]);
	free(m->vm);
	free(m->t);
	free(m->rss);
}

static int mem_load(const json_t *memory, size_t nvm, struct mem_series *m)
{
	const json_t *rows = json_object_get(memory, "rows");
	size_t width = json_array_size(json_array_get(rows, 0));
	*m = (struct mem_series){ .rows = json_array_size(rows), .nvm = nvm, .cols = width == 3 + 2 * nvm ? 2 * nvm : nvm };
	m->t = calloc(m->rows + 1, sizeof(double));
	m->rss = calloc(m->rows + 1, sizeof(double));
	m->vm = calloc(m->cols + 1, sizeof(double *));
	if (!m->t || !m->rss || !m->vm)
		return -ENOMEM;
	for (size_t v = 0; v < m->cols; v++)
		if (!(m->vm[v] = calloc(m->rows + 1, sizeof(double))))
			return -ENOMEM;
	for (size_t i = 0; i < m->rows; i++) {
		const json_t *row = json_array_get(rows, i);
		if (json_array_size(row) != 3 + m->cols)
			return -EINVAL;
		m->t[i] = json_number_value(json_array_get(row, 0));
		m->rss[i] = json_number_value(json_array_get(row, 1)) / (1 << 20);
		for (size_t v = 0; v < m->cols; v++) {
			const json_t *x = json_array_get(row, 3 + v);
			m->vm[v][i] = json_is_number(x) ? json_number_value(x) / (1 << 20) : NAN;
		}
	}
	return 0;
}

/* One stacked layer per VM from columns [first, first + nvm), under the VMM's RSS. */
static void memory_plot(FILE *f, const struct host_page *pg, const struct mem_series *m, size_t first,
			const char *heading, const char *what)
{
	struct svg_plot p = { .x0 = pg->t0, .x1 = pg->t1, .w = PLOT_W, .h = PLOT_H, .left = 64, .right = 16, .top = 30,
			      .bottom = 34 };
	double *lo = calloc(m->rows + 1, sizeof(double)), *hi = calloc(m->rows + 1, sizeof(double)), ymax = 0;
	const char *names[MAX_VMS + 1], *colors[MAX_VMS + 1];
	if (!lo || !hi) {
		free(lo);
		free(hi);
		return;
	}
	for (size_t i = 0; i < m->rows; i++) {
		double sum = 0;
		for (size_t v = first; v < first + m->nvm; v++)
			sum += isfinite(m->vm[v][i]) ? m->vm[v][i] : 0;
		ymax = fmax(ymax, fmax(sum, m->rss[i]));
	}
	p.y1 = ymax > 0 ? ymax * 1.1 : 1;
	fprintf(f, "<h2>%s</h2>\n", heading);
	svg_begin(f, p.w, p.h, heading);
	svg_plot_axes(f, &p, "time since the host started (ms)", "MiB");
	for (size_t v = 0; v < m->nvm; v++) {
		const double *y = m->vm[first + v];
		for (size_t i = 0; i < m->rows; i++)
			hi[i] = lo[i] + (isfinite(y[i]) ? y[i] : 0);
		char title[160];
		snprintf(title, sizeof(title), "vm %s: %s", pg->name[v], what);
		svg_plot_area(f, &p, m->t, lo, hi, m->rows, palette[v % NCOLORS], title);
		memcpy(lo, hi, m->rows * sizeof(double));
		names[v] = pg->name[v];
		colors[v] = palette[v % NCOLORS];
	}
	svg_plot_line(f, &p, m->t, m->rss, m->rows, "#212529", "rss");
	names[m->nvm] = "VMM process RSS";
	colors[m->nvm] = "#212529";
	svg_plot_legend(f, &p, names, colors, m->nvm + 1);
	svg_end(f);
	free(lo);
	free(hi);
}

/* ---- The table --------------------------------------------------------------------------- */

static void vm_row(FILE *f, const struct host_page *pg, size_t v)
{
	const json_t *doc = pg->vm[v];
	const json_t *cfg = json_object_get(doc, "config"), *res = json_object_get(doc, "result");
	const json_t *mem = json_object_get(doc, "memory"), *create = json_object_get(res, "create_s");
	html_printf(f, "<tr><td class=l style=\"color:%s\"><b>", palette[v % NCOLORS]);
	html_escape(f, pg->name[v]);
	fputs("</b></td><td class=l>", f);
	html_escape(f, str(cfg, "platform"));
	fputs("</td><td class=l>", f);
	html_escape(f, str(cfg, "mmu"));
	fputs("</td><td class=l>", f);
	html_escape(f, str(cfg, "workload"));
	html_printf(f, "</td><td>%.0f</td><td class=l>", num(cfg, "mem_bytes") / (1 << 20));
	html_escape(f, str(json_object_get(doc, "status"), "state"));
	fputs("</td><td class=l>", f);
	html_escape(f, json_is_string(json_object_get(res, "checksum")) ? str(res, "checksum") : "none");
	html_printf(f, "</td><td>%.4g</td><td>%.3f</td><td>", num(res, "ops_per_s"), num(res, "run_s"));
	if (json_is_number(create))
		html_printf(f, "%.1f", 1e3 * json_number_value(create));
	else
		fputs("&ndash;", f);
	html_printf(f, "</td><td>%.1f</td><td>%.1f</td><td class=l>", num(mem, "guest_bytes") / (1 << 20),
		num(mem, "host_resident_bytes") / (1 << 20));
	if (pg->have_run[v]) {
		fputs("<a href=\"vm-", f);
		html_escape(f, pg->name[v]);
		fputs(".html\">run report</a>", f);
	} else {
		fputs("no telemetry", f);
	}
	fputs("</td></tr>\n", f);
}

static void vm_table(FILE *f, const struct host_page *pg)
{
	const json_t *t = json_object_get(json_object_get(pg->doc, "host"), "totals");
	fputs("<h2>VMs</h2>\n<table><tr><th class=l>vm</th><th class=l>platform</th><th class=l>mmu</th>"
	      "<th class=l>workload</th><th>footprint MiB</th><th class=l>state</th><th class=l>checksum</th>"
	      "<th>ops/s</th><th>run s</th><th>created in ms</th><th>guest RAM MiB</th><th>host-resident MiB</th>"
	      "<th class=l></th></tr>\n", f);
	for (size_t v = 0; v < pg->n; v++)
		vm_row(f, pg, v);
	html_printf(f, "<tr><th class=l>all %.0f</th><td></td><td></td><td></td><td></td><td class=l>%.0f ok, %.0f failed, "
		   "%.0f interrupted</td><td></td><td>%.4g</td><td>%.3f wall</td><td>max %.1f</td><td>%.1f</td><td>%.1f</td>"
		   "<td class=l>VMM RSS peak %.1f MiB</td></tr>\n</table>\n",
		num(t, "vms"), num(t, "ok"), num(t, "failed"), num(t, "interrupted"), num(t, "ops_per_s"), num(t, "wall_s"),
		1e3 * num(t, "create_s_max"), num(t, "guest_bytes") / (1 << 20), num(t, "host_resident_bytes") / (1 << 20),
		num(t, "rss_peak_bytes") / (1 << 20));
	const json_t *st = json_object_get(pg->doc, "status");
	if (strcmp(str(st, "state"), "ok") != 0) {
		fputs("<p><b>Not every VM finished:</b> ", f);
		html_escape(f, str(st, "message"));
		fputs("</p>\n", f);
	}
}

/* ---- The page ---------------------------------------------------------------------------- */

struct emit_arg {
	const struct host_page *pg;
	const struct mem_series *mem;
};

static void emit(FILE *f, const void *arg)
{
	const struct emit_arg *a = arg;
	const json_t *cfg = json_object_get(a->pg->doc, "config");
	char title[200];
	snprintf(title, sizeof(title), "memvirt host report: %s, %zu VMs", str(cfg, "name"), a->pg->n);
	html_page_begin(f, title, "h2{margin:1.2em 0 .3em}");
	fputs("<h1>", f);
	html_escape(f, title);
	fputs("</h1>\n<p>Every VM ran at once on this host; one monitor sampled them all on one clock, so the "
	      "curves below line up in time. Memory: the host pages behind each VM's guest RAM (mincore), stacked, "
	      "and the VMM process's resident set (all VMs and the VMM itself). Each VM's own report (dips, faults, "
	      "residency) is linked from the table. How to read it: docs/scenarios.md.</p>\n", f);
	vm_table(f, a->pg);
	throughput_plot(f, a->pg);
	if (a->mem->rows > 1)
		memory_plot(f, a->pg, a->mem, 0, "Host memory held by each VM (stacked) and the VMM process",
			    "guest RAM resident in host memory");
	if (a->mem->rows > 1 && a->mem->cols == 2 * a->mem->nvm)
		memory_plot(f, a->pg, a->mem, a->mem->nvm,
			    "Memory each VM's guest uses (stacked: its kernel's frames in use) and the VMM process",
			    "memory its guest kernel has handed out");
	html_page_end(f);
}

static void page_free(struct host_page *pg)
{
	for (size_t v = 0; v < pg->n; v++) {
		if (pg->have_run[v])
			report_free(&pg->run[v]);
		report_rates_free(&pg->rates[v]);
	}
}

/* Each VM's run: its document and series, its rates over the host's time range. */
static int load_vms(struct host_page *pg, const char *json_path, char *why, size_t n)
{
	const json_t *vms = json_object_get(pg->doc, "vms"), *vm;
	const char *key;
	char skip[256];
	json_object_foreach((json_t *)vms, key, vm) {
		if (pg->n == MAX_VMS)
			return snprintf(why, n, "%s: more than %d VMs", json_path, MAX_VMS), -E2BIG;
		if (!json_is_object(json_object_get(vm, "result")) || !json_is_object(json_object_get(vm, "config")))
			return snprintf(why, n, "%s: vm %s is not a run result", json_path, key), -EINVAL;
		pg->name[pg->n] = key;
		pg->vm[pg->n] = vm;
		/* a VM without telemetry still has its row in the table */
		pg->have_run[pg->n] = report_init(&pg->run[pg->n], json_incref((json_t *)vm), json_path,
						  skip, sizeof(skip)) == 0;
		pg->n++;
	}
	if (!pg->n)
		return snprintf(why, n, "%s: the host document has no VMs", json_path), -EINVAL;
	pg->t0 = INFINITY;
	pg->t1 = 0;
	for (size_t v = 0; v < pg->n; v++)
		if (pg->have_run[v]) {
			const struct tel_series *ts = &pg->run[v].series;
			pg->t0 = fmin(pg->t0, ts->s[0].time_ms);
			pg->t1 = fmax(pg->t1, ts->s[ts->n - 1].time_ms);
		}
	if (!(pg->t1 > pg->t0))
		pg->t0 = 0, pg->t1 = 1;
	for (size_t v = 0; v < pg->n; v++)
		if (pg->have_run[v] && report_rates_compute(&pg->run[v].series, pg->t0, pg->t1, MAX_POINTS, &pg->rates[v]) < 0)
			pg->have_run[v] = false;
	return 0;
}

static int write_vm_pages(const struct host_page *pg, const char *dir, char *why, size_t n)
{
	for (size_t v = 0; v < pg->n; v++) {
		char path[4200];
		if (!pg->have_run[v])
			continue;
		snprintf(path, sizeof(path), "%s/vm-%s.html", dir, pg->name[v]);
		int rc = report_write_html(&pg->run[v], path);
		if (rc < 0)
			return snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc)), rc;
	}
	return 0;
}

/* VM names become file names: the scenario reader allows letters, digits, '-' and '_'. */
static bool names_ok(const struct host_page *pg, const char *json_path, char *why, size_t n)
{
	for (size_t v = 0; v < pg->n; v++)
		if (!*pg->name[v] || strspn(pg->name[v], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
					     strlen(pg->name[v]))
			return snprintf(why, n, "%s: vm name '%.40s' is not a file name", json_path, pg->name[v]), false;
	return true;
}

int report_host_write(const json_t *doc, const char *json_path, const char *dir, char *why, size_t n)
{
	struct host_page *pg = calloc(1, sizeof(*pg));
	struct mem_series mem = { 0 };
	char path[4200];
	if (!pg)
		return snprintf(why, n, "out of memory"), -ENOMEM;
	pg->doc = doc;
	int rc = load_vms(pg, json_path, why, n);
	if (rc == 0 && !names_ok(pg, json_path, why, n))
		rc = -EINVAL;
	const json_t *memory = json_object_get(json_object_get(doc, "host"), "memory");
	if (rc == 0 && json_is_object(memory) && (rc = mem_load(memory, pg->n, &mem)) < 0)
		snprintf(why, n, "%s: host.memory does not have a column per VM", json_path);
	if (rc == 0)
		rc = write_vm_pages(pg, dir, why, n);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/index.html", dir);
		struct emit_arg a = { pg, &mem };
		if ((rc = atomic_write_stream(path, emit, &a)) < 0)
			snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc));
	}
	mem_free(&mem);
	page_free(pg);
	free(pg);
	return rc;
}
