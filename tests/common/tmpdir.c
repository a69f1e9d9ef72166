/* tmpdir.c — the tests' temporary directories (see tmpdir.h). */
#include <stdio.h>
#include <stdlib.h>

#include "tests/common/tmpdir.h"

int test_tmpdir_make(char *dir, size_t size, const char *prefix)
{
	snprintf(dir, size, "/tmp/%s-XXXXXX", prefix);
	return mkdtemp(dir) ? 0 : -1;
}

int test_tmpdir_remove(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}
