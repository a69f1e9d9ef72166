/* phase_clock.c — timestamps and host fault counts at the workload's phase boundaries,
 * shared by every platform so that setup_s / run_s mean the same thing everywhere. Phases are
 * the guest's word (on kvm a hypercall, already checked by the device; on sim and native the
 * workload's call): each is taken once and in order here too, so no platform lets a phase
 * fire twice or a run time go negative. */
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
}

bool phase_clock_mark(struct phase_clock *pc, enum wl_phase p)
{
	if ((unsigned)p > WL_PHASE_DONE || p <= pc->last)
		return false;
	pc->last = p;
	if (p == WL_PHASE_MEASURE) {
		fault_counts(&pc->minflt_measure, &pc->majflt_measure);
		pc->t_measure = monotonic_seconds();
	} else if (p == WL_PHASE_DONE) {
		pc->t_done = monotonic_seconds();
		fault_counts(&pc->minflt_done, &pc->majflt_done);
	}
	return true;
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
}
