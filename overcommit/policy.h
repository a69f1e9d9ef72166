/* policy.h — overcommit policies as an ops table (docs/overcommit.md). A policy is chosen by
 * name (`[host] policy = NAME`), has knobs with defaults taken from its source (`[policy]`
 * keys), and on every step reads a view of the host and its VMs (struct oc_view) and acts only
 * through struct oc_actions (overcommit/actions.h), which logs every action with its reason and
 * the inputs it used.
 *
 * Why an ops table over a view, and not code in the host: the policies must be comparable side
 * by side on the same VMs, and testable without VMs — a step is a pure function of the view
 * and the policy's own state, so tests/overcommit feeds it synthetic views. The host
 * (vmm/run/host_policy.c) fills the view from what it already measures (each VM's telemetry
 * series, balloon, the budget's cgroup, PSI) and wires the actions to the mechanisms (balloon,
 * KSM session, MADV_PAGEOUT over the guest-RAM handle, the cgroup limit); this folder links
 * none of them, so it cannot reach guest memory or frame state except through those calls. */
#ifndef MEMVIRT_OVERCOMMIT_POLICY_H
#define MEMVIRT_OVERCOMMIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_MAX_VMS 64
#define OC_MAX_KNOBS 12
#define OC_ABSENT UINT64_MAX   /* a figure the host does not have (no estimator, no budget) */
#define OC_DEFAULT_SHARES 1000 /* ESX's default shares per VM */

/* One VM as a policy sees it at a step. Bytes; counters are cumulative (a policy keeps the
 * previous value itself when it wants a rate). */
struct oc_vm_view {
	const char *name;
	bool running;                 /* its workload runs (not set up yet, or ended: false) */
	bool has_balloon;
	unsigned shares;              /* esx shares ([vm NAME] shares) */
	uint64_t guest_bytes;         /* guest RAM */
	uint64_t resident_bytes;      /* host memory behind its guest RAM (telemetry), OC_ABSENT */
	uint64_t used_bytes;          /* what its guest kernel handed out (telemetry), OC_ABSENT */
	uint64_t balloon_bytes;       /* what its balloon holds now */
	uint64_t balloon_target;      /* the balloon's current target */
	uint64_t wss_bytes;           /* working-set estimate, OC_ABSENT when not estimated */
	uint64_t majflt;              /* major faults so far (the VMM process's: shared by every VM) */
	double ops_per_s;             /* its throughput since the previous step */
};

/* The host at a step. */
struct oc_view {
	double t_ms;                  /* the host's run clock */
	double period_ms;             /* since the previous step */
	uint64_t budget_bytes;        /* 0: no budget */
	uint64_t limit_bytes;         /* the cgroup's limit now (budget unless a policy changed it) */
	uint64_t usage_bytes;         /* the budget cgroup's usage, OC_ABSENT without a budget */
	uint64_t available_bytes;     /* the host's MemAvailable */
	uint64_t swap_used_bytes;     /* host swap in use */
	uint64_t psi_some_us;         /* memory PSI "some" total (system-wide), OC_ABSENT */
	double psi_some_frac;         /* its growth over the last period / the period: 0..1 */
	bool ksm_available;           /* the host has a KSM session a policy may switch */
	bool ksm_on;
	size_t n;
	struct oc_vm_view vm[OC_MAX_VMS];
};

/* A knob: a number with a default, a range, and where the default comes from. */
struct oc_knob {
	const char *name;
	double def, min, max;
	const char *help;             /* what it does */
	const char *source;           /* where the default comes from */
};

struct oc_actions;

/* What a policy has while it runs: its knob values (in its table's order) and its state. */
struct oc_ctx {
	const struct oc_policy_ops *ops;
	double knob[OC_MAX_KNOBS];
	size_t n;                     /* VMs */
	void *state;                  /* the policy's own (init allocates, fini frees) */
};

struct oc_policy_ops {
	const char *name;
	const char *help;
	const struct oc_knob *knobs;  /* nknobs of them */
	size_t nknobs;
	bool needs_balloon;           /* every VM gets a (policy-driven) balloon */
	bool needs_wss;               /* reads wss_bytes (turns the estimator on) */
	int (*init)(struct oc_ctx *c);                 /* may be NULL; 0 or -errno */
	void (*step)(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a);
	void (*fini)(struct oc_ctx *c);                /* may be NULL */
};

/* The policies by name (overcommit/registry.c): none, static, mom, esx, psi. */
const struct oc_policy_ops *oc_policy_find(const char *name);
/* "none, static, mom, esx, psi", for messages and help. */
const char *oc_policy_names(void);
/* The i-th policy, NULL past the last (help, docs, tests). */
const struct oc_policy_ops *oc_policy_at(size_t i);

/* Knobs: c->knob[] from the defaults (oc_ctx_init), then one `[policy] KEY = VALUE` at a time
 * (oc_knob_set: 0, or -EINVAL with one line naming the knob and what it takes). */
void oc_ctx_init(struct oc_ctx *c, const struct oc_policy_ops *ops, size_t nvms);
int oc_knob_set(struct oc_ctx *c, const char *key, const char *value, char *why, size_t n);
/* The index of knob `name` in ops' table, or -1. */
int oc_knob_index(const struct oc_policy_ops *ops, const char *name);

/* psi's allowance of VM i in bytes (0 before the VM ran): what its tests read back. */
double oc_psi_allowance(const struct oc_ctx *c, size_t i);

/* Shared by the policies (overcommit/alloc.c): the free fraction of the budget at a step
 * (1 - usage/limit; 1 without a budget) and water-filling — bytes split in proportion to
 * weights, each VM clamped to [lo_i, hi_i], what a clamped VM cannot take shared among the
 * others. Returns the bytes given out. */
double oc_free_frac(const struct oc_view *v);
uint64_t oc_water_fill(uint64_t bytes, size_t n, const double *weight, const uint64_t *lo, const uint64_t *hi,
		       uint64_t *out);
/* Bytes of guest RAM a VM keeps: its size minus its balloon target. */
static inline uint64_t oc_vm_alloc(const struct oc_vm_view *vm)
{
	return vm->guest_bytes > vm->balloon_target ? vm->guest_bytes - vm->balloon_target : 0;
}

#endif
