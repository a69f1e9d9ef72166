/* oom_guard.h — keeps the kernel's OOM killer from ending a budgeted host (cgroup v1).
 *
 * Why: every VM of a host lives in one VMM process under one memory cgroup (budget.h). When
 * the kernel cannot reclaim fast enough to keep the group under its limit — guests refault
 * what it pages out as fast as it pages it out, even with swap to spare — it gives up and the
 * OOM killer kills the one process in the group: every VM at once, and no document is
 * written. A budget is a research setting, not a safety limit, so losing the whole run to it
 * is the worst outcome: better to let the budget bend, and say so.
 *
 * How: the group's OOM killer is switched off (memory.oom_control = 1: a task over the limit
 * waits in the kernel instead), and a small process of the guard's own sleeps on the group's
 * OOM notification (an eventfd registered in cgroup.event_control). It is forked from the VMM
 * and moves itself back to the VMM's home group at once: a thread of the VMM could not do the
 * job, since any page it touched — its stack, a page of code the kernel had reclaimed — would
 * be charged to the group that is out of memory and it would wait with the others (seen:
 * the guard thread hung). When the group is under OOM it raises the limit a step at a time
 * until the waiting tasks go on, through a limit file opened beforehand, and counts what it
 * did in a page shared with the VMM; the document's host.budget.oom_guard
 * says how often, by how much and how high the limit went, and over_ms shows the time spent
 * above the budget. Cgroup v2 has no such switch: there the guard is off and says so. */
#ifndef MEMVIRT_OVERCOMMIT_OOM_GUARD_H
#define MEMVIRT_OVERCOMMIT_OOM_GUARD_H

#include <sys/types.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vmm/host/memcg.h"

/* What the guard process and the VMM share (one page, touched before the group fills). */
struct oom_guard_shared {
	atomic_uint_fast64_t raises, raised_bytes, limit_bytes;
	_Atomic double first_s;         /* monotonic seconds of the first raise (0: none) */
};

struct oom_guard {
	struct memcg *cg;
	uint64_t step_bytes;            /* how much one raise adds */
	int event_fd, control_fd, stop_fd, limit_fd;
	pid_t pid;                      /* the guard process, 0 when none */
	char why[160];                  /* why the guard is off, when it is */
	struct oom_guard_shared *sh;    /* NULL when off */
	struct oom_guard_shared last;   /* what it did, kept after it stopped */
};

/* Starts guarding cg, whose limit is limit_bytes now; raises go by step_bytes. Forks: call
 * while the process has no other threads. 0, or -errno with g->why saying why the guard is
 * off (the run goes on unguarded). */
int oom_guard_start(struct oom_guard *g, struct memcg *cg, uint64_t limit_bytes, uint64_t step_bytes);
/* The limit a policy set: the guard raises from there. */
void oom_guard_limit_set(struct oom_guard *g, uint64_t limit_bytes);
/* Stops the guard process and gives the group its OOM killer back. Safe to call twice. */
void oom_guard_stop(struct oom_guard *g);
/* host.budget.oom_guard: {on, why, raises, raised_bytes, limit_bytes, first_s} (first_s on the
 * clock whose zero is t0). */
json_t *oom_guard_json(const struct oom_guard *g, double t0);

#endif
