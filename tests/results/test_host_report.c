/* test_host_report.c — the host report page (results/report_host.c and the host_*.c files it
 * draws with) from host documents built here, to the format the overcommit layer writes
 * (issue 12: host.budget, host.policy with its decision log, host.memory's usage_bytes and
 * per-VM balloon_bytes and wss_bytes columns, vms.NAME.vm.shares), and without those parts as an
 * older document has them:
 * - with them: the memory chart has the budget and budget + slack lines, the usage line, the
 *   hatched balloon layers and the dashed working sets; every decision is a tick on the memory
 *   chart and on its VM's throughput panel (host-wide ones on every panel); the decisions, the
 *   budget, the policy and the per-VM summary (ops lost summed from the dips) are tables;
 * - without them: the page still renders with the charts and the summary, and none of the new
 *   sections;
 * - a long log: 200 table rows and a count of the rest;
 * - hostile strings in a VM name, reasons, knob names, the cgroup path and a decision's VM reach
 *   the page and the SVG files escaped, and the VM without a file name gets no page of its own;
 * - every chart is also a standalone SVG file, linked from the page, with no HTML-only entity;
 * - page sharing (issue 11): with host.ksm.series and host.sharing.series, the saved-bytes and
 *   scanner-CPU charts with a line per engine, every sample a point, the peak, the last value
 *   and the time to 90 % labelled, KSM's saving counted from before the run; one engine alone;
 *   none (no section, no file); a malformed series refused naming it. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "results/report.h"
#include "tests/common/test_svg.h"
#include "tests/common/tmpdir.h"

#define PAYLOAD "<script>alert(1)</script>\"'&x"
#define ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x"
#define MIB (1 << 20)
#define ROWS 200 /* 1 kHz for 200 ms */

static char page[1 << 22];

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s was not written", path);
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* ---- A host document --------------------------------------------------------------------- */

/* One VM's series: `rate` ops/ms, a tenth of it in [dip_a, dip_b) ms. */
static json_t *series(double rate, int dip_a, int dip_b)
{
	json_t *rows = json_array();
	double prog = 0;
	for (int i = 0; i < ROWS; i++) {
		json_array_append_new(rows, json_pack("[i,i,I,i,i,i,i,i,i,i,i,I,I,i,i]", i, 1, (json_int_t)prog, 0, 0, 0, 0, 0,
						      0, 0, 0, (json_int_t)64 * MIB, (json_int_t)64 * MIB, 0, 0));
		prog += i >= dip_a && i < dip_b ? rate / 10 : rate;
	}
	return json_pack("{s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s], s:o}", "columns", "time_ms", "phase", "progress", "minflt",
			 "majflt", "pswpin", "pswpout", "pgmajfault", "workingset_refault", "psi_some_us", "psi_full_us",
			 "guest_resident_bytes", "guest_mapped_bytes", "worker_wait_us", "reclaim_events", "rows", rows);
}

/* A VM's run result: a dip over [dip_a, dip_b) ms losing `lost` ops; shares when > 0. */
static json_t *vm_doc(const char *name, double rate, int dip_a, int dip_b, double lost, int shares)
{
	json_t *vm = json_pack(
		"{s:i, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:I, s:i}, s:{s:s, s:f, s:f, s:f, s:f},"
		" s:{s:i, s:i}, s:{s:I, s:I},"
		" s:{s:i, s:i, s:n, s:{s:f, s:f}, s:{s:i, s:i}, s:f, s:f, s:f, s:f, s:o},"
		" s:[{s:f, s:f, s:f, s:f, s:f, s:s, s:[], s:n, s:{}}], s:{s:s, s:f, s:f}}",
		"schema_version", 1, "status", "state", "ok", "message", "",
		"config", "workload", "seq", "platform", "sim", "mmu", "ept", "mem_bytes", (json_int_t)256 * MIB, "seed", 1,
		"result", "checksum", "0x0123456789abcdef", "ops", rate * ROWS, "ops_per_s", rate * 1e3, "run_s", 0.2,
		"create_s", 0.001, "faults", "host_minor", 10, "host_major", 7,
		"memory", "guest_bytes", (json_int_t)256 * MIB, "host_resident_bytes", (json_int_t)64 * MIB,
		"telemetry", "sample_us", 1000, "samples", ROWS, "timeseries", "measure", "start_ms", 0.0, "end_ms", 199.0,
		"host", "pswpin", 11, "pswpout", 13, "baseline_ops_per_s", rate * 1e3, "dip_threshold", 0.5,
		"dip_min_ms", 5.0, "dip_bin_ms", 1.0, "series", series(rate, dip_a, dip_b),
		"dips", "start_ms", (double)dip_a, "end_ms", (double)dip_b, "duration_ms", (double)(dip_b - dip_a), "depth",
		0.9, "ops_lost", lost, "cause", "cpu", "events", "lag_ms", "host",
		"vm", "name", name, "start_s", 0.0, "end_s", 0.199);
	if (shares > 0)
		json_object_set_new(json_object_get(vm, "vm"), "shares", json_integer(shares));
	return vm;
}

/* host.memory for VMs a and b (names given): resident 192 and 160 MiB falling to 128 and 96 as
 * balloons of up to 64 MiB inflate; with `overcommit`, usage, balloon and wss columns. */
static json_t *memory(const char *a, const char *b, bool overcommit)
{
	json_t *cols = json_array(), *rows = json_array();
	const char *names[2] = { a, b };
	char col[512];
	json_array_append_new(cols, json_string("time_ms"));
	json_array_append_new(cols, json_string("rss_bytes"));
	json_array_append_new(cols, json_string("available_bytes"));
	if (overcommit)
		json_array_append_new(cols, json_string("usage_bytes"));
	const char *suffix[] = { "guest_resident_bytes", "guest_used_bytes", "balloon_bytes", "wss_bytes" };
	for (size_t s = 0; s < (overcommit ? 4u : 2u); s++)
		for (size_t v = 0; v < 2; v++) {
			snprintf(col, sizeof(col), "%s.%s", names[v], suffix[s]);
			json_array_append_new(cols, json_string(col));
		}
	for (int i = 0; i < ROWS; i++) {
		double balloon = i < 100 ? 0 : 64.0 * MIB * (i - 100) / 100;
		double res[2] = { 192.0 * MIB - balloon, 160.0 * MIB - balloon };
		json_t *row = json_pack("[i, f, f]", i, res[0] + res[1] + 8.0 * MIB, 1e10);
		if (overcommit)
			json_array_append_new(row, json_real(res[0] + res[1] + 4.0 * MIB));
		for (int v = 0; v < 2; v++)
			json_array_append_new(row, json_real(res[v]));
		for (int v = 0; v < 2; v++)
			json_array_append_new(row, json_real(res[v] / 2));
		for (int v = 0; overcommit && v < 2; v++)
			json_array_append_new(row, json_real(balloon));
		for (int v = 0; overcommit && v < 2; v++) /* wss: null for b, as a VM not estimated */
			json_array_append_new(row, v == 0 ? json_real(100.0 * MIB) : json_null());
		json_array_append_new(rows, row);
	}
	return json_pack("{s:o, s:o, s:i}", "columns", cols, "rows", rows, "stride", 1);
}

/* Decision i of n: alternately about a and b, every fifth host-wide (vm null). */
static json_t *decision(int i, const char *a, const char *b, const char *reason)
{
	json_t *vm = i % 5 == 4 ? json_null() : json_string(i % 2 ? b : a);
	if (i % 5 == 4)
		return json_pack("{s:f, s:o, s:s, s:s, s:s, s:s, s:{s:f}}", "t_ms", 10.0 + (i % 180), "vm", vm, "action", "ksm", "from",
				 "off", "to", "on", "reason", reason, "inputs", "host_free_frac", 0.15);
	return json_pack("{s:f, s:o, s:s, s:I, s:I, s:s, s:{s:f, s:I}}", "t_ms", 10.0 + (i % 180), "vm", vm, "action", "target", "from",
			 (json_int_t)256 * MIB, "to", (json_int_t)192 * MIB, "reason", reason, "inputs", "host_free_frac", 0.15,
			 "wss_bytes", (json_int_t)100 * MIB);
}

struct doc_opts {
	const char *a, *b;   /* VM names */
	bool overcommit;     /* budget, policy, the new columns, shares */
	int decisions;
	const char *text;    /* reasons, knob names, cgroup path, policy name */
	bool ksm, own;       /* host.ksm.series, host.sharing.series (share_fixture) */
};

/* ---- Page sharing (issue 11): host.ksm as ksm/ksm_session.c writes it, host.sharing.series
 * with the own engine's columns. 21 samples 10 ms apart. KSM: another process already had
 * 1000 pages sharing before the run (not counted); the run adds 1024 sharing pages and 256 zero
 * pages per sample up to sample 10, so the saving peaks at 50 MiB at 0.10 s and first reaches
 * 90 % of it (45 MiB) at 0.09 s; ksmd's CPU grows 10 ms per sample from 5 s before the run:
 * 0.2 s at the end. The own engine (4 ms later): 8 MiB per sample up to 40 MiB at 0.054 s,
 * 1 ms of scanner CPU per sample. */
#define SHARE_ROWS 21

static json_t *ksm_part(void)
{
	json_t *rows = json_array();
	for (int i = 0; i < SHARE_ROWS; i++) {
		int k = i < 10 ? i : 10;
		json_array_append_new(rows, json_pack("[f, i, i, i, i, i]", 10.0 * i, 1000 + 1024 * k, 0, 256 * k, 5000 + 10 * i,
						      100));
	}
	return json_pack("{s:s, s:b, s:{s:i, s:i, s:i}, s:{s:[s, s, s, s, s, s], s:o}}", "engine", "linux-ksm", "on", 1,
			 "before", "pages_sharing", 1000, "ksm_zero_pages", 0, "ksmd_cpu_ms", 5000, "series", "columns",
			 "time_ms", "pages_sharing", "pages_volatile", "ksm_zero_pages", "ksmd_cpu_ms", "pages_to_scan", "rows",
			 rows);
}

static json_t *own_part(void)
{
	json_t *rows = json_array();
	for (int i = 0; i < SHARE_ROWS; i++) {
		int k = i < 5 ? i : 5;
		json_array_append_new(rows, json_pack("[f, i, i, i, i, i, i, I, f]", 10.0 * i + 4, 1000 * i, 10 * k, 100 * k, 0, 0,
						      0, (json_int_t)k * 8 * MIB, 0.001 * i));
	}
	return json_pack("{s:s, s:{s:[s, s, s, s, s, s, s, s, s], s:o}}", "engine", "memvirt", "series", "columns", "time_ms",
			 "scanned", "shared", "sharing", "zero", "volatile", "cow_breaks", "saved_bytes", "scan_cpu_s", "rows",
			 rows);
}

static json_t *host_doc(const struct doc_opts *o)
{
	json_t *doc = json_pack("{s:i, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:[s,s]}, s:{s:{s:i, s:i, s:i, s:i, s:f, s:f, s:f, "
				"s:I, s:I, s:I, s:f}, s:o}, s:{s:o, s:o}}",
				"schema_version", 1, "kind", "host", "status", "state", "ok", "message", "",
				"config", "name", "fixture", "sample_us", 1000, "vms", o->a, o->b,
				"host", "totals", "vms", 2, "ok", 2, "failed", 0, "interrupted", 0, "ops_per_s", 1.1e6, "wall_s",
				0.2, "create_s_max", 0.001, "guest_bytes", (json_int_t)512 * MIB, "host_resident_bytes",
				(json_int_t)128 * MIB, "rss_peak_bytes", (json_int_t)360 * MIB, "ops", 2.2e5,
				"memory", memory(o->a, o->b, o->overcommit),
				"vms", o->a, vm_doc(o->a, 1000, 50, 70, 1234, o->overcommit ? 1000 : 0), o->b,
				vm_doc(o->b, 100, 120, 150, 777, o->overcommit ? 2000 : 0));
	if (o->ksm)
		json_object_set_new(json_object_get(doc, "host"), "ksm", ksm_part());
	if (o->own)
		json_object_set_new(json_object_get(doc, "host"), "sharing", own_part());
	if (!o->overcommit)
		return doc;
	json_t *host = json_object_get(doc, "host"), *log = json_array(), *knobs = json_object();
	for (int i = 0; i < o->decisions; i++)
		json_array_append_new(log, decision(i, o->a, o->b, o->text));
	json_object_set_new(knobs, "idle_tax", json_real(0.75));
	json_object_set_new(knobs, o->text, json_string(o->text));
	json_object_set_new(host, "budget",
			    json_pack("{s:I, s:I, s:s, s:i, s:I, s:f, s:{s:s, s:I}, s:i}", "bytes", (json_int_t)320 * MIB,
				      "slack_bytes", (json_int_t)16 * MIB, "cgroup", o->text, "version", 2, "peak_usage_bytes",
				      (json_int_t)356 * MIB, "over_ms", 42.5, "swap", "kind", "zram", "bytes",
				      (json_int_t)128 * MIB, "oom_kills", 0));
	json_object_set_new(host, "policy",
			    json_pack("{s:s, s:f, s:o, s:i, s:{s:f, s:f, s:f, s:f}, s:o}", "name", "esx", "period_ms", 10.0,
				      "knobs", knobs, "steps", 20, "step_cpu_us", "mean", 12.5, "p50", 11.0, "p99", 30.0, "max",
				      41.0, "decisions", log));
	return doc;
}

static void render_doc(json_t *doc, const char *sub)
{
	char out[128], why[512];
	snprintf(out, sizeof(out), "%s/%s", test_dir, sub);
	assert_int_equal(mkdir(out, 0700), 0);
	assert_non_null(doc);
	int rc = report_host_write(doc, "fixture.json", out, why, sizeof(why));
	if (rc < 0)
		fail_msg("report_host_write: %s", why);
	json_decref(doc);
	char path[200];
	snprintf(path, sizeof(path), "%s/index.html", out);
	slurp(path, page, sizeof(page));
}

static void render(const struct doc_opts *o, const char *sub)
{
	render_doc(host_doc(o), sub);
}

/* The standalone SVG file: there, an XML document with no entity XML does not know. */
static void check_svg(const char *sub, const char *file, const char *must)
{
	static char svg[1 << 22];
	char path[200];
	snprintf(path, sizeof(path), "%s/%s/%s", test_dir, sub, file);
	slurp(path, svg, sizeof(svg));
	assert_true(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=", 50) == 0);
	assert_non_null(strstr(svg, "</svg>\n"));
	assert_null(strstr(svg, "&ndash;"));
	assert_null(strstr(svg, "&micro;"));
	assert_null(strstr(svg, "&hellip;"));
	assert_non_null(strstr(svg, must));
	char link[100];
	snprintf(link, sizeof(link), "<a href=\"%s\">", file);
	assert_non_null(strstr(page, link));
}

/* ---- Tests --------------------------------------------------------------------------------- */

static void test_overcommit_page(void **st)
{
	(void)st;
	struct doc_opts o = { "a", "b", true, 10, "balloon a: host free under 20%", false, false };
	render(&o, "oc");
	/* memory by state: budget and slack lines, usage, hatched balloons, a's dashed working set */
	assert_non_null(strstr(page, "Memory by VM and state"));
	assert_non_null(strstr(page, ">budget 320.0 MiB</text>"));
	assert_non_null(strstr(page, ">budget + slack 336.0 MiB</text>"));
	assert_non_null(strstr(page, "<title>the budget cgroup&#39;s usage</title>"));
	assert_int_equal(test_count(page, "fill=\"url(#mv-hatch-"), 2 * 2); /* two layers, two legend swatches */
	assert_non_null(strstr(page, "<title>a: working-set estimate"));
	assert_null(strstr(page, "<title>b: working-set estimate")); /* b's column is all null */
	assert_non_null(strstr(page, "ballooned 32.0 MiB")); /* hover: the balloon at t = 150 ms */
	/* 10 decisions: 8 about VMs (4 each), 2 host-wide; memory chart all 10, a's panel 4 + 2,
	 * b's panel 4 + 2 */
	assert_int_equal(test_count(page, "<g class=\"decision\">"), 10 + 6 + 6);
	assert_non_null(strstr(page, "(dips shaded red, policy decisions ticked)</text>"));
	assert_non_null(strstr(page, "a: target 256.0 MiB \xe2\x86\x92 192.0 MiB\nballoon a: host free under 20%"));
	assert_non_null(strstr(page, "host: ksm off \xe2\x86\x92 on"));
	assert_non_null(strstr(page, "host_free_frac=0.15, wss_bytes=100.0 MiB</td>")); /* inputs: bytes read as bytes */
	/* the tables */
	assert_non_null(strstr(page, "<h2>Policy decisions</h2>"));
	assert_int_equal(test_count(page, "<tr><td>"), 10 + 0); /* decision rows; other tables' rows start otherwise */
	assert_null(strstr(page, "more decisions"));
	assert_non_null(strstr(page, "<h2>Host memory budget</h2>"));
	assert_non_null(strstr(page, "<td>356.0 MiB (111% of the budget)</td>"));
	assert_non_null(strstr(page, "<td>42.5 ms</td>"));
	assert_non_null(strstr(page, "zram, 128.0 MiB"));
	assert_non_null(strstr(page, "<b>esx</b>, a step every 10.0 ms"));
	assert_non_null(strstr(page, "<code>idle_tax</code> = 0.75"));
	assert_non_null(strstr(page, "12.5 &micro;s of CPU on average"));
	/* the summary: shares, ops lost from the dips, major faults, swap, memory, balloon */
	assert_non_null(strstr(page, "<th>shares</th>"));
	assert_non_null(strstr(page, "<td>1000</td><td>200000</td><td>1e+06</td><td>1</td><td>1234 (0.6%)</td><td>7</td>"
				     "<td>11</td><td>13</td>"));
	assert_non_null(strstr(page, "<th>balloon at the end</th>"));
	assert_non_null(strstr(page, "<td>63.4 MiB</td></tr>")); /* b's balloon at the last row, 199 ms */
	/* throughput: a panel per VM with its dip shaded */
	assert_int_equal(test_count(page, "<rect class=\"dip\""), 2);
	assert_non_null(strstr(page, "dip 1: 0.050-0.070 s, depth 90%, 1234 ops lost"));
	check_svg("oc", "host-memory.svg", ">budget 320.0 MiB</text>");
	check_svg("oc", "host-throughput.svg", "<rect class=\"dip\"");
	check_svg("oc", "host-used.svg", "used by its guest");
}

/* A document from before overcommit: no budget, policy, balloon, wss or shares. */
static void test_older_document(void **st)
{
	(void)st;
	struct doc_opts o = { "a", "b", false, 0, "", false, false };
	render(&o, "old");
	assert_non_null(strstr(page, "Memory by VM and state"));
	assert_non_null(strstr(page, "Throughput of each VM"));
	assert_non_null(strstr(page, "<h2>Per-VM summary</h2>"));
	assert_int_equal(test_count(page, "<rect class=\"dip\""), 2);
	assert_null(strstr(page, "Host memory budget"));
	assert_null(strstr(page, "<h2>Policy"));
	assert_null(strstr(page, "class=\"decision\""));
	assert_null(strstr(page, "decisions ticked"));
	assert_null(strstr(page, "url(#mv-hatch-"));
	assert_null(strstr(page, ": working-set estimate, from"));
	assert_null(strstr(page, "budget cgroup"));
	assert_null(strstr(page, "<th>shares</th>"));
	assert_null(strstr(page, "<th>balloon at the end</th>"));
	assert_non_null(strstr(page, "<a href=\"vm-a.html\">run report</a>"));
	check_svg("old", "host-memory.svg", "a: guest RAM resident in host memory");
	check_svg("old", "host-throughput.svg", "<rect class=\"dip\"");
}

/* The columns are found by name: the per-VM overcommit columns interleaved (a.balloon, a.wss,
 * b.balloon, b.wss) and usage_bytes moved to the end draw the same chart. */
static void test_columns_by_name(void **st)
{
	(void)st;
	char out[128], why[512], path[200];
	struct doc_opts o = { "a", "b", true, 10, "r", false, false };
	json_t *doc = host_doc(&o), *mem = json_object_get(json_object_get(doc, "host"), "memory"), *row;
	const size_t from[] = { 0, 1, 2, 4, 5, 6, 7, 8, 10, 9, 11, 3 }; /* new column k is old column from[k] */
	json_t *cols = json_array();
	for (size_t k = 0; k < 12; k++)
		json_array_append(cols, json_array_get(json_object_get(mem, "columns"), from[k]));
	assert_string_equal(json_string_value(json_array_get(cols, 8)), "a.wss_bytes");
	json_object_set_new(mem, "columns", cols);
	size_t i;
	json_array_foreach(json_object_get(mem, "rows"), i, row) {
		json_t *moved = json_array();
		for (size_t k = 0; k < 12; k++)
			json_array_append(moved, json_array_get(row, from[k]));
		json_array_set_new(json_object_get(mem, "rows"), i, moved);
	}
	snprintf(out, sizeof(out), "%s/bynames", test_dir);
	assert_int_equal(mkdir(out, 0700), 0);
	if (report_host_write(doc, "fixture.json", out, why, sizeof(why)) < 0)
		fail_msg("report_host_write: %s", why);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/index.html", out);
	slurp(path, page, sizeof(page));
	assert_int_equal(test_count(page, "fill=\"url(#mv-hatch-"), 2 * 2);
	assert_non_null(strstr(page, "<title>a: working-set estimate"));
	assert_null(strstr(page, "<title>b: working-set estimate"));
	assert_non_null(strstr(page, "ballooned 32.0 MiB"));
	assert_non_null(strstr(page, "<td>63.4 MiB</td></tr>"));
	assert_non_null(strstr(page, "<title>the budget cgroup&#39;s usage</title>"));
}

/* A VM never sampled (it failed in setup) has a resident column of nulls: still a page, its
 * memory a dash in the summary. */
static void test_vm_not_sampled(void **st)
{
	(void)st;
	char out[128], why[512], path[200];
	struct doc_opts o = { "a", "b", false, 0, "", false, false };
	json_t *doc = host_doc(&o), *mem = json_object_get(json_object_get(doc, "host"), "memory"), *row;
	size_t i;
	json_array_foreach(json_object_get(mem, "rows"), i, row) json_array_set_new(row, 4, json_null()); /* b's */
	assert_string_equal(json_string_value(json_array_get(json_object_get(mem, "columns"), 4)), "b.guest_resident_bytes");
	snprintf(out, sizeof(out), "%s/unsampled", test_dir);
	assert_int_equal(mkdir(out, 0700), 0);
	if (report_host_write(doc, "fixture.json", out, why, sizeof(why)) < 0)
		fail_msg("report_host_write: %s", why);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/index.html", out);
	slurp(path, page, sizeof(page));
	assert_non_null(strstr(page, "<td>&ndash;</td><td>&ndash;</td></tr>")); /* b: mean and peak resident */
	assert_non_null(strstr(page, "b: guest RAM resident in host memory"));
}

static void test_long_log(void **st)
{
	(void)st;
	struct doc_opts o = { "a", "b", true, 250, "r", false, false };
	render(&o, "long");
	assert_int_equal(test_count(page, "<tr><td>"), 200);
	assert_non_null(strstr(page, "and 50 more decisions"));
	assert_non_null(strstr(page, "<tr><th class=l>decisions</th><td class=l>250</td></tr>"));
}

static void check_escaped(const char *path, const char *text)
{
	if (strstr(text, "<script") || strstr(text, "'&x") || strstr(text, "\"'"))
		fail_msg("%s: the payload appears unescaped", path);
	if (!strstr(text, ESCAPED))
		fail_msg("%s: no string of the document reached it", path);
}

static void test_hostile_strings(void **st)
{
	(void)st;
	static char svg[1 << 22];
	char path[200];
	struct doc_opts o = { PAYLOAD, "b", true, 10, PAYLOAD, false, false };
	render(&o, "hostile");
	check_escaped("index.html", page);
	/* every place a string goes: the VM's name, a decision's VM, reason, knob, cgroup */
	assert_true(test_count(page, ESCAPED) >= 20);
	assert_non_null(strstr(page, "<code>" ESCAPED "</code> = " ESCAPED));
	assert_non_null(strstr(page, "no run report: the name is not a file name"));
	assert_non_null(strstr(page, "<a href=\"vm-b.html\">"));
	const char *files[] = { "host-memory.svg", "host-throughput.svg", "host-used.svg" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/hostile/%s", test_dir, files[i]);
		slurp(path, svg, sizeof(svg));
		check_escaped(path, svg);
	}
	snprintf(path, sizeof(path), "%s/hostile/vm-b.html", test_dir);
	assert_int_equal(access(path, F_OK), 0);
}

/* Both engines: each chart has its axis titles, a legend entry per engine, every sample as a
 * point, the peak and the last value labelled, and when 90 % of the peak was first reached. */
static void test_sharing_charts(void **st)
{
	static char svg[1 << 20];
	char path[200];
	(void)st;
	struct doc_opts o = { "a", "b", false, 0, "", true, true };
	render(&o, "share");
	assert_non_null(strstr(page, "<h2>Memory saved by page sharing</h2>"));
	assert_non_null(strstr(page, "<h2>CPU time spent scanning for shared pages</h2>"));
	check_svg("share", "host-sharing-saved.svg", ">memory saved (MiB)</text>");
	check_svg("share", "host-sharing-cpu.svg", ">scanner CPU time (s)</text>");
	snprintf(path, sizeof(path), "%s/share/host-sharing-saved.svg", test_dir);
	slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">time since the host started (s)</text>"));
	assert_non_null(strstr(svg, ">Linux KSM (ksmd)</text>"));
	assert_non_null(strstr(svg, ">memvirt engine</text>"));
	assert_int_equal(test_svg_polyline_points(svg, "Linux KSM (ksmd): bytes saved"), SHARE_ROWS);
	assert_int_equal(test_svg_polyline_points(svg, "memvirt engine: bytes saved"), SHARE_ROWS);
	assert_non_null(strstr(svg, ">peak 50.0 MiB at 0.10 s</text>")); /* the 1000 pages from before not counted */
	assert_non_null(strstr(svg, ">peak 40.0 MiB at 0.05 s</text>"));
	assert_non_null(strstr(svg, ">90% of the peak at 0.09 s</text>"));
	assert_non_null(strstr(svg, ">last 50.0 MiB at 0.20 s</text>"));
	assert_int_equal(test_count(svg, "class=\"peak\""), 2);
	snprintf(path, sizeof(path), "%s/share/host-sharing-cpu.svg", test_dir);
	slurp(path, svg, sizeof(svg));
	assert_int_equal(test_svg_polyline_points(svg, "Linux KSM (ksmd): CPU time"), SHARE_ROWS);
	assert_non_null(strstr(svg, ">0.2 s at 0.20 s</text>"));   /* ksmd: 5.2 s less the 5 s before */
	assert_non_null(strstr(svg, ">0.02 s at 0.20 s</text>"));  /* the own scanner */
}

/* One engine: its line alone; none (an older document, or ksm off): no section, no file. */
static void test_sharing_one_or_none(void **st)
{
	static char svg[1 << 20];
	char path[200];
	(void)st;
	struct doc_opts o = { "a", "b", false, 0, "", true, false };
	render(&o, "ksm-only");
	snprintf(path, sizeof(path), "%s/ksm-only/host-sharing-saved.svg", test_dir);
	slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">Linux KSM (ksmd)</text>"));
	assert_null(strstr(svg, "memvirt engine"));
	struct doc_opts none = { "a", "b", false, 0, "", false, false };
	render(&none, "no-share");
	assert_null(strstr(page, "page sharing"));
	snprintf(path, sizeof(path), "%s/no-share/host-sharing-saved.svg", test_dir);
	assert_int_equal(access(path, F_OK), -1);
	/* host.sharing as the host writes it without a series (share = off): no line */
	json_t *doc = host_doc(&none);
	json_object_set_new(json_object_get(doc, "host"), "sharing", json_null());
	render_doc(doc, "sharing-null");
	assert_null(strstr(page, "page sharing"));
	/* series with no rows (an engine that never sampled): no line, and nothing kept (the
	 * sanitizer build sees the columns leak otherwise) */
	struct doc_opts both = { "a", "b", false, 0, "", true, true };
	doc = host_doc(&both);
	json_array_clear(json_object_get(json_object_get(json_object_get(json_object_get(doc, "host"), "ksm"), "series"), "rows"));
	json_array_clear(json_object_get(json_object_get(json_object_get(json_object_get(doc, "host"), "sharing"), "series"), "rows"));
	render_doc(doc, "sharing-empty");
	assert_null(strstr(page, "page sharing"));
}

/* A long run's 5000 samples are thinned to at most 2000 points, the peak (one sample alone, in
 * the middle) still drawn and labelled. */
static void test_sharing_long_series(void **st)
{
	static char svg[1 << 21];
	char path[200];
	(void)st;
	struct doc_opts o = { "a", "b", false, 0, "", false, false };
	json_t *doc = host_doc(&o), *rows = json_array();
	for (int i = 0; i < 5000; i++)
		json_array_append_new(rows, json_pack("[f, I, f]", 0.04 * i, (json_int_t)(i == 2501 ? 64 : 32) * MIB, 1e-4 * i));
	json_object_set_new(json_object_get(doc, "host"), "sharing",
			    json_pack("{s:{s:[s, s, s], s:o}}", "series", "columns", "time_ms", "saved_bytes", "scan_cpu_s",
				      "rows", rows));
	render_doc(doc, "long-share");
	snprintf(path, sizeof(path), "%s/long-share/host-sharing-saved.svg", test_dir);
	slurp(path, svg, sizeof(svg));
	int n = test_svg_polyline_points(svg, "memvirt engine: bytes saved");
	assert_true(n > 1000 && n <= 2003); /* every third sample, and the peak */
	assert_non_null(strstr(svg, ">peak 64.0 MiB at 0.10 s</text>"));
	assert_non_null(strstr(svg, "64.0 MiB at 0.10 s, last 32.0 MiB at 0.20 s"));
}

/* A series that is not what its columns say is refused, naming it. */
static void test_sharing_malformed(void **st)
{
	char why[512], out[128];
	(void)st;
	struct doc_opts o = { "a", "b", false, 0, "", true, true };
	snprintf(out, sizeof(out), "%s/bad", test_dir);
	assert_int_equal(mkdir(out, 0700), 0);
	json_t *doc = host_doc(&o);
	json_t *rows = json_object_get(json_object_get(json_object_get(json_object_get(doc, "host"), "sharing"), "series"),
				       "rows");
	json_array_append_new(json_array_get(rows, 3), json_integer(1)); /* one value too many */
	assert_int_equal(report_host_write(doc, "bad.json", out, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "host.sharing.series row 3 has 10 values for 9 columns"));
	json_decref(doc);
	doc = host_doc(&o);
	json_array_set_new(json_object_get(json_object_get(json_object_get(json_object_get(doc, "host"), "ksm"), "series"),
					   "columns"),
			   1, json_string("sharing_pages"));
	assert_int_equal(report_host_write(doc, "bad.json", out, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "host.ksm.series has no pages_sharing column"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overcommit_page),
		cmocka_unit_test(test_older_document),
		cmocka_unit_test(test_columns_by_name),
		cmocka_unit_test(test_vm_not_sampled),
		cmocka_unit_test(test_long_log),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_sharing_charts),
		cmocka_unit_test(test_sharing_one_or_none),
		cmocka_unit_test(test_sharing_malformed),
		cmocka_unit_test(test_sharing_long_series),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
