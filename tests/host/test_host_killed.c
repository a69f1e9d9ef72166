/* test_host_killed.c — a host's and a sweep point's death recorded (vmm/run/run_record.h,
 * docs/result-schema.md "A killed run"): `memvirt host X.ini --json F` killed with SIGKILL while
 * its VMs run leaves F, a host document with status.state "killed", the kernel's reason and each
 * VM's configuration, which `memvirt report` refuses with that reason in one line; a
 * `memvirt sweep` killed during a point leaves that point's file marked killed with its sweep
 * object (so merge counts it and --resume runs it again), for a run sweep and for a scenario
 * sweep; a host that finishes leaves its own document ("ok"), not the record. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/test_json.h"
#include "tests/common/tmpdir.h"

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

/* Two native VMs that each run for many seconds. */
static const char *long_host = "[vm a]\nplatform = native\nworkload = seq\nmem = 16m\npasses = 1048576\n"
			       "[vm b]\nplatform = native\nworkload = gups\nmem = 16m\nops = 4000000000\n";

static pid_t start(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execv(MEMVIRT_BIN, argv);
		_exit(127);
	}
	return pid;
}

/* Threads of pid: its workers are running once it has more than one. */
static int threads(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	int n = 0;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Starts argv, waits until `want` threads run (bounded) and a moment more, SIGKILLs it and
 * returns the document at path once the janitor has written it (bounded wait). */
static json_t *kill_and_load(char *const argv[], int want, const char *path)
{
	pid_t pid = start(argv);
	for (int i = 0; i < 3000 && threads(pid) < want; i++)
		usleep(10000);
	assert_true(threads(pid) >= want);
	usleep(300000);
	assert_false(test_file_exists(path)); /* nothing written while it runs */
	kill(pid, SIGKILL);
	for (int i = 0; i < 1500 && !test_file_exists(path); i++)
		usleep(20000);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	return test_json_load(path);
}

static const char *state(const json_t *doc, const char **message)
{
	const json_t *st = json_object_get(doc, "status");
	if (message)
		*message = json_string_value(json_object_get(st, "message"));
	return json_string_value(json_object_get(st, "state"));
}

static void test_sigkill_host_leaves_killed_document(void **st)
{
	(void)st;
	char ini[128], json[128];
	test_write_file(test_dir, "long.ini", long_host, ini, sizeof(ini));
	snprintf(json, sizeof(json), "%s/h.json", test_dir);
	char *argv[] = { "memvirt", "host", ini, "--no-progress", "--json", json, NULL };
	json_t *doc = kill_and_load(argv, 3, json); /* the main thread and both workers */
	const char *msg;
	assert_string_equal(state(doc, &msg), "killed");
	assert_non_null(strstr(msg, "killed by SIGKILL"));
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "host");
	assert_true(json_is_null(json_object_get(doc, "host"))); /* nothing measured is vouched for */
	assert_true(json_is_object(json_object_get(doc, "context")));
	const json_t *vms = json_object_get(doc, "vms");
	assert_int_equal(json_object_size(vms), 2);
	const json_t *b = json_object_get(vms, "b");
	assert_string_equal(state(b, NULL), "killed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "config"), "workload")), "gups");
	assert_true(json_is_null(json_object_get(b, "result")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "vm"), "name")), "b");
	json_decref(doc);
	/* the report says what it got, in one line, and draws nothing */
	char out[128];
	snprintf(out, sizeof(out), "%s/rep", test_dir);
	assert_int_not_equal(memvirt_cmd_run(&cmd, "report %s -o %s", json, out), 0);
	assert_non_null(strstr(cmd.err, "the host was killed (killed by SIGKILL"));
	unlink(json);
}

static void test_finished_host_writes_its_own_document(void **st)
{
	(void)st;
	char ini[128], json[128];
	test_write_file(test_dir, "short.ini", "[vm a]\nplatform = native\nworkload = seq\nmem = 2m\npasses = 2\n", ini,
			sizeof(ini));
	snprintf(json, sizeof(json), "%s/ok.json", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --no-progress --json %s", ini, json), 0);
	json_error_t e;
	json_t *doc = json_load_file(json, 0, &e);
	assert_non_null(doc);
	assert_string_equal(state(doc, NULL), "ok");
	assert_true(json_is_object(json_object_get(doc, "host")));
	json_decref(doc);
	unlink(json);
}

/* A sweep killed during its only point: the point's file is a killed document with the sweep
 * object. */
static void sweep_killed(const char *ini_text, const char *point_file, const char *kind)
{
	char ini[128], out[128], path[256];
	test_write_file(test_dir, "sw.ini", ini_text, ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/sw-%s", test_dir, kind);
	snprintf(path, sizeof(path), "%s/points/%s", out, point_file);
	char *argv[] = { "memvirt", "sweep", ini, "--out", out, NULL };
	json_t *doc = kill_and_load(argv, 2, path);
	const char *msg;
	assert_string_equal(state(doc, &msg), "killed");
	assert_non_null(strstr(msg, "killed by SIGKILL"));
	const char *k = json_string_value(json_object_get(doc, "kind")); /* a run's has none */
	assert_string_equal(k ? k : "run", kind);
	const json_t *sw = json_object_get(doc, "sweep");
	assert_true(json_is_object(sw));
	assert_int_equal(json_integer_value(json_object_get(sw, "point")), 0);
	json_decref(doc);
}

static void test_sigkill_run_sweep_point_recorded(void **st)
{
	(void)st;
	sweep_killed("[long]\nplatform = native\nworkload = seq\nmem = 16m\npasses = 1048576\n", "0000-long-r1.json",
		     "run");
}

static void test_sigkill_scenario_sweep_point_recorded(void **st)
{
	(void)st;
	char text[512];
	snprintf(text, sizeof(text), "[host]\nrepeat = 1\n%s", long_host);
	sweep_killed(text, "0000-sw-r1.json", "host");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_host_leaves_killed_document),
		cmocka_unit_test(test_finished_host_writes_its_own_document),
		cmocka_unit_test(test_sigkill_run_sweep_point_recorded),
		cmocka_unit_test(test_sigkill_scenario_sweep_point_recorded),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
