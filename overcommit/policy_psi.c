/* policy_psi.c — proactive reclaim driven by memory pressure, like Meta's TMO and its
 * userspace predecessor senpai (Weiner et al., "TMO: Transparent Memory Offloading in
 * Datacenters", ASPLOS 2022): each VM has an allowance of host memory; while the pressure
 * stays under `target`, every allowance is lowered a little (a probe) and the host pages out
 * what a VM holds above it (MADV_PAGEOUT over its guest RAM); when the pressure rises above the
 * target the allowances are raised again (a back-off), fast in proportion to the excess.
 *
 * The pressure is PSI's "some" time of memory, the growth of its total over the last step as a
 * fraction of the step. This host has cgroup v1, so it is /proc/pressure/memory, system-wide:
 * other work on the machine counts too — a noisier signal than TMO's per-cgroup one, said in
 * docs/overcommit.md. senpai's interval is 6 s; our runs last seconds, so a step is the policy
 * period (100 ms by default) and the probe per step is senpai's per interval.
 *
 * Control law (ours, in senpai's shape): probe by max-probe * (target - p) / target of the
 * allowance; back off by min(max-backoff, coeff-backoff * max-probe * (p - target) / target). */
#include <errno.h>
#include <stdlib.h>

#include "overcommit/actions.h"
#include "overcommit/policy.h"

enum { K_TARGET, K_MAX_PROBE, K_MAX_BACKOFF, K_COEFF_BACKOFF, K_MIN_GUEST };

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
};

struct psi_state {
	double allowance[OC_MAX_VMS]; /* 0: not started (the VM did not run yet) */
};

static int psi_init(struct oc_ctx *c)
{
	c->state = calloc(1, sizeof(struct psi_state));
	return c->state ? 0 : -ENOMEM;
}

static void psi_fini(struct oc_ctx *c)
{
	free(c->state);
	c->state = NULL;
}

static void psi_step(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a)
{
	struct psi_state *st = c->state;
	double p = v->psi_some_frac, target = c->knob[K_TARGET];
	bool probe = p < target || v->psi_some_us == OC_ABSENT;
	double adj = probe ? -c->knob[K_MAX_PROBE] * (target > 0 ? (target - p) / target : 1.0)
			   : c->knob[K_COEFF_BACKOFF] * c->knob[K_MAX_PROBE] * (target > 0 ? (p - target) / target : 1.0);
	if (adj > c->knob[K_MAX_BACKOFF])
		adj = c->knob[K_MAX_BACKOFF];
	struct oc_inputs sin = { 0 };
	oc_in(&sin, "psi_some_frac", p);
	oc_in(&sin, "target", target);
	oc_in(&sin, "adjust", adj);
	oc_set_state(a, probe ? "probe" : "backoff", &sin, probe ? "pressure %.3f%% under target %.3f%%: lower allowances"
								 : "pressure %.3f%% over target %.3f%%: raise allowances",
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
