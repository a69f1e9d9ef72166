/* run_timed.c — the run driver's side of a time-based run (--runtime, --ramp). The workload
 * cannot read a clock (it is freestanding, and on kvm reading the host's time would cost an
 * exit), so the driver keeps the time: it watches the workload's published words (ramping,
 * then phase) from its waiting loop and raises WL_CTL_MEASURE and WL_CTL_STOP in the workload's
 * context (on kvm the VMM mirrors them into guest memory every 500 µs). The workload acts on
 * them at its next progress point and marks the phase itself, on its own thread, so the phase
 * marks — and every counter snapshot taken at them — stay exact; only where they fall depends
 * on the driver's period (run_timed_period), how soon the scheduler runs the driver on a busy
 * machine, and the workload's progress step. The runtime is counted from the MEASURE mark's
 * own time (wl_ctx.measure_ns, written by the platform), not from when the driver noticed it. */
#include "vmm/run/run.h"

void run_timed_tick(struct run_vm *vm, double now)
{
	const struct wl_params *p = &vm->cfg->params;
	struct wl_ctx *c = &vm->ctx;
	if (!p->runtime_us || atomic_load(&vm->done))
		return;
	if (c->ramping && !vm->ramp_seen)
		vm->ramp_seen = now;
	if (vm->ramp_seen && now - vm->ramp_seen >= (double)p->ramp_us / 1e6)
		c->ctl |= WL_CTL_MEASURE;
	if (c->phase == WL_PHASE_MEASURE && !vm->measure_seen) {
		if (c->measure_ns) /* the mark's own time (the phase word is set just before it) */
			vm->measure_seen = (double)c->measure_ns * 1e-9;
		else if (vm->measure_noticed) /* a platform that does not publish it */
			vm->measure_seen = vm->measure_noticed;
		else
			vm->measure_noticed = now;
	}
	if (vm->measure_seen && now - vm->measure_seen >= (double)p->runtime_us / 1e6)
		c->ctl |= WL_CTL_STOP;
}

double run_timed_period(const struct run_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->vm[i].cfg && set->vm[i].cfg->params.runtime_us)
			return 0.002;
	return 0.05;
}
