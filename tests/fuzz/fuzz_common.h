/* fuzz_common.h — what the libFuzzer harnesses of tests/fuzz share: an input as a
 * NUL-terminated string, or as a file with a path (a memfd, so no disk is touched) for parsers
 * that take a path, and the check that stops the fuzzer when an invariant does not hold. */
#ifndef MEMVIRT_TESTS_FUZZ_COMMON_H
#define MEMVIRT_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The input as a string (a static buffer, reused by the next call); bytes after a NUL are
 * dropped, as a C caller would see them. */
const char *fuzz_string(const uint8_t *data, size_t size);
/* The input as the contents of a file; returns its path ("/proc/self/fd/N", reused). */
const char *fuzz_file(const uint8_t *data, size_t size);
/* An invariant of the code under test: a violation is a finding (abort, with the message). */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
