/* policy_mom.c — rule-based like oVirt's Memory Overcommitment Manager (MoM), its default
 * balloon.rules and ksm.rules: while the host's free memory (here: the budget's) is under
 * `pressure` (20%), each guest with more than `min-free` (20%) of its memory free is shrunk
 * toward that, by at most `max-change` (5%) of its memory per step; without pressure, a guest
 * with less than min-free free is grown by at most max-change. KSM runs while free memory is
 * under `ksm-threshold`.
 *
 * "Free" in a guest is what it holds and does not use: its memory (guest RAM minus the
 * balloon) minus its working set — the estimate when the host has one, else what the guest
 * kernel has handed out (guest_used_bytes), which is what MoM's guest agent reports as used.
 * The inputs of each decision say which was used (wss_bytes null: the estimate was absent). */
#include "overcommit/actions.h"
#include "overcommit/policy.h"

enum { K_PRESSURE, K_MIN_FREE, K_MAX_CHANGE, K_KSM };

static const struct oc_knob mom_knobs[] = {
	[K_PRESSURE] = { "pressure", 0.20, 0.0, 1.0, "host free fraction under which guests are shrunk",
			 "oVirt MoM balloon.rules: pressure_threshold 0.20" },
	[K_MIN_FREE] = { "min-free", 0.20, 0.0, 1.0, "fraction of its memory a guest keeps free",
			 "oVirt MoM balloon.rules: min_guest_free_percent 0.20" },
	[K_MAX_CHANGE] = { "max-change", 0.05, 0.0, 1.0, "largest change of a guest's memory per step, as a fraction of it",
			   "oVirt MoM balloon.rules: max_balloon_change_percent 0.05" },
	[K_KSM] = { "ksm-threshold", 0.20, 0.0, 1.0, "host free fraction under which KSM runs",
		    "oVirt MoM ksm.rules / ksmtuned: KSM_THRES_COEF 20%" },
};

static void mom_step(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a)
{
	double host_free = oc_free_frac(v);
	bool pressure = host_free < c->knob[K_PRESSURE];
	if (v->ksm_available) {
		struct oc_inputs in = { 0 };
		oc_in(&in, "host_free_frac", host_free);
		bool on = host_free < c->knob[K_KSM];
		oc_set_ksm(a, on, &in, on ? "host free %.0f%% under %.0f%%: share pages" : "host free %.0f%% over %.0f%%: "
					   "stop sharing", 100 * host_free, 100 * c->knob[K_KSM]);
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct oc_vm_view *vm = &v->vm[i];
		if (!vm->has_balloon || !vm->running)
			continue;
		uint64_t cur = oc_vm_alloc(vm);
		uint64_t need = vm->wss_bytes != OC_ABSENT ? vm->wss_bytes
				: vm->used_bytes != OC_ABSENT ? vm->used_bytes : cur;
		double freeb = cur > need ? (double)(cur - need) : 0.0;
		double min_free = c->knob[K_MIN_FREE] * (double)cur, max_change = c->knob[K_MAX_CHANGE] * (double)cur;
		double to = (double)cur;
		if (pressure && freeb > min_free) {
			double shrink = freeb - min_free;
			to = (double)cur - (shrink < max_change ? shrink : max_change);
		} else if (!pressure && freeb < min_free) {
			double grow = min_free - freeb;
			to = (double)cur + (grow < max_change ? grow : max_change);
			to = to > (double)vm->guest_bytes ? (double)vm->guest_bytes : to;
		}
		uint64_t keep = (uint64_t)to;
		struct oc_inputs in = { 0 };
		oc_in(&in, "host_free_frac", host_free);
		oc_in_u64(&in, "guest_mem_bytes", cur);
		oc_in_u64(&in, "guest_free_bytes", (uint64_t)freeb);
		oc_in_u64(&in, "wss_bytes", vm->wss_bytes);
		oc_in_u64(&in, "used_bytes", vm->used_bytes);
		oc_set_target(a, i, vm->guest_bytes - keep, &in, "%s: guest %s from %llu to %llu MiB (%.0f%% free)",
			      pressure ? "host under pressure" : "host has room", keep < cur ? "shrunk" : "grown",
			      (unsigned long long)(cur >> 20), (unsigned long long)(keep >> 20),
			      cur ? 100.0 * freeb / (double)cur : 0.0);
	}
}

const struct oc_policy_ops oc_policy_mom = {
	.name = "mom",
	.help = "rule-based like oVirt MoM: shrink guests under host pressure, 5% per step, KSM under pressure",
	.knobs = mom_knobs,
	.nknobs = sizeof(mom_knobs) / sizeof(mom_knobs[0]),
	.needs_balloon = true,
	.needs_wss = true,
	.step = mom_step,
};
