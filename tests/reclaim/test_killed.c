/* test_killed.c — a run's death recorded (vmm/run/run_record.h): `memvirt run --json F`
 * killed with SIGKILL leaves F with status.state "killed", the reason read from the kernel
 * and the time series so far, which the report loads and draws marked as killed; a run that
 * finishes leaves no trace of the record (no series file, no hidden file). As root with
 * /dev/kvm and the cgroup v1 memory controller, a kvm run OOM-killed by its memory cgroup
 * (a working set that grows past a limit, with no swap to go to) leaves a killed document
 * naming the OOM killer, with its series, and no cgroup behind; skipped naming what is missing
 * otherwise. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "results/report.h"
#include "tests/common/tmpdir.h"
#include "vmm/host/memcg.h"
#include "vmm/host/swap.h"

static char json[300];

static int setup(void **st)
{
	(void)st;
	if (test_dir_setup(st) < 0)
		return -1;
	snprintf(json, sizeof(json), "%s/r.json", test_dir);
	return 0;
}

static pid_t start(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(MEMVIRT_BIN, argv);
		_exit(127);
	}
	return pid;
}

/* Files in test_dir whose name starts with prefix. */
static int count_files(const char *prefix)
{
	int n = 0;
	DIR *d = opendir(test_dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

static off_t size_of_live_series(void)
{
	off_t size = 0;
	char path[600];
	DIR *d = opendir(test_dir);
	struct dirent *e;
	struct stat st;
	while (d && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".r.json.series.", 15) == 0) {
			snprintf(path, sizeof(path), "%s/%s", test_dir, e->d_name);
			if (stat(path, &st) == 0)
				size = st.st_size;
		}
	if (d)
		closedir(d);
	return size;
}

/* F, once its janitor has written it (bounded wait). */
static json_t *wait_for_document(int seconds)
{
	for (int i = 0; i < seconds * 50 && access(json, F_OK) != 0; i++)
		usleep(20000);
	json_error_t e;
	return json_load_file(json, 0, &e);
}

/* The document is a killed one with a series the report can read and draws as killed. */
static void check_killed(json_t *doc, const char *reason)
{
	assert_non_null(doc);
	const json_t *st = json_object_get(doc, "status");
	assert_string_equal(json_string_value(json_object_get(st, "state")), "killed");
	const char *msg = json_string_value(json_object_get(st, "message"));
	assert_non_null(msg);
	if (!strstr(msg, reason))
		fprintf(stderr, "status.message '%s' lacks '%s'\n", msg, reason);
	assert_non_null(strstr(msg, reason));
	assert_non_null(json_object_get(json_object_get(doc, "config"), "telemetry")); /* the configuration */
	assert_true(json_is_null(json_object_get(doc, "result")));                    /* nothing vouched for */
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "telemetry"), "timeseries")),
			    "r.series.csv");
	struct report r;
	char why[512], html[600];
	if (report_load(json, &r, why, sizeof(why)) < 0)
		fail_msg("report: %s", why);
	assert_true(r.series.n >= 2);
	snprintf(html, sizeof(html), "%s/index.html", test_dir);
	assert_int_equal(report_write_html(&r, html), 0);
	report_free(&r);
	FILE *f = fopen(html, "r");
	char page[1 << 16];
	size_t n = f ? fread(page, 1, sizeof(page) - 1, f) : 0;
	page[n] = 0;
	if (f)
		fclose(f);
	assert_non_null(strstr(page, "<b>KILLED</b>"));
	assert_int_equal(count_files(".r.json"), 0); /* the hidden series file became r.series.csv */
}

static void test_sigkill_leaves_killed_document(void **st)
{
	(void)st;
	char *argv[] = { "memvirt", "run", "--platform", "native", "--workload", "seq", "--mem", "16m", "--passes",
			 "1048576", "--no-progress", "--json", json, NULL };
	pid_t pid = start(argv);
	/* under way: the series kept on disk holds samples (a few writes of TEL_LIVE_EVERY_MS) */
	for (int i = 0; i < 3000 && size_of_live_series() < 4096; i++)
		usleep(10000);
	assert_true(size_of_live_series() >= 4096);
	kill(pid, SIGKILL);
	/* not reaped yet: the janitor reads the exit signal of the zombie */
	json_t *doc = wait_for_document(30);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	check_killed(doc, "killed by SIGKILL");
	json_decref(doc);
	unlink(json);
	snprintf(json + strlen(test_dir), sizeof(json) - strlen(test_dir), "/r.series.csv");
	unlink(json);
	snprintf(json, sizeof(json), "%s/r.json", test_dir);
}

static void test_finished_run_leaves_no_record(void **st)
{
	(void)st;
	char *argv[] = { "memvirt", "run", "--platform", "native", "--workload", "seq", "--mem", "4m", "--passes", "2",
			 "--no-progress", "--json", json, NULL };
	int status;
	waitpid(start(argv), &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	json_error_t e;
	json_t *doc = json_load_file(json, 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "status"), "state")), "ok");
	json_decref(doc);
	assert_int_equal(count_files(".r.json"), 0);
	assert_int_equal(count_files("r.series.csv"), 0);
	unlink(json);
}

static bool no_memvirt_cgroup(void)
{
	return system("test -z \"$(find /sys/fs/cgroup/memory -maxdepth 6 -type d -name 'memvirt-*' 2>/dev/null)\"") == 0;
}

/* The memory cgroup's OOM killer: a working set growing from 4 MiB to 96 MiB under a 40 MiB
 * limit set before it grows, with no swap, cannot be reclaimed into the limit. */
static void test_oom_killed_kvm_run_recorded(void **st)
{
	(void)st;
	const char *missing = geteuid() != 0			      ? "root (a memory cgroup)"
			      : access("/dev/kvm", R_OK | W_OK) != 0	      ? "/dev/kvm"
			      : memcg_host_version() != 1		      ? "the cgroup v1 memory controller"
			      : host_has_swap()			      ? "a host without swap (swap would take the excess)"
									      : NULL;
	if (missing) {
		printf("oom_killed_kvm_run_recorded: skipped: needs %s\n", missing);
		skip();
	}
	char *argv[] = { "memvirt", "run", "--platform", "kvm", "--workload", "phases", "--mem", "96m", "--ws",
			 "4m:200000,96m:50000000", "--reclaim", "limit:at=100ms,bytes=40m", "--no-progress", "--json",
			 json, NULL };
	pid_t pid = start(argv);
	json_t *doc = wait_for_document(240);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	check_killed(doc, "the memory cgroup's OOM killer killed 1 process");
	json_decref(doc);
	for (int i = 0; i < 500 && !no_memvirt_cgroup(); i++)
		usleep(20000);
	assert_true(no_memvirt_cgroup());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finished_run_leaves_no_record),
		cmocka_unit_test(test_sigkill_leaves_killed_document),
		cmocka_unit_test(test_oom_killed_kvm_run_recorded),
	};
	return cmocka_run_group_tests(tests, setup, test_dir_teardown);
}
