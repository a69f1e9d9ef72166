/* test_trend.c — the trend charts and file links of a sweep summary, on synthetic summaries:
 * axis values read with their units ("16m" is 16 MiB, "250ms" a quarter second), a log scale
 * where values span orders of magnitude and said on the axis, words drawn as bars, hostile
 * axis names and values escaped on the page and in the SVG and kept out of file names, a
 * recorded time-series name that could be a scheme ("javascript:") percent-encoded in its
 * link, and relative paths between folders. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "results/point_files.h"
#include "results/trend_plot.h"
#include "tests/common/tmpdir.h"

#define PAYLOAD "<script>alert(1)</script>\"'&x"


/* A point of a summary as merge_to_json writes it, with what the charts read. */
static json_t *point(long index, json_t *settings, const char *metric, double mean, double sd)
{
	return json_pack("{s:I, s:s, s:o, s:{s:{s:i, s:f, s:f}}, s:[]}", "point", (json_int_t)index, "label", "l",
			 "settings", settings, "metrics", metric, "n", 3, "mean", mean, "sd", sd, "files");
}

static json_t *summary_of(const char *metric, json_t *points)
{
	return json_pack("{s:s, s:[s], s:o}", "kind", "sweep-summary", "metrics", metric, "points", points);
}

/* The text f wrote, NUL-terminated, in a buffer of the caller's. */
static char *written(FILE *f, char *buf, size_t n)
{
	size_t got;
	rewind(f);
	got = fread(buf, 1, n - 1, f);
	buf[got] = 0;
	fclose(f);
	return buf;
}

static void test_value_text(void **st)
{
	char b[32];
	(void)st;
	trend_value_text(b, sizeof(b), TREND_BYTES, 16.0 * 1024 * 1024);
	assert_string_equal(b, "16 MiB");
	trend_value_text(b, sizeof(b), TREND_BYTES, 2.0 * 1024 * 1024 * 1024);
	assert_string_equal(b, "2 GiB");
	trend_value_text(b, sizeof(b), TREND_SECONDS, 0.25);
	assert_string_equal(b, "250 ms");
	trend_value_text(b, sizeof(b), TREND_SECONDS, 2);
	assert_string_equal(b, "2 s");
	trend_value_text(b, sizeof(b), TREND_PLAIN, 4);
	assert_string_equal(b, "4");
}

/* 16m..512m x ept/shadow: mem is a numeric size axis on a log scale, ascending whatever the
 * file's order; mmu words; y spanning 1000x is log too. */
static void test_axes_units_and_log_scales(void **st)
{
	static const char *const mem[] = { "512m", "16m", "64m", "256m" };
	json_t *pts = json_array();
	(void)st;
	for (long i = 0; i < 8; i++)
		json_array_append_new(pts, point(i, json_pack("{s:s, s:s, s:s}", "mem", mem[i / 2], "mmu", i % 2 ? "shadow" : "ept",
							      "seed", "1"),
						 "result.run_s", 0.001 * (double)(1 << i), 0.0001));
	json_t *s = summary_of("result.run_s", pts);
	struct trend_axes *ax = malloc(sizeof(*ax));
	assert_non_null(ax);
	trend_axes_of(s, ax);
	assert_int_equal(ax->n, 2); /* seed is the same everywhere: not an axis */
	assert_string_equal(ax->axis[0].name, "mem");
	assert_true(ax->axis[0].numeric);
	assert_int_equal(ax->axis[0].unit, TREND_BYTES);
	assert_true(ax->axis[0].log);
	assert_string_equal(ax->axis[0].text[0], "16m");
	assert_string_equal(ax->axis[0].text[3], "512m");
	assert_float_equal(ax->axis[0].value[3], 512.0 * 1024 * 1024, 0);
	assert_false(ax->axis[1].numeric);

	static char buf[1 << 16];
	FILE *f = tmpfile();
	assert_int_equal(trend_chart_svg(f, s, ax, 0, "result.run_s", true), 0);
	written(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, ">mem (size, log scale)</text>"));
	assert_non_null(strstr(buf, ">16 MiB</text>"));
	assert_non_null(strstr(buf, ">512 MiB</text>"));
	assert_non_null(strstr(buf, "(ms, log scale)</text>")); /* 1 ms .. 128 ms */
	assert_non_null(strstr(buf, ">mmu=shadow</text>"));
	f = tmpfile();
	assert_int_equal(trend_chart_svg(f, s, ax, 1, "result.run_s", false), 0);
	written(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, ">mmu</text>")); /* words: no unit, no scale */
	assert_non_null(strstr(buf, "<rect x="));
	assert_null(strstr(buf, "<polyline"));
	f = tmpfile();
	assert_int_equal(trend_chart_svg(f, s, ax, 0, "result.nothing", false), -ENOENT);
	fclose(f);
	free(ax);
	json_decref(s);
}

/* A linear axis and a metric in bytes: MiB on y, no log scale claimed. */
static void test_linear_bytes(void **st)
{
	json_t *pts = json_array();
	(void)st;
	for (long i = 0; i < 3; i++)
		json_array_append_new(pts, point(i, json_pack("{s:s}", "ops", i == 0 ? "1000" : i == 1 ? "2000" : "3000"),
						 "host.resident_bytes", (double)(i + 1) * 64 * 1024 * 1024, 0));
	json_t *s = summary_of("host.resident_bytes", pts);
	static char buf[1 << 16];
	char path[128];
	snprintf(path, sizeof(path), "%s/one.svg", test_dir);
	char why[256];
	assert_int_equal(trend_export(s, "host.resident_bytes", TREND_ERROR_SD, path, NULL, "", why, sizeof(why)), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	written(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, ">host.resident_bytes (MiB)</text>"));
	assert_non_null(strstr(buf, ">ops</text>"));
	assert_null(strstr(buf, "log scale"));
	assert_int_equal(trend_export(s, "host.resident_bytes:mem", TREND_ERROR_SD, path, NULL, "", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a swept axis"));
	json_decref(s);
}

/* Hostile axis names and values: escaped wherever they are drawn, and no file name made of
 * them leaves the folder. */
static void test_hostile_strings(void **st)
{
	json_t *pts = json_array();
	(void)st;
	for (long i = 0; i < 4; i++)
		json_array_append_new(pts, point(i, json_pack("{s:s, s:s}", PAYLOAD, i % 2 ? PAYLOAD : "b", "../../x",
							      i / 2 ? "1m" : "2m"),
						 "result.run_s", 1.0 + (double)i, 0.1));
	json_t *s = summary_of("result.run_s", pts);
	static char buf[1 << 18];
	FILE *f = tmpfile();
	trend_html(f, s);
	written(f, buf, sizeof(buf));
	if (strstr(buf, "<script") || strstr(buf, "'&x") || strstr(buf, "\"'"))
		fail_msg("the payload appears unescaped");
	assert_non_null(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x"));

	char why[256];
	assert_int_equal(trend_write_files(s, test_dir, why, sizeof(why)), 0);
	DIR *d = opendir(test_dir);
	int svgs = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (!strstr(e->d_name, ".svg") || strcmp(e->d_name, "one.svg") == 0)
			continue;
		svgs++;
		assert_int_equal(strspn(e->d_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"),
				 strlen(e->d_name));
	}
	closedir(d);
	assert_int_equal(svgs, 2);
	json_decref(s);
}

static void test_relative_paths(void **st)
{
	char b[256];
	(void)st;
	point_files_relative("/a/b", "/a/b/points/x.json", b, sizeof(b));
	assert_string_equal(b, "points/x.json");
	point_files_relative("/a/b", "/a/c/x.csv", b, sizeof(b));
	assert_string_equal(b, "../c/x.csv");
	point_files_relative("/a/bc", "/a/b/x", b, sizeof(b));
	assert_string_equal(b, "../b/x");
	point_files_relative("/a/b/c", "/x", b, sizeof(b));
	assert_string_equal(b, "../../../x");
	point_files_relative("/", "/x/y", b, sizeof(b));
	assert_string_equal(b, "x/y");
}

/* A recorded name is a link, percent-encoded: never a scheme, never out of the attribute. */
static void test_file_links_encoded(void **st)
{
	(void)st;
	json_t *p = point(0, json_pack("{s:s}", "mem", "1m"), "result.run_s", 1, 0);
	json_array_append_new(json_object_get(p, "files"),
			      json_pack("{s:i, s:s, s:s, s:s, s:s}", "repetition", 1, "state", "ok", "result",
					"points/0000-a-r1.json", "timeseries", "javascript:alert(1)\"x", "series", "file"));
	json_t *s = summary_of("result.run_s", json_pack("[o]", p));
	static char buf[1 << 14];
	FILE *f = tmpfile();
	point_files_html(f, s);
	written(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "href=\"points/0000-a-r1.json\""));
	assert_non_null(strstr(buf, "href=\"javascript%3Aalert%281%29%22x\""));
	assert_null(strstr(buf, "href=\"javascript:"));
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_text),	   cmocka_unit_test(test_axes_units_and_log_scales),
		cmocka_unit_test(test_linear_bytes),	   cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_relative_paths),	   cmocka_unit_test(test_file_links_encoded),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
