/* janitor.h — restores host state when the VMM dies without restoring it itself: killed by
 * SIGKILL, or by the memory-cgroup OOM killer that a `limit` event can provoke. A child process
 * is forked before any host state changes (so it stays outside the run's cgroup and survives
 * the VMM); the VMM tells it over a pipe what it has changed, and "done" once it has put it
 * back. End of file without "done" means the VMM died: the janitor writes back the sysfs files
 * it was told of (the KSM knobs), lifts the limit, removes the cgroup (once the dead process
 * has left it) and switches zram swap off and resets it. */
#ifndef MEMVIRT_JANITOR_H
#define MEMVIRT_JANITOR_H

#include <sys/types.h>

struct janitor {
	pid_t pid; /* 0: not running */
	int fd;    /* write end of the pipe */
};

/* Forks the janitor; call while the process has no other threads. Returns 0 or -errno. */
int janitor_start(struct janitor *j);
/* What to undo should the VMM die: "zram" or the cgroup's directory and memory limit file. */
void janitor_note_zram(struct janitor *j);
void janitor_note_cgroup(struct janitor *j, const char *path, const char *limit_file, const char *unlimited);
/* A sysfs file to write `value` back into (no blanks in either; at most 24 files), in the order
 * noted. */
void janitor_note_sysfs(struct janitor *j, const char *path, const char *value);
/* Host state is restored: the janitor exits without doing anything. */
void janitor_done(struct janitor *j);
/* Restoring failed here: leave it to the janitor, which tries again (and outlives us). */
void janitor_abandon(struct janitor *j);

#endif
