/* budget.h — a host's memory budget (`[host] budget = SIZE`): the whole VMM process enters one
 * memory cgroup whose limit is the budget, before any VM allocates, so every VM's guest memory
 * (anonymous or shmem: the host can reclaim it only to swap, hence `[host] swap = zram:SIZE`)
 * and the VMM's own are charged to it, and the host kernel reclaims when the VMs together
 * would exceed it. Set up and restored through vmm/host/host_state.h (zram, the cgroup, the
 * janitor that restores them if memvirt is killed), on every path.
 *
 * The slack: the cgroup's limit is hard, so usage cannot pass the budget; but the usage the
 * monitor reads is the kernel's per-CPU-batched charge counter, which may run ahead of the
 * pages really charged by up to the charge batch (64 pages) per CPU. slack_bytes is that
 * bound: 64 * 4 KiB * online CPUs. Time spent above budget + slack (over_ms) must be 0. */
#ifndef MEMVIRT_OVERCOMMIT_BUDGET_H
#define MEMVIRT_OVERCOMMIT_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "overcommit/oom_guard.h"
#include "vmm/host/host_state.h"

#define OC_BUDGET_MIN_BYTES (16ULL << 20)
#define OC_CHARGE_BATCH_PAGES 64

struct oc_budget {
	uint64_t bytes;               /* the limit */
	uint64_t slack_bytes;
	uint64_t zram_bytes;          /* 0: no swap of the budget's own */
	struct host_state hs;
	bool began;
	uint64_t oom_before, oom_after; /* the cgroup's oom_kill count (UINT64_MAX: unreadable) */
	struct oom_guard guard;       /* lets the limit bend rather than the OOM killer end every VM */
	double began_s;               /* monotonic seconds when the limit was set */
};

/* How much the OOM guard raises the limit at a time: 1/32 of the budget, at least 4 MiB. */
#define OC_GUARD_STEP_MIN (4ULL << 20)

/* What can be known before the run: root, a memory cgroup controller. 0, or -EPERM/-ENODEV
 * with a plain reason. */
int oc_budget_check(uint64_t bytes, uint64_t zram_bytes, char *why, size_t n);
/* Swap (when asked), the cgroup entered with the process, its limit set to `bytes`. Call while
 * the process has no other threads (the janitor is forked). 0, or -errno with why (nothing
 * left set up). */
int oc_budget_begin(struct oc_budget *b, uint64_t bytes, uint64_t zram_bytes, char *why, size_t n);
/* The cgroup's usage now, or UINT64_MAX. */
uint64_t oc_budget_usage(const struct oc_budget *b);
/* Changes the limit (a policy's `limit` action; the OOM guard raises from there). 0 or -errno. */
int oc_budget_set_limit(struct oc_budget *b, uint64_t bytes);
/* Everything put back (the guard stopped, the OOM count read first). Safe to call twice. */
void oc_budget_end(struct oc_budget *b);
/* host.budget of the document, with the peak usage and the time over budget + slack that the
 * caller measured from the usage series. */
json_t *oc_budget_json(const struct oc_budget *b, uint64_t peak_usage, double over_ms);

#endif
