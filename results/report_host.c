/* report_host.c — the host report (memvirt report on a `memvirt host` document): DIR/index.html
 * with a table of the VMs, memory by VM and state over time (stacked, with the budget, the
 * budget cgroup's usage, balloons and working sets when the document has them), every VM's
 * throughput on the same time axis with its dips shaded, policy decisions ticked on both, a
 * per-VM summary, the budget, the policy and its decision log, page sharing over time (bytes
 * saved and scanner CPU, per engine, when the document has host.ksm.series or
 * host.sharing.series); every chart also as a standalone SVG file beside the page
 * (host-memory.svg, host-throughput.svg, host-sharing-saved.svg, host-sharing-cpu.svg,
 * host-used.svg) for a paper;
 * and each VM's own run report (vm-NAME.html), linked from the table.
 *
 * This file loads the document and lays out the page; each chart and table is a file of its own
 * (host_page.h says which and why). A document from before overcommit has no budget, policy,
 * balloon or working-set parts: those sections are simply absent. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/host_page.h"
#include "results/result.h"

#define MAX_POINTS 600

static const char *const palette[] = { "#1c7ed6", "#e8590c", "#2b8a3e", "#7048e8", "#c2255c",
				       "#0c8599", "#f08c00", "#5c940d", "#862e9c", "#495057" };
#define NCOLORS (sizeof(palette) / sizeof(palette[0]))
#define HOST_COLOR "#868e96"

const char *host_vm_color(size_t v) { return palette[v % NCOLORS]; }

const char *host_vm_color_by_name(const struct host_page *pg, const char *vm)
{
	for (size_t v = 0; vm && v < pg->n; v++)
		if (strcmp(vm, pg->name[v]) == 0)
			return host_vm_color(v);
	return HOST_COLOR;
}

double host_num(const json_t *o, const char *key)
{
	const json_t *x = json_object_get(o, key);
	return json_is_number(x) ? json_number_value(x) : NAN;
}

const char *host_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void host_size_cell(FILE *f, double bytes)
{
	char b[32];
	if (!isfinite(bytes)) {
		fputs("&ndash;", f);
		return;
	}
	html_size(b, sizeof(b), bytes);
	html_escape(f, b);
}

static double num(const json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }
static const char *str(const json_t *o, const char *key) { return host_str(o, key); }

/* ---- The table --------------------------------------------------------------------------- */

static void vm_row(FILE *f, const struct host_page *pg, size_t v)
{
	const json_t *doc = pg->vm[v];
	const json_t *cfg = json_object_get(doc, "config"), *res = json_object_get(doc, "result");
	const json_t *mem = json_object_get(doc, "memory"), *create = json_object_get(res, "create_s");
	html_printf(f, "<tr><td class=l style=\"color:%s\"><b>", host_vm_color(v));
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
	html_printf(f, "</td><td>%.1f</td><td>%.1f</td><td class=\"l nw\">", num(mem, "guest_bytes") / (1 << 20),
		num(mem, "host_resident_bytes") / (1 << 20));
	if (pg->own_page[v]) {
		fputs("<a href=\"vm-", f);
		html_escape(f, pg->name[v]);
		fputs(".html\">run report</a>", f);
	} else {
		fputs(pg->have_run[v] ? "no run report: the name is not a file name" : "no telemetry", f);
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

struct chart {
	const char *file, *heading, *caption; /* caption NULL: the memory chart's, from what the document has */
	void (*draw)(FILE *f, const void *pg);
	bool ticks;                           /* decisions are ticked on it */
	bool after_tables;                    /* drawn below the summary and policy tables */
};

#define MAX_CHARTS 5

/* The charts this document has, in page order. */
static size_t charts(const struct host_page *pg, struct chart *c)
{
	size_t n = 0, runs = 0;
	for (size_t v = 0; v < pg->n; v++)
		runs += pg->have_run[v];
	if (pg->mem.rows > 1)
		c[n++] = (struct chart){ "host-memory.svg", "Memory by VM and state", NULL, host_memory_chart, true, false };
	if (runs)
		c[n++] = (struct chart){ "host-throughput.svg", "Throughput of each VM",
					 "One panel per VM on the same time axis, each on its own scale. Shaded red: the VM's dips "
					 "(throughput below its dip threshold, as its run report finds them; hover for depth and ops "
					 "lost); dashed: its baseline.",
					 host_throughput_chart, true, false };
	if (pg->share.n)
		c[n++] = (struct chart){ "host-sharing-saved.svg", "Memory saved by page sharing",
					 "One line per sharing engine on the same time axis. Linux KSM: the pages sharing a KSM "
					 "page plus the zero pages it mapped to the kernel's zero page, above their values before "
					 "the run, times 4 KiB (host-wide counters: another process merging at the same time "
					 "would count too). memvirt engine: its own saved bytes. Marked: each line's peak, with "
					 "its size and time, and its last value; ticked: when it first reached 90&nbsp;% of its "
					 "peak. Hover a line for its figures.",
					 host_share_saved_chart, false, false };
	if (pg->share.any_cpu)
		c[n++] = (struct chart){ "host-sharing-cpu.svg", "CPU time spent scanning for shared pages",
					 "CPU seconds since the run began: ksmd's (its utime + stime, one kernel thread) and the "
					 "memvirt engine's scanner, each with its peak and last value labelled. What the "
					 "saving above cost.",
					 host_share_cpu_chart, false, false };
	if (pg->mem.rows > 1 && pg->mem.all_used)
		c[n++] = (struct chart){ "host-used.svg", "Memory each VM's guest uses",
					 "Stacked: the frames each guest kernel has handed out; the gap to the resident layers above "
					 "is memory the host still holds for a guest that no longer uses it.",
					 host_used_chart, false, true };
	return n;
}

/* What the memory chart shows, saying only what this document has. */
static void memory_caption(FILE *f, const struct host_page *pg)
{
	fputs("Stacked: each VM's guest RAM resident in host memory (mincore)", f);
	if (pg->mem.any_balloon)
		fputs(", then above them each VM's ballooned bytes (hatched: given back, not held by the host)", f);
	fputs(". ", f);
	if (pg->mem.any_wss)
		fputs("Dashed in a VM's colour: its working-set estimate, drawn from the bottom of its layer (above the "
		      "layer's top: the VM holds less than its working set). ", f);
	if (pg->budget)
		fputs("Dashed black and grey: the budget and budget + slack. ", f);
	if (pg->mem.usage)
		fputs("Red: the budget cgroup's usage. ", f);
	fputs("Dark grey: the VMM process's RSS (all VMs and the VMM). ", f);
	fputs("Hover anywhere for every figure at that time.", f);
}

static void chart_section(FILE *f, const struct host_page *pg, const struct chart *c)
{
	html_printf(f, "<h2>%s</h2>\n<p class=note>", c->heading);
	if (c->caption)
		fputs(c->caption, f); /* markup of this file's own */
	else
		memory_caption(f, pg);
	if (c->ticks && json_array_size(pg->decisions))
		fputs(" Ticks at the top, in the colour of the VM they concern (grey: host-wide): the policy's decisions; "
		      "hover one for what was decided, from what to what, and why.", f);
	fputs("</p>\n", f);
	c->draw(f, pg);
	html_printf(f, "<p class=note>Standalone SVG: <a href=\"%s\">%s</a></p>\n", c->file, c->file);
}

static void emit(FILE *f, const void *arg)
{
	const struct host_page *pg = arg;
	const json_t *cfg = json_object_get(pg->doc, "config");
	struct chart c[MAX_CHARTS];
	size_t nc = charts(pg, c);
	char title[300];
	snprintf(title, sizeof(title), "memvirt host report: %s, %zu VMs", str(cfg, "name"), pg->n);
	html_page_begin(f, title, "h2{margin:1.4em 0 .3em}.note{color:#444;font-size:.9em;margin:.2em 0}"
				  "table.decisions td{font-size:.9em}.nw{white-space:nowrap}svg{max-width:100%;height:auto}");
	fputs("<h1>", f);
	html_escape(f, title);
	fputs("</h1>\n<p>Every VM ran at once on this host; one monitor sampled them all on one clock, so the "
	      "charts below line up in time. Each VM's own report (dips, faults, residency) is linked from the table. "
	      "How to read it: docs/scenarios.md.</p>\n", f);
	vm_table(f, pg);
	for (size_t i = 0; i < nc; i++)
		if (!c[i].after_tables)
			chart_section(f, pg, &c[i]);
	host_summary_table(f, pg);
	host_budget_section(f, pg);
	host_policy_section(f, pg);
	host_decisions_table(f, pg);
	for (size_t i = 0; i < nc; i++)
		if (c[i].after_tables)
			chart_section(f, pg, &c[i]);
	html_page_end(f);
}

static void page_free(struct host_page *pg)
{
	for (size_t v = 0; v < pg->n; v++) {
		if (pg->have_run[v])
			report_free(&pg->run[v]);
		report_rates_free(&pg->rates[v]);
	}
	host_mem_free(&pg->mem);
	host_share_free(&pg->share);
}

/* VM names become file names (vm-NAME.html) only when they are one: the scenario reader allows
 * letters, digits, '-' and '_'; a document with any other name still gets its host page. */
static bool file_name(const char *name)
{
	return *name && strlen(name) < 200 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(name);
}

/* Each VM's run: its document and series. */
static int load_vms(struct host_page *pg, const char *json_path, char *why, size_t n)
{
	const json_t *vms = json_object_get(pg->doc, "vms"), *vm;
	const char *key;
	char skip[256];
	json_object_foreach((json_t *)vms, key, vm) {
		if (pg->n == HOST_MAX_VMS)
			return snprintf(why, n, "%s: more than %d VMs", json_path, HOST_MAX_VMS), -E2BIG;
		if (!json_is_object(json_object_get(vm, "result")) || !json_is_object(json_object_get(vm, "config")))
			return snprintf(why, n, "%s: vm %.40s is not a run result", json_path, key), -EINVAL;
		pg->name[pg->n] = key;
		pg->vm[pg->n] = vm;
		/* a VM without telemetry still has its row in the table */
		pg->have_run[pg->n] = report_init(&pg->run[pg->n], json_incref((json_t *)vm), json_path,
						  skip, sizeof(skip)) == 0;
		pg->own_page[pg->n] = pg->have_run[pg->n] && file_name(key);
		pg->n++;
	}
	if (!pg->n)
		return snprintf(why, n, "%s: the host document has no VMs", json_path), -EINVAL;
	return 0;
}

/* The time axis of every chart: the VMs' series and the host's memory rows. */
static void time_axis(struct host_page *pg)
{
	pg->t0_ms = INFINITY;
	pg->t1_ms = -INFINITY;
	for (size_t v = 0; v < pg->n; v++)
		if (pg->have_run[v]) {
			const struct tel_series *ts = &pg->run[v].series;
			pg->t0_ms = fmin(pg->t0_ms, ts->s[0].time_ms);
			pg->t1_ms = fmax(pg->t1_ms, ts->s[ts->n - 1].time_ms);
		}
	for (size_t i = 0; i < pg->mem.rows; i++)
		if (isfinite(pg->mem.t_s[i])) {
			pg->t0_ms = fmin(pg->t0_ms, 1e3 * pg->mem.t_s[i]);
			pg->t1_ms = fmax(pg->t1_ms, 1e3 * pg->mem.t_s[i]);
		}
	for (size_t k = 0; k < pg->share.n; k++) /* the sharing engines' samples */
		for (size_t i = 0; i < pg->share.line[k].n; i++)
			if (isfinite(pg->share.line[k].t_s[i])) {
				pg->t0_ms = fmin(pg->t0_ms, 1e3 * pg->share.line[k].t_s[i]);
				pg->t1_ms = fmax(pg->t1_ms, 1e3 * pg->share.line[k].t_s[i]);
			}
	if (!(pg->t1_ms > pg->t0_ms) || !isfinite(pg->t1_ms - pg->t0_ms))
		pg->t0_ms = 0, pg->t1_ms = 1;
	for (size_t v = 0; v < pg->n; v++)
		if (pg->have_run[v] &&
		    report_rates_compute(&pg->run[v].series, pg->t0_ms, pg->t1_ms, MAX_POINTS, &pg->rates[v]) < 0)
			pg->have_run[v] = pg->own_page[v] = false;
}

/* The overcommit parts: each an object (the log an array), or NULL when absent or null. */
static void overcommit_parts(struct host_page *pg)
{
	const json_t *host = json_object_get(pg->doc, "host");
	const json_t *b = json_object_get(host, "budget"), *p = json_object_get(host, "policy");
	const json_t *d = json_object_get(p, "decisions");
	pg->budget = json_is_object(b) ? b : NULL;
	pg->policy = json_is_object(p) ? p : NULL;
	pg->decisions = json_is_array(d) ? d : NULL;
}

static int write_files(const struct host_page *pg, const char *dir, char *why, size_t n)
{
	char path[4200];
	struct chart c[MAX_CHARTS];
	size_t nc = charts(pg, c);
	int rc;
	for (size_t v = 0; v < pg->n; v++) {
		if (!pg->own_page[v])
			continue;
		snprintf(path, sizeof(path), "%s/vm-%s.html", dir, pg->name[v]);
		if ((rc = report_write_html(&pg->run[v], path)) < 0)
			return snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc)), rc;
	}
	for (size_t i = 0; i < nc; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, c[i].file);
		if ((rc = svg_write_file(path, c[i].draw, pg)) < 0)
			return snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc)), rc;
	}
	snprintf(path, sizeof(path), "%s/index.html", dir);
	if ((rc = atomic_write_stream(path, emit, pg)) < 0)
		snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc));
	return rc;
}

int report_host_write(const json_t *doc, const char *json_path, const char *dir, char *why, size_t n)
{
	struct host_page *pg = calloc(1, sizeof(*pg));
	if (!pg)
		return snprintf(why, n, "out of memory"), -ENOMEM;
	pg->doc = doc;
	/* a killed host's document (vmm/run/run_record.h) keeps its configuration and why it died,
	 * no series: nothing to draw, and the reason is what the reader needs */
	const json_t *status = json_object_get(doc, "status");
	const char *state = json_string_value(json_object_get(status, "state"));
	int rc = state && strcmp(state, "killed") == 0 ? -EINVAL : load_vms(pg, json_path, why, n);
	if (rc < 0 && state && strcmp(state, "killed") == 0)
		snprintf(why, n, "%s: the host was killed (%.300s): the document holds its configuration, no measurements to "
			 "draw", json_path, json_string_value(json_object_get(status, "message")));
	const json_t *memory = json_object_get(json_object_get(doc, "host"), "memory");
	char reason[300];
	if (rc == 0 && json_is_object(memory) && (rc = host_mem_load(pg, memory, reason, sizeof(reason))) < 0)
		snprintf(why, n, "%s: %s", json_path, reason);
	if (rc == 0 && (rc = host_share_load(pg, reason, sizeof(reason))) < 0)
		snprintf(why, n, "%s: %s", json_path, reason);
	if (rc == 0) {
		overcommit_parts(pg);
		time_axis(pg);
		rc = write_files(pg, dir, why, n);
	}
	page_free(pg);
	free(pg);
	return rc;
}
