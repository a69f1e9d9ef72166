/* fuzz_common.c — helpers shared by the libFuzzer harnesses (fuzz_common.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_common.h"

const char *fuzz_string(const uint8_t *data, size_t size)
{
	static char *buf;
	static size_t cap;
	if (size + 1 > cap) {
		free(buf);
		cap = size + 1;
		buf = malloc(cap);
		if (!buf)
			abort();
	}
	memcpy(buf, data, size);
	buf[size] = 0;
	return buf;
}

const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("memvirt-fuzz", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_file");
		abort();
	}
	return path;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant does not hold: %s\n", file, line, what);
	abort();
}
