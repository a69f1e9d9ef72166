/* test_trend_plot.c — the charts a person chooses (results/trend_plot.c) on a synthetic summary
 * of three axes (mem 16m..256m, a size spanning 16x; mmu, words; workload, words) with known
 * means, standard deviations and quartiles:
 * - x=mem,series=mmu holds workload fixed: one panel per workload, each titled with it, each
 *   with the mmu legend, 3 points per line, an sd error bar per point, the log x axis said;
 * - log=off draws the same axis linear; x=mmu draws bars, one per (mmu, mem);
 * - --error iqr draws the quartiles around the median (the bar's ends where q1 and q3 are),
 *   none draws no bar, and the legend's foot says which;
 * - what the summary cannot draw is refused naming it, and the syntax is checked alone;
 * - the merge page's section links every panel's file, and report --plot writes panel 2
 *   beside the first as -p2;
 * - a recorded plot a hand-edited summary spoils is not drawn, and says why, escaped. */
#include <errno.h>
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

#include "results/trend_plot.h"
#include "tests/common/tmpdir.h"
#include "tests/common/test_svg.h"

static char buf[1 << 18];

/* 3 sizes x 2 strategies x 2 workloads; result.run_s's mean grows with the size, sd 10 % of
 * it, quartiles at mean -/+ 20 % and the median at 0.9 of the mean (so the iqr chart is not
 * the sd chart). */
static json_t *summary(void)
{
	static const char *const mem[] = { "16m", "64m", "256m" }, *const mmu[] = { "ept", "shadow" },
				 *const wl[] = { "gups", "seq" };
	json_t *pts = json_array();
	long i = 0;
	for (int w = 0; w < 2; w++)
		for (int m = 0; m < 3; m++)
			for (int k = 0; k < 2; k++, i++) {
				double mean = 0.001 * (m + 1) * (k + 1) * (w + 1);
				json_array_append_new(
					pts, json_pack("{s:I, s:{s:s, s:s, s:s}, s:{s:{s:i, s:f, s:f, s:f, s:f, s:f}}}", "point",
						       (json_int_t)i, "settings", "mem", mem[m], "mmu", mmu[k], "workload", wl[w],
						       "metrics", "result.run_s", "n", 5, "mean", mean, "sd", 0.1 * mean, "median",
						       0.9 * mean, "q1", 0.8 * mean, "q3", 1.2 * mean));
			}
	return json_pack("{s:s, s:[s], s:o}", "kind", "sweep-summary", "metrics", "result.run_s", "points", pts);
}

static void record(json_t *s, const char *spec, enum trend_error e)
{
	struct trend_plot p;
	char why[512];
	assert_int_equal(trend_plot_parse(spec, &p, why, sizeof(why)), 0);
	assert_int_equal(trend_plot_check(s, &p, why, sizeof(why)), 0);
	json_object_set_new(s, "charts", trend_charts_json(e, &p, 1));
}

static const char *slurp(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s was not written", path);
	size_t got = fread(buf, 1, sizeof(buf) - 1, f);
	buf[got] = 0;
	fclose(f);
	return buf;
}

static void test_panels_lines_and_sd_bars(void **st)
{
	json_t *s = summary();
	char why[512];
	(void)st;
	record(s, "x=mem,series=mmu,metric=result.run_s", TREND_ERROR_SD);
	assert_int_equal(trend_plots_write_files(s, test_dir, why, sizeof(why)), 0);
	for (int k = 1; k <= 2; k++) {
		char name[128];
		snprintf(name, sizeof(name), "plot-result.run_s-vs-mem-by-mmu-p%d.svg", k);
		const char *svg = slurp(name);
		assert_non_null(strstr(svg, k == 1 ? ">where workload=gups</text>" : ">where workload=seq</text>"));
		assert_non_null(strstr(svg, ">mem (size, log scale)</text>"));
		assert_non_null(strstr(svg, ">result.run_s (ms)</text>"));
		assert_non_null(strstr(svg, ">mmu=ept</text>"));
		assert_non_null(strstr(svg, ">mmu=shadow</text>"));
		assert_int_equal(test_count(svg, "<rect class=\"key\""), 2);
		assert_int_equal(test_count(svg, "<polyline"), 2);
		assert_int_equal(test_count(svg, "<circle class=\"pt\""), 6);
		assert_int_equal(test_count(svg, "class=\"errbar\""), 6);
		assert_non_null(strstr(svg, ">points: mean; bars: \u00b1 1 sd</text>"));
		assert_non_null(strstr(svg, ">16 MiB</text>"));
		assert_non_null(strstr(svg, ">256 MiB</text>"));
	}
	char path[256];
	snprintf(path, sizeof(path), "%s/plot-result.run_s-vs-mem-by-mmu-p3.svg", test_dir);
	assert_int_equal(access(path, F_OK), -1); /* two workloads: two panels */

	/* log=off: the same axis, linear, and not claimed log */
	record(s, "x=mem,series=mmu,metric=result.run_s,log=off", TREND_ERROR_SD);
	assert_int_equal(trend_plots_write_files(s, test_dir, why, sizeof(why)), 0);
	assert_non_null(strstr(slurp("plot-result.run_s-vs-mem-by-mmu-p1.svg"), ">mem (size)</text>"));
	json_decref(s);
}

/* Words on x: bars, one per (x value, series value), in a panel per workload. */
static void test_categorical_bars(void **st)
{
	json_t *s = summary();
	char why[512];
	(void)st;
	record(s, "x=mmu,series=mem,metric=result.run_s", TREND_ERROR_SD);
	assert_int_equal(trend_plots_write_files(s, test_dir, why, sizeof(why)), 0);
	const char *svg = slurp("plot-result.run_s-vs-mmu-by-mem-p1.svg");
	assert_int_equal(test_count(svg, "<rect class=\"bar\""), 6);
	assert_int_equal(test_count(svg, "<polyline"), 0);
	assert_non_null(strstr(svg, ">mem=16m</text>"));
	assert_non_null(strstr(svg, ">mem=256m</text>"));
	assert_non_null(strstr(svg, ">mmu</text>"));
	json_decref(s);
}

/* The same chart as iqr and as none: the points move to the medians, the bars to the
 * quartiles; none draws no bar. */
static void test_iqr_and_none(void **st)
{
	json_t *s = summary();
	char why[512], sd_svg[1 << 16];
	struct trend_axes *ax = trend_axes_new(s);
	(void)st;
	assert_non_null(ax);
	struct trend_request r = { .metric = "result.run_s", .x = (size_t)trend_axis_find(ax, "mem"),
				   .series = trend_axis_find(ax, "mmu") };
	r.fixed[0] = (size_t)trend_axis_find(ax, "workload"), r.fixed_value[0] = "gups", r.nfixed = 1;
	FILE *f = fmemopen(sd_svg, sizeof(sd_svg), "w");
	assert_int_equal(trend_request_svg(f, s, ax, &r, true), 0);
	fclose(f);
	r.error = TREND_ERROR_IQR;
	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(trend_request_svg(f, s, ax, &r, true), 0);
	fclose(f);
	assert_int_equal(test_count(buf, "class=\"errbar\""), 6);
	assert_non_null(strstr(buf, ">points: median; bars: IQR, q1 to q3</text>"));
	assert_non_null(strstr(buf, "quartiles"));        /* the tooltip has them */
	assert_string_not_equal(buf, sd_svg);
	/* the median is 0.9 of the mean: the label of the 16m ept point says 0.9, not 1 (ms) */
	assert_non_null(strstr(buf, ">0.9</text>"));
	assert_non_null(strstr(sd_svg, ">1</text>"));
	r.error = TREND_ERROR_NONE;
	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(trend_request_svg(f, s, ax, &r, true), 0);
	fclose(f);
	assert_int_equal(test_count(buf, "class=\"errbar\""), 0);
	assert_non_null(strstr(buf, ">points: mean; no error bars</text>"));
	free(ax);
	(void)why;
	json_decref(s);
}

static void test_refused(void **st)
{
	static const struct { const char *spec, *why; } syntax[] = {
		{ "x=mem", "metric missing" },
		{ "metric=result.run_s", "x missing" },
		{ "x=mem,metric=result.run_s,x=mmu", "x given twice" },
		{ "x=mem,metric=result.run_s,log=1", "log='1'" },
		{ "x=mem,metric=result..run_s", "not a metric path" },
		{ "x=m<em,metric=result.run_s", "not an axis name" },
		{ "x=mem,series=mem,metric=result.run_s", "both mem" },
		{ "x=mem,metric=result.run_s,y=2", "'y=2'" },
		{ "x=mem,,metric=result.run_s", "'' is not KEY=VALUE" },
	};
	static const struct { const char *spec, *why; } against[] = {
		{ "x=seed,metric=result.run_s", "x=seed is not a swept axis (the sweep varies: mem, mmu, workload)" },
		{ "x=mem,series=seed,metric=result.run_s", "series=seed is not a swept axis" },
		{ "x=mem,metric=result.ops", "has no metric result.ops (it has: result.run_s" },
		{ "x=mmu,metric=result.run_s,log=on", "the values of mmu are words" },
	};
	json_t *s = summary();
	struct trend_plot p;
	char why[512];
	(void)st;
	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		assert_int_equal(trend_plot_parse(syntax[i].spec, &p, why, sizeof(why)), -EINVAL);
		if (!strstr(why, syntax[i].why))
			fail_msg("%s: '%s' does not say %s", syntax[i].spec, why, syntax[i].why);
	}
	for (size_t i = 0; i < sizeof(against) / sizeof(against[0]); i++) {
		assert_int_equal(trend_plot_parse(against[i].spec, &p, why, sizeof(why)), 0);
		assert_int_equal(trend_plot_check(s, &p, why, sizeof(why)), -EINVAL);
		if (!strstr(why, against[i].why))
			fail_msg("%s: '%s' does not say %s", against[i].spec, why, against[i].why);
	}
	json_decref(s);
}

/* The page's section links each panel; report --plot writes panel 2 as FILE-p2.svg. */
static void test_page_and_export(void **st)
{
	json_t *s = summary();
	char why[512], path[256];
	(void)st;
	record(s, "x=mem,series=mmu,metric=result.run_s", TREND_ERROR_IQR);
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	trend_plots_html(f, s);
	fclose(f);
	assert_non_null(strstr(buf, "Chosen plots"));
	assert_non_null(strstr(buf, "href=\"plot-result.run_s-vs-mem-by-mmu-p1.svg\""));
	assert_non_null(strstr(buf, "href=\"plot-result.run_s-vs-mem-by-mmu-p2.svg\""));
	assert_non_null(strstr(buf, "interquartile range"));
	assert_int_equal(test_count(buf, "<svg"), 2);
	snprintf(path, sizeof(path), "%s/fig.svg", test_dir);
	assert_int_equal(trend_export(s, "x=mem,series=mmu,metric=result.run_s", TREND_ERROR_NONE, path, NULL, "", why,
				      sizeof(why)),
			 0);
	assert_non_null(strstr(slurp("fig.svg"), ">where workload=gups</text>"));
	assert_non_null(strstr(slurp("fig-p2.svg"), ">where workload=seq</text>"));
	assert_non_null(strstr(buf, "no error bars"));
	assert_int_equal(trend_export(s, "x=mem,metric=result.nothing", TREND_ERROR_SD, path, NULL, "", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "no metric result.nothing"));
	json_decref(s);
}

/* A summary edited by hand: a recorded plot with markup in it is not drawn, and the page says
 * why with the text escaped; one that parses but names nothing the summary has, likewise. */
static void test_hostile_recorded_plot(void **st)
{
	json_t *s = summary();
	(void)st;
	json_object_set_new(s, "charts",
			    json_pack("{s:s, s:[s, s, i]}", "error_bars", "<b>", "plots",
				      "x=<script>alert(1)</script>,metric=result.run_s", "x=nope,metric=result.run_s", 7));
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	trend_plots_html(f, s);
	fclose(f);
	if (strstr(buf, "<script") || strstr(buf, "<b>"))
		fail_msg("markup from the summary reached the page: %s", buf);
	assert_non_null(strstr(buf, "&lt;script&gt;"));
	assert_int_equal(test_count(buf, "A recorded plot is not drawn"), 3);
	assert_non_null(strstr(buf, "x=nope is not a swept axis"));
	assert_int_equal(test_count(buf, "<svg"), 0);
	assert_non_null(strstr(buf, "standard deviation")); /* an unknown error_bars: sd */
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_panels_lines_and_sd_bars), cmocka_unit_test(test_categorical_bars),
		cmocka_unit_test(test_iqr_and_none),		 cmocka_unit_test(test_refused),
		cmocka_unit_test(test_page_and_export),	 cmocka_unit_test(test_hostile_recorded_plot),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
