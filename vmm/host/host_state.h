/* host_state.h — what a run changes on the host for memory experiments, set up and put back
 * as one: zram swap (zram.h), a memory cgroup the whole VMM process enters (memcg.h), and the
 * janitor (janitor.h) that restores both should the process be killed. Shared by a run's
 * experiment session (`--swap`, `--reclaim limit`) and a host's memory budget
 * (overcommit/budget.h), so the order and the restore are written once.
 *
 * Order, and why: the janitor first (it must be forked while the process has no other
 * threads, and before anything it must undo), swap before the cgroup (a limit needs somewhere
 * to put anonymous pages), the cgroup before the workload allocates (charges follow the
 * allocating process); the reverse on the way out, on every path. */
#ifndef MEMVIRT_HOST_STATE_H
#define MEMVIRT_HOST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/host/janitor.h"
#include "vmm/host/memcg.h"
#include "vmm/host/zram.h"

struct host_state {
	struct zram_swap zram;
	struct memcg memcg;
	bool in_memcg;
	bool began;                  /* set up: the janitor knows */
	struct janitor own_janitor;  /* forked by host_state_begin unless one is lent */
	struct janitor *janitor;     /* &own_janitor, or the lent one */
	int teardown_rc;             /* 0, or the errno of host state that could not be restored */
};

/* zram_bytes: 0 = no swap; memcg: enter a memory cgroup of the process's own. Nothing asked:
 * nothing done, 0. `lent`: a janitor already running to tell what is changed (a run's, which
 * also writes its record should the process be killed: vmm/run/run_record.h), or NULL to fork
 * one. Returns 0 or -errno with a one-line reason in why (nothing left set up). */
int host_state_begin(struct host_state *s, uint64_t zram_bytes, bool memcg, struct janitor *lent, char *why, size_t n);
/* Puts everything back; what cannot be is printed and left to the janitor. Safe to call twice. */
void host_state_end(struct host_state *s);

#endif
