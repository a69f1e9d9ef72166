/* runner.h — a policy at work: its own thread beside the host's monitor, on the host's run
 * clock, stepping every `[host] policy-period` (100 ms by default: our runs last seconds, so the
 * policies' published periods — MoM 10 s, senpai 6 s, ESX's sampling 30 s — are scaled down;
 * their knobs are per step). Each step reads a view (struct oc_source: the host fills it),
 * computes the PSI fraction since the previous step, runs the policy's step and times it on
 * the thread's CPU clock (host.policy.step_cpu_us): reading the view and deciding, without the
 * mechanisms' own time (a page-out, a KSM write), which is counted apart (actions_cpu_us). */
#ifndef MEMVIRT_OVERCOMMIT_RUNNER_H
#define MEMVIRT_OVERCOMMIT_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "overcommit/actions.h"
#include "overcommit/policy.h"

#define OC_DEFAULT_PERIOD_US 100000

/* Fills the view at a step (every field but t_ms, period_ms and psi_some_frac). */
struct oc_source {
	void (*read)(void *ctx, struct oc_view *v);
	void *ctx;
};

struct oc_runner {
	struct oc_ctx pc;             /* the policy and its knobs (oc_ctx_init + oc_knob_set first) */
	struct oc_actions act;
	struct oc_source src;
	uint64_t period_us;
	double t0;                    /* the run clock's zero */
	struct oc_view view;          /* the last step's */
	uint64_t prev_psi;
	double prev_ms;
	double *cost_us;              /* per step */
	size_t steps, cap;
	pthread_t thread;
	bool running;
	atomic_bool stop;
};

/* Ready to start: pc must hold the policy and its knobs. 0 or the policy's init error. */
int oc_runner_init(struct oc_runner *r, const struct oc_source *src, const struct oc_backend *be, uint64_t period_us,
		   double t0);
/* One step now (the thread's body; tests call it directly). */
void oc_runner_step(struct oc_runner *r);
int oc_runner_start(struct oc_runner *r);
/* Stops the thread (no step after it returns). */
void oc_runner_stop(struct oc_runner *r);
void oc_runner_fini(struct oc_runner *r);
/* host.policy of the document: name, period, knobs, steps, step CPU cost, decisions (and how
 * many were dropped over the cap). */
json_t *oc_runner_json(const struct oc_runner *r, const char *const *names, size_t n);

#endif
