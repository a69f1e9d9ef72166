/* overcommit_cases.h — the small cases of idle, phases and dup that the equivalence tests share
 * (tests/workloads on native and sim, tests/kvm on kvm): parameters that keep a run to a few
 * hundred guest faults at 1 MiB, and idle's sleeps to 5 wakes of 10 ms. */
#ifndef MEMVIRT_TESTS_OVERCOMMIT_CASES_H
#define MEMVIRT_TESTS_OVERCOMMIT_CASES_H

#include <string.h>

#include "workloads/wl.h"

static const char *const oc_workloads[] = { "idle", "phases", "dup" };
#define OC_NWORKLOADS (sizeof(oc_workloads) / sizeof(oc_workloads[0]))
static const uint64_t oc_seeds[] = { 1, 7, 12345 };
#define OC_NSEEDS (sizeof(oc_seeds) / sizeof(oc_seeds[0]))

#define OC_IDLE_WAKES 5
#define OC_IDLE_SLEEP_US 10000
/* idle's measured phase lasts at least its sleeps (the clocks' rounding aside) */
#define OC_IDLE_MIN_RUN_S (OC_IDLE_WAKES * OC_IDLE_SLEEP_US * 0.98e-6)

/* Sets the workload's own parameters (and ops) of the shared case; mem must be set. */
static inline void oc_case_params(const char *wl, struct wl_params *p)
{
	uint64_t mem = p->mem_bytes;
	if (strcmp(wl, "idle") == 0) {
		p->ops = OC_IDLE_WAKES;
		p->wake_every_us = OC_IDLE_SLEEP_US;
		p->touch_bytes = 16 << 10;
	} else if (strcmp(wl, "phases") == 0) { /* grow, shrink (chunks freed), grow again */
		p->ops = 0;
		const struct wl_ws_step s[] = { { mem / 4, 2000 }, { mem, 4000 }, { mem / 8, 1000 },
						{ mem / 2, 2000 } };
		for (unsigned i = 0; i < WL_WS_STEPS; i++)
			p->ws[i] = i < 4 ? s[i] : (struct wl_ws_step){ 0, 0 };
	} else if (strcmp(wl, "dup") == 0) {
		p->ops = 2000;
		p->dup_frac = WL_FRAC_ONE * 4 / 10;
		p->zero_frac = WL_FRAC_ONE * 2 / 10;
		p->dup_pool = 4;
		p->rewrite_every = 4;
	}
}

#endif
