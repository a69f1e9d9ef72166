/* proc_rss.c — the process's resident set from /proc/self/statm (see proc_rss.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/util/proc_rss.h"

uint64_t statm_rss_bytes(const char *statm)
{
	const char *sp = strchr(statm, ' ');
	return sp ? strtoull(sp + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

uint64_t process_rss_bytes(void)
{
	char buf[256];
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return statm_rss_bytes(buf);
}
