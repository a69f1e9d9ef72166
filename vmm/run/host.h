/* host.h — a host of several VMs: what `memvirt host SCENARIO.ini` runs. Each VM has its own
 * platform, paging strategy, guest RAM, workload, seed, telemetry and result; the host runs
 * them at once (one worker thread each: the vCPU thread on kvm), samples all of them with one
 * monitor on one clock, and writes one document: the host part (configuration, totals, host
 * memory over time) and one schema-1 run result per VM (docs/result-schema.md, "Host
 * results").
 *
 * Why one process for all VMs (docs/architecture.md): one clock and one monitor come free,
 * KVM serves many VMs per process, and what the host layers to come share — the memory
 * budget (a memory cgroup charges a process), the sharing engine, the overcommit policy —
 * needs no IPC. The price is that a VMM bug would take every VM down; a misbehaving *guest*
 * only stops its own VM (its vCPU loop ends; the others go on). */
#ifndef MEMVIRT_RUN_HOST_H
#define MEMVIRT_RUN_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ksm/ksm.h"
#include "overcommit/policy.h"
#include "results/result.h"

#define HOST_MAX_VMS 64
#define HOST_NAME_MAX_LEN 64

struct platform;

struct host_vm_spec {
	char name[HOST_NAME_MAX_LEN];
	struct run_config cfg;          /* what memvirt run would run; its pointers are the caller's */
	const struct platform *plat;    /* NULL: cfg->platform's (tests give a misbehaving one) */
	unsigned shares;                /* esx shares ([vm NAME] shares); 0 = OC_DEFAULT_SHARES */
};

struct host_spec {
	char name[HOST_NAME_MAX_LEN];   /* the scenario's name (its file's stem) */
	const char *path;               /* the scenario file, for the document; may be NULL */
	uint64_t sample_us;             /* the monitor's period; 0 = the smallest VM period */
	size_t n;
	struct host_vm_spec vm[HOST_MAX_VMS];
	bool progress;                  /* draw progress on a terminal */
	json_t *settings;               /* the scenario's settings as read (borrowed), or NULL */
	const char *json_path;          /* where host_execute writes the document, or NULL */
	const json_t *doc_extra;        /* members added to the document, killed or not (a sweep
					 * point's "sweep"), or NULL */
	struct ksm_opts ksm;            /* page sharing ([host] ksm* keys); all off: none */
	/* Overcommit (docs/overcommit.md): the budget ([host] budget, 0 = none) and its zram swap
	 * ([host] swap), the policy ([host] policy, NULL = none at all), its period ([host]
	 * policy-period, 0 = OC_DEFAULT_PERIOD_US) and its knob values (defaults, then [policy]). */
	uint64_t budget_bytes;
	uint64_t zram_bytes;
	const struct oc_policy_ops *policy;
	uint64_t policy_period_us;
	double knob[OC_MAX_KNOBS];
};

/* Runs every VM of the host at once; *doc_out receives the host document (the caller
 * json_decref's it), also written to spec->json_path when set — or, should the process be
 * killed, a document marked "killed" is written there by a janitor (vmm/run/run_record.h;
 * docs/result-schema.md, "A killed run"). Returns the worst VM state (interrupted, then
 * failed; failed too when the document could not be written). */
enum run_state host_execute(const struct host_spec *spec, json_t **doc_out);

#endif
