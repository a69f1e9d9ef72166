/* test_timed.c — time-based runs (issue 13 item 2), through the real binary (MEMVIRT_BIN):
 * `--runtime` ends the measured phase near its time on native, sim and kvm (kvm skipped where
 * it cannot run); every workload's time-based checksum equals the fixed run `--loops N` with
 * the N passes it reports, and a pass count reached on one platform gives the same checksum on
 * another (the checksum covers whole passes only); `--ramp` is kept out of the measured
 * phase; events that cannot fall inside a time-based phase, and options that do not go
 * together, are refused in one line (exit 2); a reclaim event a fixed run's phase ended before
 * is reported; a sweep does not call the differing checksums of time-based repetitions a
 * disagreement; `compare` refuses --runtime. Times are checked loosely (the machine is shared): within half a second, the
 * progress line's interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"
#include "vmm/kvm/kvm_vm.h"

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

struct outcome {
	char checksum[24];
	double run_s, setup_s;
	uint64_t ops, passes;
};

/* memvirt run ARGS --json ... : must succeed; its result block. */
static struct outcome run_ok(const char *args)
{
	char path[128];
	struct outcome o = { 0 };
	snprintf(path, sizeof(path), "%s/r.json", test_dir);
	int rc = memvirt_cmd_run(&cmd, "run %s --no-progress --json %s", args, path);
	if (rc != 0)
		fail_msg("memvirt run %s: exit %d: %s", args, rc, cmd.err);
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	assert_non_null(doc);
	const json_t *r = json_object_get(doc, "result");
	snprintf(o.checksum, sizeof(o.checksum), "%s", json_string_value(json_object_get(r, "checksum")));
	o.run_s = json_number_value(json_object_get(r, "run_s"));
	o.setup_s = json_number_value(json_object_get(r, "setup_s"));
	o.ops = (uint64_t)json_integer_value(json_object_get(r, "ops"));
	o.passes = (uint64_t)json_integer_value(json_object_get(r, "passes"));
	json_decref(doc);
	return o;
}

/* The fixed run of the same work, `--loops N`: its checksum. */
static void assert_same_as_loops(const char *platform, const char *work, const struct outcome *t)
{
	char args[400];
	snprintf(args, sizeof(args), "--platform %s %s --loops %llu", platform, work, (unsigned long long)t->passes);
	struct outcome f = run_ok(args);
	if (strcmp(f.checksum, t->checksum) != 0)
		fail_msg("%s: %llu passes: time-based checksum %s, --loops %llu gives %s", args,
			 (unsigned long long)t->passes, t->checksum, (unsigned long long)t->passes, f.checksum);
}

#define GUPS "--workload gups --mem 1m --ops 20000"

/* One platform: a 1 s measured phase, its checksum that of --loops with its passes, and that
 * of native with the same passes. */
static void timed_on(const char *platform)
{
	char args[200];
	snprintf(args, sizeof(args), "--platform %s " GUPS " --runtime 1s", platform);
	struct outcome t = run_ok(args);
	printf("# %s --runtime 1s: run_s %.3f, %llu ops, %llu passes\n", platform, t.run_s, (unsigned long long)t.ops,
	       (unsigned long long)t.passes);
	assert_true(t.run_s > 0.99 && t.run_s < 1.5);
	assert_true(t.passes >= 1 && t.ops > 0);
	assert_true(t.ops <= t.passes * 20000); /* the finished pass's rest is not measured */
	assert_same_as_loops(platform, GUPS, &t);
	if (strcmp(platform, "native") != 0)
		assert_same_as_loops("native", GUPS, &t);
}

static void test_native(void **st)
{
	(void)st;
	timed_on("native");
}

static void test_sim(void **st)
{
	(void)st;
	timed_on("sim");
}

static void test_kvm(void **st)
{
	(void)st;
	const char *why = kvm_dev_unavailable();
	if (why) {
		print_message("kvm platform unavailable (%s): skipped\n", why);
		skip();
	}
	timed_on("kvm");
}

/* Every workload repeats whole passes and reports them (on native: the loops are the same code
 * on every platform). */
static void test_every_workload(void **st)
{
	(void)st;
	static const char *const work[] = {
		"--workload seq --mem 256k --ops 5000",      "--workload gups --mem 256k --ops 5000",
		"--workload pchase --mem 256k --ops 5000",   "--workload churn --mem 256k --region 64k --ops 100",
		"--workload ctxsw --mem 256k --ops 5000",    "--workload idle --mem 256k --ops 2 --wake-every 10ms",
		"--workload phases --mem 256k",              "--workload dup --mem 256k --ops 5000",
	};
	for (size_t i = 0; i < sizeof(work) / sizeof(work[0]); i++) {
		char args[200];
		snprintf(args, sizeof(args), "--platform native %s --runtime 150ms", work[i]);
		struct outcome t = run_ok(args);
		if (t.passes < 2)
			fail_msg("%s: %llu pass(es) in %.3f s", args, (unsigned long long)t.passes, t.run_s);
		assert_same_as_loops("native", work[i], &t);
	}
}

static void test_ramp_not_measured(void **st)
{
	(void)st;
	struct outcome t = run_ok("--platform native " GUPS " --runtime 300ms --ramp 400ms");
	assert_true(t.setup_s >= 0.4);
	assert_true(t.run_s > 0.29 && t.run_s < 0.8);
	assert_same_as_loops("native", GUPS, &t);
}

static void refused(const char *args, const char *says)
{
	int rc = memvirt_cmd_run(&cmd, "run %s --no-progress", args);
	if (rc != 2 || !strstr(cmd.err, says) || test_count_lines(cmd.err) != 1)
		fail_msg("memvirt run %s: exit %d, wanted 2 and one line with '%s': %s", args, rc, says, cmd.err);
}

static void test_refused(void **st)
{
	(void)st;
	refused("--platform native " GUPS " --ramp 1s", "--ramp: only with --runtime");
	refused("--platform native " GUPS " --runtime 1s --loops 2", "--loops with --runtime");
	refused("--platform native " GUPS " --runtime 0", "invalid --runtime value '0'");
	refused("--platform native " GUPS " --runtime soon", "invalid --runtime value 'soon'");
	refused("--platform sim " GUPS " --runtime 1s --reclaim discard:at=2s,frac=0.5", "before it: use an earlier at=");
	refused("--platform sim " GUPS " --runtime 1s --balloon target=128k,at=1s", "--runtime 1s, before it");
	/* a comparison needs the same work everywhere */
	int rc = memvirt_cmd_run(&cmd, "compare --platform sim --workloads gups --mem 1m --runtime 1s --no-progress");
	assert_int_equal(rc, 2);
	assert_non_null(strstr(cmd.err, "--runtime applies to run, experiment files and scenarios, not compare"));
}

/* A fixed run shorter than its event's time says so afterwards. */
static void test_missed_event_reported(void **st)
{
	(void)st;
	assert_int_equal(memvirt_cmd_run(&cmd, "run --platform sim " GUPS " --reclaim discard:at=30s,frac=0.5 --no-progress"),
			 0);
	assert_non_null(strstr(cmd.err, "--reclaim discard at 30 s never happened"));
}

/* A sweep of time-based repetitions: each completed its own number of passes, so their
 * checksums differ by design, and the summary must not call that a disagreement. */
static void test_sweep_of_timed_runs(void **st)
{
	(void)st;
	char ini[200], out[200], path[260], text[1 << 16];
	test_write_file(test_dir, "timed.ini", "[global]\nplatform = native\nworkload = gups\nmem = 1m\nops = 20000\n"
					  "runtime = 200ms\nrepeat = 2\n[t]\nseed = 1, 2\n", ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/sweep", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s", ini, out), 0);
	snprintf(path, sizeof(path), "%s/summary.json", out);
	test_slurp(path, text, sizeof(text));
	json_error_t err;
	json_t *sum = json_loads(text, 0, &err);
	assert_non_null(sum);
	size_t i;
	json_t *pt;
	json_array_foreach(json_object_get(sum, "points"), i, pt) {
		assert_int_equal(json_integer_value(json_object_get(pt, "ok")), 2);
		assert_true(json_is_true(json_object_get(pt, "checksums_agree")));
	}
	json_decref(sum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native),		 cmocka_unit_test(test_sim),
		cmocka_unit_test(test_kvm),		 cmocka_unit_test(test_every_workload),
		cmocka_unit_test(test_ramp_not_measured), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_missed_event_reported), cmocka_unit_test(test_sweep_of_timed_runs),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
