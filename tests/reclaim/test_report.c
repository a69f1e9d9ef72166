/* test_report.c — the run report from a known input: a result document with one dip and one
 * reclaim event, its series in a CSV named relative to the document. The page has the five
 * plots, the dip shaded and the event marked in each, the throughput line, both tables, and
 * the guest's used memory beside what the host holds (not from a series without the column);
 * for a VM with a balloon a sixth plot: balloon, guest free, host resident and reported bytes
 * on the same axis (not without a balloon); a document without telemetry is refused with a
 * reason. */
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

#include "results/result.h"
#include "tests/common/tmpdir.h"
#include "results/report.h"
#include "tests/common/test_svg.h"


/* 1000 ms at 1 kHz, 1e6 ops/s, a dip to a tenth at 400-450 ms with minor faults in it; the
 * guest uses 48 MiB, 16 MiB in the dip (TEL_ABSENT: a series from before the column). With a
 * balloon: 8 MiB held, the guest's statistics from 100 ms on, 32 MiB reported at 600 ms. */
static void write_series(const char *path, uint64_t used, bool balloon)
{
	struct tel_series ts = { 0 };
	uint64_t prog = 0, flt = 0;
	for (int i = 0; i <= 1000; i++) {
		bool dip = i >= 400 && i < 450;
		struct tel_sample s = { .time_ms = i, .phase = 1, .progress = prog, .minflt = flt,
					.guest_resident_bytes = 64 << 20, .guest_mapped_bytes = dip ? 32 << 20 : 64 << 20,
					.guest_used_bytes = used == TEL_ABSENT ? used : dip ? used / 3 : used,
					.balloon_bytes = balloon ? 8 << 20 : TEL_ABSENT,
					.guest_free_bytes = balloon && i >= 100 ? 8 << 20 : TEL_ABSENT,
					.balloon_reported_bytes = !balloon ? TEL_ABSENT : i >= 600 ? 32 << 20 : 0 };
		tel_series_push(&ts, &s);
		prog += dip ? 100 : 1000;
		flt += dip ? 20 : 0;
	}
	assert_int_equal(tel_series_write_csv(&ts, path), 0);
	tel_series_free(&ts);
}

static json_t *known_doc(void)
{
	return json_pack(
		"{s:i, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:i, s:i}, s:{s:s, s:f, s:i, s:f},"
		" s:{s:i, s:i, s:i, s:f, s:s, s:{s:f, s:f}, s:{s:i}, s:f, s:f, s:f, s:f},"
		" s:[{s:f, s:f, s:f, s:f, s:f, s:s, s:[i], s:f, s:{s:i, s:i}}],"
		" s:{s:[{s:s, s:s, s:f, s:f, s:f, s:i, s:i, s:i, s:i, s:i, s:s}]}}",
		"schema_version", 1, "status", "state", "ok", "message", "",
		"config", "workload", "seq", "platform", "sim", "mmu", "ept", "mem_bytes", 64 << 20, "seed", 1,
		"result", "checksum", "0x0123456789abcdef", "run_s", 1.0, "ops", 955000, "ops_per_s", 955000.0,
		"telemetry", "sample_us", 1000, "samples", 1001, "overruns", 0, "cost_us_per_sample", 3.0,
		"timeseries", "t.csv", "measure", "start_ms", 0.0, "end_ms", 1000.0, "host", "minor_faults", 1000,
		"baseline_ops_per_s", 1e6, "dip_threshold", 0.5, "dip_min_ms", 5.0, "dip_bin_ms", 1.0,
		"dips", "start_ms", 400.0, "end_ms", 450.0, "duration_ms", 50.0, "depth", 0.9, "ops_lost", 45000.0,
		"cause", "reclaim", "events", 0, "lag_ms", 2.0, "host", "minor_faults", 1000, "major_faults", 0,
		"reclaim", "events", "action", "discard", "status", "done", "at_ms", 398.0, "start_ms", 398.0,
		"end_ms", 399.0, "bytes", 32 << 20, "mapped_pages_before", 16384, "mapped_pages_after", 8192,
		"resident_pages_before", 16384, "resident_pages_after", 16384, "message", "");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The page of the known document over a series whose guest_used_bytes level is `used`, with
 * or without a balloon. */
static const char *report_page(uint64_t used, bool balloon)
{
	char csv[128], json[128], html[128], why[512];
	snprintf(csv, sizeof(csv), "%s/t.csv", test_dir);
	snprintf(json, sizeof(json), "%s/r.json", test_dir);
	snprintf(html, sizeof(html), "%s/index.html", test_dir);
	write_series(csv, used, balloon);
	json_t *doc = known_doc();
	assert_int_equal(result_write_atomic(json, doc), 0);
	json_decref(doc);
	assert_int_equal(chdir("/"), 0); /* t.csv must be found beside the document */
	struct report r;
	if (report_load(json, &r, why, sizeof(why)) < 0)
		fail_msg("report_load: %s", why);
	assert_int_equal(r.series.n, 1001);
	assert_int_equal(report_write_html(&r, html), 0);
	report_free(&r);
	return slurp(html);
}

static void test_report_elements(void **st)
{
	(void)st;
	const char *page = report_page(48 << 20, false);
	assert_int_equal(test_count(page, "<svg"), 5);
	assert_int_equal(test_count(page, "class=\"dip\""), 5);   /* shaded in every plot */
	assert_int_equal(test_count(page, "class=\"event\""), 5); /* marked in every plot */
	assert_int_equal(test_count(page, "<polyline class=\"throughput\""), 1);
	assert_int_equal(test_count(page, "<polyline class=\"minor\""), 1);
	assert_non_null(strstr(page, "<h2>Dips</h2>"));
	assert_non_null(strstr(page, "<h2>Reclaim events</h2>"));
	assert_non_null(strstr(page, "dip 1: 400.0-450.0 ms, depth 90%"));
	assert_non_null(strstr(page, ">discard</td>"));
	assert_non_null(strstr(page, "</html>"));
	/* what the guest uses, under what the host holds */
	assert_int_equal(test_count(page, "<polyline class=\"resident (mincore)\""), 1);
	assert_int_equal(test_count(page, "<polyline class=\"used by the guest\""), 1);
	assert_null(strstr(page, "Balloon, guest free memory and host memory"));
	page = report_page(TEL_ABSENT, false);
	assert_int_equal(test_count(page, "<svg"), 5);
	assert_int_equal(test_count(page, "<polyline class=\"used by the guest\""), 0);
	/* a balloon: its plot, with the host's resident bytes on the same axis */
	page = report_page(48 << 20, true);
	assert_int_equal(test_count(page, "<svg"), 6);
	assert_non_null(strstr(page, "<h3>Balloon, guest free memory and host memory</h3>"));
	assert_int_equal(test_count(page, "<polyline class=\"balloon\""), 1);
	assert_int_equal(test_count(page, "<polyline class=\"free in the guest (its statistics)\""), 1);
	assert_int_equal(test_count(page, "<polyline class=\"resident (mincore)\""), 1);
	assert_int_equal(test_count(page, "<polyline class=\"host resident (mincore)\""), 1);
	assert_int_equal(test_count(page, "<polyline class=\"reported free (cumulative)\""), 1);
}

static void test_report_refuses_without_telemetry(void **st)
{
	(void)st;
	char json[128], why[512];
	snprintf(json, sizeof(json), "%s/bare.json", test_dir);
	json_t *doc = json_pack("{s:i, s:n}", "schema_version", 1, "telemetry");
	assert_int_equal(result_write_atomic(json, doc), 0);
	json_decref(doc);
	struct report r;
	assert_int_equal(report_load(json, &r, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no telemetry"));
	snprintf(json, sizeof(json), "%s/missing.json", test_dir);
	assert_int_equal(report_load(json, &r, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "cannot read"));
}

static void test_rates(void **st)
{
	(void)st;
	char csv[128];
	struct tel_series ts;
	struct report_rates rr;
	snprintf(csv, sizeof(csv), "%s/t.csv", test_dir);
	assert_int_equal(tel_series_read_csv(csv, &ts), 0);
	assert_int_equal(report_rates_compute(&ts, 0, 1000, 100, &rr), 0);
	assert_int_equal(rr.n, 100);
	assert_true(rr.ops_per_s[10] > 0.99e6 && rr.ops_per_s[10] < 1.01e6);
	assert_true(rr.ops_per_s[42] < 0.2e6);      /* bin 420-430 ms is inside the dip */
	assert_true(rr.minflt_per_ms[42] > 19);
	report_rates_free(&rr);
	tel_series_free(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_elements), cmocka_unit_test(test_report_refuses_without_telemetry),
		cmocka_unit_test(test_rates),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
