/* test_telemetry_io.c — the telemetry series on disk and in the document: CSV written
 * atomically with a time_ms first column and read back exactly, malformed files refused,
 * the embedded JSON form read back; the /proc/vmstat and PSI parsers on captured text. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/common/tmpdir.h"
#include "vmm/telemetry.h"

static char dir[64];

static int setup(void **st)
{
	(void)st;
	return test_tmpdir_make(dir, sizeof(dir), "memvirt-telio");
}

static int teardown(void **st)
{
	(void)st;
	return test_tmpdir_remove(dir);
}

static struct tel_series sample_series(void)
{
	struct tel_series ts = { 0 };
	for (uint64_t i = 0; i < 100; i++) {
		struct tel_sample s = { .time_ms = 0.5 + (double)i, .phase = i < 10 ? 0 : 1, .progress = i * 1024,
					.minflt = 100 + i, .majflt = i / 10, .pswpin = i * 3, .pswpout = i * 4,
					.pgmajfault = i, .workingset_refault = 7, .psi_some_us = i * 11, .psi_full_us = i,
					.guest_resident_bytes = 4096 * i, .guest_mapped_bytes = 8192 * i,
					.worker_wait_us = i * 2, .reclaim_events = i > 50 };
		assert_int_equal(tel_series_push(&ts, &s), 0);
	}
	return ts;
}

static void assert_same(const struct tel_series *a, const struct tel_series *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_true(a->s[i].time_ms == b->s[i].time_ms);
#define SAME(f) assert_int_equal(a->s[i].f, b->s[i].f);
		TEL_COLUMNS(SAME)
#undef SAME
	}
}

static void test_csv_round_trip(void **st)
{
	(void)st;
	char path[128], line[512];
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	struct tel_series ts = sample_series(), back;
	assert_int_equal(tel_series_write_csv(&ts, path), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(strncmp(line, "time_ms,phase,progress,minflt,majflt,pswpin,pswpout", 51), 0);
	assert_int_equal(tel_series_read_csv(path, &back), 0);
	assert_same(&ts, &back);
	tel_series_free(&back);
	tel_series_free(&ts);
	/* atomic: no temporary left behind */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_csv_malformed(void **st)
{
	(void)st;
	char path[128];
	struct tel_series back;
	snprintf(path, sizeof(path), "%s/bad.csv", dir);
	FILE *f = fopen(path, "w");
	fputs("time_ms,phase\n1,2\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), -EINVAL);
	struct tel_series ts = sample_series();
	assert_int_equal(tel_series_write_csv(&ts, path), 0);
	f = fopen(path, "a");
	fputs("12.0,1,2,x\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), -EINVAL);
	assert_int_equal(tel_series_read_csv("/nonexistent/t.csv", &back), -ENOENT);
	tel_series_free(&ts);
}

static void test_embedded_json(void **st)
{
	(void)st;
	struct tel_series ts = sample_series(), back;
	json_t *cols = json_array(), *rows = json_array();
	json_array_append_new(cols, json_string("time_ms"));
#define COL(f) json_array_append_new(cols, json_string(#f));
	TEL_COLUMNS(COL)
#undef COL
	for (size_t i = 0; i < ts.n; i++) {
		json_t *row = json_array();
		json_array_append_new(row, json_real(ts.s[i].time_ms));
#define VAL(f) json_array_append_new(row, json_integer((json_int_t)ts.s[i].f));
		TEL_COLUMNS(VAL)
#undef VAL
		json_array_append_new(rows, row);
	}
	json_t *doc = json_pack("{s:o, s:o}", "columns", cols, "rows", rows);
	assert_int_equal(tel_series_from_json(doc, &back), 0);
	assert_same(&ts, &back);
	json_array_remove(cols, 3);
	assert_int_equal(tel_series_from_json(doc, &back), -EINVAL);
	json_decref(doc);
	tel_series_free(&ts);
}

static void test_vmstat_psi_parsers(void **st)
{
	(void)st;
	struct tel_sample s = { 0 };
	const char *vm = "nr_free_pages 100\npgmajfault 77\npswpin 12\npswpout 34\n"
			 "workingset_refault_anon 5\nworkingset_refault_file 6\npgmajfault_s 1\n";
	assert_int_equal(vmstat_parse(vm, &s), 0);
	assert_int_equal(s.pswpin, 12);
	assert_int_equal(s.pswpout, 34);
	assert_int_equal(s.pgmajfault, 77);
	assert_int_equal(s.workingset_refault, 11);
	assert_int_equal(vmstat_parse("pswpin 1\n", &s), -EINVAL);
	uint64_t some, full;
	assert_int_equal(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=1234\n"
				   "full avg10=0.00 avg60=0.00 avg300=0.00 total=56\n", &some, &full), 0);
	assert_int_equal(some, 1234);
	assert_int_equal(full, 56);
	assert_int_equal(psi_parse("nothing", &some, &full), -EINVAL);
}

/* Windows of 100 ms: even ones (sampled) run at 900 ops/ms, odd ones at 1000; the verdict is
 * a 10% overhead, from medians over the windows inside the measured phase. */
static void test_overhead_probe(void **st)
{
	(void)st;
	struct tel_series ts = { 0 };
	uint64_t prog = 0;
	for (int ms = 0; ms <= 1000; ms++) {
		bool on = (ms / 100) % 2 == 0;
		bool boundary = ms % 100 == 0;
		if (on || boundary) {
			struct tel_sample s = { .time_ms = ms, .phase = 1, .progress = prog };
			tel_series_push(&ts, &s);
		}
		prog += on ? 900 : 1000;
	}
	json_t *o = telemetry_overhead_json(&ts, 0, 1000, 100);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "on_windows")), 5);
	assert_int_equal(json_integer_value(json_object_get(o, "off_windows")), 5);
	assert_true(fabs(json_real_value(json_object_get(o, "overhead")) - 0.1) < 1e-9);
	json_decref(o);
	assert_null(telemetry_overhead_json(&ts, 0, 150, 100)); /* too few windows */
	tel_series_free(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_round_trip), cmocka_unit_test(test_csv_malformed),
		cmocka_unit_test(test_embedded_json), cmocka_unit_test(test_vmstat_psi_parsers),
		cmocka_unit_test(test_overhead_probe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
