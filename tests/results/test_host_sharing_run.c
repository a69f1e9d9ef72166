/* test_host_sharing_run.c — the host report's page-sharing charts from a real run (the binary,
 * MEMVIRT_BIN): three identical `dup` VMs on sim with ksm = on and an aggressive ksmd, then
 * `memvirt report` on the host document. The saved-bytes chart has KSM's line with one point
 * per sample of host.ksm.series, its peak labelled with the same saving the document reports
 * (host.ksm.saved_bytes: the page computes it from the series as ksm_session.c does), the time
 * axis and the unit; the CPU chart has ksmd's seconds. Needs root and /sys/kernel/mm/ksm, and
 * KSM to itself: found running (another user's test or run on this machine: ctest's
 * RESOURCE_LOCK covers only this build's tests) it exits 77 saying so. The knobs are memvirt
 * host's to restore (tests/ksm checks every path); this test never writes one, so that it cannot
 * undo another user's settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ksm/ksm.h"
#include "results/html.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/test_json.h"
#include "tests/common/test_svg.h"
#include "tests/common/tmpdir.h"

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

static const char *const scenario = "[host]\n"
				    "ksm = on\n"
				    "ksm-pages-to-scan = 10000\n"
				    "ksm-sleep-ms = 5\n"
				    "ksm-sample-ms = 50\n"
				    "[vm d]\n"
				    "count = 3\n"
				    "platform = sim\n"
				    "workload = dup\n"
				    "mem = 16m\n"
				    "dup-frac = 0.85\n"
				    "zero-frac = 0.05\n"
				    "dup-pool = 8\n"
				    "rewrite-every = 1000000000\n"
				    "ops = 3000000\n"
				    "seed = 11\n";

static void test_ksm_run_report(void **st)
{
	static char svg[1 << 20];
	char ini[256], json[256], out[256], path[300], label[96], size[32];
	(void)st;
	test_write_file(test_dir, "ksm.ini", scenario, ini, sizeof(ini));
	snprintf(json, sizeof(json), "%s/ksm.json", test_dir);
	if (memvirt_cmd_run(&cmd, "host %s --json %s --no-progress", ini, json) != 0)
		fail_msg("memvirt host: %s%s", cmd.out, cmd.err);
	json_error_t e;
	json_t *doc = json_load_file(json, 0, &e);
	assert_non_null(doc);
	json_int_t saved = json_integer_value(test_json_at(doc, "host.ksm.saved_bytes"));
	size_t rows = json_array_size(test_json_at(doc, "host.ksm.series.rows"));
	printf("# KSM saved %lld bytes at its peak, %zu samples, ksmd %.2f s CPU\n", (long long)saved, rows,
	       json_number_value(test_json_at(doc, "host.ksm.ksmd_cpu_s")));
	assert_true(saved > 0);
	assert_true(rows > 5);

	snprintf(out, sizeof(out), "%s/rep", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "report %s -o %s", json, out), 0);
	snprintf(path, sizeof(path), "%s/index.html", out);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, "<h2>Memory saved by page sharing</h2>"));
	assert_non_null(strstr(svg, "href=\"host-sharing-saved.svg\""));
	snprintf(path, sizeof(path), "%s/host-sharing-saved.svg", out);
	test_slurp(path, svg, sizeof(svg));
	assert_non_null(strstr(svg, ">Linux KSM (ksmd)</text>"));
	assert_non_null(strstr(svg, ">time since the host started (s)</text>"));
	assert_non_null(strstr(svg, ">memory saved (MiB)</text>"));
	assert_int_equal(test_svg_polyline_points(svg, "Linux KSM (ksmd): bytes saved"), (int)rows);
	html_size(size, sizeof(size), (double)saved);
	snprintf(label, sizeof(label), ">peak %s at ", size);
	if (!strstr(svg, label))
		fail_msg("the chart does not label the document's peak saving %s", label);
	assert_non_null(strstr(svg, ">90% of the peak at "));
	snprintf(path, sizeof(path), "%s/host-sharing-cpu.svg", out);
	test_slurp(path, svg, sizeof(svg));
	assert_int_equal(test_svg_polyline_points(svg, "Linux KSM (ksmd): CPU time"), (int)rows);
	assert_non_null(strstr(svg, ">scanner CPU time (s)</text>"));
	json_decref(doc);
}

int main(void)
{
	char run[16] = "";
	const char *un = ksm_unavailable();
	if (un) {
		printf("results_host_sharing_run: skipped: %s\n", un);
		return 77;
	}
	if (ksm_knob_read(KSM_RUN, run, sizeof(run)) < 0 || strcmp(run, "0") != 0) {
		printf("results_host_sharing_run: skipped: Linux KSM is busy (%s/run = %s: another process uses it)\n",
		       KSM_SYSFS, run);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ksm_run_report),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
