/* run_record.h — a run's death recorded: `memvirt run --json F` that is killed (SIGKILL, the
 * memory cgroup's OOM killer under a `limit`, any signal it cannot handle) still leaves F, a
 * result document with status.state "killed", the reason read from the kernel, the
 * configuration and the time series so far (docs/result-schema.md).
 *
 * Why the janitor writes it: nothing in a killed process runs again, so the document must be
 * written by a process outside it that outlives it — the host-state janitor
 * (vmm/host/janitor.h) already is one, forked before anything changes and outside the run's
 * memory cgroup. The run hands it, before it starts, everything it cannot know later: the
 * result path and the "killed" document with a mark where the reason goes; the time series
 * is kept on disk as it grows (tel_target_keep_on_disk), in a hidden file beside F that the
 * janitor renames. The same janitor is lent to the run's experiment session, so one process
 * both restores the host (after reading the cgroup's OOM count) and writes the record. */
#ifndef MEMVIRT_RUN_RECORD_H
#define MEMVIRT_RUN_RECORD_H

#include <stdbool.h>

#include "results/result.h"
#include "vmm/host/janitor.h"
#include "vmm/reclaim/experiment.h"

struct run_record {
	struct janitor janitor;
	int series_fd;      /* the series as it grows, -1: none */
	char live[4200];    /* its hidden name beside the result while the run goes on */
	bool armed;
};

/* Before the run, while the process has no other threads: when cfg writes a result, forks
 * the janitor and hands it the killed document; *keep is what the run lends its experiment
 * session. A record that cannot be armed (no process, or a directory that takes no new file:
 * the result's own write then fails and says so) leaves the run as it was, without one. */
void run_record_arm(struct run_record *rr, const struct run_config *cfg, struct experiment_keep *keep);
/* The killed document of one VM as known before it runs: cfg's tool, context (taken; NULL:
 * probed), config and cfg->doc_extra's members, every measurement null, status.message the
 * janitor's reason mark, telemetry naming series_recorded (NULL: no series kept). */
json_t *run_record_killed_doc(const struct run_config *cfg, json_t *context, const char *series_recorded);
/* JANITOR_REASON_MARK as a JSON string (the janitor puts the reason in its place: the first one
 * in a document). */
json_t *run_record_reason_mark(void);
/* A record of a document built by the caller (a host's, vmm/run/host.c: several VMs, no series
 * kept): the janitor is forked and handed doc, which holds run_record_reason_mark() where the
 * reason goes. Without json_path, or when the janitor cannot be had, no record. */
void run_record_arm_doc(struct run_record *rr, const char *json_path, const json_t *doc);
/* The run wrote its own document (or tried): the record is dropped, the series file removed,
 * the janitor ended — or, when host state could not be restored, left to keep trying. */
void run_record_disarm(struct run_record *rr, bool host_restored);

#endif
