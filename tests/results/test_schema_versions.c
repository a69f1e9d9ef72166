/* test_schema_versions.c — result documents of both schema versions are read (issue 13):
 * version 1 documents recorded by an earlier memvirt (tests/results/v1/points: four points of
 * a two-point sim sweep, written by `memvirt sweep` before the counters were split by phase)
 * still load in `memvirt report` and `memvirt merge`; a version 2 document written now has
 * the setup and checksum passes in phases{} and loads too; a version from the future is
 * refused in one line naming the versions read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "results/metric_path.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

static const char *const v1_points[] = { "0000-s-r1.json", "0000-s-r2.json", "0001-s-r1.json", "0001-s-r2.json" };

static void test_v1_report(void **st)
{
	(void)st;
	char page[200];
	assert_int_equal(memvirt_cmd_run(&cmd, "report %s/%s -o %s/v1-report", V1_DIR, v1_points[0], test_dir), 0);
	snprintf(page, sizeof(page), "%s/v1-report/index.html", test_dir);
	assert_true(test_file_exists(page));
}

static void test_v1_merge(void **st)
{
	(void)st;
	char path[300], text[1 << 16], name[64], mk[400];
	snprintf(mk, sizeof(mk), "mkdir -p %s/sweep/points", test_dir);
	assert_int_equal(system(mk), 0);
	for (size_t i = 0; i < sizeof(v1_points) / sizeof(v1_points[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", V1_DIR, v1_points[i]);
		test_slurp(path, text, sizeof(text));
		assert_true(strlen(text) > 0);
		snprintf(name, sizeof(name), "sweep/points/%s", v1_points[i]);
		test_write_file(test_dir, name, text, path, sizeof(path));
	}
	snprintf(path, sizeof(path), "%s/sweep", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "merge %s", path), 0);
	snprintf(path, sizeof(path), "%s/sweep/summary.json", test_dir);
	json_error_t err;
	json_t *sum = json_load_file(path, 0, &err);
	assert_non_null(sum);
	const json_t *pts = json_object_get(sum, "points");
	assert_int_equal(json_array_size(pts), 2);
	/* the recorded counters are summarised: shadow's modeled cycles, two repetitions */
	const json_t *m = json_object_get(json_object_get(json_array_get(pts, 1), "metrics"), "mmu.modeled_cycles");
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "n")), 2);
	json_decref(sum);
}

/* A version 2 run: the setup pass (gups fills its table) is in phases.setup, not in mmu{}. */
static void test_v2_phases(void **st)
{
	(void)st;
	char path[200], out[200];
	snprintf(path, sizeof(path), "%s/v2.json", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "run --platform sim --mmu ept --workload gups --mem 1m --ops 1000 "
					       "--no-progress --json %s", path), 0);
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "schema_version")), 2);
	/* 1000 updates, each a load and a store; the table's fill (131072 stores) is setup's */
	assert_int_equal(json_integer_value(metric_lookup(doc, "mmu.accesses")), 2000);
	assert_int_equal(json_integer_value(metric_lookup(doc, "phases.setup.mmu.accesses")), 131072);
	/* the checksum pass reads the table once */
	assert_int_equal(json_integer_value(metric_lookup(doc, "phases.check.mmu.accesses")), 131072);
	assert_non_null(metric_lookup(doc, "phases.setup.exits.total"));
	assert_non_null(metric_lookup(doc, "phases.check.faults.host_minor"));
	json_decref(doc);
	snprintf(out, sizeof(out), "%s/v2-report", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "report %s -o %s", path, out), 0);
}

static void test_future_version_refused(void **st)
{
	(void)st;
	char path[200];
	test_write_file(test_dir, "v9.json", "{\"schema_version\": 9, \"telemetry\": {}}", path, sizeof(path));
	assert_int_not_equal(memvirt_cmd_run(&cmd, "report %s -o %s/v9", path, test_dir), 0);
	assert_non_null(strstr(cmd.err, "schema_version 1 to 2"));
	assert_int_equal(test_count_lines(cmd.err), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_report),
		cmocka_unit_test(test_v1_merge),
		cmocka_unit_test(test_v2_phases),
		cmocka_unit_test(test_future_version_refused),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
