/* test_hostile_docs.c — what a shared result file can do to the pages made from it (issue 17),
 * through the real binary (MEMVIRT_BIN) where a document is read, the library where none is:
 * every string of a run result, a host result and the merged sweep points replaced by markup,
 * quotes and '&' reaches every page escaped; a dip naming event INT64_MAX is drawn as "#?";
 * timestamps near 1e17 draw a page rather than loop; a FIFO named as the time series is
 * refused at once. The compare page, built from runs rather than a document, gets the same
 * strings through its workload and platform names. */
#include <dirent.h>
#include <setjmp.h>
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

#include "results/compare.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/test_json.h"
#include "tests/common/tmpdir.h"

#define PAYLOAD "<script>alert(1)</script>\"'&x"

static struct memvirt_cmd cmd = { .bin = "/usr/bin/timeout", .dir = test_dir };

#define memvirt(...) memvirt_cmd_run(&cmd, "60 " MEMVIRT_BIN " " __VA_ARGS__)

/* Every string value in o becomes PAYLOAD, but for what names the document's structure
 * (kind, a series' column names). */
static void taint(json_t *o, const char *key)
{
	const char *k;
	json_t *v;
	size_t i;
	if (key && (strcmp(key, "kind") == 0 || strcmp(key, "columns") == 0))
		return;
	if (json_is_object(o)) {
		json_object_foreach(o, k, v) {
			if (json_is_string(v) && strcmp(k, "kind") != 0)
				json_object_set_new(o, k, json_string(PAYLOAD));
			else
				taint(v, k);
		}
	} else if (json_is_array(o)) {
		json_array_foreach(o, i, v) {
			if (json_is_string(v))
				json_array_set_new(o, i, json_string(PAYLOAD));
			else
				taint(v, key);
		}
	}
}

static void save(const char *path, json_t *doc)
{
	assert_int_equal(json_dump_file(doc, path, 0), 0);
	json_decref(doc);
}

/* The page holds the payload escaped at least once and never raw. */
static void check_page(const char *path)
{
	static char page[1 << 22];
	test_slurp(path, page, sizeof(page));
	if (strstr(page, "<script") || strstr(page, "'&x") || strstr(page, "\"'"))
		fail_msg("%s: the payload appears unescaped", path);
	if (!strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x"))
		fail_msg("%s: no string of the document reached the page", path);
}

/* A sim run with telemetry, a reclaim event and (added) a dip naming an event out of range. */
static void make_run(const char *json)
{
	assert_int_equal(memvirt("run --platform sim --workload seq --mem 4m --sample-us 200 --no-progress "
				 "--reclaim discard:at=1ms,frac=0.5 --json %s", json), 0);
	json_t *doc = test_json_load(json);
	json_t *dip = json_pack("{s:f, s:f, s:f, s:f, s:f, s:s, s:[I], s:n, s:{}}", "start_ms", 20.0, "end_ms", 22.0,
				"duration_ms", 2.0, "depth", 0.5, "ops_lost", 10.0, "cause", "reclaim", "events",
				(json_int_t)INT64_MAX, "lag_ms", "host");
	json_array_append_new(json_object_get(doc, "dips"), dip);
	save(json, doc);
}

static void test_run_report(void **st)
{
	(void)st;
	char json[128], out[128], page[160];
	snprintf(json, sizeof(json), "%s/run.json", test_dir);
	snprintf(out, sizeof(out), "%s/run-report", test_dir);
	make_run(json);
	json_t *doc = test_json_load(json);
	taint(doc, NULL);
	save(json, doc);
	assert_int_equal(memvirt("report %s -o %s", json, out), 0);
	snprintf(page, sizeof(page), "%s/index.html", out);
	check_page(page);
	static char text[1 << 22];
	test_slurp(page, text, sizeof(text));
	assert_non_null(strstr(text, "#?")); /* event INT64_MAX: not an event of this run */
}

/* Timestamps near 1e17 ms: the axis ticks once stopped advancing (x + step == x). */
static void test_far_timestamps(void **st)
{
	(void)st;
	char json[128], out[128], page[160];
	snprintf(json, sizeof(json), "%s/far.json", test_dir);
	snprintf(out, sizeof(out), "%s/far-report", test_dir);
	make_run(json);
	json_t *doc = test_json_load(json), *tel = json_object_get(doc, "telemetry"), *row;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(tel, "series"), "rows"), i, row)
		json_array_set_new(row, 0, json_real(1e17 + json_number_value(json_array_get(row, 0))));
	json_t *m = json_object_get(tel, "measure");
	json_object_set_new(m, "start_ms", json_real(1e17 + json_number_value(json_object_get(m, "start_ms"))));
	json_object_set_new(m, "end_ms", json_real(1e17 + json_number_value(json_object_get(m, "end_ms"))));
	save(json, doc);
	assert_int_equal(memvirt("report %s -o %s", json, out), 0);
	snprintf(page, sizeof(page), "%s/index.html", out);
	struct stat sb;
	assert_int_equal(stat(page, &sb), 0);
	assert_true(sb.st_size < (8 << 20));
}

/* A FIFO named as the series: refused at once, one line, exit 2 (it was opened and waited on). */
static void test_fifo_series(void **st)
{
	(void)st;
	char json[128], fifo[128], out[128];
	snprintf(json, sizeof(json), "%s/fifo.json", test_dir);
	snprintf(fifo, sizeof(fifo), "%s/series.csv", test_dir);
	snprintf(out, sizeof(out), "%s/fifo-report", test_dir);
	make_run(json);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	json_t *doc = test_json_load(json);
	json_object_set_new(json_object_get(doc, "telemetry"), "timeseries", json_string(fifo));
	save(json, doc);
	assert_int_equal(memvirt("report %s -o %s", json, out), 2);
	assert_non_null(strstr(cmd.err, "not a regular file"));
	assert_int_equal(test_count_lines(cmd.err), 1);
	/* the document itself as a FIFO */
	assert_int_equal(memvirt("report %s -o %s", fifo, out), 2);
	assert_int_equal(test_count_lines(cmd.err), 1);
}

static void test_host_report(void **st)
{
	(void)st;
	char ini[160], json[128], out[128], page[200];
	test_write_file(test_dir, "two.ini",
			"[host]\nsample-us = 500\n[vm a]\nplatform = sim\nworkload = seq\nmem = 2m\n"
			"[vm b]\nplatform = sim\nworkload = gups\nmem = 2m\n",
			ini, sizeof(ini));
	snprintf(json, sizeof(json), "%s/host.json", test_dir);
	snprintf(out, sizeof(out), "%s/host-report", test_dir);
	assert_int_equal(memvirt("host %s --json %s --no-progress", ini, json), 0);
	json_t *doc = test_json_load(json);
	/* the memory columns name the VMs: kept, as the VM keys are (checked as file names) */
	json_t *cols = json_deep_copy(json_object_get(json_object_get(json_object_get(doc, "host"), "memory"), "columns"));
	taint(doc, NULL);
	if (cols)
		json_object_set_new(json_object_get(json_object_get(doc, "host"), "memory"), "columns", cols);
	save(json, doc);
	assert_int_equal(memvirt("report %s -o %s", json, out), 0);
	const char *pages[] = { "index.html", "vm-a.html", "vm-b.html" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(page, sizeof(page), "%s/%s", out, pages[i]);
		check_page(page);
	}
}

static void test_merge_summary(void **st)
{
	(void)st;
	char ini[160], out[128], path[400], page[200];
	test_write_file(test_dir, "sweep.ini", "[global]\nplatform = sim\nmem = 1m\n[w]\nworkload = seq, gups\n", ini,
			sizeof(ini));
	snprintf(out, sizeof(out), "%s/sweep", test_dir);
	assert_int_equal(memvirt("sweep %s --out %s", ini, out), 0);
	snprintf(path, sizeof(path), "%s/points", out);
	DIR *d = opendir(path);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/points/%s", out, e->d_name);
		json_t *doc = test_json_load(path);
		taint(doc, NULL);
		save(path, doc);
	}
	closedir(d);
	/* tainted states read as failed repetitions: merge what is there */
	assert_int_equal(memvirt("merge %s --partial", out), 0);
	snprintf(page, sizeof(page), "%s/report.html", out);
	check_page(page);
}

static void test_compare_page(void **st)
{
	(void)st;
	static struct compare c;
	static const struct wl_workload wl = { .name = PAYLOAD };
	char page[160];
	c.base.platform = PAYLOAD;
	c.n = 1;
	c.with_sim = true;
	c.rows[0].workload = &wl;
	c.rows[0].ept.exits.pt_write = 1; /* a cost line to draw */
	snprintf(page, sizeof(page), "%s/compare.html", test_dir);
	assert_int_equal(compare_write_html(&c, page), 0);
	check_page(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_report),   cmocka_unit_test(test_far_timestamps),
		cmocka_unit_test(test_fifo_series),  cmocka_unit_test(test_host_report),
		cmocka_unit_test(test_merge_summary), cmocka_unit_test(test_compare_page),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
