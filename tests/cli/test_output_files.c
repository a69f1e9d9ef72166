/* test_output_files.c — where memvirt writes its results (issue 17), through the real binary
 * (MEMVIRT_BIN): temporaries planted as symlinks beside the target are never followed; a
 * symlink, FIFO or device node at the target is refused before the run with one line, exit 2,
 * and left as it was; a result that cannot be written makes the run fail (exit 1, one line)
 * rather than exit 0. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"

#define RUN "run --platform sim --workload seq --mem 1m --no-progress --json "

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

static void expect_victim_intact(const char *victim)
{
	char text[64];
	test_slurp(victim, text, sizeof(text));
	assert_string_equal(text, "keep\n");
}

/* Symlinks to a victim at every temporary name the next few thousand processes could pick. */
static void test_planted_temporaries_not_followed(void **st)
{
	(void)st;
	char victim[128], target[128], link[200];
	test_write_file(test_dir, "victim", "keep\n", victim, sizeof(victim));
	snprintf(target, sizeof(target), "%s/r.json", test_dir);
	for (long pid = getpid() + 1; pid < getpid() + 3000; pid++) {
		snprintf(link, sizeof(link), "%s.tmp.%ld", target, pid);
		assert_int_equal(symlink(victim, link), 0);
		snprintf(link, sizeof(link), "%s.tmp.%ld.0", target, pid);
		assert_int_equal(symlink(victim, link), 0);
	}
	assert_int_equal(memvirt_cmd_run(&cmd, RUN "%s", target), 0);
	expect_victim_intact(victim);
	struct stat sb;
	assert_int_equal(lstat(target, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_true(sb.st_size > 100);
}

static void expect_refused(const char *target, mode_t type)
{
	struct stat sb;
	assert_int_equal(memvirt_cmd_run(&cmd, RUN "%s", target), 2);
	assert_int_equal(test_count_lines(cmd.err), 1);
	assert_non_null(strstr(cmd.err, "not a regular file"));
	assert_int_equal(lstat(target, &sb), 0);
	assert_int_equal(sb.st_mode & S_IFMT, type);
}

static void test_non_regular_targets_refused(void **st)
{
	(void)st;
	char victim[128], path[128];
	test_write_file(test_dir, "victim2", "keep\n", victim, sizeof(victim));
	snprintf(path, sizeof(path), "%s/link.json", test_dir);
	assert_int_equal(symlink(victim, path), 0);
	expect_refused(path, S_IFLNK);
	expect_victim_intact(victim);
	snprintf(path, sizeof(path), "%s/fifo.json", test_dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_refused(path, S_IFIFO);
	if (geteuid() != 0) {
		fprintf(stderr, "skipped the device node: not root\n");
		return;
	}
	/* a null device of our own, not /dev/null: before the fix it was replaced */
	snprintf(path, sizeof(path), "%s/null.json", test_dir);
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 3)), 0);
	expect_refused(path, S_IFCHR);
	assert_int_equal(memvirt_cmd_run(&cmd, RUN "/dev/null"), 2);
	assert_int_equal(test_count_lines(cmd.err), 1);
}

/* /proc takes no new files; as root its directory passes the up-front access check. */
static void test_failed_write_fails_the_run(void **st)
{
	(void)st;
	int rc = memvirt_cmd_run(&cmd, RUN "/proc/r.json");
	if (rc == 2) { /* refused up front (not root): fine, and nothing more to see */
		assert_int_equal(test_count_lines(cmd.err), 1);
		return;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(test_count_lines(cmd.err), 1);
	assert_non_null(strstr(cmd.err, "cannot write /proc/r.json"));
	char ini[160];
	test_write_file(test_dir, "h.ini", "[vm a]\nplatform = sim\nworkload = seq\nmem = 1m\n", ini, sizeof(ini));
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --no-progress --json /proc/r.json", ini), 1);
	assert_int_equal(test_count_lines(cmd.err), 1);
	assert_non_null(strstr(cmd.err, "cannot write /proc/r.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planted_temporaries_not_followed),
		cmocka_unit_test(test_non_regular_targets_refused),
		cmocka_unit_test(test_failed_write_fails_the_run),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
