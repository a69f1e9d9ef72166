/* host_counters.c — the host-side counters of a telemetry sample: the process's faults
 * (getrusage), memory PSI totals, the worker thread's run-queue wait (schedstat) and the
 * swap/fault/refault lines of /proc/vmstat. Files are kept open and re-read with pread, which
 * makes the kernel format them afresh without an open/close per sample. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vmm/host/damon.h"
#include "vmm/host/host_counters.h"
#include "vmm/util/proc_rss.h"

static int open_ro(const char *path) { return open(path, O_RDONLY | O_CLOEXEC); }

void host_sources_open(struct host_sources *h)
{
	h->vmstat_fd = open_ro("/proc/vmstat");
	h->psi_fd = open_ro("/proc/pressure/memory");
	h->statm_fd = open_ro("/proc/self/statm");
	h->meminfo_fd = open_ro("/proc/meminfo");
	h->stat_fd = open_ro("/proc/stat");
	h->ndamon = damon_stats_open(h->damon_fd, HOST_DAMON_STATS_MAX);
}

void host_sources_close(struct host_sources *h)
{
	int *fds[] = { &h->vmstat_fd, &h->psi_fd, &h->statm_fd, &h->meminfo_fd, &h->stat_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	for (int i = 0; i < h->ndamon; i++)
		close(h->damon_fd[i]);
	h->ndamon = 0;
}

int host_thread_schedstat_open(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/schedstat", (long)tid);
	return open_ro(path);
}

static ssize_t read_whole(int fd, char *buf, size_t len)
{
	if (fd < 0)
		return -1;
	ssize_t r = pread(fd, buf, len - 1, 0);
	buf[r > 0 ? r : 0] = 0;
	return r;
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=123\nfull ... total=45\n" */
int psi_parse(const char *text, uint64_t *some_us, uint64_t *full_us)
{
	const char *some = strstr(text, "some "), *full = strstr(text, "full ");
	const char *ts = some ? strstr(some, "total=") : NULL, *tf = full ? strstr(full, "total=") : NULL;
	if (!ts)
		return -EINVAL;
	*some_us = strtoull(ts + 6, NULL, 10);
	*full_us = tf ? strtoull(tf + 6, NULL, 10) : 0;
	return 0;
}

static bool vmstat_field(const char *text, const char *name, uint64_t *v)
{
	size_t len = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, len) == 0 && p[len] == ' ') {
			*v = strtoull(p + len + 1, NULL, 10);
			return true;
		}
	return false;
}

/* workingset_refault is split into _anon and _file since Linux 5.9; older kernels have one. */
int vmstat_parse(const char *text, struct tel_sample *s)
{
	uint64_t anon = 0, file = 0;
	bool ok = vmstat_field(text, "pswpin", &s->pswpin);
	ok &= vmstat_field(text, "pswpout", &s->pswpout);
	ok &= vmstat_field(text, "pgmajfault", &s->pgmajfault);
	bool have_anon = vmstat_field(text, "workingset_refault_anon", &anon);
	bool have_file = vmstat_field(text, "workingset_refault_file", &file); /* both read, always */
	if (have_anon || have_file)
		s->workingset_refault = anon + file;
	else
		vmstat_field(text, "workingset_refault", &s->workingset_refault);
	return ok ? 0 : -EINVAL;
}

/* "cpu  user nice system idle iowait irq softirq steal guest guest_nice" */
int stat_steal_parse(const char *text, uint64_t *ticks)
{
	if (strncmp(text, "cpu ", 4) != 0)
		return -EINVAL;
	const char *p = text + 4;
	for (int field = 0; field < 8; field++) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			return -EINVAL;
		if (field == 7)
			*ticks = v;
		p = end;
	}
	return 0;
}

static uint64_t read_steal_us(struct host_sources *h)
{
	char buf[1024]; /* the first line is all it takes */
	uint64_t ticks;
	if (read_whole(h->stat_fd, buf, sizeof(buf)) <= 0 || stat_steal_parse(buf, &ticks) < 0)
		return TEL_ABSENT;
	long hz = sysconf(_SC_CLK_TCK), cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return hz > 0 && cpus > 0 ? ticks * 1000000 / (uint64_t)hz / (uint64_t)cpus : TEL_ABSENT;
}

void host_read_vmstat(struct host_sources *h, struct tel_sample *s)
{
	char buf[16384];
	if (read_whole(h->vmstat_fd, buf, sizeof(buf)) > 0)
		(void)vmstat_parse(buf, s);
	s->steal_us = read_steal_us(h);
	s->damon_applied_bytes = damon_stats_read(h->damon_fd, h->ndamon);
}

void host_read_fast(struct host_sources *h, struct tel_sample *s)
{
	char buf[512];
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	s->minflt = (uint64_t)ru.ru_minflt;
	s->majflt = (uint64_t)ru.ru_majflt;
	if (read_whole(h->psi_fd, buf, sizeof(buf)) > 0)
		(void)psi_parse(buf, &s->psi_some_us, &s->psi_full_us);
}

bool host_read_thread_wait(int sched_fd, uint64_t *wait_us)
{
	char buf[256];
	/* schedstat: "<ns on cpu> <ns waiting on a run queue> <timeslices>" */
	if (read_whole(sched_fd, buf, sizeof(buf)) <= 0)
		return false;
	char *sp = strchr(buf, ' ');
	*wait_us = sp ? strtoull(sp + 1, NULL, 10) / 1000 : 0;
	return true;
}

/* statm: "size resident shared text lib data dt", in pages */
uint64_t host_read_rss(struct host_sources *h)
{
	char buf[256];
	if (read_whole(h->statm_fd, buf, sizeof(buf)) <= 0)
		return 0;
	return statm_rss_bytes(buf);
}

uint64_t host_read_available(struct host_sources *h)
{
	char buf[4096];
	if (read_whole(h->meminfo_fd, buf, sizeof(buf)) <= 0)
		return 0;
	const char *p = strstr(buf, "MemAvailable:");
	return p ? strtoull(p + 13, NULL, 10) * 1024 : 0;
}

static uint64_t meminfo_kib(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int host_memory_capacity(uint64_t *mem_total, uint64_t *swap_total)
{
	char buf[4096];
	int fd = open_ro("/proc/meminfo");
	ssize_t r = read_whole(fd, buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return -EIO;
	*mem_total = meminfo_kib(buf, "MemTotal:") * 1024;
	*swap_total = meminfo_kib(buf, "SwapTotal:") * 1024;
	return *mem_total ? 0 : -EIO;
}
