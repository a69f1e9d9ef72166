/* memvirt_cmd.h — running the real memvirt binary from a test, as a user would: a command
 * line, its exit status, and what it printed on stdout and stderr (kept in files under the
 * test's directory); and writing the small input files those commands read. */
#ifndef MEMVIRT_TESTS_COMMON_MEMVIRT_CMD_H
#define MEMVIRT_TESTS_COMMON_MEMVIRT_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct memvirt_cmd {
	const char *bin;      /* the binary (MEMVIRT_BIN) */
	const char *dir;      /* where stdout and stderr are kept */
	char out[16384], err[8192];
	int status;           /* exit status, -1 when it did not exit */
};

/* Runs `bin args` (args split at blanks, no shell: tests pass no quoted arguments); returns
 * the exit status. */
int memvirt_cmd_run(struct memvirt_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes text to dir/name; returns the path in path (n bytes). */
void test_write_file(const char *dir, const char *name, const char *text, char *path, size_t n);
/* The file at path into buf (n bytes, NUL-terminated; empty when it cannot be read). */
void test_slurp(const char *path, char *buf, size_t n);
/* The number of lines in text (a final line without '\n' counts). */
int test_count_lines(const char *text);
bool test_file_exists(const char *path);

/* A scenario `memvirt host` must refuse: its text, and what the one line of stderr must hold. */
struct scenario_refusal {
	const char *text;
	const char *needles[4]; /* each must be in the one line (NULL-terminated when fewer) */
};
/* Writes each case to dir/bad.ini and runs `memvirt host` on it: true when every one exits 2
 * with one line on stderr naming the file and each needle, nothing on stdout and no result
 * written; a case that fails is printed. */
bool memvirt_host_refuses(struct memvirt_cmd *c, const struct scenario_refusal *cases, size_t n);

#endif
