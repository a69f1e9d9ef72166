/* test_kvm_uffd_telemetry.c — the kvm VMM's userfaultfd activity in telemetry, through the real
 * binary. With --uffd the monitor's last sample of uffd_faults is exactly the run's
 * exits.ept_violation (faults the handler resolved), the column never decreases and is empty
 * only before the VMM publishes it, and telemetry.host.uffd_faults is a count no larger than
 * the run's. Without --uffd the column is empty in every row and the host delta is null. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "results/metric_path.h"
#include "tests/common/tmpdir.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/reclaim/telemetry.h"


/* memvirt run on kvm sampling every millisecond into test_dir/<name>.csv; the result document. */
static json_t *run_cli(const char *name, bool uffd, struct tel_series *ts)
{
	char csv[300], json_path[300];
	snprintf(csv, sizeof(csv), "%s/%s.csv", test_dir, name);
	snprintf(json_path, sizeof(json_path), "%s/%s.json", test_dir, name);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(MEMVIRT_BIN, "memvirt", "run", "--platform", "kvm", "--workload", "seq", "--mem", "16m",
		      "--passes", "20", "--guest-page", "2m", "--sample-us", "1000", "--timeseries", csv, "--json",
		      json_path, "--no-progress", uffd ? "--uffd" : (char *)NULL, (char *)NULL);
		_exit(98);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(tel_series_read_csv(csv, ts), 0);
	assert_true(ts->n >= 2);
	json_error_t err;
	json_t *doc = json_load_file(json_path, 0, &err);
	assert_non_null(doc);
	return doc;
}

static json_t *host_uffd(json_t *doc)
{
	return json_object_get(json_object_get(json_object_get(doc, "telemetry"), "host"), "uffd_faults");
}

static void test_last_sample_is_the_runs_count(void **st)
{
	(void)st;
	struct tel_series ts;
	json_t *doc = run_cli("uffd", true, &ts);
	json_t *ept = metric_whole_run(doc, "exits.ept_violation"); /* the series covers the whole run */
	assert_true(json_is_integer(ept));
	uint64_t resolved = (uint64_t)json_integer_value(ept);
	json_decref(ept);
	assert_true(resolved > 0);
	assert_int_equal(ts.s[ts.n - 1].uffd_faults, resolved);
	uint64_t last = 0;
	bool seen = false;
	for (size_t i = 0; i < ts.n; i++) {
		uint64_t v = ts.s[i].uffd_faults;
		assert_false(seen && v == TEL_ABSENT); /* absent only before the first value */
		if (v == TEL_ABSENT)
			continue;
		assert_true(v >= last);
		last = v;
		seen = true;
	}
	json_t *host = host_uffd(doc);
	assert_true(json_is_integer(host));
	assert_true((uint64_t)json_integer_value(host) <= resolved);
	tel_series_free(&ts);
	json_decref(doc);
}

static void test_without_uffd_the_column_is_empty(void **st)
{
	(void)st;
	struct tel_series ts;
	json_t *doc = run_cli("plain", false, &ts);
	for (size_t i = 0; i < ts.n; i++)
		assert_true(ts.s[i].uffd_faults == TEL_ABSENT);
	assert_true(json_is_null(host_uffd(doc)));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "exits"), "ept_violation")), 0);
	tel_series_free(&ts);
	json_decref(doc);
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_uffd_telemetry");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_sample_is_the_runs_count),
		cmocka_unit_test(test_without_uffd_the_column_is_empty),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
