/* run_cmd.h — run a program (the memvirt binary, usually) from a test with its argument vector
 * as given (no shell, so no quoting), its output in files, and its exit code back. */
#ifndef MEMVIRT_TESTS_COMMON_RUN_CMD_H
#define MEMVIRT_TESTS_COMMON_RUN_CMD_H

#include <stddef.h>

/* Runs argv[0] (a path) with argv (NULL-terminated); its stdout goes to out_path and its stderr
 * to err_path (each truncated first; NULL: /dev/null). Returns its exit code, 128 + the signal
 * that ended it (as a shell says), or -1 when it could not be started. */
int test_run_cmd(char *const argv[], const char *out_path, const char *err_path);

/* argv[1..] joined by blanks into buf (size bytes, truncated): how a message names a command. */
const char *test_cmd_line(char *const argv[], char *buf, size_t size);

#endif
