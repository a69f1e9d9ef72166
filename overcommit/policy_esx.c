/* policy_esx.c — VMware ESX's allocation (Waldspurger, "Memory Resource Management in VMware
 * ESX Server", OSDI 2002, §5–6): memory is split in proportion to shares, with idle memory
 * taxed. A VM's shares-per-page ratio is
 *
 *     rho = S / (P * (f + k * (1 - f))),   k = 1 / (1 - tax),
 *
 * with f the fraction of its memory actively used; ESX reclaims from the VM of lowest rho until
 * the ratios are equal, so at rest each VM's memory P is proportional to S / (f + k (1 - f)).
 * That closed form is what this step computes (with oc_water_fill keeping each VM between its
 * minimum and its RAM), and then sets balloon targets to it. tax = 0 gives a pure share split;
 * tax = 0.75 (ESX's default) makes an idle page cost four times an active one.
 *
 * f is 1 - idle fraction = wss_bytes / guest-resident bytes, from the working-set estimate
 * (ESX samples 100 pages per VM per period). When the host has no estimate for a VM, f is a
 * stand-in said in the decision's inputs (wss_bytes null, active_frac): 1 when the VM did at
 * least `idle-ops` operations per second over the last step, else 0 — a VM that (nearly) does
 * nothing is taken as wholly idle, a busy one as using all it holds (which makes the tax
 * conservative for it). A threshold rather than "any progress": an idle guest still wakes.
 *
 * Reclamation states, as ESX's thresholds of free memory scaled to the budget: high (>= 6%
 * free) shares pages (KSM on), soft (>= 4%) also balloons, hard (>= 2%) also has the host
 * page out memory of the VM with the lowest rho — computed on what it holds now, as ESX
 * reclaims from the VM with the fewest shares per page held —, and low (< 2%: ESX would block
 * the VM) does the same (we do not block). Balloon targets are set in every state: with a budget below the VMs'
 * sum they are what keeps usage under it; the state decides what is added. */
#include <math.h>
#include <string.h>

#include "overcommit/actions.h"
#include "overcommit/policy.h"

enum { K_TAX, K_HIGH, K_SOFT, K_HARD, K_HEADROOM, K_MIN_GUEST, K_RECLAIM_STEP, K_IDLE_OPS };

static const struct oc_knob esx_knobs[] = {
	[K_TAX] = { "tax", 0.75, 0.0, 0.99, "idle-memory tax: an idle page costs 1/(1-tax) active ones",
		    "Waldspurger, OSDI 2002, §5.3: ESX default 75%" },
	[K_HIGH] = { "high", 0.06, 0.0, 1.0, "free fraction of the budget at or above which the state is high",
		     "Waldspurger 2002 §6: high state at 6% free" },
	[K_SOFT] = { "soft", 0.04, 0.0, 1.0, "free fraction at or above which the state is soft (balloon)",
		     "Waldspurger 2002 §6: soft state at 4% free" },
	[K_HARD] = { "hard", 0.02, 0.0, 1.0, "free fraction at or above which the state is hard (host swap); below: low",
		     "Waldspurger 2002 §6: hard 2%, low 1%" },
	[K_HEADROOM] = { "headroom", 0.10, 0.0, 0.9, "fraction of the budget left to the VMM itself",
			 "memvirt: as static's headroom" },
	[K_MIN_GUEST] = { "min-guest", 0.05, 0.0, 1.0, "fraction of its RAM a VM always keeps (ESX's min)",
			  "Waldspurger 2002 §6: per-VM min size; memvirt default" },
	[K_RECLAIM_STEP] = { "reclaim-step", 0.05, 0.0, 1.0,
			     "in hard/low: most of a VM's RAM the host pages out per step, as a fraction",
			     "memvirt: bounded like MoM's max change" },
	[K_IDLE_OPS] = { "idle-ops", 100, 0, 1e12,
			 "without a working-set estimate: below this many ops/s a VM is taken as idle",
			 "memvirt: stand-in until the working-set estimator (vmm/mem/wss.h) lands" },
};

/* The active fraction f of a VM, and whether it came from an estimate. */
static double active_frac(const struct oc_vm_view *vm, double idle_ops, bool *estimated)
{
	*estimated = vm->wss_bytes != OC_ABSENT && vm->resident_bytes != OC_ABSENT && vm->resident_bytes;
	if (*estimated) {
		double f = (double)vm->wss_bytes / (double)vm->resident_bytes;
		return f > 1 ? 1 : f;
	}
	return vm->running && vm->ops_per_s >= idle_ops ? 1.0 : 0.0;
}

static const char *state_of(const struct oc_ctx *c, double freef)
{
	if (freef >= c->knob[K_HIGH])
		return "high";
	if (freef >= c->knob[K_SOFT])
		return "soft";
	if (freef >= c->knob[K_HARD])
		return "hard";
	return "low";
}

static void esx_step(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a)
{
	if (!v->budget_bytes)
		return;
	double freef = oc_free_frac(v), k = 1.0 / (1.0 - c->knob[K_TAX]);
	const char *state = state_of(c, freef);
	struct oc_inputs sin = { 0 };
	oc_in(&sin, "free_frac", freef);
	oc_in_u64(&sin, "usage_bytes", v->usage_bytes);
	oc_set_state(a, state, &sin, "budget %.1f%% free", 100 * freef);
	if (v->ksm_available)
		oc_set_ksm(a, true, &sin, "ESX shares pages in every state");

	double w[OC_MAX_VMS], f[OC_MAX_VMS];
	bool est[OC_MAX_VMS];
	uint64_t lo[OC_MAX_VMS], hi[OC_MAX_VMS], alloc[OC_MAX_VMS];
	for (size_t i = 0; i < v->n; i++) {
		f[i] = active_frac(&v->vm[i], c->knob[K_IDLE_OPS], &est[i]);
		w[i] = (double)v->vm[i].shares / (f[i] + k * (1.0 - f[i]));
		hi[i] = v->vm[i].guest_bytes;
		lo[i] = (uint64_t)((double)hi[i] * c->knob[K_MIN_GUEST]);
	}
	oc_water_fill((uint64_t)((double)v->budget_bytes * (1.0 - c->knob[K_HEADROOM])), v->n, w, lo, hi, alloc);
	double worst = INFINITY;
	size_t worst_i = v->n;
	for (size_t i = 0; i < v->n; i++) {
		const struct oc_vm_view *vm = &v->vm[i];
		if (vm->has_balloon) {
			struct oc_inputs in = { 0 };
			oc_in(&in, "shares", vm->shares);
			oc_in(&in, "active_frac", f[i]);
			oc_in_u64(&in, "wss_bytes", vm->wss_bytes);
			oc_in_u64(&in, "resident_bytes", vm->resident_bytes);
			oc_in(&in, "tax", c->knob[K_TAX]);
			oc_in(&in, "free_frac", freef);
			oc_in(&in, "ops_per_s", vm->ops_per_s);
			oc_set_target(a, i, vm->guest_bytes - alloc[i], &in, "shares %u, %s active %.0f%%, tax %.0f%%: "
				      "allocation %llu MiB", vm->shares, est[i] ? "estimated" : "no estimate, progress says",
				      100 * f[i], 100 * c->knob[K_TAX], (unsigned long long)(alloc[i] >> 20));
		}
		/* rho on what it holds: the VM that pays least for its pages is reclaimed from */
		if (vm->running && vm->resident_bytes != OC_ABSENT && vm->resident_bytes > lo[i]) {
			double rho = (double)vm->shares / ((double)vm->resident_bytes * (f[i] + k * (1.0 - f[i])));
			if (rho < worst) {
				worst = rho;
				worst_i = i;
			}
		}
	}
	if (strcmp(state, "hard") == 0 || strcmp(state, "low") == 0) {
		if (worst_i == v->n)
			return;
		const struct oc_vm_view *vm = &v->vm[worst_i];
		double bytes = fmin(c->knob[K_RECLAIM_STEP] * (double)vm->guest_bytes, (double)(vm->resident_bytes - lo[worst_i]));
		struct oc_inputs in = { 0 };
		oc_in(&in, "free_frac", freef);
		oc_in(&in, "rho", worst * 1048576.0);
		oc_in(&in, "active_frac", f[worst_i]);
		oc_in_u64(&in, "resident_bytes", vm->resident_bytes);
		oc_reclaim(a, worst_i, (uint64_t)bytes, &in, "state %s: host pages out the VM with the fewest shares per "
			   "MiB held (rho %.1f, active %.0f%%)", state, worst * 1048576.0, 100 * f[worst_i]);
	}
}

const struct oc_policy_ops oc_policy_esx = {
	.name = "esx",
	.help = "ESX: proportional shares with an idle-memory tax; states high/soft/hard/low",
	.knobs = esx_knobs,
	.nknobs = sizeof(esx_knobs) / sizeof(esx_knobs[0]),
	.needs_balloon = true,
	.needs_wss = true,
	.step = esx_step,
};
