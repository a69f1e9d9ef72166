/* tmpdir.h — a fresh directory under /tmp for a test's files, made before the group and removed
 * with everything in it after: the cmocka group setup/teardown pair the file-writing tests share. */
#ifndef MEMVIRT_TESTS_COMMON_TMPDIR_H
#define MEMVIRT_TESTS_COMMON_TMPDIR_H

#include <stddef.h>

/* Make /tmp/<prefix>-XXXXXX into dir (size bytes); 0, or -1 when it cannot be made. */
int test_tmpdir_make(char *dir, size_t size, const char *prefix);
/* Remove dir and everything below it; 0, or -1 when that failed. */
int test_tmpdir_remove(const char *dir);

#endif
