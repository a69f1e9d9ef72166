/* test_experiment_file.c — experiment files: sections, [global] overridden by a job, comma
 * lists expanded into the cartesian product of points, repeat, and bad files refused with one
 * line naming the file, line, key and value (through the run options' own parser); the chart
 * keys plot = and error = checked when the file is read and carried as sweep.charts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/common/tmpdir.h"

#include "vmm/cli/cli.h"
#include "results/trend_plot.h"
#include "vmm/cli/sweep.h"

static char path[128], why[1024];
static struct experiment_file xf;
static struct sweep_args args;

/* Writes text as test_dir/x.ini and loads it; returns xf_load's result. */
static int load(const char *text)
{
	snprintf(path, sizeof(path), "%s/x.ini", test_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	why[0] = 0;
	return xf_load(path, &xf, why, sizeof(why));
}

/* The value of key in a point's settings, or NULL. */
static const char *value_of(const struct sweep_point *p, const char *key)
{
	static char buf[XF_VALUE_MAX];
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->set[i].src->key, key) == 0) {
			snprintf(buf, sizeof(buf), "%.*s", (int)p->set[i].len, p->set[i].src->value + p->set[i].off);
			return buf;
		}
	return NULL;
}

static void expect_why(const char *line_tag, const char *key)
{
	char tag[160];
	snprintf(tag, sizeof(tag), "%s:%s:", path, line_tag);
	assert_non_null(strstr(why, tag));
	assert_non_null(strstr(why, key));
	assert_null(strchr(why, '\n'));
}

static void test_sections_and_axes(void **st)
{
	(void)st;
	struct sweep s;
	assert_int_equal(load("; comment\n[global]\nplatform = sim\nmem = 8m\nrepeat = 2\n\n"
			      "[a]\nworkload = gups, churn ,ctxsw\nmmu = ept,shadow\n"
			      "[b]\nmem = 16m\nrepeat = 5\n"
			      "[c]\n"),
			 0);
	assert_int_equal(xf.njobs, 3);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	assert_int_equal(s.npoints, 3 * 2 + 1 + 1);
	/* the first axis varies slowest, blanks around items are dropped */
	static const char *const wl[] = { "gups", "gups", "churn", "churn", "ctxsw", "ctxsw" };
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(s.points[i].index, i);
		assert_string_equal(s.points[i].job->name, "a");
		assert_string_equal(value_of(&s.points[i], "workload"), wl[i]);
		assert_string_equal(value_of(&s.points[i], "mmu"), i % 2 ? "shadow" : "ept");
		assert_string_equal(value_of(&s.points[i], "mem"), "8m");
		assert_int_equal(s.points[i].repeat, 2);
	}
	/* the job's own mem and repeat replace [global]'s; repeat is not a run option */
	assert_string_equal(value_of(&s.points[6], "mem"), "16m");
	assert_int_equal(s.points[6].repeat, 5);
	assert_null(value_of(&s.points[6], "repeat"));
	/* an empty job takes everything from [global] */
	assert_string_equal(s.points[7].job->name, "c");
	assert_string_equal(value_of(&s.points[7], "platform"), "sim");
	assert_null(s.baseline);
	sweep_free(&s);
}

/* zip = A+B: the keys' lists advance together as one axis, at the place of the group's first
 * key; other axes still multiply; bad groups are refused naming the file, line and why. */
static void test_zipped_axes(void **st)
{
	(void)st;
	struct sweep s;
	assert_int_equal(load("[global]\nplatform = sim\nworkload = seq\nzip = guest-page + host-page\n"
			      "[pages]\nmmu = ept, shadow\nguest-page = 4k, 2m\nhost-page = 4k, 2m\nmem = 4m\n"
			      "[three]\nzip = seed+mem+ops\nseed = 1,2,3\nguest-page = 4k, 2m\nhost-page = 4k,2m\n"
			      "mem = 4m,8m,16m\nops = 10,20,30\n"),
			 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	/* [pages]: mmu (2) x the page pair (2) = 4 points, not 8: the pair is never 4k with 2m */
	assert_int_equal(s.npoints, 4 + 3 * 2 * 2);
	static const char *const mmu[] = { "ept", "ept", "shadow", "shadow" }, *const pg[] = { "4k", "2m", "4k", "2m" };
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(value_of(&s.points[i], "mmu"), mmu[i]);
		assert_string_equal(value_of(&s.points[i], "guest-page"), pg[i]);
		assert_string_equal(value_of(&s.points[i], "host-page"), pg[i]);
	}
	/* [three]: its own zip replaces [global]'s, so the pages multiply again: seed+mem+ops (3)
	 * x guest-page (2) x host-page (2), the group first (seed is the first key) */
	static const char *const seed[] = { "1", "2", "3" }, *const mem[] = { "4m", "8m", "16m" },
			  *const ops[] = { "10", "20", "30" };
	for (size_t i = 0; i < 12; i++) {
		const struct sweep_point *p = &s.points[4 + i];
		assert_string_equal(value_of(p, "seed"), seed[i / 4]);
		assert_string_equal(value_of(p, "mem"), mem[i / 4]);
		assert_string_equal(value_of(p, "ops"), ops[i / 4]);
		assert_string_equal(value_of(p, "guest-page"), i % 4 < 2 ? "4k" : "2m");
		assert_string_equal(value_of(p, "host-page"), i % 2 ? "2m" : "4k");
		assert_null(value_of(p, "zip"));
	}
	sweep_free(&s);
	static const struct { const char *text, *says; } bad[] = {
		{ "[j]\nzip = mem+ops\nmem = 4m,8m\nops = 1,2,3\n", "'ops' has 3 values and 'mem' 2" },
		{ "[j]\nzip = mem+seed\nmem = 4m,8m\n", "'seed' is not set in job [j]" },
		{ "[j]\nzip = mem\nmem = 4m,8m\n", "two keys or more" },
		{ "[j]\nzip = mem+ops, ops+seed\nmem = 4m,8m\nops = 1,2\nseed = 1,2\n", "'ops' is zipped twice" },
		{ "[j]\nzip = mem+reclaim\nmem = 4m\nreclaim = drop:at=1s\n", "'reclaim' is never a sweep axis" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(bad[i].text), 0);
		assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), -EINVAL);
		if (!strstr(why, bad[i].says))
			fail_msg("%s: '%s' lacks '%s'", bad[i].text, why, bad[i].says);
		expect_why("2", "key 'zip'");
	}
}

static void test_point_config(void **st)
{
	(void)st;
	struct sweep s;
	struct cli_run run;
	assert_int_equal(load("[global]\nplatform = sim\nbaseline = j\n[j]\nworkload = seq\npasses = 3\ntlb = 64\n"
			      "guest-page = 2m\n"),
			 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	assert_string_equal(s.baseline, "j");
	assert_int_equal(sweep_point_config(&s.points[0], path, &args, &run, why, sizeof(why)), 0);
	assert_string_equal(run.cfg.platform, "sim");
	assert_string_equal(run.cfg.workload->name, "seq");
	assert_int_equal(run.cfg.params.passes, 3);
	assert_int_equal(run.cfg.sim.tlb_entries, 64);
	assert_int_equal(run.cfg.sim.guest_page, 2u << 20);
	sweep_free(&s);
}

/* A value the run options refuse, found at the point where it is used. */
static void expect_bad_value(const char *text, const char *line, const char *key_value)
{
	struct sweep s;
	struct cli_run run;
	int rc = 0;
	assert_int_equal(load(text), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	for (size_t i = 0; i < s.npoints && rc == 0; i++)
		rc = sweep_point_config(&s.points[i], path, &args, &run, why, sizeof(why));
	assert_int_equal(rc, EXIT_USAGE);
	expect_why(line, key_value);
	sweep_free(&s);
}

static void test_bad_values(void **st)
{
	(void)st;
	/* the second item of an axis is bad: the line and that item are named */
	expect_bad_value("[global]\nplatform = sim\n[j]\nmmu = ept, nested\n", "4", "key 'mmu' = 'nested'");
	expect_bad_value("[j]\nmem = 12q\n", "2", "key 'mem' = '12q'");
	/* a combination: procs does not apply to seq, and the later setting is blamed */
	expect_bad_value("[global]\nprocs = 4\n[j]\nworkload = ctxsw, seq\n", "2", "key 'procs' = '4'");
	expect_bad_value("[j]\nuffd = maybe\n", "2", "key 'uffd' = 'maybe'");
}

static void test_bad_files(void **st)
{
	(void)st;
	struct sweep s;
	assert_int_equal(load("[global]\nplatform = sim\n[j]\nmemory = 8m\n"), -EINVAL);
	expect_why("4", "unknown key 'memory' = '8m'");
	/* abbreviations getopt would take are not keys */
	assert_int_equal(load("[j]\nplat = sim\n"), -EINVAL);
	expect_why("2", "'plat'");
	assert_int_equal(load("[a]\nmem = 8m\n[b]\n[a]\nseed = 2\n"), -EINVAL);
	expect_why("4", "[a] is defined twice (first at line 1)");
	assert_int_equal(load("[a]\nmem = 8m\nmem = 16m\n"), -EINVAL);
	expect_why("3", "'mem'");
	assert_int_equal(load("mem = 8m\n[a]\n"), -EINVAL);
	expect_why("1", "'mem'");
	assert_int_equal(load("[a]\nno equals sign here\n"), -EINVAL);
	expect_why("2", "");
	assert_int_equal(load("[a]\njson = out.json\n"), -EINVAL);
	expect_why("2", "'json'");
	assert_int_equal(load("[a]\nbaseline = a\n"), -EINVAL);
	expect_why("2", "'baseline'");
	assert_int_equal(load("[global]\nmem = 8m\n"), -EINVAL); /* no job */
	assert_int_equal(load("[bad/name]\n"), -EINVAL);
	expect_why("1", "bad/name");

	/* shape is fine, the expansion refuses */
	assert_int_equal(load("[global]\nbaseline = nope\n[a]\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), -EINVAL);
	expect_why("2", "key 'baseline' = 'nope'");
	assert_int_equal(load("[global]\nbaseline = mmu=nested\n[a]\nmmu = ept,shadow\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), -EINVAL);
	expect_why("2", "key 'baseline' = 'mmu=nested'");
	assert_int_equal(load("[global]\nbaseline = mmu=shadow\n[a]\nmmu = ept,shadow\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	assert_string_equal(s.baseline, "mmu=shadow");
	sweep_free(&s);
	assert_int_equal(load("[a]\nrepeat = 2,3\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), -EINVAL);
	expect_why("2", "key 'repeat' = '2,3'");
	assert_int_equal(load("[a]\nworkload = gups,,seq\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), -EINVAL);
	expect_why("2", "key 'workload'");

	/* metrics: [global] only, its paths' syntax checked when the file is loaded */
	assert_int_equal(load("[global]\nmetrics = mmu..walks\n[a]\n"), -EINVAL);
	expect_why("2", "key 'metrics' = 'mmu..walks': metric 'mmu..walks'");
	assert_int_equal(load("[global]\nmetrics = exits.total, exits.total\n[a]\n"), -EINVAL);
	expect_why("2", "given twice");
	assert_int_equal(load("[a]\nmetrics = exits.total\n"), -EINVAL);
	expect_why("2", "key 'metrics' = 'exits.total': only in [global]");
	assert_int_equal(load("[global]\nmetrics = mmu.modeled_cycles, kvm_stats.vcpu.pf_taken\n[a]\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	assert_int_equal(s.metrics.n, 2);
	assert_string_equal(s.metrics.path[1], "kvm_stats.vcpu.pf_taken");
	assert_int_equal(s.npoints, 1); /* a file key, not an axis */
	json_t *sw = sweep_point_json(&s, &s.points[0], 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(sw, "metrics"), 0)), "mmu.modeled_cycles");
	json_decref(sw);
	sweep_free(&s);

	/* a line longer than inih's buffer is refused rather than read as two lines */
	char longline[600];
	snprintf(longline, sizeof(longline), "[a]\nworkload = seq%0500d\n", 0);
	assert_int_equal(load(longline), -EINVAL);
	expect_why("2", "longer than");

	/* a missing file is named with why */
	snprintf(path, sizeof(path), "%s/none.ini", test_dir);
	assert_int_equal(xf_load(path, &xf, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "No such file"));
}

/* plot = (repeatable, up to TREND_MAX_PLOTS) and error = choose the merge's charts: [global]
 * (a scenario's [host]) only, their syntax checked when the file is read, never an axis for
 * all their commas, and recorded as each point's sweep.charts */
static void test_chart_keys(void **st)
{
	struct sweep s;
	char text[4096];
	(void)st;
	assert_int_equal(load("[global]\nplot = x=mem,series=mmu,metric=result.run_s\nplot = x=mmu,metric=mmu.walks,log=off\n"
			      "error = iqr\n[a]\nmem = 1m, 2m\nmmu = ept, shadow\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	assert_int_equal(s.npoints, 4); /* mem x mmu: the plots' commas are no axis */
	json_t *sw = sweep_point_json(&s, &s.points[0], 1), *c = json_object_get(sw, "charts");
	assert_int_equal(json_array_size(json_object_get(c, "plots")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "plots"), 1)),
			    "x=mmu,metric=mmu.walks,log=off");
	assert_string_equal(json_string_value(json_object_get(c, "error")), "iqr");
	assert_null(json_object_get(json_object_get(sw, "settings"), "plot"));
	json_decref(sw);
	sweep_free(&s);
	/* error alone, and nothing at all: no plots member, no charts object */
	assert_int_equal(load("[global]\nerror = none\n[a]\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	sw = sweep_point_json(&s, &s.points[0], 1);
	assert_null(json_object_get(json_object_get(sw, "charts"), "plots"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(sw, "charts"), "error")), "none");
	json_decref(sw);
	sweep_free(&s);
	assert_int_equal(load("[a]\nmem = 1m\n"), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	sw = sweep_point_json(&s, &s.points[0], 1);
	assert_null(json_object_get(sw, "charts"));
	json_decref(sw);
	sweep_free(&s);

	static const struct { const char *text, *line, *says; } bad[] = {
		{ "[global]\nplot = x=mem,metric=a..b\n[a]\n", "2", "key 'plot' = 'x=mem,metric=a..b': " },
		{ "[global]\nplot = x=mem\n[a]\n", "2", "metric missing" },
		{ "[global]\nplot = mem:result.run_s\n[a]\n", "2", "'mem:result.run_s'" },
		{ "[global]\nplot = x=mem,series=mem,metric=result.run_s\n[a]\n", "2", "both mem" },
		{ "[global]\nplot = x=mem,metric=result.run_s,log=yes\n[a]\n", "2", "log='yes'" },
		{ "[a]\nplot = x=mem,metric=result.run_s\n", "2", "key 'plot' = 'x=mem,metric=result.run_s': only in [global]" },
		{ "[global]\nerror = stderr\n[a]\n", "2", "key 'error' = 'stderr': expected sd, iqr or none" },
		{ "[global]\nerror = sd\nerror = iqr\n[a]\n", "3", "already set at line 2" },
		{ "[a]\nerror = iqr\n", "2", "only in [global]" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(bad[i].text), -EINVAL);
		expect_why(bad[i].line, bad[i].says);
	}
	/* at most TREND_MAX_PLOTS */
	size_t used = (size_t)snprintf(text, sizeof(text), "[global]\n");
	for (int i = 0; i <= TREND_MAX_PLOTS; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "plot = x=mem,metric=m.p%d\n", i);
	snprintf(text + used, sizeof(text) - used, "[a]\n");
	assert_int_equal(load(text), -EINVAL);
	expect_why("18", "more than 16 plots");

	/* a scenario: in [host], not in a [vm NAME] */
	snprintf(path, sizeof(path), "%s/s.ini", test_dir);
	static const struct { const char *text; int rc; const char *says; } sc[] = {
		{ "[host]\nplot = x=a.mem,metric=host.totals.wall_s\nplot = x=a.mem,metric=host.totals.ops_per_s\n"
		  "error = iqr\n[vm a]\nmem = 1m, 2m\n", 0, "" },
		{ "[host]\n[vm a]\nplot = x=a.mem,metric=host.totals.wall_s\n", -EINVAL, "only in [host]" },
		{ "[host]\nplot = x=a.mem\n[vm a]\n", -EINVAL, "key 'plot' = 'x=a.mem'" },
		{ "[host]\nerror = sd\nerror = sd\n[vm a]\n", -EINVAL, "already set at line 2" },
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(sc[i].text, f);
		fclose(f);
		assert_int_equal(xf_load_scenario(path, &xf, why, sizeof(why)), sc[i].rc);
		if (sc[i].rc)
			expect_why(i == 3 ? "3" : i == 1 ? "3" : "2", sc[i].says);
	}
	assert_int_equal(load("[host]\nerror = iqr\n[vm a]\n"), -EINVAL); /* as an experiment file: no [host] */
}

/* reclaim specs have commas of their own: never an axis; repeatable keys accumulate */
static void test_repeatable_and_reclaim(void **st)
{
	(void)st;
	struct sweep s;
	assert_int_equal(load("[global]\nplatform = sim\ncost = walk_ref=10\n[a]\n"
			      "reclaim = discard:at=10ms,frac=0.5\nreclaim = discard:at=20ms,frac=0.25\n"),
			 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), 0);
	assert_int_equal(s.npoints, 1);
	assert_int_equal(s.points[0].n, 4);
	assert_string_equal(value_of(&s.points[0], "reclaim"), "discard:at=10ms,frac=0.5");
	json_t *j = sweep_point_json(&s, &s.points[0], 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "settings"), "reclaim")),
			    "discard:at=10ms,frac=0.5; discard:at=20ms,frac=0.25");
	assert_int_equal(json_integer_value(json_object_get(j, "points")), 1);
	json_decref(j);
	sweep_free(&s);
}

/* Writes len bytes as test_dir/x.ini and loads it (for text with a NUL byte in it). */
static int load_bytes(const char *text, size_t len)
{
	snprintf(path, sizeof(path), "%s/x.ini", test_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	why[0] = 0;
	return xf_load(path, &xf, why, sizeof(why));
}

/* A job and [global] together can hold more settings than a point: refused with one line
 * (was a write past the point's arrays: issue 17). */
static void test_job_with_global_too_many_settings(void **st)
{
	(void)st;
	char text[4096];
	struct sweep s;
	int used = snprintf(text, sizeof(text), "[global]\nplatform = sim\nmem = 1m\n");
	for (int i = 0; i < 46; i++)
		used += snprintf(text + used, sizeof(text) - (size_t)used, "cost = walk_ref=%d\n", i + 1);
	snprintf(text + used, sizeof(text) - (size_t)used,
		 "[j]\nreclaim = discard:at=10ms,frac=0.5\nreclaim = discard:at=20ms,frac=0.25\n");
	assert_int_equal(load(text), 0);
	assert_int_equal(sweep_build(&s, &xf, why, sizeof(why)), -E2BIG);
	expect_why("50", "job [j]: more than 48 settings");
}

/* A NUL byte ends nothing: it is refused (it once moved [b]'s keys into [a]); a UTF-8 byte
 * order mark is skipped; a FIFO or a device is refused at once rather than read forever. */
static void test_hostile_bytes_and_files(void **st)
{
	(void)st;
	static const char nul[] = "[a]\nseed = 1\x00x\n[b]\nseed = 2\n";
	assert_int_equal(load_bytes(nul, sizeof(nul) - 1), -EINVAL);
	expect_why("2", "NUL byte");
	static const char bom[] = "\xEF\xBB\xBF[global]\nplatform = sim\n[a]\nseed = 1\n";
	assert_int_equal(load(bom), 0);
	assert_int_equal(xf.njobs, 1);
	assert_string_equal(xf_get(&xf.global, "platform")->value, "sim");

	alarm(20); /* a hang is a failure, not a ctest timeout */
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/fifo.ini", test_dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(xf_load(fifo, &xf, why, sizeof(why)), -EMEDIUMTYPE);
	assert_non_null(strstr(why, "not a regular file"));
	assert_false(xf_is_scenario_file(fifo));
	assert_int_equal(xf_load("/dev/zero", &xf, why, sizeof(why)), -EMEDIUMTYPE);
	assert_int_equal(xf_load_scenario("/dev/zero", &xf, why, sizeof(why)), -EMEDIUMTYPE);
	alarm(0);

	/* a regular file of too many lines is refused, not read to its end */
	snprintf(path, sizeof(path), "%s/long.ini", test_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("[a]\n", f);
	for (int i = 0; i < XF_MAX_LINES; i++)
		fputs("; comment\n", f);
	fclose(f);
	assert_int_equal(xf_load(path, &xf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "more than 100000 lines"));
	/* exactly the most lines is fine */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[a]\n", f);
	for (int i = 1; i < XF_MAX_LINES; i++)
		fputs("; comment\n", f);
	fclose(f);
	assert_int_equal(xf_load(path, &xf, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_axes),
		cmocka_unit_test(test_point_config),
		cmocka_unit_test(test_zipped_axes),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_chart_keys),
		cmocka_unit_test(test_repeatable_and_reclaim),
		cmocka_unit_test(test_job_with_global_too_many_settings),
		cmocka_unit_test(test_hostile_bytes_and_files),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
