/* test_sweep_trend.c — a sweep's trend charts and per-repetition files as a user meets them
 * (the real binary, MEMVIRT_BIN): a small sim sweep over two axes (mem, a size; mmu, words)
 * with two repetitions and `timeseries = t.csv` gives a page with one chart per metric and
 * axis and the same charts as SVG files beside it, x ticks in binary units and y titles with
 * the metric's unit; each repetition's series is its own file under points/ (none written to
 * the current directory), and the summary's relative paths to every result and series
 * resolve from the summary's folder; `memvirt report SUMMARY.json --plot` exports one chart and
 * refuses, with one line and exit 2, a metric or axis the sweep does not have; `memvirt merge
 * --plot x=...,series=...,metric=... --error iqr` writes the chosen chart beside the page and
 * on it, and refuses a bad plot or --error with one line and exit 2, writing nothing; the same
 * charts chosen in the file (plot =, error =) are drawn by the sweep's own merge and any later
 * merge, the command line replacing them, and a bad one stops the sweep before it runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"
#include "tests/common/test_svg.h"

static char out[128];
/* a hang is a failure (exit 124), not a ctest timeout */
static struct memvirt_cmd cmd = { .bin = "/usr/bin/timeout", .dir = test_dir };
static char page[1 << 21];

#define memvirt(...) memvirt_cmd_run(&cmd, "60 " MEMVIRT_BIN " " __VA_ARGS__)

/* The sweep runs once for the group, from test_dir (a relative timeseries would land there). */
static int setup(void **st)
{
	char ini[160];
	(void)st;
	if (test_dir_setup(st) || chdir(test_dir))
		return -1;
	test_write_file(test_dir, "fp.ini",
			"[global]\nplatform = sim\nworkload = seq\nrepeat = 2\nsample-us = 500\ntimeseries = t.csv\n"
			"[fp]\nmem = 1m, 4m\nmmu = ept, shadow\n",
			ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/sweep", test_dir);
	if (memvirt("sweep %s --out %s", ini, out) != 0) {
		fprintf(stderr, "sweep failed: %s\n", cmd.err);
		return -1;
	}
	snprintf(ini, sizeof(ini), "%s/report.html", out);
	test_slurp(ini, page, sizeof(page));
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return chdir("/") || test_dir_teardown(st);
}

static json_t *summary(void)
{
	char path[200];
	json_error_t err;
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_t *doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s: %s", path, err.text);
	return doc;
}

static void test_charts_on_page_and_as_files(void **st)
{
	static const char *const metrics[] = { "result.run_s", "result.ops_per_s", "mmu.modeled_cycles" };
	static const char *const axes[] = { "mem", "mmu" };
	char path[300], svg[1 << 16];
	(void)st;
	assert_non_null(strstr(page, "Trends against the swept axes"));
	for (size_t m = 0; m < 3; m++)
		for (size_t a = 0; a < 2; a++) {
			char name[128];
			snprintf(name, sizeof(name), "trend-%s-vs-%s.svg", metrics[m], axes[a]);
			snprintf(path, sizeof(path), "%s/%s", out, name);
			test_slurp(path, svg, sizeof(svg));
			if (strncmp(svg, "<?xml", 5) != 0 || !strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""))
				fail_msg("%s: not a standalone SVG file", path);
			char href[160];
			snprintf(href, sizeof(href), "href=\"%s\"", name);
			if (!strstr(page, href))
				fail_msg("the page does not link %s", name);
		}
	/* mem is a size: ticks in binary units, the title says so; mmu is words: bars */
	snprintf(path, sizeof(path), "%s/trend-result.run_s-vs-mem.svg", out);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">1 MiB</text>"));
	assert_non_null(strstr(svg, ">4 MiB</text>"));
	assert_non_null(strstr(svg, ">mem (size)</text>"));
	assert_non_null(strstr(svg, "<polyline"));
	assert_non_null(strstr(svg, ">mmu=ept</text>")); /* the legend: one line per mmu */
	assert_non_null(strstr(svg, ">mmu=shadow</text>"));
	/* a unit of time, whichever fits; "log scale" too when the times of runs this short on a
	 * loaded host span 100x */
	const char *y = strstr(svg, ">result.run_s (");
	assert_non_null(y);
	y += strlen(">result.run_s (");
	if (strncmp(y, "s", 1) != 0 && strncmp(y, "ms", 2) != 0 && strncmp(y, "us", 2) != 0 && strncmp(y, "ns", 2) != 0)
		fail_msg("the y axis of run_s carries no unit of time: %.30s", y);
	snprintf(path, sizeof(path), "%s/trend-result.ops_per_s-vs-mmu.svg", out);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">result.ops_per_s (ops/s")); /* ", log scale" when a loaded host spreads them */
	assert_non_null(strstr(svg, "<rect x="));
	assert_non_null(strstr(svg, ">ept</text>"));
	snprintf(path, sizeof(path), "%s/trend-mmu.modeled_cycles-vs-mem.svg", out);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">mmu.modeled_cycles (cycles)</text>"));
}

/* Every repetition's result and its own series, by paths relative to the summary. */
static void test_files_relative_to_summary(void **st)
{
	(void)st;
	json_t *doc = summary(), *p, *f;
	size_t i, k, n = 0;
	char path[400], seen[8][128];
	json_array_foreach(json_object_get(doc, "points"), i, p) {
		assert_int_equal(json_array_size(json_object_get(p, "files")), 2);
		json_array_foreach(json_object_get(p, "files"), k, f) {
			const char *res = json_string_value(json_object_get(f, "result"));
			const char *ts = json_string_value(json_object_get(f, "timeseries"));
			assert_non_null(res);
			assert_non_null(ts);
			assert_int_equal(json_integer_value(json_object_get(f, "repetition")), (json_int_t)k + 1);
			assert_string_equal(json_string_value(json_object_get(f, "series")), "file");
			assert_true(res[0] != '/' && ts[0] != '/');
			snprintf(path, sizeof(path), "%s/%s", out, res);
			assert_true(test_file_exists(path));
			snprintf(path, sizeof(path), "%s/%s", out, ts);
			assert_true(test_file_exists(path));
			for (size_t j = 0; j < n; j++) /* each repetition a series of its own */
				assert_string_not_equal(seen[j], ts);
			assert_true(n < 8);
			snprintf(seen[n++], sizeof(seen[0]), "%s", ts);
			char href[160];
			snprintf(href, sizeof(href), "href=\"%s\"", ts);
			if (!strstr(page, href))
				fail_msg("the page does not link %s", ts);
		}
	}
	assert_int_equal(n, 8);
	snprintf(path, sizeof(path), "%s/t.csv", test_dir);
	assert_false(test_file_exists(path)); /* the sweep writes nothing where it was started */
	json_decref(doc);
	/* the run report of a repetition finds its series beside it */
	assert_int_equal(memvirt("report %s/points/0001-fp-r2.json -o %s/r", out, test_dir), 0);

	/* merged elsewhere (-o), the paths lead from there back to the sweep's folder */
	assert_int_equal(memvirt("merge %s -o %s/elsewhere", out, test_dir), 0);
	snprintf(path, sizeof(path), "%s/elsewhere/summary.json", test_dir);
	json_error_t err;
	doc = json_load_file(path, 0, &err);
	assert_non_null(doc);
	const json_t *e = json_array_get(json_object_get(json_array_get(json_object_get(doc, "points"), 0), "files"), 0);
	const char *res = json_string_value(json_object_get(e, "result"));
	assert_non_null(res);
	assert_string_equal(res, "../sweep/points/0000-fp-r1.json");
	snprintf(path, sizeof(path), "%s/elsewhere/%s", test_dir, json_string_value(json_object_get(e, "timeseries")));
	assert_true(test_file_exists(path));
	snprintf(path, sizeof(path), "%s/elsewhere/trend-result.run_s-vs-mem.svg", test_dir);
	assert_true(test_file_exists(path));
	json_decref(doc);
}

static void test_plot_export(void **st)
{
	char svg[1 << 16], path[200];
	(void)st;
	snprintf(path, sizeof(path), "%s/one.svg", test_dir);
	assert_int_equal(memvirt("report %s/summary.json --plot result.ops_per_s:mem -o %s", out, path), 0);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">result.ops_per_s (ops/s")); /* ", log scale" when a loaded host spreads them */
	assert_non_null(strstr(svg, ">mem (size)</text>"));
	/* without an axis: the first one swept */
	assert_int_equal(memvirt("report %s/summary.json --plot mmu.modeled_cycles -o %s", out, path), 0);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">mem (size)</text>"));

	static const char *const bad[] = { "result.nothing", "result.run_s:seed", "result.run_s:", "a..b" };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(memvirt("report %s/summary.json --plot %s -o %s", out, bad[i], path), 2);
		assert_int_equal(test_count_lines(cmd.err), 1);
		assert_non_null(strstr(cmd.err, "invalid --plot value"));
	}
	/* a run result is not a summary */
	assert_int_equal(memvirt("report %s/points/0000-fp-r1.json --plot result.run_s -o %s", out, path), 2);
	assert_non_null(strstr(cmd.err, "not a sweep summary"));
	assert_int_equal(test_count_lines(cmd.err), 1);
}

static void test_merge_plot(void **st)
{
	char svg[1 << 16], path[300], html[1 << 20];
	(void)st;
	assert_int_equal(memvirt("merge %s -o %s/chosen --plot x=mem,series=mmu,metric=result.run_s "
				 "--plot x=mmu,series=mem,metric=mmu.modeled_cycles --error iqr", out, test_dir), 0);
	/* two axes: x and series, nothing held fixed, one file per plot */
	snprintf(path, sizeof(path), "%s/chosen/plot-result.run_s-vs-mem-by-mmu.svg", test_dir);
	test_slurp(path, svg, sizeof(svg));
	assert_int_equal(strncmp(svg, "<?xml", 5), 0);
	assert_non_null(strstr(svg, ">mem (size)</text>"));
	assert_non_null(strstr(svg, ">mmu=ept</text>"));
	assert_non_null(strstr(svg, ">mmu=shadow</text>"));
	assert_int_equal(test_count(svg, "<circle class=\"pt\""), 4); /* 2 sizes x 2 strategies */
	assert_non_null(strstr(svg, "points: median; bars: IQR, q1 to q3"));
	/* two repetitions of a timed run: each point's quartiles differ (two wall times equal to the
	 * nanosecond do not happen), so each of the 4 points has its bar */
	assert_int_equal(test_count(svg, "class=\"errbar\""), 4);
	snprintf(path, sizeof(path), "%s/chosen/plot-mmu.modeled_cycles-vs-mmu-by-mem.svg", test_dir);
	test_slurp(path, svg, sizeof(svg));
	assert_int_equal(test_count(svg, "<rect class=\"bar\""), 4);
	assert_non_null(strstr(svg, ">mem=1m</text>"));
	assert_int_equal(test_count(svg, "class=\"errbar\""), 0); /* the simulator's counters do not vary */
	snprintf(path, sizeof(path), "%s/chosen/report.html", test_dir);
	test_slurp(path, html, sizeof(html));
	assert_non_null(strstr(html, "Chosen plots"));
	assert_non_null(strstr(html, "href=\"plot-result.run_s-vs-mem-by-mmu.svg\""));
	snprintf(path, sizeof(path), "%s/chosen/summary.json", test_dir);
	test_slurp(path, html, sizeof(html));
	assert_non_null(strstr(html, "\"error_bars\": \"iqr\""));

	/* refused with one line naming what is wrong, and nothing written */
	static const struct { const char *arg, *names; } bad[] = {
		{ "--plot x=seed,metric=result.run_s", "x=seed is not a swept axis" },
		{ "--plot x=mem,series=mmu,metric=result.nothing", "no metric result.nothing" },
		{ "--plot x=mem,series=mem,metric=result.run_s", "series and x are both mem" },
		{ "--plot x=mmu,metric=result.run_s,log=on", "log=on" },
		{ "--plot x=mem,metric=result.run_s,log=yes", "log='yes'" },
		{ "--plot x=mem,metric=a..b", "metric='a..b'" },
		{ "--plot x=mem", "metric missing" },
		{ "--plot mem:result.run_s", "'mem:result.run_s'" },
		{ "--plot x=mem,metric=result.run_s,colour=red", "'colour=red'" },
		{ "--error stderr", "'stderr'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(memvirt("merge %s -o %s/refused %s", out, test_dir, bad[i].arg), 2);
		assert_int_equal(test_count_lines(cmd.err), 1);
		if (!strstr(cmd.err, bad[i].names))
			fail_msg("%s: the error does not name %s: %s", bad[i].arg, bad[i].names, cmd.err);
		snprintf(path, sizeof(path), "%s/refused/summary.json", test_dir);
		assert_false(test_file_exists(path));
	}

	/* report --plot draws the same chart anew, with its own error bars */
	snprintf(path, sizeof(path), "%s/none.svg", test_dir);
	assert_int_equal(memvirt("report %s/summary.json --plot x=mem,series=mmu,metric=result.run_s --error none -o %s",
				 out, path), 0);
	test_slurp(path, svg, sizeof(svg));
	assert_int_equal(test_count(svg, "class=\"errbar\""), 0);
	assert_non_null(strstr(svg, "points: mean; no error bars"));
	assert_int_equal(memvirt("report %s/summary.json --error iqr -o %s/x", out, test_dir), 2); /* --error needs --plot */
	assert_int_equal(test_count_lines(cmd.err), 1);
}

/* The charts a file chose with plot = and error =, drawn by the sweep's own merge with no merge
 * option and again by a later `memvirt merge DIR`; the command line's --plot and --error each
 * replace the file's. */
static void test_file_charts(void **st)
{
	char ini[160], dir[160], path[300], svg[1 << 16];
	(void)st;
	test_write_file(test_dir, "ch.ini",
			"[global]\nplatform = sim\nworkload = seq\nrepeat = 2\n"
			"plot = x=mem,series=mmu,metric=result.run_s\nplot = x=mmu,series=mem,metric=mmu.modeled_cycles\n"
			"error = iqr\n[ch]\nmem = 1m, 4m\nmmu = ept, shadow\n",
			ini, sizeof(ini));
	snprintf(dir, sizeof(dir), "%s/charts", test_dir);
	assert_int_equal(memvirt("sweep %s --out %s", ini, dir), 0);
	assert_non_null(strstr(cmd.out, "plot-*.svg"));
	snprintf(path, sizeof(path), "%s/plot-result.run_s-vs-mem-by-mmu.svg", dir);
	test_slurp(path, svg, sizeof(svg));
	assert_int_equal(test_count(svg, "<circle class=\"pt\""), 4);
	assert_non_null(strstr(svg, "points: median; bars: IQR, q1 to q3"));
	assert_int_equal(test_count(svg, "class=\"errbar\""), 4); /* as merge --error iqr draws them */
	snprintf(path, sizeof(path), "%s/plot-mmu.modeled_cycles-vs-mmu-by-mem.svg", dir);
	assert_true(test_file_exists(path));
	snprintf(path, sizeof(path), "%s/report.html", dir);
	test_slurp(path, page, sizeof(page));
	assert_non_null(strstr(page, "href=\"plot-result.run_s-vs-mem-by-mmu.svg\""));

	/* merged again by hand, with no option: the same charts */
	assert_int_equal(memvirt("merge %s -o %s/again", dir, test_dir), 0);
	snprintf(path, sizeof(path), "%s/again/plot-mmu.modeled_cycles-vs-mmu-by-mem.svg", test_dir);
	assert_true(test_file_exists(path));
	snprintf(path, sizeof(path), "%s/again/summary.json", test_dir);
	test_slurp(path, page, sizeof(page));
	assert_non_null(strstr(page, "\"error_bars\": \"iqr\""));

	/* --plot replaces the file's plots, --error its error bars */
	assert_int_equal(memvirt("merge %s -o %s/mine --plot x=mem,series=mmu,metric=result.ops_per_s --error sd", dir,
				 test_dir), 0);
	snprintf(path, sizeof(path), "%s/mine/plot-result.ops_per_s-vs-mem-by-mmu.svg", test_dir);
	test_slurp(path, svg, sizeof(svg));
	assert_null(strstr(svg, "bars: IQR"));
	snprintf(path, sizeof(path), "%s/mine/plot-result.run_s-vs-mem-by-mmu.svg", test_dir);
	assert_false(test_file_exists(path));
	snprintf(path, sizeof(path), "%s/mine/summary.json", test_dir);
	test_slurp(path, page, sizeof(page));
	assert_non_null(strstr(page, "\"error_bars\": \"sd\""));
	/* --error alone keeps the file's plots */
	assert_int_equal(memvirt("merge %s -o %s/bars --error none", dir, test_dir), 0);
	snprintf(path, sizeof(path), "%s/bars/plot-result.run_s-vs-mem-by-mmu.svg", test_dir);
	test_slurp(path, svg, sizeof(svg));
	assert_int_equal(test_count(svg, "class=\"errbar\""), 0);
	assert_non_null(strstr(svg, "points: mean; no error bars"));
}

/* A bad plot = or error = stops the sweep before anything runs (exit 2, one line naming file,
 * line, key and value); a plot the summary cannot draw is refused by the merge, naming it. */
static void test_file_charts_refused(void **st)
{
	static const struct { const char *keys, *says; } bad[] = {
		{ "plot = x=mem,metric=a..b\n", ":2: key 'plot' = 'x=mem,metric=a..b': " },
		{ "plot = x=mem\n", ":2: key 'plot' = 'x=mem': 'x=mem': expected x=AXIS" },
		{ "error = stderr\n", ":2: key 'error' = 'stderr': expected sd, iqr or none" },
		{ "plot = x=mem,metric=result.run_s,colour=red\n", "'colour=red'" },
	};
	char ini[160], text[512], dir[160], path[300];
	(void)st;
	snprintf(dir, sizeof(dir), "%s/refused-sweep", test_dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[global]\n%s[b]\nplatform = sim\nworkload = seq\nmem = 1m, 2m\n", bad[i].keys);
		test_write_file(test_dir, "bad.ini", text, ini, sizeof(ini));
		assert_int_equal(memvirt("sweep %s --out %s", ini, dir), 2);
		assert_int_equal(test_count_lines(cmd.err), 1);
		if (!strstr(cmd.err, bad[i].says) || !strstr(cmd.err, "bad.ini"))
			fail_msg("%s: the error does not name %s: %s", bad[i].keys, bad[i].says, cmd.err);
		assert_false(test_file_exists(dir)); /* nothing ran */
	}
	/* in a job's section: only in [global] */
	test_write_file(test_dir, "bad.ini", "[b]\nplatform = sim\nplot = x=mem,metric=result.run_s\n", ini, sizeof(ini));
	assert_int_equal(memvirt("sweep %s --out %s", ini, dir), 2);
	assert_non_null(strstr(cmd.err, ":3: key 'plot' = 'x=mem,metric=result.run_s': only in [global]"));
	assert_int_equal(test_count_lines(cmd.err), 1);

	/* good syntax, but seed is no axis of this sweep: the points run, the merge refuses with
	 * one line naming the file's plot, and so does a later merge (exit 2, a bad value) */
	test_write_file(test_dir, "noaxis.ini",
			"[global]\nplot = x=seed,metric=result.run_s\n[b]\nplatform = sim\nworkload = seq\nmem = 1m, 2m\n",
			ini, sizeof(ini));
	assert_int_equal(memvirt("sweep %s --out %s", ini, dir), 1);
	assert_int_equal(test_count_lines(cmd.err), 1);
	assert_non_null(strstr(cmd.err, "invalid plot = value of"));
	assert_non_null(strstr(cmd.err, "x=seed is not a swept axis"));
	assert_int_equal(memvirt("merge %s", dir), 2);
	assert_int_equal(test_count_lines(cmd.err), 1);
	assert_non_null(strstr(cmd.err, "x=seed is not a swept axis"));
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	assert_false(test_file_exists(path));
	/* the command line's own plot replaces it */
	assert_int_equal(memvirt("merge %s --plot x=mem,metric=result.run_s", dir), 0);
	snprintf(path, sizeof(path), "%s/plot-result.run_s-vs-mem.svg", dir);
	assert_true(test_file_exists(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_charts_on_page_and_as_files),
		cmocka_unit_test(test_files_relative_to_summary),
		cmocka_unit_test(test_plot_export),
		cmocka_unit_test(test_merge_plot),
		cmocka_unit_test(test_file_charts),
		cmocka_unit_test(test_file_charts_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
