/* test_telemetry_io.c — the telemetry series on disk and in the document: CSV written
 * atomically with a time_ms first column and read back exactly, malformed files refused,
 * the embedded JSON form read back; uffd_faults absent (empty field, JSON null) until its first
 * value, wss_bytes absent until the estimator's first figure, and the optional last columns
 * (uffd_faults, guest_used_bytes, steal_us, wss_bytes, damon_applied_bytes) absent in files written before they existed; report rates NaN where a column is absent; the /proc/vmstat and PSI
 * parsers on captured text. */
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
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/common/tmpdir.h"
#include "results/report.h"
#include "vmm/host/damon.h"
#include "vmm/host/host_counters.h"
#include "vmm/reclaim/telemetry.h"


static struct tel_series sample_series(void)
{
	struct tel_series ts = { 0 };
	for (uint64_t i = 0; i < 100; i++) {
		struct tel_sample s = { .time_ms = 0.5 + (double)i, .phase = i < 10 ? 0 : 1, .progress = i * 1024,
					.minflt = 100 + i, .majflt = i / 10, .pswpin = i * 3, .pswpout = i * 4,
					.pgmajfault = i, .workingset_refault = 7, .psi_some_us = i * 11, .psi_full_us = i,
					.guest_resident_bytes = 4096 * i, .guest_mapped_bytes = 8192 * i,
					.worker_wait_us = i * 2, .reclaim_events = i > 50,
					.uffd_faults = i < 5 ? TEL_ABSENT : 1000 + i * 9,
					.guest_used_bytes = 4096 * (i % 7), .steal_us = i * 5,
					.wss_bytes = i < 10 ? TEL_ABSENT : 4096 * 100 * (i % 5),
					.damon_applied_bytes = i < 8 ? TEL_ABSENT : 65536 * (i / 20),
					.balloon_bytes = i < 3 ? TEL_ABSENT : 2097152 * (i % 4),
					.guest_free_bytes = i < 20 ? TEL_ABSENT : 4096 * (200 - i),
					.balloon_reported_bytes = i < 3 ? TEL_ABSENT : 2097152 * (i / 30) };
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
	snprintf(path, sizeof(path), "%s/t.csv", test_dir);
	struct tel_series ts = sample_series(), back;
	assert_int_equal(tel_series_write_csv(&ts, path), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	const char *tail = ",reclaim_events,uffd_faults,guest_used_bytes,steal_us,wss_bytes,damon_applied_bytes,"
			   "balloon_bytes,guest_free_bytes,balloon_reported_bytes\n";
	assert_string_equal(line + strlen(line) - strlen(tail), tail);
	assert_non_null(fgets(line, sizeof(line), f)); /* sample 0: no uffd counter, no estimate yet */
	assert_string_equal(line + strlen(line) - 13, ",0,,0,0,,,,,\n"); /* and no balloon yet */
	for (int i = 1; i <= 5; i++)
		assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line + strlen(line) - 30, ",0,1045,20480,25,,,2097152,,0\n"); /* sample 5 */
	assert_int_equal(strncmp(line, "5.500,0,5120,105,0,15,20", 24), 0);
	for (int i = 6; i <= 11; i++)
		assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line + strlen(line) - 30, ",16384,55,409600,0,6291456,,0\n"); /* sample 11: an estimate, DAMON's 0 */
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), 0);
	assert_same(&ts, &back);
	tel_series_free(&back);
	tel_series_free(&ts);
	/* atomic: no temporary left behind */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", test_dir);
	assert_int_equal(system(cmd), 0);
}

static void test_csv_malformed(void **st)
{
	(void)st;
	char path[128];
	struct tel_series back;
	snprintf(path, sizeof(path), "%s/bad.csv", test_dir);
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
	f = fopen(path, "w"); /* a column the reader does not know */
	fputs("time_ms,phase,progress,minflt,majflt,pswpin,pswpout,pgmajfault,workingset_refault,psi_some_us,"
	      "psi_full_us,guest_resident_bytes,guest_mapped_bytes,worker_wait_us,reclaim_events,uffd_faults,"
	      "guest_used_bytes,steal_us,wss_bytes,damon_applied_bytes,x\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), -EINVAL);
	tel_series_free(&ts);
}

/* A file written before uffd_faults existed: one column fewer, read with the counter absent. */
static void test_csv_without_uffd_column(void **st)
{
	(void)st;
	char path[128];
	struct tel_series back;
	snprintf(path, sizeof(path), "%s/old.csv", test_dir);
	FILE *f = fopen(path, "w");
	fputs("time_ms,phase,progress,minflt,majflt,pswpin,pswpout,pgmajfault,workingset_refault,psi_some_us,"
	      "psi_full_us,guest_resident_bytes,guest_mapped_bytes,worker_wait_us,reclaim_events\n"
	      "1.5,1,2048,3,4,5,6,7,8,9,10,11,12,13,14\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), 0);
	assert_int_equal(back.n, 1);
	assert_int_equal(back.s[0].reclaim_events, 14);
	assert_true(back.s[0].uffd_faults == TEL_ABSENT && back.s[0].guest_used_bytes == TEL_ABSENT);
	tel_series_free(&back);
	f = fopen(path, "a"); /* a row with the new column under the old header */
	fputs("2.5,1,2048,3,4,5,6,7,8,9,10,11,12,13,14,15\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), -EINVAL);
}

/* A file written before guest_used_bytes existed (uffd_faults is its last column): it reads,
 * with the guest's used bytes absent, and the report plots no "used" line from it. */
static void test_csv_without_used_column(void **st)
{
	(void)st;
	char path[128];
	struct tel_series back;
	snprintf(path, sizeof(path), "%s/old-used.csv", test_dir);
	FILE *f = fopen(path, "w");
	fputs("time_ms,phase,progress,minflt,majflt,pswpin,pswpout,pgmajfault,workingset_refault,psi_some_us,"
	      "psi_full_us,guest_resident_bytes,guest_mapped_bytes,worker_wait_us,reclaim_events,uffd_faults\n"
	      "1.5,1,2048,3,4,5,6,7,8,9,10,11,12,13,14,\n"
	      "2.5,1,4096,3,4,5,6,7,8,9,10,11,12,13,14,15\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), 0);
	assert_int_equal(back.n, 2);
	assert_true(back.s[0].uffd_faults == TEL_ABSENT && back.s[1].uffd_faults == 15);
	assert_int_equal(back.s[1].guest_mapped_bytes, 12);
	assert_true(back.s[0].guest_used_bytes == TEL_ABSENT && back.s[1].guest_used_bytes == TEL_ABSENT);
	assert_true(back.s[0].wss_bytes == TEL_ABSENT && back.s[1].wss_bytes == TEL_ABSENT);
	struct report_rates r;
	assert_int_equal(report_rates_compute(&back, 1.5, 2.5, 1, &r), 0);
	assert_true(isnan(r.used_mib[0]));
	report_rates_free(&r);
	tel_series_free(&back);
	f = fopen(path, "a"); /* a row with the new column under the old header */
	fputs("3.5,1,4096,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n", f);
	fclose(f);
	assert_int_equal(tel_series_read_csv(path, &back), -EINVAL);
}

/* Rates over the series: the uffd rate is NaN where the counter is absent at a bin's end, and
 * counts from zero across its first appearance. */
static void test_uffd_rates(void **st)
{
	(void)st;
	struct tel_series ts = sample_series();
	struct report_rates r;
	assert_int_equal(report_rates_compute(&ts, 0.5, 99.5, 99, &r), 0);
	assert_true(isnan(r.uffd_per_ms[0]) && isnan(r.uffd_per_ms[3]));
	assert_true(r.uffd_per_ms[4] == 1045.0); /* 4.5 ms (absent) to 5.5 ms (1045) */
	assert_true(r.uffd_per_ms[50] == 9.0);
	assert_true(r.used_mib[50] == 4096.0 * (51 % 7) / (1 << 20)); /* a level: the bin's end */
	report_rates_free(&r);
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
#define VAL(f) json_array_append_new(row, tel_value_json(ts.s[i].f));
		TEL_COLUMNS(VAL)
#undef VAL
		json_array_append_new(rows, row);
	}
	json_t *doc = json_pack("{s:o, s:o}", "columns", cols, "rows", rows);
	assert_int_equal(tel_series_from_json(doc, &back), 0);
	assert_same(&ts, &back);
	tel_series_free(&back);
	assert_true(json_is_null(json_array_get(json_array_get(rows, 0), json_array_size(cols) - 8))); /* uffd */
	assert_true(json_is_null(json_array_get(json_array_get(rows, 0), json_array_size(cols) - 5))); /* wss */
	assert_true(json_is_null(json_array_get(json_array_get(rows, 0), json_array_size(cols) - 4))); /* damon */
	assert_true(json_is_null(json_array_get(json_array_get(rows, 0), json_array_size(cols) - 3))); /* balloon */
	/* documents from before the balloon's three columns */
	for (int k = 0; k < 3; k++) {
		json_array_remove(cols, json_array_size(cols) - 1);
		for (size_t i = 0; i < ts.n; i++)
			json_array_remove(json_array_get(rows, i), json_array_size(cols));
	}
	assert_int_equal(tel_series_from_json(doc, &back), 0);
	assert_true(back.s[50].balloon_bytes == TEL_ABSENT && back.s[50].guest_free_bytes == TEL_ABSENT &&
		    back.s[50].balloon_reported_bytes == TEL_ABSENT);
	assert_true(back.s[50].damon_applied_bytes == ts.s[50].damon_applied_bytes);
	tel_series_free(&back);
	/* documents from before damon_applied_bytes, then wss_bytes, steal_us, guest_used_bytes and
	 * uffd_faults: the last column goes */
	json_array_remove(cols, json_array_size(cols) - 1);
	for (size_t i = 0; i < ts.n; i++)
		json_array_remove(json_array_get(rows, i), json_array_size(cols));
	assert_int_equal(tel_series_from_json(doc, &back), 0);
	assert_true(back.s[50].damon_applied_bytes == TEL_ABSENT && back.s[51].wss_bytes == ts.s[51].wss_bytes);
	tel_series_free(&back);
	for (int older = 0; older <= 3; older++) {
		json_array_remove(cols, json_array_size(cols) - 1);
		for (size_t i = 0; i < ts.n; i++)
			json_array_remove(json_array_get(rows, i), json_array_size(cols));
		assert_int_equal(tel_series_from_json(doc, &back), 0);
		assert_int_equal(back.n, ts.n);
		assert_true(back.s[51].wss_bytes == TEL_ABSENT && back.s[50].reclaim_events == 0);
		assert_true(older >= 1 ? back.s[50].steal_us == TEL_ABSENT : back.s[50].steal_us == ts.s[50].steal_us);
		assert_true(older >= 2 ? back.s[50].guest_used_bytes == TEL_ABSENT : back.s[50].guest_used_bytes == ts.s[50].guest_used_bytes);
		assert_true(older == 3 ? back.s[50].uffd_faults == TEL_ABSENT : back.s[50].uffd_faults == ts.s[50].uffd_faults);
		tel_series_free(&back);
	}
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
	uint64_t steal = 0;
	assert_int_equal(stat_steal_parse("cpu  753847 166678 526960 385355 1971 0 1104 380 158389 0\ncpu0 1 2\n", &steal), 0);
	assert_int_equal(steal, 380);
	assert_int_equal(stat_steal_parse("cpu  1 2 3 4 5 6 7\n", &steal), -EINVAL); /* no steal column */
	assert_int_equal(stat_steal_parse("intr 1 2 3", &steal), -EINVAL);
}

/* Windows of 100 ms: even ones (sampled) run at 900 ops/ms, odd ones at 1000; the verdict is
 * a 10% overhead, from medians over the windows inside the measured phase. */
/* DAMON's scheme statistics as the monitor reads them: the sum of the files opened, read again
 * from offset 0 each time (a value that changed is seen); none open is TEL_ABSENT. On this host,
 * the schemes' files are opened read only when DAMON has any. */
static void test_damon_stats(void **st)
{
	(void)st;
	char a[160], b[160];
	int fd[2];
	snprintf(a, sizeof(a), "%s/sz_a", test_dir);
	snprintf(b, sizeof(b), "%s/sz_b", test_dir);
	FILE *f = fopen(a, "w");
	fputs("4096\n", f);
	fclose(f);
	f = fopen(b, "w");
	fputs("100\n", f);
	fclose(f);
	fd[0] = open(a, O_RDONLY);
	fd[1] = open(b, O_RDONLY);
	assert_true(damon_stats_read(fd, 0) == TEL_ABSENT);
	assert_true(damon_stats_read(fd, 2) == 4196);
	f = fopen(a, "w");
	fputs("1048576\n", f);
	fclose(f);
	assert_true(damon_stats_read(fd, 2) == 1048676);
	close(fd[0]);
	close(fd[1]);
	unlink(a);
	unlink(b);
	int opened[HOST_DAMON_STATS_MAX];
	int n = damon_stats_open(opened, HOST_DAMON_STATS_MAX);
	struct damon_state d;
	damon_probe(&d);
	int schemes = 0;
	for (int k = 0; k < d.nkdamonds; k++)
		schemes += d.kdamond[k].nschemes;
	assert_true(n >= schemes || n == HOST_DAMON_STATS_MAX); /* every scheme (the probe reads context 0 only) */
	if (n)
		assert_true(damon_stats_read(opened, n) != TEL_ABSENT);
	for (int i = 0; i < n; i++) {
		int flags = fcntl(opened[i], F_GETFL);
		assert_int_equal(flags & O_ACCMODE, O_RDONLY);
		close(opened[i]);
	}
}

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
		cmocka_unit_test(test_csv_without_uffd_column), cmocka_unit_test(test_csv_without_used_column),
		cmocka_unit_test(test_uffd_rates),
		cmocka_unit_test(test_embedded_json), cmocka_unit_test(test_vmstat_psi_parsers),
		cmocka_unit_test(test_overhead_probe), cmocka_unit_test(test_damon_stats),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
