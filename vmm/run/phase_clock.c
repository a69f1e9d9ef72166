/* phase_clock.c — timestamps and host fault counts at the workload's phase boundaries,
 * shared by every platform so that setup_s / run_s mean the same thing everywhere. The host
 * faults of the setup phase (start to the MEASURE mark) and of the checksum pass (the DONE mark
 * to the end) go to res->phases[] (schema_version 2); a mark that never came makes its phase
 * end where the run did. Phases are the guest's word (on kvm a hypercall, already checked by the
 * device; on sim and native the workload's call): each is taken once and in order here too, so
 * no platform lets a phase fire twice or a run time go negative. */
#include <sys/resource.h>

#include "vmm/run/platform.h"

static void fault_counts(long *minflt, long *majflt)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*minflt = ru.ru_minflt;
	*majflt = ru.ru_majflt;
}

void phase_clock_start(struct phase_clock *pc)
{
	*pc = (struct phase_clock){ 0 };
	pc->t_start = monotonic_seconds();
	fault_counts(&pc->minflt_start, &pc->majflt_start);
}

bool phase_clock_accepts(const struct phase_clock *pc, enum wl_phase p)
{
	return (unsigned)p <= WL_PHASE_DONE && p > pc->last;
}

bool phase_clock_mark(struct phase_clock *pc, enum wl_phase p, struct wl_ctx *c)
{
	if (!phase_clock_accepts(pc, p))
		return false;
	pc->last = p;
	if (p == WL_PHASE_MEASURE) {
		fault_counts(&pc->minflt_measure, &pc->majflt_measure);
		uint64_t ns = monotonic_ns();
		pc->t_measure = (double)ns * 1e-9;
		if (c)
			c->measure_ns = ns;
	} else if (p == WL_PHASE_DONE) {
		pc->t_done = monotonic_seconds();
		fault_counts(&pc->minflt_done, &pc->majflt_done);
	}
	return true;
}

void run_measured_ops(const struct run_config *cfg, const struct wl_ctx *c, struct run_result *res)
{
	uint64_t loops = cfg->params.loops ? cfg->params.loops : 1;
	res->passes = c->passes;
	res->ops = cfg->params.runtime_us ? c->ops_measured : cfg->workload->ops(&cfg->params) * loops;
}

void phase_clock_finish(const struct phase_clock *pc, struct run_result *res)
{
	if (pc->t_measure > 0)
		res->setup_s = pc->t_measure - pc->t_start;
	if (pc->t_done > 0 && pc->t_measure > 0) {
		res->run_s = pc->t_done - pc->t_measure;
		res->host_minor_faults = (uint64_t)(pc->minflt_done - pc->minflt_measure);
		res->host_major_faults = (uint64_t)(pc->majflt_done - pc->majflt_measure);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	res->host_rss_peak_bytes = (uint64_t)ru.ru_maxrss * 1024;
	long min_end = ru.ru_minflt, maj_end = ru.ru_majflt;
	long min_m = pc->t_measure > 0 ? pc->minflt_measure : min_end, maj_m = pc->t_measure > 0 ? pc->majflt_measure : maj_end;
	long min_d = pc->t_done > 0 ? pc->minflt_done : min_end, maj_d = pc->t_done > 0 ? pc->majflt_done : maj_end;
	struct result_counters *setup = &res->phases[RESULT_PHASE_SETUP], *check = &res->phases[RESULT_PHASE_CHECK];
	setup->have = check->have = true;
	setup->host_minor_faults = (uint64_t)(min_m - pc->minflt_start);
	setup->host_major_faults = (uint64_t)(maj_m - pc->majflt_start);
	check->host_minor_faults = (uint64_t)(min_end - min_d);
	check->host_major_faults = (uint64_t)(maj_end - maj_d);
}
