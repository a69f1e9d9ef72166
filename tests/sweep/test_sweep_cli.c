/* test_sweep_cli.c — memvirt sweep and merge as a user meets them (the real binary,
 * MEMVIRT_BIN): --list prints every point, --point N writes exactly that point's repetitions
 * as result documents, a bad file exits 2 with one line and writes nothing, and merge writes
 * the summary of what is there. */
#include <dirent.h>
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

#include "tests/common/tmpdir.h"

static char dir[64], ini[128], out_text[8192], err_text[4096];

static int make_dir(void **st)
{
	(void)st;
	return test_tmpdir_make(dir, sizeof(dir), "memvirt-sweep");
}

static int remove_dir(void **st)
{
	(void)st;
	return test_tmpdir_remove(dir);
}

static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;
	buf[got] = 0;
	if (f)
		fclose(f);
}

/* Runs memvirt with args; keeps stdout and stderr; returns the exit status. */
static int memvirt(const char *args)
{
	char cmd[2048], outf[128], errf[128];
	snprintf(outf, sizeof(outf), "%s/stdout", dir);
	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s", MEMVIRT_BIN, args, outf, errf);
	int st = system(cmd);
	slurp(outf, out_text, sizeof(out_text));
	slurp(errf, err_text, sizeof(err_text));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_ini(const char *name, const char *text)
{
	snprintf(ini, sizeof(ini), "%s/%s", dir, name);
	FILE *f = fopen(ini, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int count_files(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static const char good[] = "[global]\nplatform = sim\nmem = 1m\nseed = 3\nrepeat = 2\n"
			   "[w]\nworkload = seq, gups\nmmu = ept, shadow\n[one]\nworkload = churn\nrepeat = 1\n";

static void test_list(void **st)
{
	(void)st;
	char args[512];
	write_ini("good.ini", good);
	snprintf(args, sizeof(args), "sweep %s --list --out %s/never", ini, dir);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "5 points"));
	/* point 3: the second workload under the second strategy (the first axis varies slowest) */
	assert_non_null(strstr(out_text, "   3  w"));
	assert_non_null(strstr(strstr(out_text, "   3  w"), "workload=gups mmu=shadow"));
	assert_non_null(strstr(out_text, "   4  one"));
	char never[128];
	snprintf(never, sizeof(never), "%s/never", dir);
	assert_false(exists(never));

	/* --dry-run: what would be written, and nothing is */
	snprintf(args, sizeof(args), "sweep %s --dry-run --point 4 --out %s", ini, never);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "would write"));
	assert_non_null(strstr(out_text, "/never/points/0004-one-r1.json"));
	assert_null(strstr(out_text, "0004-one-r2.json")); /* job one repeats once */
	assert_null(strstr(out_text, "0003-w"));
	assert_false(exists(never));
}

static void test_point_writes_exactly_that_point(void **st)
{
	(void)st;
	char args[512], out[128], path[256];
	write_ini("good.ini", good);
	snprintf(out, sizeof(out), "%s/run", dir);
	snprintf(args, sizeof(args), "sweep %s --point 3 --out %s", ini, out);
	assert_int_equal(memvirt(args), 0);
	snprintf(path, sizeof(path), "%s/points", out);
	assert_int_equal(count_files(path), 2);
	assert_false(exists(strcat(strcpy(path, out), "/summary.json"))); /* --point does not merge */
	for (int r = 1; r <= 2; r++) {
		json_error_t err;
		snprintf(path, sizeof(path), "%s/points/0003-w-r%d.json", out, r);
		json_t *doc = json_load_file(path, 0, &err);
		assert_non_null(doc);
		json_t *sw = json_object_get(doc, "sweep");
		assert_int_equal(json_integer_value(json_object_get(sw, "point")), 3);
		assert_int_equal(json_integer_value(json_object_get(sw, "repetition")), r);
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "config"), "workload")), "gups");
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "config"), "mmu")), "shadow");
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "status"), "state")), "ok");
		json_decref(doc);
	}
	/* a point past the end is a usage error */
	snprintf(args, sizeof(args), "sweep %s --point 5 --out %s", ini, out);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "'5'"));

	/* another point, then merge what is there: two points, three missing */
	snprintf(args, sizeof(args), "sweep %s --point 1 --out %s", ini, out);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "merge %s", out);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "3 of 5 points have no result yet"));
	json_error_t err;
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_t *sum = json_load_file(path, 0, &err);
	assert_non_null(sum);
	json_t *pts = json_object_get(sum, "points");
	assert_int_equal(json_array_size(pts), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pts, 0), "point")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pts, 0), "ok")), 2);
	/* seq/shadow is the baseline (the first point present); gups/shadow has another checksum key */
	assert_string_equal(json_string_value(json_object_get(json_array_get(pts, 1), "checksum_vs_baseline")), "n/a");
	json_decref(sum);
	snprintf(path, sizeof(path), "%s/report.html", out);
	assert_true(exists(path));
	snprintf(path, sizeof(path), "%s/summary.csv", out);
	assert_true(exists(path));

	/* --metrics chooses what is summarised; a path no result has is named once */
	snprintf(args, sizeof(args), "merge %s --metrics exits.total,no.such.field", out);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "\nexits.total\n"));
	assert_non_null(strstr(out_text, "metric no.such.field: not in point 1's results"));
	assert_null(strstr(out_text, "result.run_s"));
	assert_null(strstr(strstr(out_text, "not in point") + 1, "not in point"));
	snprintf(path, sizeof(path), "%s/summary.csv", out);
	slurp(path, out_text, sizeof(out_text));
	assert_non_null(strstr(out_text, ",exits.total_mean,"));
}

static void expect_bad_file(const char *text, const char *must_name)
{
	char args[512], out[128];
	write_ini("bad.ini", text);
	snprintf(out, sizeof(out), "%s/bad-out", dir);
	snprintf(args, sizeof(args), "sweep %s --out %s", ini, out);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, must_name));
	assert_non_null(strstr(err_text, "bad.ini:"));
	assert_int_equal(strchr(err_text, '\n') - err_text, (long)strlen(err_text) - 1); /* one line */
	assert_false(exists(out));
}

static void test_bad_files(void **st)
{
	(void)st;
	expect_bad_file("[j]\nworkload = seq\nmmu = ept,shadw\n", "bad.ini:3: key 'mmu' = 'shadw'");
	expect_bad_file("[j]\nfrobnicate = 1\n", "bad.ini:2: unknown key 'frobnicate' = '1'");
	expect_bad_file("[j]\n[j]\n", "bad.ini:2: [j] is defined twice");
	char args[512];
	snprintf(args, sizeof(args), "sweep %s/missing.ini", dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "missing.ini"));
	snprintf(args, sizeof(args), "merge %s/nothing-here", dir);
	assert_int_equal(memvirt(args), 2);
	expect_bad_file("[global]\nmetrics = exits..total\n[j]\n", "bad.ini:2: key 'metrics' = 'exits..total'");
}

static void expect_bad_merge(const char *metrics, const char *must_name)
{
	char args[512];
	snprintf(args, sizeof(args), "merge %s --metrics '%s'", dir, metrics);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, must_name));
	assert_int_equal(strchr(err_text, '\n') - err_text, (long)strlen(err_text) - 1); /* one line */
}

static void test_bad_metrics_option(void **st)
{
	(void)st;
	expect_bad_merge("mmu..walks", "invalid --metrics value 'mmu..walks'");
	expect_bad_merge("exits.total,", "invalid --metrics value 'exits.total,'");
	expect_bad_merge("a b", "'a b'");
	char args[512];
	snprintf(args, sizeof(args), "merge %s --metrics", dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "--metrics needs a value"));
	snprintf(args, sizeof(args), "merge %s --metric exits.total", dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "'--metric'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_point_writes_exactly_that_point),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_metrics_option),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
