/* memcg.h — a memory cgroup for the VMM process during a run, so that a `limit` reclaim event
 * can squeeze it and let the host kernel choose what to reclaim. The group is created under
 * the process's own memory cgroup (v1 at /sys/fs/cgroup/memory, or v2 where that is what the
 * host has), the whole process moves in at the start, and on every path it moves back to
 * where it was and the group is removed. */
#ifndef MEMVIRT_MEMCG_H
#define MEMVIRT_MEMCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memcg {
	int version;          /* 1 or 2 */
	char root[64];        /* where the controller is mounted (memcg_host_find) */
	char home[512];       /* the cgroup directory the process came from */
	char path[560];       /* the run's own group */
	bool created, moved;
};

/* Creates the group and moves the process into it. Needs root. Returns 0 or a negative errno
 * with a one-line reason in why; undoes itself on error. */
int memcg_enter(struct memcg *m, char *why, size_t whylen);
/* Sets the hard limit; 0 = unlimited. On v1 the kernel reclaims down to the new limit before
 * the write returns, and refuses with -EBUSY when it cannot (e.g. no swap for anonymous memory). */
int memcg_set_limit(struct memcg *m, uint64_t bytes);
/* Lowers the limit to `target` in steps of STEP_BYTES, retrying a step the kernel refuses:
 * a guest that keeps touching its memory refaults pages as fast as one big reclaim frees
 * them, and v1 then refuses the whole new limit (-EBUSY); small steps, retried, get there.
 * Gives up when no step has succeeded for `patience_ms`. *reached is the lowest limit set. */
/* It also stops at `deadline_s` (monotonic seconds; 0 = none): the limit's until= time. */
int memcg_lower_limit(struct memcg *m, uint64_t target, unsigned patience_ms, double deadline_s, uint64_t *reached);
/* Usage now and the peak (v1: max_usage_in_bytes; v2: memory.peak where present). */
int memcg_usage(const struct memcg *m, uint64_t *bytes);
/* Lifts the limit, moves the process home and removes the group. Safe to call twice.
 * Returns 0 or the first negative errno. */
int memcg_leave(struct memcg *m);

/* Where the host's memory controller is: 1 (v1) or 2 (v2), with its mount point in root (when
 * root is not NULL), or 0 and "" when there is none. The one probe for `memvirt info` and for
 * the run's own group. */
int memcg_host_find(char *root, size_t n);
/* memcg_host_find without the mount point. */
int memcg_host_version(void);

#endif
