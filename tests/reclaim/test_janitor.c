/* test_janitor.c — the janitor (vmm/host/janitor.c) outlives the VMM and undoes what it was told,
 * whatever ends the VMM: a SIGHUP to the whole process group (a closed terminal), and the VMM's
 * death while a process it forked still holds the pipe (no end of file: the janitor must see
 * its parent gone) — and writes the death record it was handed, with the reason in it. No
 * root: the "cgroup" it restores is a directory of the test's with a plain file as its limit
 * file, which the janitor overwrites with the unlimited value. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/common/tmpdir.h"
#include "vmm/host/janitor.h"

static char limit[300];

static int setup(void **st)
{
	(void)st;
	if (test_dir_setup(st) < 0)
		return -1;
	snprintf(limit, sizeof(limit), "%s/limit", test_dir);
	return 0;
}

static void limit_reset(void)
{
	int fd = open(limit, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

/* Whether the janitor wrote the unlimited value, waiting up to ms milliseconds. */
static bool limit_restored(int ms)
{
	char buf[16];
	for (int i = 0; i <= ms / 10; i++) {
		int fd = open(limit, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n == 2 && memcmp(buf, "-1", 2) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* The "VMM": its own process group, a janitor told about the cgroup, then either waits to be
 * signalled or forks a process that keeps the pipe open (its pid written to report) and exits. */
static pid_t vmm_start(bool hold_pipe, int report)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	setpgid(0, 0);
	struct janitor j;
	if (janitor_start(&j) < 0)
		_exit(2);
	janitor_note_cgroup(&j, test_dir, "limit", "-1");
	if (!hold_pipe) {
		for (;;)
			pause();
	}
	pid_t holder = fork();
	if (holder == 0) {
		sleep(20); /* holds the pipe's write end, inherited: no end of file for the janitor */
		_exit(0);
	}
	(void)!write(report, &holder, sizeof(holder));
	_exit(0);
}

static void test_group_hangup(void **st)
{
	(void)st;
	limit_reset();
	pid_t vmm = vmm_start(false, -1);
	usleep(200000); /* the janitor has started and been told */
	assert_false(limit_restored(0));
	kill(-vmm, SIGHUP); /* the whole group: the VMM dies, the janitor must not */
	int status;
	waitpid(vmm, &status, 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
	assert_true(limit_restored(5000));
}

static void test_parent_death_with_pipe_held(void **st)
{
	(void)st;
	int p[2];
	assert_int_equal(pipe(p), 0);
	limit_reset();
	pid_t vmm = vmm_start(true, p[1]);
	close(p[1]);
	pid_t holder = 0;
	assert_int_equal(read(p[0], &holder, sizeof(holder)), (ssize_t)sizeof(holder));
	close(p[0]);
	int status;
	waitpid(vmm, &status, 0);
	/* well before the holder lets go of the pipe (20 s) */
	bool restored = limit_restored(5000);
	kill(holder, SIGKILL);
	assert_true(restored);
}

/* The death record: a "VMM" that hands its janitor a document and a growing series file, then
 * is killed (or first says its result is written). The stand-in cgroup has a v1 oom_control
 * file counting two OOM kills. */
static pid_t vmm_with_record(const char *doc_path, bool recorded)
{
	char live[300], csv[300], oom[300];
	snprintf(live, sizeof(live), "%s/.live", test_dir);
	snprintf(csv, sizeof(csv), "%s/s.csv", test_dir);
	snprintf(oom, sizeof(oom), "%s/memory.oom_control", test_dir);
	FILE *f = fopen(oom, "w");
	assert_non_null(f);
	fputs("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", f);
	fclose(f);
	f = fopen(live, "w");
	assert_non_null(f);
	fputs("time_ms,progress\n1,2\n3,4\n5,", f); /* the last line cut by the kill */
	fclose(f);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	struct janitor j;
	static const char doc[] = "{\"status\": {\"state\": \"killed\", \"message\": " JANITOR_REASON_MARK "}}";
	if (janitor_start(&j) < 0)
		_exit(2);
	janitor_note_cgroup(&j, test_dir, "limit", "-1");
	if (janitor_note_record(&j, doc_path, live, csv, doc, strlen(doc)) < 0)
		_exit(3);
	if (recorded)
		janitor_note_recorded(&j);
	for (;;)
		pause();
}

static void read_file(const char *path, char *buf, size_t n)
{
	buf[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	buf[fread(buf, 1, n - 1, f)] = 0;
	fclose(f);
}

static void test_death_recorded(void **st)
{
	(void)st;
	char doc_path[300], csv[300], text[2048];
	snprintf(doc_path, sizeof(doc_path), "%s/r.json", test_dir);
	snprintf(csv, sizeof(csv), "%s/s.csv", test_dir);
	limit_reset();
	pid_t vmm = vmm_with_record(doc_path, false);
	usleep(200000);
	kill(vmm, SIGKILL);
	for (int i = 0; i < 500 && access(doc_path, F_OK) != 0; i++)
		usleep(10000); /* not reaped yet: the janitor reads the zombie's exit signal */
	int status;
	waitpid(vmm, &status, 0);
	read_file(doc_path, text, sizeof(text));
	assert_non_null(strstr(text, "\"message\": \"killed by SIGKILL; the memory cgroup's OOM killer killed 2 processes in "));
	assert_non_null(strstr(text, "\"state\": \"killed\""));
	assert_null(strstr(text, "@memvirt"));
	read_file(csv, text, sizeof(text));
	assert_string_equal(text, "time_ms,progress\n1,2\n3,4\n"); /* whole lines, under the final name */
	assert_true(limit_restored(5000));
	unlink(doc_path);
	unlink(csv);
}

static void test_recorded_run_leaves_no_record(void **st)
{
	(void)st;
	char doc_path[300];
	snprintf(doc_path, sizeof(doc_path), "%s/r.json", test_dir);
	limit_reset();
	pid_t vmm = vmm_with_record(doc_path, true);
	usleep(200000);
	kill(vmm, SIGKILL);
	int status;
	waitpid(vmm, &status, 0);
	assert_true(limit_restored(5000)); /* host state is still restored */
	usleep(200000);
	assert_int_not_equal(access(doc_path, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_hangup),
		cmocka_unit_test(test_parent_death_with_pipe_held),
		cmocka_unit_test(test_death_recorded),
		cmocka_unit_test(test_recorded_run_leaves_no_record),
	};
	return cmocka_run_group_tests(tests, setup, test_dir_teardown);
}
