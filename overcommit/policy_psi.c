/* policy_psi.c — proactive reclaim driven by memory pressure, like Meta's TMO and its
 * userspace predecessor senpai (Weiner et al., "TMO: Transparent Memory Offloading in
 * Datacenters", ASPLOS 2022): each VM has an allowance of host memory; while the pressure
 * stays under `target`, every allowance is lowered a little (a probe) and the host pages out
 * what a VM holds above it (MADV_PAGEOUT over its guest RAM); when the pressure rises above the
 * target the allowances are raised again (a back-off), fast in proportion to the excess.
 *
 * The pressure p of a step is a fraction of the step's time, the larger of two measures:
 *  - PSI's "some" time of memory over the step. This host has cgroup v1, so it is
 *    /proc/pressure/memory, system-wide — other work counts too — and it misses the stalls
 *    this policy causes: a guest page paged out with MADV_PAGEOUT and faulted back from zram
 *    is not a "thrashing" refault to PSI, so psi's own page-outs never raised it and the
 *    probe never stopped (docs/overcommit.md);
 *  - the VMM's own refault stall: its major faults over the step times `refault-us` (the cost
 *    of one), over the step. That is what TMO's per-cgroup PSI would see of these VMs.
 * With a hysteresis band: probe while p < target * (1 - hysteresis), back off while
 * p > target, and in between hold — no change and no page-out, so a VM settled at its
 * allowance is not paged out again on every step.
 *
 * senpai's interval is 6 s; our runs last seconds, so a step is the policy period (100 ms by
 * default) and the probe per step is senpai's per interval.
 *
 * Control law (ours, in senpai's shape): probe by max-probe * (target - p) / target of the
 * allowance; back off by min(max-backoff, coeff-backoff * max-probe * (p - target) / target). */
#include <errno.h>
#include <stdlib.h>

#include "overcommit/actions.h"
#include "overcommit/policy.h"

enum { K_TARGET, K_MAX_PROBE, K_MAX_BACKOFF, K_COEFF_BACKOFF, K_MIN_GUEST, K_HYSTERESIS, K_REFAULT_US };

static const struct oc_knob psi_knobs[] = {
	[K_TARGET] = { "target", 0.0017, 0.0, 1.0, "memory pressure (PSI some, fraction of time) to stay under",
		       "senpai: pressure 10 ms per 6 s interval (0.17%)" },
	[K_MAX_PROBE] = { "max-probe", 0.01, 0.0, 1.0, "largest lowering of an allowance per step, as a fraction",
			  "senpai: max_probe 0.01" },
	[K_MAX_BACKOFF] = { "max-backoff", 1.0, 0.0, 10.0, "largest raising of an allowance per step, as a fraction",
			    "senpai: max_backoff 1.0" },
	[K_COEFF_BACKOFF] = { "coeff-backoff", 20, 0.0, 1000, "how fast the allowance rises with the excess pressure",
			      "senpai: coeff_backoff 20" },
	[K_MIN_GUEST] = { "min-guest", 0.05, 0.0, 1.0, "fraction of its RAM a VM's allowance never goes below",
			  "memvirt default" },
	[K_HYSTERESIS] = { "hysteresis", 0.5, 0.0, 1.0,
			   "probe only under target * (1 - hysteresis); between that and target: hold",
			   "memvirt: a step's pressure is noisy (100 ms of a system-wide figure)" },
	[K_REFAULT_US] = { "refault-us", 50, 0.0, 1e6,
			   "stall of one major fault of the VMM, in microseconds (0: PSI alone)",
			   "memvirt: a zram swap-in plus the fault, tens of microseconds on this host" },
};

struct psi_state {
	double allowance[OC_MAX_VMS]; /* 0: not started (the VM did not run yet) */
	uint64_t prev_majflt;         /* the VMM's major faults at the previous step, OC_ABSENT */
};

static int psi_init(struct oc_ctx *c)
{
	struct psi_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->prev_majflt = OC_ABSENT;
	c->state = st;
	return 0;
}

static void psi_fini(struct oc_ctx *c)
{
	free(c->state);
	c->state = NULL;
}

/* The VMM's refault stall over the step as a fraction of it (0 before two samples): its major
 * faults are one counter, seen through every VM's latest sample (the largest is the newest). */
static double refault_frac(struct psi_state *st, const struct oc_view *v, double refault_us)
{
	uint64_t maj = OC_ABSENT;
	for (size_t i = 0; i < v->n; i++)
		if (v->vm[i].resident_bytes != OC_ABSENT && (maj == OC_ABSENT || v->vm[i].majflt > maj))
			maj = v->vm[i].majflt;
	double f = 0;
	if (maj != OC_ABSENT && st->prev_majflt != OC_ABSENT && maj >= st->prev_majflt && v->period_ms > 0)
		f = (double)(maj - st->prev_majflt) * refault_us / (v->period_ms * 1e3);
	if (maj != OC_ABSENT)
		st->prev_majflt = maj;
	return f > 1 ? 1 : f;
}

static void psi_step(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a)
{
	struct psi_state *st = c->state;
	double sys = v->psi_some_us == OC_ABSENT ? 0 : v->psi_some_frac, own = refault_frac(st, v, c->knob[K_REFAULT_US]);
	double p = sys > own ? sys : own, target = c->knob[K_TARGET];
	bool probe = p < target * (1 - c->knob[K_HYSTERESIS]) || (target == 0 && p == 0);
	bool backoff = !probe && p > target;
	double adj = probe ? -c->knob[K_MAX_PROBE] * (target > 0 ? (target - p) / target : 1.0)
		     : backoff ? c->knob[K_COEFF_BACKOFF] * c->knob[K_MAX_PROBE] * (target > 0 ? (p - target) / target : 1.0)
			       : 0.0;
	if (adj > c->knob[K_MAX_BACKOFF])
		adj = c->knob[K_MAX_BACKOFF];
	struct oc_inputs sin = { 0 };
	oc_in(&sin, "psi_some_frac", sys);
	oc_in(&sin, "refault_frac", own);
	oc_in(&sin, "target", target);
	oc_in(&sin, "adjust", adj);
	oc_set_state(a, probe ? "probe" : backoff ? "backoff" : "hold", &sin,
		     probe ? "pressure %.3f%% under target %.3f%% less the band: lower allowances"
		     : backoff ? "pressure %.3f%% over target %.3f%%: raise allowances"
			       : "pressure %.3f%% within the band under target %.3f%%: hold",
		     100 * p, 100 * target);
	for (size_t i = 0; i < v->n; i++) {
		const struct oc_vm_view *vm = &v->vm[i];
		if (!vm->running || vm->resident_bytes == OC_ABSENT)
			continue;
		if (!st->allowance[i])
			st->allowance[i] = (double)vm->resident_bytes;
		double lo = c->knob[K_MIN_GUEST] * (double)vm->guest_bytes, hi = (double)vm->guest_bytes;
		st->allowance[i] *= 1.0 + adj;
		st->allowance[i] = st->allowance[i] < lo ? lo : st->allowance[i] > hi ? hi : st->allowance[i];
		if (probe && (double)vm->resident_bytes > st->allowance[i]) {
			struct oc_inputs in = sin;
			oc_in_u64(&in, "resident_bytes", vm->resident_bytes);
			oc_in(&in, "allowance_bytes", st->allowance[i]);
			oc_reclaim(a, i, (uint64_t)((double)vm->resident_bytes - st->allowance[i]), &in,
				   "resident %llu MiB over its allowance %llu MiB: page out the excess",
				   (unsigned long long)(vm->resident_bytes >> 20), (unsigned long long)(st->allowance[i] / 1048576));
		}
	}
}

double oc_psi_allowance(const struct oc_ctx *c, size_t i)
{
	const struct psi_state *st = c->state;
	return st && i < OC_MAX_VMS ? st->allowance[i] : 0;
}

const struct oc_policy_ops oc_policy_psi = {
	.name = "psi",
	.help = "TMO/senpai-like: lower each VM's allowance while memory pressure stays under a target, back off above it",
	.knobs = psi_knobs,
	.nknobs = sizeof(psi_knobs) / sizeof(psi_knobs[0]),
	.init = psi_init,
	.step = psi_step,
	.fini = psi_fini,
};
