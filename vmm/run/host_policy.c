/* host_policy.c — the budget and the policy of a host, wired to its VMs (see host_policy.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/host/swap.h"
#include "vmm/host/sysfs.h"
#include "vmm/reclaim/reclaim.h"
#include "vmm/run/host_policy.h"
#include "vmm/util/clock.h"

static uint64_t vm_guest_bytes(const struct run_config *cfg)
{
	return strcmp(cfg->platform, "native") == 0 ? cfg->params.mem_bytes : cfg->sim.ram_bytes;
}

static void read_view(void *arg, struct oc_view *v)
{
	struct host_oc *o = arg;
	struct run_set *set = o->set;
	double now = monotonic_seconds(), dt = o->prev_s > 0 ? now - o->prev_s : 0;
	uint64_t kib;
	struct host_swap sw;
	v->budget_bytes = o->spec->budget_bytes;
	v->limit_bytes = o->runner.act.limit ? o->runner.act.limit : o->spec->budget_bytes;
	v->usage_bytes = o->budgeted ? oc_budget_usage(&o->budget) : OC_ABSENT;
	v->available_bytes = proc_meminfo_kib("MemAvailable", &kib) == 0 ? kib * 1024 : 0;
	host_swap_probe(&sw);
	v->swap_used_bytes = (sw.total_kib - sw.free_kib) * 1024;
	v->ksm_available = set->ksm_began && set->ksm && set->ksm->opts.on;
	v->ksm_on = v->ksm_available;
	v->n = set->n;
	for (size_t i = 0; i < set->n; i++) {
		struct run_vm *vm = &set->vm[i];
		struct oc_vm_view *w = &v->vm[i];
		struct tel_sample s;
		bool have = vm->began && tel_target_latest(&vm->exp.target, &s);
		*w = (struct oc_vm_view){ .name = vm->name, .shares = o->spec->vm[i].shares ? o->spec->vm[i].shares
											    : OC_DEFAULT_SHARES,
					  .guest_bytes = vm_guest_bytes(vm->cfg), .resident_bytes = OC_ABSENT,
					  .used_bytes = OC_ABSENT, .wss_bytes = OC_ABSENT, .has_balloon = vm->have_balloon };
		uint64_t wss = vm->began ? tel_target_wss_bytes(&vm->exp.target) : TEL_ABSENT;
		w->wss_bytes = wss == TEL_ABSENT ? OC_ABSENT : wss;
		w->running = !atomic_load(&vm->done) && vm->ctx.phase == WL_PHASE_MEASURE;
		if (vm->have_balloon) {
			w->balloon_bytes = balloon_actual_bytes(&vm->balloon);
			w->balloon_target = balloon_target_bytes(&vm->balloon);
		}
		if (have) {
			w->resident_bytes = s.guest_resident_bytes;
			w->used_bytes = s.guest_used_bytes;
			w->majflt = s.majflt;
			if (v->psi_some_us == OC_ABSENT)
				v->psi_some_us = s.psi_some_us;
		}
		uint64_t p = vm->ctx.progress;
		w->ops_per_s = dt > 0 && p >= o->prev_progress[i] ? (double)(p - o->prev_progress[i]) / dt : 0;
		o->prev_progress[i] = p;
	}
	o->prev_s = now;
}

static int be_target(void *arg, size_t i, uint64_t bytes)
{
	struct host_oc *o = arg;
	return i < o->set->n && o->set->vm[i].have_balloon ? balloon_set_target(&o->set->vm[i].balloon, bytes) : -ENODEV;
}

static int be_ksm(void *arg, bool on)
{
	struct host_oc *o = arg;
	return o->set->ksm_began && o->set->ksm ? ksm_session_run(o->set->ksm, on) : -ENODEV;
}

struct pageout {
	struct host_oc *o;
	size_t vm;
	uint64_t bytes;
	int64_t done;
};

/* Pages out `bytes` of guest RAM from the VM's clock hand on (wrapping), under the handle's
 * lock, through the reclaim code (which tells the VM's book what it advised). */
static int pageout_fn(const struct guest_ram *ram, void *arg)
{
	struct pageout *p = arg;
	uint64_t *hand = &p->o->hand[p->vm], left = p->bytes < ram->bytes ? p->bytes : ram->bytes;
	if (!ram->base || !ram->bytes)
		return -ENODEV;
	while (left) {
		*hand = *hand >= ram->bytes ? 0 : *hand;
		uint64_t len = ram->bytes - *hand < left ? ram->bytes - *hand : left;
		struct reclaim_spec spec = { .kind = RECLAIM_PAGEOUT, .offset = *hand, .length = len, .frac = 1 };
		int64_t got = reclaim_advise_ram(ram, &spec, MADV_PAGEOUT);
		if (got < 0)
			return (int)got;
		p->done += got;
		*hand += len;
		left -= len;
	}
	return 0;
}

static int64_t be_reclaim(void *arg, size_t i, uint64_t bytes)
{
	struct host_oc *o = arg;
	if (i >= o->set->n)
		return -ENODEV;
	struct pageout p = { .o = o, .vm = i, .bytes = bytes };
	int rc = guest_ram_with(&o->set->vm[i].ram, pageout_fn, &p);
	return rc < 0 ? rc : p.done;
}

static int be_limit(void *arg, uint64_t bytes)
{
	struct host_oc *o = arg;
	return o->budgeted ? oc_budget_set_limit(&o->budget, bytes) : -ENODEV;
}

/* The budget (run_set.host_begin): after page sharing began, before any VM. */
static int budget_begin(struct run_set *set, void *arg, char *why, size_t n)
{
	struct host_oc *o = arg;
	(void)set;
	if (!o->spec->budget_bytes)
		return 0;
	int rc = oc_budget_begin(&o->budget, o->spec->budget_bytes, o->spec->zram_bytes, why, n);
	o->budgeted = rc == 0;
	return rc;
}

static void budget_end(struct run_set *set, void *arg)
{
	struct host_oc *o = arg;
	(void)set;
	if (o->budgeted)
		oc_budget_end(&o->budget);
}

void host_oc_init(struct host_oc *o, const struct host_spec *spec)
{
	*o = (struct host_oc){ .spec = spec };
	o->be = (struct oc_backend){ .set_target = be_target, .ksm = be_ksm, .reclaim = be_reclaim,
				     .set_limit = be_limit, .ctx = o };
	if (spec->policy) {
		oc_ctx_init(&o->runner.pc, spec->policy, spec->n);
		memcpy(o->runner.pc.knob, spec->knob, sizeof(o->runner.pc.knob));
		o->have_policy = true;
	}
}

static void started(struct run_set *set, void *arg)
{
	struct host_oc *o = arg;
	const struct oc_source src = { .read = read_view, .ctx = o };
	(void)set;
	int rc = oc_runner_init(&o->runner, &src, &o->be, o->spec->policy_period_us, set->t0);
	if (rc == 0) {
		o->runner_ready = true;
		rc = oc_runner_start(&o->runner);
	}
	if (rc < 0)
		snprintf(o->why, sizeof(o->why), "the policy could not start: %s", strerror(-rc));
}

static void stopping(struct run_set *set, void *arg)
{
	struct host_oc *o = arg;
	(void)set;
	oc_runner_stop(&o->runner);
}

void host_oc_attach(struct host_oc *o, struct run_set *set)
{
	o->set = set;
	set->hook_arg = o;
	if (o->spec->budget_bytes) {
		set->usage_cg = &o->budget.hs.memcg; /* read once the monitor runs, after the budget began */
		set->host_begin = budget_begin;
		set->host_end = budget_end;
	}
	if (o->have_policy) {
		set->started = started;
		set->stopping = stopping;
	}
}

json_t *host_oc_budget_json(const struct host_oc *o)
{
	if (!o->budgeted)
		return json_null(); /* none, or it could not be set up (each VM says why) */
	const struct tel_host_series *hs = &o->set->monitor.host;
	uint64_t peak = 0, limit = o->budget.bytes + o->budget.slack_bytes;
	double over = 0;
	for (size_t i = 0; o->set->shared_monitor && i < hs->n; i++) {
		uint64_t u = hs->s[i].usage_bytes;
		if (u == TEL_ABSENT)
			continue;
		peak = u > peak ? u : peak;
		if (u > limit && i + 1 < hs->n)
			over += hs->s[i + 1].time_ms - hs->s[i].time_ms;
	}
	return oc_budget_json(&o->budget, peak, over);
}

json_t *host_oc_policy_json(const struct host_oc *o)
{
	if (!o->have_policy)
		return json_null();
	const char *names[HOST_MAX_VMS];
	for (size_t i = 0; i < o->set->n; i++)
		names[i] = o->set->vm[i].name;
	json_t *j = oc_runner_json(&o->runner, names, o->set->n);
	json_object_set_new(j, "error", o->why[0] ? json_string(o->why) : json_null());
	return j;
}

void host_oc_fini(struct host_oc *o)
{
	if (o->runner_ready)
		oc_runner_fini(&o->runner);
	o->runner_ready = false;
}
