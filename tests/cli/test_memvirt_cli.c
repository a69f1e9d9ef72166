/* test_memvirt_cli.c — the memvirt command as a user meets it: bad values exit 2 with one
 * line naming the value and leave no file behind; a good run writes a complete result
 * document whose fields are the schema's. Runs the real binary (MEMVIRT_BIN). */
#include <math.h>
#include <setjmp.h>
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

#include "mmu/util.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/test_json.h"
#include "tests/common/tmpdir.h"

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };
#define err_text cmd.err
#define out_text cmd.out

/* Runs memvirt with args; returns its exit status and keeps its stdout and stderr. */
static int memvirt(const char *args)
{
	return memvirt_cmd_run(&cmd, "%s", args);
}

#define lines test_count_lines
#define exists test_file_exists

static void expect_usage_error(const char *args, const char *must_name)
{
	char full[1024];
	snprintf(full, sizeof(full), "run --no-progress --json %s/r.json %s", test_dir, args);
	assert_int_equal(memvirt(full), 2);
	assert_int_equal(lines(err_text), 1);
	assert_non_null(strstr(err_text, must_name));
	char path[128];
	snprintf(path, sizeof(path), "%s/r.json", test_dir);
	assert_false(exists(path));
}

static void test_bad_values_exit_2_with_one_line(void **st)
{
	(void)st;
	expect_usage_error("--workload nope", "nope");
	expect_usage_error("--mem 0", "--mem");
	expect_usage_error("--mem 12q", "12q");
	expect_usage_error("--ops -1", "-1");
	expect_usage_error("--frobnicate", "frobnicate");
	expect_usage_error("--platform sim --levels 3", "--levels");
	expect_usage_error("--platform sim --host-page 3m", "3m");
	expect_usage_error("--platform sim --mem 64m --guest-mem 16m", "--guest-mem");
	assert_int_equal(memvirt("run --no-progress --json /nonexistent-memvirt-test_dir/r.json"), 2);
	assert_int_equal(lines(err_text), 1);
	assert_non_null(strstr(err_text, "/nonexistent-memvirt-test_dir/r.json"));
	assert_int_equal(memvirt("frob"), 2);
	assert_int_equal(memvirt(""), 2);
}

/* idle, phases and dup: durations, fractions and schedules, each bad value named on one line,
 * and parameters that do not go together refused before the run. */
static void test_overcommit_params_exit_2_with_one_line(void **st)
{
	(void)st;
	expect_usage_error("--workload idle --wake-every 0", "'0'");
	expect_usage_error("--workload idle --wake-every 11s", "11s");
	expect_usage_error("--workload idle --wake-every soon", "soon");
	expect_usage_error("--workload idle --touch 0", "--touch");
	expect_usage_error("--workload dup --dup-frac 1.5", "1.5");
	expect_usage_error("--workload dup --zero-frac -0.1", "-0.1");
	expect_usage_error("--workload dup --dup-frac 0.6 --zero-frac 0.5", "'0.5'");
	expect_usage_error("--workload dup --dup-pool 0", "--dup-pool");
	expect_usage_error("--workload phases --mem 1m --ws 8m:100", "8m:100");
	expect_usage_error("--workload phases --ws 1m:0", "1m:0");
	expect_usage_error("--workload phases --ws 1m", "'1m'");
	expect_usage_error("--workload phases --ws 1:5,2m:5", "1:5,2m:5");
	expect_usage_error("--workload phases --ws 64k:1,64k:1,64k:1,64k:1,64k:1,64k:1,64k:1,64k:1,64k:1", "64k:1,");
	expect_usage_error("--workload phases --ops 5", "--ops");
	expect_usage_error("--workload seq --wake-every 1s", "--wake-every");
}

/* A discard of private anonymous guest RAM would zero the guest's data: refused when the
 * command is read, not when its time comes in the middle of the run (it was). */
static void test_discard_of_anonymous_ram_refused_up_front(void **st)
{
	(void)st;
	expect_usage_error("--platform kvm --reclaim discard:at=1s", "--backend memfd");
	expect_usage_error("--platform native --reclaim discard:at=1s", "--reclaim pageout");
}

/* One command line that must exit 2 with one line on stderr holding each needle. */
static void expect_refused(const char *args, const char *needle, const char *needle2)
{
	assert_int_equal(memvirt(args), 2);
	assert_int_equal(lines(err_text), 1);
	assert_non_null(strstr(err_text, needle));
	if (needle2)
		assert_non_null(strstr(err_text, needle2));
}

/* compare chooses the strategy, the workloads, the work and its files itself: those run
 * options are refused there, saying where they apply, not silently overridden (they were). */
static void test_compare_refuses_what_it_chooses(void **st)
{
	(void)st;
	expect_refused("compare --mmu shadow --workloads seq", "--mmu applies to run, experiment files and scenarios",
		       "not compare");
	expect_refused("compare --workload gups", "--workload applies to", "not compare");
	expect_refused("demo --json x.json", "--json applies to run, not compare", NULL);
	/* every row would have written the one file: refused, and nothing written */
	char args[256], ts[128];
	snprintf(ts, sizeof(ts), "%s/cmp.csv", test_dir);
	snprintf(args, sizeof(args), "compare --workloads seq --mem 1m --timeseries %s", ts);
	expect_refused(args, "--timeseries applies to", "not compare");
	assert_false(exists(ts));
	/* the help leaves them out and names them, from the same tables */
	assert_int_equal(memvirt("compare --help"), 0);
	assert_null(strstr(out_text, "\n  --mmu "));
	assert_non_null(strstr(out_text, "Not taken by compare and demo (refused; see memvirt run --help): --mmu, "
					 "--workload, --runtime, --ramp, --json, --timeseries\n"));
	assert_non_null(strstr(out_text, "compare and demo: sim)")); /* the default it runs on */
}

/* Native runs no guest and no simulated hardware; sim has no kvm guest memory; kvm none of the
 * simulator's own mechanisms: each such option is refused with one line saying where it
 * applies (they were silently ignored, or failed the run), whatever its value. The help groups
 * them by where they apply, from the same field (--guest-page was listed under "Simulator"
 * although kvm uses it). */
static void test_options_refused_where_they_do_not_apply(void **st)
{
	(void)st;
	expect_usage_error("--platform native --guest-page 2m", "--guest-page applies to sim and kvm, not native");
	expect_usage_error("--platform native --tlb 0", "--tlb applies to sim, not native");
	expect_usage_error("--cost walk_ref=50", "--cost applies to sim, not native"); /* native is the default */
	expect_usage_error("--mmu shadow", "--mmu applies to sim and kvm, not native");
	expect_usage_error("--mmu ept", "--mmu applies to sim and kvm, not native"); /* the default value too */
	expect_usage_error("--balloon target=8m", "--balloon applies to sim and kvm, not native");
	expect_usage_error("--platform sim --backend anon", "--backend applies to kvm, not sim");
	expect_usage_error("--platform sim --uffd", "--uffd applies to kvm, not sim");
	expect_usage_error("--platform kvm --shadow-flood off", "--shadow-flood applies to sim, not kvm");
	expect_usage_error("--platform kvm --share on", "--share applies to sim, not kvm");
	assert_int_equal(memvirt("run --help"), 0);
	const char *guest = strstr(out_text, "\nGuest [sim and kvm]:\n");
	const char *sim = strstr(out_text, "\nSimulated hardware and cost model [sim; recorded on kvm]:\n");
	const char *mem = strstr(out_text, "\nGuest memory (see docs/kvm-platform.md) [kvm]:\n");
	assert_non_null(guest);
	assert_non_null(sim);
	assert_non_null(mem);
	const char *page = strstr(out_text, "--guest-page"), *tlb = strstr(out_text, "--tlb");
	assert_true(page > guest && page < sim);
	assert_true(tlb > sim);
	assert_non_null(strstr(out_text, "as KVM does (default off)\n                             [sim; refused on kvm]\n"));
	assert_non_null(strstr(out_text, "(atomically)\n                             [run only]\n"));
	assert_null(strstr(out_text, "(--platform")); /* no heading says it by hand */
}

/* The bad command lines of issue 14's "Why", each exit 2 with one line naming what is wrong. */
static void test_issue_14_command_lines(void **st)
{
	(void)st;
	expect_refused("run --time 10s", "'--time'", "abbreviations are refused");
	expect_refused("run --mmu shadow", "--mmu applies to sim and kvm, not native", NULL);
	expect_refused("compare --mmu shadow", "--mmu applies to", "not compare");
	expect_refused("run --platform native --guest-page 2m", "--guest-page applies to sim and kvm", NULL);
	expect_refused("compare --platform native", "invalid --platform value 'native'", NULL);
}

/* getopt_long would take a unique prefix (`--time` for `--timeseries`, writing a file named
 * by the value); the command refuses it, naming what was typed and exiting 2. */
static void test_abbreviations_refused(void **st)
{
	(void)st;
	char args[256], ts[128];
	snprintf(ts, sizeof(ts), "%s/t.csv", test_dir);
	snprintf(args, sizeof(args), "--time %s", ts);
	expect_usage_error(args, "'--time'");
	assert_false(exists(ts));
	snprintf(args, sizeof(args), "--time=%s", ts);
	expect_usage_error(args, "'--time'");
	assert_false(exists(ts));
	expect_usage_error("--work gups", "'--work'");
	expect_usage_error("--platform sim --guest-p 2m", "'--guest-p'");
	expect_usage_error("--no-prog", "'--no-prog'");
	/* the full names still work, with the value attached or apart */
	snprintf(args, sizeof(args), "run --no-progress --mem=1m --timeseries %s", ts);
	assert_int_equal(memvirt(args), 0);
	assert_true(exists(ts));
	/* and the other commands refuse them too */
	assert_int_equal(memvirt("info --js"), 2);
	assert_non_null(strstr(err_text, "'--js'"));
	assert_int_equal(memvirt("compare --platform sim --workl seq"), 2);
	assert_non_null(strstr(err_text, "'--workl'"));
	assert_int_equal(lines(err_text), 1);
}

static void test_help_and_list(void **st)
{
	(void)st;
	assert_int_equal(memvirt("--help"), 0);
	assert_int_equal(memvirt("run --help"), 0);
	assert_int_equal(memvirt("list"), 0);
	assert_int_equal(memvirt("info"), 0);
	assert_int_equal(memvirt("compare --help"), 0);
	assert_int_equal(memvirt("sweep --help"), 0);
	assert_int_equal(memvirt("merge --help"), 0);
	assert_int_equal(memvirt("report --help"), 0);
	assert_int_equal(memvirt("info --help"), 0);
}

static json_t *run_json(const char *args)
{
	char full[1024], path[128];
	snprintf(path, sizeof(path), "%s/ok.json", test_dir);
	snprintf(full, sizeof(full), "run --no-progress --json %s %s", path, args);
	assert_int_equal(memvirt(full), 0);
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	assert_non_null(doc);
	unlink(path);
	return doc;
}

/* The summary names the largest episode (dips close together, by ops lost), not the first
 * dip (usually warm-up). */
static void test_summary_names_the_largest_dip(void **st)
{
	(void)st;
	json_t *doc = run_json("--platform sim --workload seq --mem 32m --passes 40 --reclaim discard:at=20ms,frac=0.5");
	json_t *eps = json_object_get(doc, "dip_episodes"), *d, *largest = NULL;
	size_t i;
	double lost = 0;
	json_array_foreach(eps, i, d) {
		lost += json_number_value(json_object_get(d, "ops_lost"));
		if (!largest || json_number_value(json_object_get(d, "ops_lost")) >
					json_number_value(json_object_get(largest, "ops_lost")))
			largest = d;
	}
	json_array_foreach(json_object_get(doc, "dips"), i, d)
		lost -= json_number_value(json_object_get(d, "ops_lost"));
	assert_true(fabs(lost) < 1e-6 * (1 + fabs(lost))); /* the episodes hold every dip's loss */
	if (!largest) { /* none, or none looked for: a loaded host starved the phase before its event */
		assert_int_equal(json_array_size(json_object_get(doc, "dips")), 0);
		assert_true(strstr(out_text, "dips: none") || strstr(out_text, "dips: not looked for"));
	} else {
		char want[96];
		snprintf(want, sizeof(want), "largest at %.1f ms for %.1f ms",
			 json_number_value(json_object_get(largest, "start_ms")),
			 json_number_value(json_object_get(largest, "duration_ms")));
		if (!strstr(out_text, want))
			fprintf(stderr, "summary '%s' lacks '%s'\n", out_text, want);
		assert_non_null(strstr(out_text, want));
		assert_non_null(strstr(out_text, " episodes, "));
	}
	json_decref(doc);
}

static const char *str_at(json_t *doc, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, obj), key));
}


/* --balloon's switches: bad values exit 2 naming them; a sim run with report and stats and no
 * target reports what `phases` freed (32 of 40 MiB) and polls statistics that pass the checks;
 * the series has the balloon's columns (docs/balloon.md). */
static void test_balloon_stats_and_report(void **st)
{
	(void)st;
	expect_usage_error("--platform sim --balloon report=maybe", "report=maybe");
	expect_usage_error("--platform sim --balloon stats=1us", "'1us'");
	expect_usage_error("--platform sim --balloon report=on,report_delay=1ms", "'1ms'");
	expect_usage_error("--platform sim --balloon at=1s", "at= needs a target");
	char args[512], csv[128], line[1024];
	snprintf(csv, sizeof(csv), "%s/t.csv", test_dir);
	snprintf(args, sizeof(args),
		 "--platform sim --workload phases --mem 40m --guest-page 2m --ws 40m:2000,8m:3000000 --sys-every 4096 "
		 "--balloon report=on,report_delay=10ms,stats=5ms --timeseries %s",
		 csv);
	json_t *d = run_json(args);
	assert_true(json_integer_value(test_json_at(d, "balloon.reported")) >= 32 << 20);
	assert_int_equal(json_integer_value(test_json_at(d, "balloon.actual")), 0);
	assert_true(json_integer_value(test_json_at(d, "balloon.stats.polls")) > 0);
	assert_int_equal(json_integer_value(test_json_at(d, "balloon.stats.refused")), 0);
	assert_true(json_is_integer(test_json_at(d, "balloon.stats.free")));
	assert_true(json_is_integer(test_json_at(d, "balloon.stats.minor_faults")));
	json_decref(d);
	FILE *f = fopen(csv, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, ",balloon_bytes,guest_free_bytes,balloon_reported_bytes\n"));
	char last[1024] = "";
	while (fgets(line, sizeof(line), f))
		snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	/* the last sample: nothing ballooned, the guest's free bytes known, 32 MiB reported or more */
	char *col = strrchr(last, ',');
	assert_non_null(col);
	assert_true(strtoull(col + 1, NULL, 10) >= 32 << 20);
	*col = 0;
	col = strrchr(last, ',');
	assert_true(col && col[1] != 0 && strtoull(col + 1, NULL, 10) > 0);
	*col = 0;
	col = strrchr(last, ',');
	assert_true(col && strcmp(col, ",0") == 0);
	unlink(csv);
}

static void test_result_document(void **st)
{
	(void)st;
	json_t *a = run_json("--workload gups --mem 1m --seed 7");
	json_t *b = run_json("--workload gups --mem 1m --seed 7");
	json_t *c = run_json("--workload gups --mem 1m --seed 8");
	assert_int_equal(json_integer_value(json_object_get(a, "schema_version")), 2);
	assert_string_equal(str_at(a, "status", "state"), "ok");
	assert_string_equal(str_at(a, "tool", "name"), "memvirt");
	assert_string_equal(str_at(a, "config", "platform"), "native");
	assert_string_equal(str_at(a, "config", "workload"), "gups");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "config"), "mem_bytes")), 1 << 20);
	assert_string_equal(str_at(a, "result", "checksum"), str_at(b, "result", "checksum"));
	assert_string_not_equal(str_at(a, "result", "checksum"), str_at(c, "result", "checksum"));
	assert_int_equal(strlen(str_at(a, "result", "checksum")), 18);
	json_t *ctx = json_object_get(a, "context");
	static const char *const keys[] = { "hostname", "kernel", "cpu_model", "ncpus", "mem_total_kib",
					    "numa_nodes", "thp", "kvm" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		assert_non_null(json_object_get(ctx, keys[i]));
	assert_non_null(json_object_get(json_object_get(ctx, "kvm"), "host_mmu"));
	static const char *const blocks[] = { "mmu", "exits", "faults", "memory" };
	for (size_t i = 0; i < 4; i++)
		assert_true(json_is_object(json_object_get(a, blocks[i])));
	/* native has no MMU counters: null, not a zero that would lie */
	assert_true(json_is_null(json_object_get(json_object_get(a, "mmu"), "tlb_misses")));
	json_decref(a);
	json_decref(b);
	json_decref(c);

	json_t *s = run_json("--platform sim --mmu shadow --workload churn --mem 1m --ops 300");
	assert_string_equal(str_at(s, "config", "mmu"), "shadow");
	assert_true(json_integer_value(json_object_get(json_object_get(s, "exits"), "pt_write")) > 0);
	assert_true(json_integer_value(json_object_get(json_object_get(s, "mmu"), "walks")) > 0);
	json_decref(s);

	/* the new kinds of parameter as written to the result: a fraction, µs, a schedule */
	json_t *d = run_json("--workload dup --mem 256k --dup-frac 0.25 --seed 2");
	json_t *dp = json_object_get(json_object_get(d, "config"), "params");
	assert_true(json_real_value(json_object_get(dp, "dup-frac")) == 0.25);
	json_decref(d);
	json_t *i = run_json("--workload idle --mem 64k --ops 1 --wake-every 2ms");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(i, "config"), "params"),
							    "wake-every")), 2000);
	json_decref(i);
	json_t *p = run_json("--workload phases --mem 1m --ws 256k:100+1m:200"); /* '+' as in experiment files */
	json_t *ws = json_object_get(json_object_get(json_object_get(p, "config"), "params"), "ws");
	assert_int_equal(json_array_size(ws), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ws, 1), "bytes")), 1 << 20);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ws, 1), "ops")), 200);
	json_decref(p);
}

/* memvirt report says which of memvirt's four documents it got: a run result and a host result
 * are drawn and named so; a sweep summary and a comparison are refused (exit 2, one line)
 * saying what they are and where their page is — a summary was refused as having "no
 * telemetry" (issue 14). */
static void test_report_says_what_it_got(void **st)
{
	(void)st;
	char args[512];
	snprintf(args, sizeof(args), "run --platform sim --mem 1m --ops 2000 --no-progress --json %s/rr.json", test_dir);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "report %s/rr.json -o %s/rep-run", test_dir, test_dir);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "report: a run result (sim, ept, seq): "));

	char ini[160];
	test_write_file(test_dir, "rh.ini", "[vm a]\nplatform = sim\nmem = 1m\nops = 2000\n[vm b]\nplatform = sim\nmem = 1m\n"
			"ops = 2000\n", ini, sizeof(ini));
	snprintf(args, sizeof(args), "host %s --no-progress --json %s/rh.json", ini, test_dir);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "report %s/rh.json -o %s/rep-host", test_dir, test_dir);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "report: a host result (rh: 2 VMs): "));

	test_write_file(test_dir, "rs.ini", "[j]\nplatform = sim\nmem = 1m\nops = 1000, 2000\n", ini, sizeof(ini));
	snprintf(args, sizeof(args), "sweep %s --out %s/rs", ini, test_dir);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "report %s/rs/summary.json -o %s/rep-sum", test_dir, test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_int_equal(lines(err_text), 1);
	assert_non_null(strstr(err_text, "is a sweep summary, not a run result: its page is report.html beside it"));
	snprintf(args, sizeof(args), "report %s/rs/summary.json --plot result.run_s -o %s/rs.svg", test_dir, test_dir);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "report: a sweep summary (2 points): "));

	snprintf(args, sizeof(args), "compare --workloads seq --mem 1m --ops 1000 --no-progress --out %s/rc", test_dir);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "report %s/rc/compare.json -o %s/rep-cmp", test_dir, test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_int_equal(lines(err_text), 1);
	assert_non_null(strstr(err_text, "is a comparison, not a run result: its page is report.html beside it"));

	snprintf(args, sizeof(args), "run --platform sim --mem 1m --ops 2000 --sample-us 0 --no-progress --json %s/rn.json",
		 test_dir);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "report %s/rn.json -o %s/rep-none", test_dir, test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "is a run result with no telemetry"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_values_exit_2_with_one_line),
		cmocka_unit_test(test_overcommit_params_exit_2_with_one_line),
		cmocka_unit_test(test_abbreviations_refused),
		cmocka_unit_test(test_discard_of_anonymous_ram_refused_up_front),
		cmocka_unit_test(test_summary_names_the_largest_dip),
		cmocka_unit_test(test_compare_refuses_what_it_chooses),
		cmocka_unit_test(test_options_refused_where_they_do_not_apply),
		cmocka_unit_test(test_issue_14_command_lines),
		cmocka_unit_test(test_report_says_what_it_got),
		cmocka_unit_test(test_help_and_list),
		cmocka_unit_test(test_result_document),
		cmocka_unit_test(test_balloon_stats_and_report),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
