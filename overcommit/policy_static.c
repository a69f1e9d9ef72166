/* policy_static.c — balloon every VM to an equal share of the budget, once the VMs run, and
 * hold it. The simplest cooperative policy: it knows nothing of use or activity, which is what
 * makes it the reference for the adaptive ones (mom, esx). A VM smaller than its share keeps
 * all its RAM, and what it does not take is shared among the others (oc_water_fill). */
#include "overcommit/actions.h"
#include "overcommit/policy.h"

enum { K_HEADROOM, K_MIN_GUEST };

static const struct oc_knob static_knobs[] = {
	[K_HEADROOM] = { "headroom", 0.10, 0.0, 0.9,
			 "fraction of the budget left to the VMM itself (page tables, shadow and p2m tables, buffers)",
			 "memvirt: the VMM's own memory beside two 64 MiB sim VMs, 5-9 MiB (docs/overcommit.md)" },
	[K_MIN_GUEST] = { "min-guest", 0.05, 0.0, 1.0, "fraction of its RAM a VM always keeps",
			  "memvirt: ESX's per-VM minimum, as a fraction" },
};

static void static_step(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a)
{
	if (!v->budget_bytes)
		return;
	uint64_t give = (uint64_t)((double)v->budget_bytes * (1.0 - c->knob[K_HEADROOM]));
	double w[OC_MAX_VMS];
	uint64_t lo[OC_MAX_VMS], hi[OC_MAX_VMS], alloc[OC_MAX_VMS];
	for (size_t i = 0; i < v->n; i++) {
		w[i] = 1.0;
		hi[i] = v->vm[i].guest_bytes;
		lo[i] = (uint64_t)((double)hi[i] * c->knob[K_MIN_GUEST]);
	}
	oc_water_fill(give, v->n, w, lo, hi, alloc);
	for (size_t i = 0; i < v->n; i++) {
		if (!v->vm[i].has_balloon)
			continue;
		struct oc_inputs in = { 0 };
		oc_in_u64(&in, "budget_bytes", v->budget_bytes);
		oc_in_u64(&in, "share_bytes", alloc[i]);
		oc_in_u64(&in, "guest_bytes", v->vm[i].guest_bytes);
		oc_set_target(a, i, v->vm[i].guest_bytes - alloc[i], &in, "equal share of the budget: keep %llu MiB of %llu",
			      (unsigned long long)(alloc[i] >> 20), (unsigned long long)(v->vm[i].guest_bytes >> 20));
	}
}

const struct oc_policy_ops oc_policy_static = {
	.name = "static",
	.help = "balloon every VM to an equal share of the budget",
	.knobs = static_knobs,
	.nknobs = sizeof(static_knobs) / sizeof(static_knobs[0]),
	.needs_balloon = true,
	.step = static_step,
};
