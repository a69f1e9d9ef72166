/* test_sweep_interference.c — host interference as a user meets it (the real binary,
 * MEMVIRT_BIN): a sweep of five repetitions runs while the test starts CPU hogs (busy child
 * processes, twice as many as the host has CPUs) for exactly the second repetition — from the
 * moment the first one's file appears until the second one's does — and the merge flags that
 * repetition for host interference from its own telemetry; `sweep --rerun-flagged` then runs
 * it again and keeps the original, marked, in points/superseded/. Also the merge options
 * (-o, --baseline, --paired) as a user types them, bad values exiting 2 with one line naming
 * them. Timing figures (how far the medians move) belong in the report, not here: the
 * assertions are about flags and files, which a loaded host does not change — except that on a
 * host busy throughout, the undisturbed repetitions are flagged too, which the test accepts
 * and says. */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "results/merge.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"

#define MAX_HOGS 64

static pid_t hogs[MAX_HOGS];
static int nhogs;
static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

static void stop_hogs(void)
{
	for (int i = 0; i < nhogs; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
	nhogs = 0;
}

static void start_hogs(int n)
{
	for (; nhogs < n && nhogs < MAX_HOGS; nhogs++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			for (volatile unsigned long x = 0;; x++)
				;
		}
		hogs[nhogs] = pid;
	}
}

static int teardown(void **st)
{
	(void)st;
	stop_hogs();
	return test_dir_teardown(st);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits until path exists or the child ended (false) or 300 s passed (false). */
static bool wait_file(const char *path, pid_t child)
{
	for (double t0 = now_s(); now_s() - t0 < 300;) {
		if (test_file_exists(path))
			return true;
		if (waitpid(child, NULL, WNOHANG) == child)
			return test_file_exists(path);
		usleep(2000);
	}
	return false;
}

static const char ini_text[] = "[global]\nplatform = sim\nmem = 4m\nops = 1000000\nseed = 5\nrepeat = 5\n"
			       "metrics = result.run_s\n[j]\nworkload = gups\n";

/* The repetition record of summary point 0 with this number. */
static json_t *rep_of(json_t *sum, int r)
{
	json_t *reps = json_object_get(json_array_get(json_object_get(sum, "points"), 0), "repetitions"), *x;
	size_t i;
	json_array_foreach(reps, i, x)
		if (json_integer_value(json_object_get(x, "repetition")) == r)
			return x;
	return NULL;
}

static double wait_frac(json_t *rep)
{
	return json_real_value(json_object_get(json_object_get(rep, "interference"), "cpu_wait_frac"));
}

static void test_hog_flags_its_repetition(void **st)
{
	(void)st;
	char ini[256], out[128], r1[256], r2[256], path[256], log[256];
	test_write_file(test_dir, "hog.ini", ini_text, ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/sw", test_dir);
	snprintf(r1, sizeof(r1), "%s/points/0000-j-r1.json", out);
	snprintf(r2, sizeof(r2), "%s/points/0000-j-r2.json", out);
	snprintf(log, sizeof(log), "%s/sweep.log", test_dir);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		if (!freopen(log, "w", stdout))
			_exit(127);
		execl(MEMVIRT_BIN, MEMVIRT_BIN, "sweep", ini, "--out", out, (char *)NULL);
		_exit(127);
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	assert_true(wait_file(r1, child));
	start_hogs(2 * (int)(cpus > 0 ? cpus : 1) + 2); /* the worker gets at most a third of a CPU */
	bool second = wait_file(r2, child);
	stop_hogs();
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(second);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	json_error_t err;
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_t *sum = json_load_file(path, 0, &err);
	assert_non_null(sum);
	json_t *hogged = rep_of(sum, 2);
	assert_non_null(hogged);
	json_t *h = json_object_get(hogged, "interference");
	assert_true(json_is_true(json_object_get(h, "flagged")));
	assert_non_null(strstr(json_string_value(json_object_get(h, "why")), "cpu wait"));
	assert_true(wait_frac(hogged) >= MERGE_CPU_WAIT_FRAC);
	int others_flagged = 0;
	for (int r = 1; r <= 5; r++)
		if (r != 2)
			others_flagged += json_is_true(json_object_get(json_object_get(rep_of(sum, r), "interference"), "flagged"));
	if (others_flagged == 0) { /* a quiet host: the hogged one stands out */
		for (int r = 1; r <= 5; r++)
			if (r != 2)
				assert_true(wait_frac(rep_of(sum, r)) < wait_frac(hogged));
		assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(sum, "points"), 0), "flagged")), 1);
	} else {
		printf("note: a busy host: %d undisturbed repetitions were flagged too\n", others_flagged);
	}
	json_decref(sum);

	/* --rerun-flagged: r2 runs again, its original kept and marked */
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s --rerun-flagged", ini, out), 0);
	assert_non_null(strstr(cmd.out, "rerun: point 0 j r2/5: host interference (cpu wait"));
	snprintf(path, sizeof(path), "%s/points/superseded/0000-j-r2-a1.json", out);
	json_t *old = json_load_file(path, 0, &err);
	assert_non_null(old);
	assert_string_equal(json_string_value(json_object_get(json_object_get(old, MERGE_SUPERSEDED_KEY), "replaced_by")),
			    "0000-j-r2.json");
	json_decref(old);
	json_t *now = json_load_file(r2, 0, &err);
	assert_non_null(now);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(now, "rerun"), "attempt")), 2);
	json_decref(now);
	snprintf(path, sizeof(path), "%s/summary.json", out);
	sum = json_load_file(path, 0, &err);
	assert_non_null(sum);
	json_t *p0 = json_array_get(json_object_get(sum, "points"), 0);
	assert_true(json_integer_value(json_object_get(p0, "superseded")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(p0, "ok")), 5); /* the superseded are not averaged */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(p0, "metrics"), "result.run_s"),
							    "n")), 5);
	json_decref(sum);
	/* refused combinations, one line each */
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s --rerun-flagged --dry-run", ini, out), 2);
	assert_non_null(strstr(cmd.err, "--dry-run"));
	assert_int_equal(test_count_lines(cmd.err), 1);
}

static void test_merge_options(void **st)
{
	(void)st;
	char ini[256], out[128], other[128], path[256];
	test_write_file(test_dir, "two.ini", "[global]\nplatform = sim\nmem = 1m\nrepeat = 2\n[j]\nworkload = seq\n"
					"mmu = ept, shadow\nseed = 1, 2\n", ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/two", test_dir);
	snprintf(other, sizeof(other), "%s/other", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s", ini, out), 0);
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_error_t err;
	json_t *first = json_load_file(path, 0, &err);
	assert_non_null(first);
	/* -o: the three files elsewhere, DIR's summary untouched; --baseline and --paired used */
	assert_int_equal(memvirt_cmd_run(&cmd, "merge %s -o %s --baseline mmu=ept --paired seed", out, other), 0);
	assert_non_null(strstr(cmd.out, "paired by seed"));
	json_t *again = json_load_file(path, 0, &err);
	assert_true(json_equal(first, again));
	json_decref(again);
	json_decref(first);
	snprintf(path, sizeof(path), "%s/summary.json", other);
	json_t *sum = json_load_file(path, 0, &err);
	assert_non_null(sum);
	assert_string_equal(json_string_value(json_object_get(sum, "baseline")), "mmu=ept");
	json_t *groups = json_object_get(json_object_get(sum, "paired"), "groups");
	assert_int_equal(json_array_size(groups), 2);
	json_t *g = json_array_get(groups, 1);
	assert_false(json_is_true(json_object_get(g, "baseline")));
	/* shadow against ept, seed by seed: two pairs; the simulator's cycles differ exactly */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(g, "metrics"),
									    "mmu.modeled_cycles"), "pairs")), 2);
	json_decref(sum);
	snprintf(path, sizeof(path), "%s/report.html", other);
	static char page[1 << 17];
	test_slurp(path, page, sizeof(page));
	assert_non_null(strstr(page, "<th>median</th><th>IQR</th>"));
	assert_non_null(strstr(page, "<th>mwu</th>"));
	assert_non_null(strstr(page, "<h2>Paired by seed</h2>"));
	/* bad values: exit 2, one line naming the value */
	static const struct { const char *args, *named; } bad[] = {
		{ "--baseline mmu=nope", "'mmu=nope'" },
		{ "--baseline nojob", "'nojob'" },
		{ "--baseline =x", "'=x'" },
		{ "--paired nope", "'nope'" },
		{ "--paired workload", "'workload'" }, /* does not vary */
		{ "--paired mmu --baseline mmu=ept", "'mmu'" },
		{ "--paired a/b", "'a/b'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(memvirt_cmd_run(&cmd, "merge %s -o %s %s", out, other, bad[i].args), 2);
		assert_non_null(strstr(cmd.err, bad[i].named));
		assert_int_equal(test_count_lines(cmd.err), 1);
	}
	assert_int_equal(memvirt_cmd_run(&cmd, "merge --help"), 0);
	assert_non_null(strstr(cmd.out, "--paired AXIS"));
	assert_non_null(strstr(cmd.out, "Mann-Whitney"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hog_flags_its_repetition),
		cmocka_unit_test(test_merge_options),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, teardown);
}
