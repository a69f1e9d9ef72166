/* platform.h — where a workload runs: `native`, `sim` or `kvm`. A platform takes a run
 * configuration, runs the workload's setup and measured phases, and fills the result.
 * The run driver (run.c) owns threads, signals, progress and the result file. */
#ifndef MEMVIRT_PLATFORM_H
#define MEMVIRT_PLATFORM_H

#include <stdatomic.h>

#include "results/result.h"
#include "workloads/wl.h"

struct platform {
	const char *name;
	const char *summary;
	/* NULL when the platform can run here, else a one-line reason (e.g. no /dev/kvm). */
	const char *(*unavailable)(void);
	/* Runs the workload. `ctx` is zeroed by the caller and stays readable by the driver
	 * (ctx->progress) while the run goes on. Returns 0 or a negative errno; the result's
	 * message says what failed. */
	int (*run)(const struct run_config *cfg, struct wl_ctx *ctx, struct run_result *res);
	/* NULL when the platform can run under paging strategy `mmu`, else a one-line reason.
	 * May itself be NULL: every strategy is supported. */
	const char *(*mmu_unsupported)(const char *mmu);
};

extern const struct platform platform_native;
extern const struct platform platform_sim;
extern const struct platform platform_kvm;

const struct platform *platform_find(const char *name);

/* Guest RAM as the host sees it: the host mapping that backs guest-physical RAM. A platform
 * publishes it (run.c) once the memory exists, and withdraws it (base NULL) before freeing
 * it, so that the driver's monitor and reclaim threads can act on it while the run goes on.
 * `fd` is the memfd behind it, or -1 for anonymous memory. `reclaimed`, when set, is told
 * each range ([off, off + len) from base) that host reclaim discarded or paged out, so the
 * platform's p2m book follows (kvm); it is called under the guest-RAM lock. `uffd_faults`,
 * when set, counts the missing-page faults of guest RAM the platform's userfaultfd handler
 * resolved (kvm --uffd); it only grows, and the monitor reads it with an atomic load. When the
 * platform withdraws guest RAM, the driver keeps the counter's last value readable in its
 * place (the platform may then free the counter). */
struct guest_ram {
	void *base;
	uint64_t bytes;
	int fd;
	void (*reclaimed)(void *owner, uint64_t off, uint64_t len);
	void *owner;
	const atomic_uint_fast64_t *uffd_faults;
};
void run_publish_guest_ram(struct wl_ctx *ctx, const struct guest_ram *ram);
/* The guest RAM last published for this run (base NULL when none); safe from any thread. */
struct guest_ram run_guest_ram(struct wl_ctx *ctx);
/* Like run_guest_ram, but never waits: false (and *out untouched) while another thread holds
 * the guest RAM (a reclaim in progress), so the monitor keeps its clock. */
bool run_guest_ram_try(struct wl_ctx *ctx, struct guest_ram *out);
/* Calls fn with the published guest RAM while holding the lock that publishing takes, so the
 * platform cannot withdraw and free it meanwhile (reclaim's madvise). Returns fn's result. */
int run_with_guest_ram(struct wl_ctx *ctx, int (*fn)(const struct guest_ram *ram, void *arg), void *arg);

/* Phase bookkeeping every platform shares: timestamps and host fault counts at each phase
 * boundary, turned into setup_s, run_s and measured-phase fault deltas. */
struct phase_clock {
	double t_start, t_measure, t_done;
	long minflt_measure, majflt_measure, minflt_done, majflt_done;
};
void phase_clock_start(struct phase_clock *pc);
void phase_clock_mark(struct phase_clock *pc, enum wl_phase p);
void phase_clock_finish(const struct phase_clock *pc, struct run_result *res);
/* CLOCK_MONOTONIC, in seconds and in nanoseconds (for timing short handlers exactly). */
double monotonic_seconds(void);
uint64_t monotonic_ns(void);

#endif
