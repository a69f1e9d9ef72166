/* dip_cause.h — why a throughput dip happened, and which dips belong together (pure C).
 *
 * A dip (dips.h) is a stretch of the measured phase where a VM's throughput fell below a
 * fraction of its baseline. This file turns the figures sampled on the same clock during the
 * dip into a cause, and groups dips into episodes.
 *
 * Causes, in the order they are tried — the first whose evidence is there wins, because the
 * earlier ones are the more specific (a reclaim event memvirt injected explains a dip better
 * than the host-wide swapping it set off):
 *   reclaim  an injected reclaim event began shortly before or during the dip, or a limit was
 *            in force (the caller matches events: dip_evidence.events);
 *   cpu      the VM's worker thread waited for a CPU for at least half the dip (schedstat);
 *   steal    the machine's hypervisor took the CPUs for at least half the dip (/proc/stat
 *            steal: this host is itself a VM);
 *   host-damon the host's own proactive reclaimer acted during the dip: the statistics of its
 *            DAMON schemes (bytes their actions were applied to) moved. Read only — memvirt
 *            never asks the kernel to refresh them — so they are as fresh as the kdamond's
 *            refresh_ms, and a scheme whose kdamond does not refresh on its own never moves;
 *   host     the host's memory was busy without the VMM's own faults: host-wide swap-ins or
 *            swap-outs, refaults, or memory pressure (PSI) during the dip while the VMM process
 *            took no major fault — another process's reclaim, the host's own proactive
 *            reclaimer (DAMON), or its swapping;
 *   warmup   the dip sits at the very start of the measured phase (caches, TLB, the host's page
 *            tables after setup);
 *   unknown  none of the above: `checked` lists what was looked at, so "unknown" is an honest
 *            "we looked at these and they were quiet", not a shrug.
 *
 * Episodes: dips separated by less than a gap are one disturbance seen in pieces (a page-out
 * hurts each time the guest's sweep meets a paged-out region; a limit bites every time the
 * guest refaults). An episode's cause is the cause of the dips that lost the most operations
 * in it. */
#ifndef MEMVIRT_RESULTS_DIP_CAUSE_H
#define MEMVIRT_RESULTS_DIP_CAUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/dips.h"

/* What was sampled during one dip (deltas over the dip; NAN or 0 where absent). */
struct dip_evidence {
	double duration_ms;
	size_t events;            /* injected reclaim events attributed to the dip */
	double worker_wait_ms;    /* the worker's run-queue wait */
	double steal_ms;          /* machine-wide CPU steal, per CPU (NAN: not sampled) */
	double damon_bytes;       /* bytes the host's DAMON schemes applied their actions to (NAN: no
				   * scheme sampled; read only, as fresh as the kernel's refresh_ms) */
	uint64_t host_swap_pages; /* host-wide pswpin + pswpout */
	uint64_t host_refaults;   /* host-wide workingset_refault */
	double psi_some_ms;       /* memory PSI "some" */
	uint64_t own_major_faults;/* the VMM process's major faults */
	bool at_phase_start;      /* within the first bins of the measured phase */
};

/* The fraction of the dip a wait must cover to be its cause, and the share of the dip memory
 * pressure must cover to count as host activity on its own (a stall of 10% of the dip). */
#define DIP_WAIT_FRACTION 0.5
#define DIP_PSI_FRACTION 0.1

/* The cause's name (static text). *checked receives, for "unknown", the comma-separated list
 * of the sources that were quiet; "" otherwise. */
const char *dip_classify(const struct dip_evidence *e, const char **checked);

struct dip_episode {
	double start_ms, end_ms;
	size_t first, n;          /* dips [first, first + n) of the dip result */
	double ops_lost;
	double depth;             /* 1 - done / expected over the episode's dips (their lengths) */
	size_t main;              /* the dip that lost the most operations */
};

/* The gap below which two dips are one episode: at least DIP_EPISODE_GAP_MS, at least
 * DIP_EPISODE_GAP_BINS bins. */
#define DIP_EPISODE_GAP_MS 50.0
#define DIP_EPISODE_GAP_BINS 5
double dip_episode_gap_ms(const struct dip_result *r);

/* Groups r's dips (in time order) into episodes; *out (malloc'd, caller frees) gets *n of them.
 * 0 or -ENOMEM; no dips gives 0 episodes and *out NULL. */
int dip_episodes(const struct dip_result *r, double gap_ms, struct dip_episode **out, size_t *n);

#endif
