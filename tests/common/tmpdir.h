/* tmpdir.h — a test program's directory for its files: made before its group of tests and
 * removed, with everything in it, after — the cmocka group set-up/tear-down pair that the
 * file-writing tests all need, written once here (it was written out again in some 25 test
 * files, `duplicates` found).
 *
 * Why one directory a program, in test_dir rather than in a handle passed to each test: a test
 * program is one process running one group, cmocka hands a group set-up no argument to say
 * which storage to fill, and the tests name their files from static initialisers
 * (`struct memvirt_cmd cmd = { .dir = test_dir }`) and from helpers that take no state. The
 * directory is named after the program, /tmp/memvirt-<program>-XXXXXX, so that one left
 * behind (a test killed) says which test left it. */
#ifndef MEMVIRT_TESTS_COMMON_TMPDIR_H
#define MEMVIRT_TESTS_COMMON_TMPDIR_H

#include <stddef.h>

#define TEST_DIR_MAX 64 /* as the tests' own were: their path buffers are sized for it */

/* The program's directory: empty until test_dir_setup made it, and again once
 * test_dir_teardown removed it. */
extern char test_dir[TEST_DIR_MAX];

/* cmocka group set-up: makes test_dir (the group's state is left alone). 0, or -1 after one
 * line on stderr saying why. Pass it
 * to cmocka_run_group_tests, or call it first from a group set-up that does more. */
int test_dir_setup(void **state);
/* cmocka group tear-down: removes test_dir and everything below it (nothing when it was not
 * made). 0, or -1 after one line on stderr. */
int test_dir_teardown(void **state);

/* The same for a directory of the caller's: /tmp/<prefix>-XXXXXX into dir (size bytes), and
 * its removal with everything below it. 0, or -1. */
int test_tmpdir_make(char *dir, size_t size, const char *prefix);
int test_tmpdir_remove(const char *dir);

#endif
