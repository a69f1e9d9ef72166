/* platform.h — where a workload runs: `native`, `sim` or `kvm`. A platform takes a run
 * configuration, runs the workload's setup and measured phases, and fills the result.
 * The run driver (run.c) owns threads, signals, progress and the result file. */
#ifndef MEMVIRT_PLATFORM_H
#define MEMVIRT_PLATFORM_H

#include <stdatomic.h>

#include "results/result.h"
#include "vmm/mem/guest_ram.h"
#include "vmm/util/clock.h"
#include "workloads/wl.h"

struct balloon;

struct platform {
	const char *name;
	const char *summary;
	/* NULL when the platform can run here, else a one-line reason (e.g. no /dev/kvm). */
	const char *(*unavailable)(void);
	/* Runs the workload. `ctx` is zeroed by the caller and stays readable by the driver
	 * (ctx->progress) while the run goes on. The platform publishes its guest RAM to `ram`
	 * (NULL: nobody watches) once it exists and withdraws it before freeing it. Returns 0 or
	 * a negative errno; the result's message says what failed. `balloon` is the VM's balloon
	 * device (balloon/balloon.h) when cfg->balloon asks for one, else NULL: the platform
	 * attaches it to its VM (native has none and ignores it). */
	int (*run)(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		   struct balloon *balloon, struct run_result *res);
	/* NULL when the platform can run under paging strategy `mmu`, else a one-line reason.
	 * May itself be NULL: every strategy is supported. */
	const char *(*mmu_unsupported)(const char *mmu);
	/* NULL when host reclaim may discard this configuration's guest RAM (MADV_DONTNEED on a
	 * shared mapping: the data stays in the page cache and comes back on the next touch), else
	 * a one-line reason that says what to use instead: on private anonymous memory a discard
	 * zeroes the guest's data. May itself be NULL: discard is always possible. */
	const char *(*discard_refused)(const struct run_config *cfg);
	/* NULL when the working-set estimator (--wss, vmm/mem/wss.h) can invalidate this
	 * configuration's guest RAM 4 KiB at a time without losing it (a shared memfd), else a
	 * one-line reason naming what to use instead. May itself be NULL: always possible. */
	const char *(*wss_refused)(const struct run_config *cfg);
};

extern const struct platform platform_native;
extern const struct platform platform_sim;
extern const struct platform platform_kvm;

const struct platform *platform_find(const char *name);

/* The workloads' sleep system call where the host thread is the CPU (native, and sim, whose
 * simulated machine has no clock of its own): 0, or -EINVAL outside (0, WL_SLEEP_MAX_US]. */
int platform_sleep_us(struct wl_ctx *c, uint64_t us);

/* Phase bookkeeping every platform shares: timestamps and host fault counts at each phase
 * boundary, turned into setup_s, run_s and measured-phase fault deltas. The timestamps are
 * the VMM's own clock, never the guest's; a phase is marked once, in order. */
struct phase_clock {
	double t_start, t_measure, t_done;
	long minflt_start, majflt_start, minflt_measure, majflt_measure, minflt_done, majflt_done;
	enum wl_phase last; /* the last phase marked (SETUP after phase_clock_start) */
};
void phase_clock_start(struct phase_clock *pc);
/* Marks phase p now. A phase that does not come after the last one marked (a repeat, one out
 * of order) or is not a phase at all is refused: false, and nothing changes — whatever the
 * guest's workload says, setup_s and run_s stay the VMM's clock's, never negative. Also
 * publishes the MEASURE mark's time in c->measure_ns (the run driver times a --runtime from
 * it); c may be NULL. */
bool phase_clock_mark(struct phase_clock *pc, enum wl_phase p, struct wl_ctx *c);
/* Would phase_clock_mark take p? (A platform snapshots its counters before marking.) */
bool phase_clock_accepts(const struct phase_clock *pc, enum wl_phase p);
void phase_clock_finish(const struct phase_clock *pc, struct run_result *res);
/* result.ops and result.passes from the workload's context (wl.h): a fixed run's operations
 * (its --loops passes of the workload's count), a time-based run's measured ones. */
void run_measured_ops(const struct run_config *cfg, const struct wl_ctx *c, struct run_result *res);

#endif
