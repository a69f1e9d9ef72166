/* host_counters.h — the host's own figures a monitor samples: the VMM's faults (getrusage),
 * host-wide swap and refaults (/proc/vmstat), memory PSI and a thread's run-queue wait
 * (schedstat). The files are kept open between samples. */
#ifndef MEMVIRT_VMM_HOST_HOST_COUNTERS_H
#define MEMVIRT_VMM_HOST_HOST_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "results/series.h"

/* Host counter sources, kept open between samples. */
#define HOST_DAMON_STATS_MAX 16
struct host_sources {
	int vmstat_fd, psi_fd, statm_fd, meminfo_fd, stat_fd;
	int damon_fd[HOST_DAMON_STATS_MAX]; /* each DAMON scheme's stats/sz_applied (read only) */
	int ndamon;
};
void host_sources_open(struct host_sources *h);
void host_sources_close(struct host_sources *h);
void host_read_fast(struct host_sources *h, struct tel_sample *s); /* rusage, PSI */
void host_read_vmstat(struct host_sources *h, struct tel_sample *s); /* and steal_us, damon_applied_bytes */
/* The VMM process's resident set (/proc/self/statm) and the host's MemAvailable
 * (/proc/meminfo), in bytes; 0 when unreadable. */
uint64_t host_read_rss(struct host_sources *h);
uint64_t host_read_available(struct host_sources *h);
/* MemTotal and SwapTotal from /proc/meminfo, in bytes: all the memory this host could ever
 * give its VMs. 0 or a negative errno. */
int host_memory_capacity(uint64_t *mem_total, uint64_t *swap_total);
/* A thread's schedstat, opened for host_read_thread_wait; -1 when it cannot be. */
int host_thread_schedstat_open(pid_t tid);
/* The thread's time waiting on a run queue (schedstat's second field), in µs: true, or false
 * when it cannot be read (the thread ended). */
bool host_read_thread_wait(int sched_fd, uint64_t *wait_us);
/* Pure parsers (unit-tested): return 0 or -EINVAL when a field is missing. */
int vmstat_parse(const char *text, struct tel_sample *s);
int psi_parse(const char *text, uint64_t *some_us, uint64_t *full_us);
/* /proc/stat's first line: the steal column in clock ticks, summed over the CPUs. */
int stat_steal_parse(const char *text, uint64_t *ticks);

#endif
