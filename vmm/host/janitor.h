/* janitor.h — restores host state when the VMM dies without restoring it itself: killed by
 * SIGKILL, or by the memory-cgroup OOM killer that a `limit` event can provoke. A child process
 * is forked before any host state changes (so it stays outside the run's cgroup and survives
 * the VMM); the VMM tells it over a pipe what it has changed, and "done" once it has put it
 * back. End of file without "done" means the VMM died: the janitor writes back the sysfs files
 * it was told of (the KSM knobs), lifts the limit, removes the cgroup (once the dead process
 * has left it) and switches zram swap off and resets it.
 *
 * It also records the death (docs/result-schema.md, state "killed"): a run that writes a
 * result hands the janitor, before it starts, the document it would leave if it died — built
 * by the VMM, state "killed", its configuration, and a time series file the VMM keeps on disk
 * as it grows. Should the VMM die without saying "recorded", the janitor reads why from the
 * kernel (the dead VMM's exit signal from /proc while it is a zombie, the memory cgroup's OOM
 * kills, the host's OOM kill count), puts that reason into the document, renames the series
 * file to its final name and writes the document atomically in place of the result. Only
 * system calls and buffers of its own: the janitor may be forked from a process with threads. */
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
/* The death record: the result path, the series file the VMM appends to (NULL: none) and the
 * name it gets in a killed document, and the document's text with JANITOR_REASON_MARK (a JSON
 * string, quotes included) where the reason goes. 0, or -EINVAL for a path with a newline or
 * a text over JANITOR_RECORD_MAX. */
#define JANITOR_REASON_MARK "\"@memvirt-killed-reason@\""
#define JANITOR_RECORD_MAX (4u << 20)
int janitor_note_record(struct janitor *j, const char *result_path, const char *series_live, const char *series_path,
			const char *doc, size_t len);
/* The result is written: the record is dropped (host state is still restored if the VMM dies). */
void janitor_note_recorded(struct janitor *j);
/* Host state noted so far is restored: nothing to undo (the record stays). */
void janitor_note_restored(struct janitor *j);
/* Host state is restored (and the result written): the janitor exits without doing anything. */
void janitor_done(struct janitor *j);
/* Restoring failed here: leave it to the janitor, which tries again (and outlives us). */
void janitor_abandon(struct janitor *j);

#endif
