/* host_policy.h — a host's memory budget and overcommit policy, wired to its VMs: the budget
 * (overcommit/budget.h) entered before any VM allocates and left after the last one ended (after
 * KSM's session began and before it is restored: its janitor stays outside the cgroup); the
 * policy's thread (overcommit/runner.h) started once every worker started and stopped as soon
 * as they ended, before the monitor stops. Here, and not in overcommit/, because only the run
 * driver knows a VM (struct run_vm): this file fills the policy's view from each VM's latest
 * telemetry sample and balloon, and carries its actions to the mechanisms — balloon_set_target,
 * the KSM session's switch, MADV_PAGEOUT over the VM's guest-RAM handle (a clock hand over
 * guest RAM, so successive reclaims take successive pages), the budget's limit. */
#ifndef MEMVIRT_RUN_HOST_POLICY_H
#define MEMVIRT_RUN_HOST_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "overcommit/budget.h"
#include "overcommit/runner.h"
#include "vmm/run/host.h"
#include "vmm/run/run.h"

struct host_oc {
	const struct host_spec *spec;
	struct run_set *set;
	struct oc_budget budget;
	bool budgeted;
	struct oc_runner runner;
	bool have_policy, runner_ready;
	struct oc_backend be;
	uint64_t prev_progress[HOST_MAX_VMS];
	double prev_s;
	uint64_t hand[HOST_MAX_VMS];     /* reclaim's clock hand in each VM's guest RAM */
	char why[512];                   /* the policy could not start: the document says so */
};

/* For the spec's budget and policy; nothing is set up yet. */
void host_oc_init(struct host_oc *o, const struct host_spec *spec);
/* Hooks the set: the budget begins after page sharing began and before any VM allocates (run.c,
 * no other thread running yet) and ends after every VM ended; the monitor samples its usage;
 * the policy runs beside the monitor. */
void host_oc_attach(struct host_oc *o, struct run_set *set);
/* host.budget and host.policy of the document (null when the spec has none). */
json_t *host_oc_budget_json(const struct host_oc *o);
json_t *host_oc_policy_json(const struct host_oc *o);
void host_oc_fini(struct host_oc *o);

#endif
