/* gbench_c.h — a C interface to Google Benchmark, so memvirt's C benchmarks get its timing
 * loop, statistics, counters and JSON output without being written in C++.
 *
 *   static void bm_copy(gbench_state *st, void *arg) {
 *           while (gbench_keep_running(st))
 *                   memcpy(dst, src, n);
 *           gbench_set_bytes_processed(st, gbench_iterations_done(st) * n);
 *   }
 *   int main(int argc, char **argv) {
 *           gbench_register("copy", bm_copy, NULL);
 *           return gbench_main(argc, argv);
 *   }
 *
 * The registration calls return a handle so options chain like in C++:
 *   gbench_range_args(gbench_unit(gbench_register(...), GBENCH_US), 4096, 1 << 20); */
#ifndef MEMVIRT_BENCH_GBENCH_C_H
#define MEMVIRT_BENCH_GBENCH_C_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gbench_state gbench_state; /* a benchmark::State, opaque to C */
typedef struct gbench_bench gbench_bench; /* a registered benchmark, for setting options */
typedef void (*gbench_fn)(gbench_state *st, void *arg);

/* Counter flags; combine with |. Same meaning as benchmark::Counter::Flags. */
enum gbench_counter_flags {
	GBENCH_DEFAULT = 0,
	GBENCH_RATE = 1 << 0,                /* divide by the measured time: per second */
	GBENCH_AVG_THREADS = 1 << 1,         /* divide by the number of threads */
	GBENCH_ITERATION_INVARIANT = 1 << 2, /* multiply by the number of iterations */
	GBENCH_AVG_ITERATIONS = 1 << 3,      /* divide by the number of iterations: per iteration */
	GBENCH_INVERT = 1 << 4,              /* report 1/value (e.g. seconds per item) */
};

enum gbench_unit { GBENCH_NS, GBENCH_US, GBENCH_MS, GBENCH_S };

/* Register fn(st, arg) under name (copied). arg is passed through untouched. */
gbench_bench *gbench_register(const char *name, gbench_fn fn, void *arg);
/* Run once more with this argument (gbench_range(st, 0) returns it). */
gbench_bench *gbench_arg(gbench_bench *b, int64_t value);
/* Run with arguments lo, lo*8, lo*64, ... up to hi (Google Benchmark's Range). */
gbench_bench *gbench_range_args(gbench_bench *b, int64_t lo, int64_t hi);
gbench_bench *gbench_unit(gbench_bench *b, enum gbench_unit unit);
/* Fixed iteration count instead of running until the timing is stable. */
gbench_bench *gbench_iterations(gbench_bench *b, int64_t n);
/* Time comes from gbench_set_iteration_time (e.g. guest-side clocks), not the wall clock. */
gbench_bench *gbench_manual_time(gbench_bench *b);

/* The timing loop: while (gbench_keep_running(st)) { ...one iteration... } */
bool gbench_keep_running(gbench_state *st);
/* Exclude setup/teardown inside an iteration from the measured time. */
void gbench_pause(gbench_state *st);
void gbench_resume(gbench_state *st);
int64_t gbench_range(gbench_state *st, int i);
int64_t gbench_iterations_done(gbench_state *st);

void gbench_counter(gbench_state *st, const char *name, double value, int flags);
void gbench_set_items_processed(gbench_state *st, int64_t n);
void gbench_set_bytes_processed(gbench_state *st, int64_t n);
void gbench_set_label(gbench_state *st, const char *label);
void gbench_set_iteration_time(gbench_state *st, double seconds);
/* Mark the run as failed with a reason (e.g. "no /dev/kvm"); leave the loop afterwards. */
void gbench_skip_with_error(gbench_state *st, const char *reason);

/* Keep the compiler from deleting work whose result is never read: escape() makes *p look
 * used, clobber_memory() makes all pending stores look observed (benchmark::DoNotOptimize and
 * ClobberMemory, for C). */
static inline void gbench_escape(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static inline void gbench_clobber_memory(void)
{
	__asm__ volatile("" : : : "memory");
}

/* Initialize (parses --benchmark_* flags: --benchmark_filter, --benchmark_format=json,
 * --benchmark_out=FILE, --benchmark_repetitions, ...), run the selected benchmarks, shut down.
 * Returns 0, or 1 on an unrecognised argument. */
int gbench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
