/* actions.h — the only way a policy acts, and the decision log every action goes into.
 *
 * Four actions: set a VM's balloon target, switch KSM on or off, reclaim bytes of a VM's guest
 * RAM (MADV_PAGEOUT through its handle), change the budget cgroup's limit; plus `state`, a
 * decision that changes nothing outside the policy but is worth a marker (esx's reclamation
 * state). Each goes to the host's backend (struct oc_backend, vmm/run/host_policy.c; tests give
 * a recording one) and is logged with its time, VM, from/to, a one-line reason and the figures
 * it used. A target equal to the current one is not an action: nothing is called or logged,
 * so a policy may restate its targets every step.
 *
 * The log is bounded (OC_LOG_MAX decisions, the rest counted as dropped): a policy that
 * oscillates for a long run cannot grow the document without limit. */
#ifndef MEMVIRT_OVERCOMMIT_ACTIONS_H
#define MEMVIRT_OVERCOMMIT_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "overcommit/policy.h"

#define OC_LOG_MAX 2000
#define OC_MAX_INPUTS 10

/* The mechanisms. Each returns 0 (reclaim: bytes advised) or a negative errno. */
struct oc_backend {
	int (*set_target)(void *ctx, size_t vm, uint64_t bytes);
	int (*ksm)(void *ctx, bool on);
	int64_t (*reclaim)(void *ctx, size_t vm, uint64_t bytes);
	int (*set_limit)(void *ctx, uint64_t bytes);
	void *ctx;
};

enum oc_action { OC_TARGET, OC_KSM, OC_RECLAIM, OC_LIMIT, OC_STATE };
const char *oc_action_name(enum oc_action a);

/* A figure a decision used: name and value (names are string constants). */
struct oc_input {
	const char *name;
	double value;
};
struct oc_inputs {
	size_t n;
	struct oc_input in[OC_MAX_INPUTS];
};
/* Adds one figure (OC_ABSENT as a value is recorded as null: the estimate was absent). */
void oc_in(struct oc_inputs *in, const char *name, double value);
void oc_in_u64(struct oc_inputs *in, const char *name, uint64_t value);

struct oc_decision {
	double t_ms;
	int vm;                       /* index, or -1 for the host */
	enum oc_action action;
	bool from_num, to_num;        /* number, else the string (empty: null) */
	double from, to;
	char from_s[16], to_s[16];
	int rc;                       /* the mechanism's answer: 0, or -errno (then in the reason) */
	char reason[160];
	struct oc_inputs inputs;
};

struct oc_actions {
	const struct oc_backend *be;
	const struct oc_view *view;   /* the step's (time, current targets) */
	uint64_t target[OC_MAX_VMS];  /* what each VM's balloon was last told */
	bool ksm_on;
	uint64_t limit;
	char state[16];               /* the policy's last `state` */
	struct oc_decision *log;
	size_t n, cap, dropped;
	uint64_t reclaimed_bytes;
	double mech_cpu_us;           /* CPU time spent in the backend's calls (the mechanisms) */
};

void oc_actions_init(struct oc_actions *a, const struct oc_backend *be);
void oc_actions_fini(struct oc_actions *a);

/* The actions. `in` may be NULL; reason is printf-style. Each returns the backend's answer
 * (0 when nothing had to change). */
int oc_set_target(struct oc_actions *a, size_t vm, uint64_t bytes, const struct oc_inputs *in, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int oc_set_ksm(struct oc_actions *a, bool on, const struct oc_inputs *in, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int64_t oc_reclaim(struct oc_actions *a, size_t vm, uint64_t bytes, const struct oc_inputs *in, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int oc_set_limit(struct oc_actions *a, uint64_t bytes, const struct oc_inputs *in, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int oc_set_state(struct oc_actions *a, const char *state, const struct oc_inputs *in, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* decisions[] as the document has them; names[] are the VMs' names. */
json_t *oc_decisions_json(const struct oc_actions *a, const char *const *names, size_t nnames);

#endif
