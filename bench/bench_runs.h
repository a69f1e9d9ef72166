/* bench_runs.h — what the benchmarks that divide by native share: a configuration built
 * without the command line, the /dev/kvm check that skips a benchmark, the timing loop that
 * runs a workload natively and then on another platform in each iteration, and the
 * registration of a manually timed benchmark. */
#ifndef MEMVIRT_BENCH_BENCH_RUNS_H
#define MEMVIRT_BENCH_BENCH_RUNS_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/gbench_c.h"
#include "vmm/run/run.h"

/* A complete configuration for workload wl on platform (mmu "none" natively, else ept) over
 * mem bytes with guest pages of guest_page bytes; ops 0 = the workload's default. */
struct run_config bench_config(const char *wl, const char *platform, uint64_t mem, uint64_t guest_page,
			       uint64_t ops);

/* True when /dev/kvm can run a VM; otherwise skips the benchmark with the reason. */
bool bench_kvm_usable(gbench_state *st);

/* Totals over the iterations of bench_vs_native. */
struct bench_vs_native {
	double native_s, other_s; /* measured phases, natively and on the other platform */
	double other_accesses;    /* the workload's accesses the other platform's MMU counted */
};

/* Runs native (cn) then the other platform (co) in each iteration; a failed run or a checksum
 * that differs skips the benchmark with an error. The iteration time is co's measured phase. */
void bench_vs_native(gbench_state *st, const struct run_config *cn, const struct run_config *co,
		     struct bench_vs_native *t);

/* Registers fn(st, arg) under name, timed by gbench_set_iteration_time, in milliseconds, for
 * this many iterations. */
void bench_register_manual(const char *name, gbench_fn fn, void *arg, int64_t iterations);

#endif
