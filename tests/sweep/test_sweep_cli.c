/* test_sweep_cli.c — memvirt sweep and merge as a user meets them (the real binary,
 * MEMVIRT_BIN): --list prints every point, --point N writes exactly that point's repetitions
 * as result documents, a bad file exits 2 with one line and writes nothing, merge writes the
 * summary of what is there, and --resume runs only the repetitions not done by this sweep. */
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

#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"

static char ini[128], out_text[8192], err_text[4096];

/* Runs memvirt with args; keeps stdout and stderr; returns the exit status. */
static int memvirt(const char *args)
{
	char cmd[2048], outf[128], errf[128];
	snprintf(outf, sizeof(outf), "%s/stdout", test_dir);
	snprintf(errf, sizeof(errf), "%s/stderr", test_dir);
	/* timeout: a hang is a failure (124), not a ctest timeout */
	snprintf(cmd, sizeof(cmd), "timeout 60 %s %s >%s 2>%s", MEMVIRT_BIN, args, outf, errf);
	int st = system(cmd);
	test_slurp(outf, out_text, sizeof(out_text));
	test_slurp(errf, err_text, sizeof(err_text));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_ini(const char *name, const char *text)
{
	snprintf(ini, sizeof(ini), "%s/%s", test_dir, name);
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
	snprintf(args, sizeof(args), "sweep %s --list --out %s/never", ini, test_dir);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "5 points"));
	/* point 3: the second workload under the second strategy (the first axis varies slowest) */
	assert_non_null(strstr(out_text, "   3  w"));
	assert_non_null(strstr(strstr(out_text, "   3  w"), "workload=gups mmu=shadow"));
	assert_non_null(strstr(out_text, "   4  one"));
	/* the metrics the merge will summarise: none chosen, so the default rule */
	assert_non_null(strstr(out_text, "metrics: result.run_s, result.ops_per_s, plus mmu.modeled_cycles"));
	char never[128];
	snprintf(never, sizeof(never), "%s/never", test_dir);
	assert_false(exists(never));

	/* --dry-run: what would be written, and nothing is */
	snprintf(args, sizeof(args), "sweep %s --dry-run --point 4 --out %s", ini, never);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "would write"));
	assert_non_null(strstr(out_text, "/never/points/0004-one-r1.json"));
	assert_null(strstr(out_text, "0004-one-r2.json")); /* job one repeats once */
	assert_null(strstr(out_text, "0003-w"));
	assert_false(exists(never));

	/* a file that chooses its metrics: those, in its order */
	write_ini("metrics.ini", "[global]\nmetrics = exits.total, mmu.walk_refs\n[j]\nworkload = seq\n");
	snprintf(args, sizeof(args), "sweep %s --dry-run --out %s", ini, never);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "\nmetrics: exits.total, mmu.walk_refs\n"));
	assert_non_null(strstr(out_text, "1 points")); /* still the last line */
}

static void test_point_writes_exactly_that_point(void **st)
{
	(void)st;
	char args[512], out[128], path[256];
	write_ini("good.ini", good);
	snprintf(out, sizeof(out), "%s/run", test_dir);
	snprintf(args, sizeof(args), "sweep %s --point 3 --out %s", ini, out);
	assert_int_equal(memvirt(args), 0);
	/* each line says where the sweep stands and, until the last, the time left */
	assert_non_null(strstr(out_text, "[1/2, "));
	assert_non_null(strstr(out_text, "s left] point 3"));
	assert_non_null(strstr(out_text, "[2/2, "));
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
	/* an abbreviated option is refused, not taken for --point */
	snprintf(args, sizeof(args), "sweep %s --poi 1 --out %s", ini, out);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "'--poi'"));
	/* a point past the end is a usage error */
	snprintf(args, sizeof(args), "sweep %s --point 5 --out %s", ini, out);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "'5'"));

	/* another point, then merge: three points missing, each named, and nothing merged ... */
	snprintf(args, sizeof(args), "sweep %s --point 1 --out %s", ini, out);
	assert_int_equal(memvirt(args), 0);
	snprintf(args, sizeof(args), "merge %s", out);
	assert_int_equal(memvirt(args), 1);
	assert_non_null(strstr(out_text, "point 0: missing"));
	assert_non_null(strstr(out_text, "point 2: missing"));
	assert_non_null(strstr(out_text, "point 4: missing"));
	assert_null(strstr(out_text, "point 1: missing"));
	assert_non_null(strstr(err_text, "--partial"));
	json_error_t err;
	snprintf(path, sizeof(path), "%s/summary.json", out);
	assert_false(exists(path));
	/* ... unless --partial: what is there, with the gaps in the summary */
	snprintf(args, sizeof(args), "merge %s --partial", out);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "point 0: missing"));
	json_t *sum = json_load_file(path, 0, &err);
	assert_non_null(sum);
	assert_false(json_is_true(json_object_get(sum, "complete")));
	assert_int_equal(json_array_size(json_object_get(sum, "gaps")), 3);
	/* memvirt report on the summary says what it got and where its page is */
	snprintf(args, sizeof(args), "report %s -o %s/rep", path, test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "is a sweep summary"));
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
	snprintf(args, sizeof(args), "merge %s --partial --metrics exits.total,no.such.field", out);
	assert_int_equal(memvirt(args), 0);
	assert_non_null(strstr(out_text, "\nexits.total\n"));
	assert_non_null(strstr(out_text, "metric no.such.field: not in point 1's results"));
	assert_null(strstr(out_text, "result.run_s"));
	assert_null(strstr(strstr(out_text, "not in point") + 1, "not in point"));
	snprintf(path, sizeof(path), "%s/summary.csv", out);
	test_slurp(path, out_text, sizeof(out_text));
	assert_non_null(strstr(out_text, ",exits.total_mean,"));
}

static void expect_bad_file(const char *text, const char *must_name)
{
	char args[512], out[128];
	write_ini("bad.ini", text);
	snprintf(out, sizeof(out), "%s/bad-out", test_dir);
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
	expect_bad_file("[j]\nplatform = sim\nworkload = seq\nmmu = ept,shadw\n", "bad.ini:4: key 'mmu' = 'shadw'");
	/* an option given where it does not apply is refused at the point that gives it */
	expect_bad_file("[j]\nplatform = sim, native\nguest-page = 2m\n", "bad.ini:3: key 'guest-page' = '2m': "
			"--guest-page applies to sim and kvm, not native");
	expect_bad_file("[j]\nplatform = sim\nno-progress = on\n", "bad.ini:3: key 'no-progress' = 'on': set by the "
			"command line");
	expect_bad_file("[j]\nfrobnicate = 1\n", "bad.ini:2: unknown key 'frobnicate' = '1'");
	expect_bad_file("[j]\n[j]\n", "bad.ini:2: [j] is defined twice");
	char args[512];
	snprintf(args, sizeof(args), "sweep %s/missing.ini", test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "missing.ini"));
	snprintf(args, sizeof(args), "merge %s/nothing-here", test_dir);
	assert_int_equal(memvirt(args), 2);
	expect_bad_file("[global]\nmetrics = exits..total\n[j]\n", "bad.ini:2: key 'metrics' = 'exits..total'");
	/* a device or FIFO is refused at once, not read forever (issue 17) */
	assert_int_equal(memvirt("sweep /dev/zero --dry-run"), 2);
	assert_non_null(strstr(err_text, "/dev/zero: not a regular file"));
	assert_int_equal(test_count_lines(err_text), 1);
	assert_int_equal(memvirt("host /dev/zero"), 2);
	assert_non_null(strstr(err_text, "/dev/zero: not a regular file"));
	assert_int_equal(test_count_lines(err_text), 1);
}

static void expect_bad_merge(const char *metrics, const char *must_name)
{
	char args[512];
	snprintf(args, sizeof(args), "merge %s --metrics '%s'", test_dir, metrics);
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
	snprintf(args, sizeof(args), "merge %s --metrics", test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "--metrics needs a value"));
	snprintf(args, sizeof(args), "merge %s --metric exits.total", test_dir);
	assert_int_equal(memvirt(args), 2);
	assert_non_null(strstr(err_text, "'--metric'"));
}

/* --resume */

#define REPS 9 /* good's repetitions: 4 points x 2 + 1 */

static const char *const rep_names[REPS] = {
	"0000-w-r1", "0000-w-r2", "0001-w-r1", "0001-w-r2", "0002-w-r1", "0002-w-r2", "0003-w-r1", "0003-w-r2", "0004-one-r1",
};

/* A file's identity: a rewrite (temporary file renamed over it) has another inode. */
struct file_id {
	ino_t ino;
	struct timespec mtime;
};

static void rep_path(char *buf, size_t n, const char *out, int i)
{
	snprintf(buf, n, "%s/points/%s.json", out, rep_names[i]);
}

static void snapshot(const char *out, struct file_id ids[REPS])
{
	char path[256];
	struct stat st;
	for (int i = 0; i < REPS; i++) {
		rep_path(path, sizeof(path), out, i);
		assert_int_equal(stat(path, &st), 0);
		ids[i] = (struct file_id){ st.st_ino, st.st_mtim };
	}
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->ino == b->ino && a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* How many times s occurs in out_text. */
static int count_of(const char *s)
{
	int n = 0;
	for (const char *p = out_text; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

static void sweep_into(const char *out, const char *extra)
{
	char args[512];
	snprintf(args, sizeof(args), "sweep %s --out %s %s", ini, out, extra);
	assert_int_equal(memvirt(args), 0);
}

static void test_resume_after_full_run_runs_nothing(void **st)
{
	(void)st;
	char out[128];
	struct file_id before[REPS], after[REPS];
	write_ini("good.ini", good);
	snprintf(out, sizeof(out), "%s/resume-full", test_dir);
	sweep_into(out, "");
	assert_null(strstr(out_text, "resume:")); /* without --resume: no word of it */
	snapshot(out, before);
	sweep_into(out, "--resume");
	assert_non_null(strstr(out_text, "resume: all 9 repetitions skipped"));
	assert_null(strstr(out_text, "re-running"));
	assert_null(strstr(out_text, "] point ")); /* no progress line: nothing ran */
	assert_non_null(strstr(out_text, "ok/runs")); /* the merge still runs */
	snapshot(out, after);
	for (int i = 0; i < REPS; i++)
		assert_true(same_file(&before[i], &after[i]));

	/* with --point: only that point's repetitions are considered */
	sweep_into(out, "--resume --point 3");
	assert_non_null(strstr(out_text, "resume: all 2 repetitions skipped"));

	/* without --resume every repetition runs again and replaces its file */
	sweep_into(out, "--point 3");
	snapshot(out, after);
	assert_false(same_file(&before[6], &after[6]));
	assert_false(same_file(&before[7], &after[7]));
	assert_true(same_file(&before[5], &after[5]));
}

static void test_resume_reruns_missing_and_corrupt(void **st)
{
	(void)st;
	char out[128], path[256];
	struct file_id before[REPS], after[REPS];
	write_ini("good.ini", good);
	snprintf(out, sizeof(out), "%s/resume-holes", test_dir);
	sweep_into(out, "");
	snapshot(out, before);
	rep_path(path, sizeof(path), out, 2);
	assert_int_equal(unlink(path), 0);
	rep_path(path, sizeof(path), out, 5);
	assert_int_equal(truncate(path, 100), 0); /* a write cut short: not JSON */
	sweep_into(out, "--resume");
	assert_int_equal(count_of("re-running"), 2);
	assert_non_null(strstr(out_text, "re-running 0001-w-r1.json: missing\n"));
	assert_non_null(strstr(out_text, "re-running 0002-w-r2.json: unreadable"));
	assert_int_equal(count_of("] point "), 2); /* two progress lines: two runs */
	assert_non_null(strstr(out_text, "resume: 7 of 9 repetitions skipped"));
	snapshot(out, after); /* the deleted one is there again */
	for (int i = 0; i < REPS; i++) /* (its inode number may be reused: not compared) */
		assert_true(i == 2 || same_file(&before[i], &after[i]) == (i != 5));
	for (int i = 2; i <= 5; i += 3) {
		json_error_t err;
		rep_path(path, sizeof(path), out, i);
		json_t *doc = json_load_file(path, 0, &err);
		assert_non_null(doc);
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "status"), "state")), "ok");
		json_decref(doc);
	}
}

/* Another experiment (another seed) wrote files of the same names: not this sweep's results. */
static void test_resume_ignores_another_experiment(void **st)
{
	(void)st;
	char out[128], text[sizeof(good)];
	struct file_id before[REPS], after[REPS];
	snprintf(out, sizeof(out), "%s/resume-other", test_dir);
	snprintf(text, sizeof(text), "%s", good);
	strstr(text, "seed = 3")[7] = '4';
	write_ini("good.ini", text);
	sweep_into(out, "--point 4");
	write_ini("good.ini", good);
	for (int p = 0; p < 4; p++) {
		char point[32];
		snprintf(point, sizeof(point), "--point %d", p);
		sweep_into(out, point);
	}
	snapshot(out, before);
	sweep_into(out, "--resume");
	assert_int_equal(count_of("re-running"), 1);
	assert_non_null(strstr(out_text, "re-running 0004-one-r1.json: from a different experiment (its sweep.settings differs)"));
	assert_non_null(strstr(out_text, "resume: 8 of 9 repetitions skipped"));
	snapshot(out, after);
	for (int i = 0; i < REPS; i++)
		assert_true(same_file(&before[i], &after[i]) == (i != 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_point_writes_exactly_that_point),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_metrics_option),
		cmocka_unit_test(test_resume_after_full_run_runs_nothing),
		cmocka_unit_test(test_resume_reruns_missing_and_corrupt),
		cmocka_unit_test(test_resume_ignores_another_experiment),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
