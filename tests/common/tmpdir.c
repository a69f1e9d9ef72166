/* tmpdir.c — the tests' temporary directories (see tmpdir.h). Removal walks the tree itself
 * (nftw, depth first, links not followed) rather than running `rm -rf` through a shell: no
 * quoting of the path, no command-line length limit, and an error names the file. A process a
 * test killed may still be finishing a write when the group ends (a janitor renaming its
 * record into place): a file gone meanwhile is no error, and a walk that found the directory
 * refilled is tried again, a few times, before it says what it could not remove. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/tmpdir.h"

char test_dir[TEST_DIR_MAX];

int test_tmpdir_make(char *dir, size_t size, const char *prefix)
{
	if ((size_t)snprintf(dir, size, "/tmp/%s-XXXXXX", prefix) >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int test_tmpdir_remove(const char *dir)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT)
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "test: cannot remove %s: %s\n", dir, strerror(errno));
	return -1;
}

int test_dir_setup(void **state)
{
	char prefix[80];
	snprintf(prefix, sizeof(prefix), "memvirt-%.40s", program_invocation_short_name); /* fits TEST_DIR_MAX */
	if (test_tmpdir_make(test_dir, sizeof(test_dir), prefix) < 0) {
		fprintf(stderr, "test: cannot make a directory /tmp/%s-XXXXXX: %s\n", prefix, strerror(errno));
		test_dir[0] = 0;
		return -1;
	}
	(void)state;
	return 0;
}

int test_dir_teardown(void **state)
{
	(void)state;
	if (!test_dir[0])
		return 0;
	int rc = test_tmpdir_remove(test_dir);
	test_dir[0] = 0;
	return rc;
}
