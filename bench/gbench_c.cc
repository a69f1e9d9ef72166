// gbench_c.cc — implements the C interface of gbench_c.h on top of Google Benchmark. The C
// handles are the C++ objects themselves (State, Benchmark), cast at the boundary, so the shim
// adds no allocation or indirection inside a timing loop beyond one function call.
#include "bench/gbench_c.h"

#include <benchmark/benchmark.h>

namespace {

benchmark::State &state(gbench_state *st)
{
	return *reinterpret_cast<benchmark::State *>(st);
}

benchmark::internal::Benchmark *bench(gbench_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

gbench_bench *handle(benchmark::internal::Benchmark *b)
{
	return reinterpret_cast<gbench_bench *>(b);
}

// Spelled out rather than cast, so the C enum cannot silently drift from the C++ one.
benchmark::Counter::Flags counter_flags(int flags)
{
	int f = 0; // Counter::kDefault (not spelled out by every release)
	if (flags & GBENCH_RATE)
		f |= benchmark::Counter::kIsRate;
	if (flags & GBENCH_AVG_THREADS)
		f |= benchmark::Counter::kAvgThreads;
	if (flags & GBENCH_ITERATION_INVARIANT)
		f |= benchmark::Counter::kIsIterationInvariant;
	if (flags & GBENCH_AVG_ITERATIONS)
		f |= benchmark::Counter::kAvgIterations;
	if (flags & GBENCH_INVERT)
		f |= benchmark::Counter::kInvert;
	return static_cast<benchmark::Counter::Flags>(f);
}

benchmark::TimeUnit time_unit(enum gbench_unit unit)
{
	switch (unit) {
	case GBENCH_US: return benchmark::kMicrosecond;
	case GBENCH_MS: return benchmark::kMillisecond;
	case GBENCH_S: return benchmark::kSecond;
	case GBENCH_NS: break;
	}
	return benchmark::kNanosecond;
}

} // namespace

extern "C" {

gbench_bench *gbench_register(const char *name, gbench_fn fn, void *arg)
{
	return handle(benchmark::RegisterBenchmark(
		name, [fn, arg](benchmark::State &st) { fn(reinterpret_cast<gbench_state *>(&st), arg); }));
}

gbench_bench *gbench_arg(gbench_bench *b, int64_t value)
{
	return handle(bench(b)->Arg(value));
}

gbench_bench *gbench_range_args(gbench_bench *b, int64_t lo, int64_t hi)
{
	return handle(bench(b)->Range(lo, hi));
}

gbench_bench *gbench_unit(gbench_bench *b, enum gbench_unit unit)
{
	return handle(bench(b)->Unit(time_unit(unit)));
}

gbench_bench *gbench_iterations(gbench_bench *b, int64_t n)
{
	return handle(bench(b)->Iterations(n));
}

gbench_bench *gbench_manual_time(gbench_bench *b)
{
	return handle(bench(b)->UseManualTime());
}

bool gbench_keep_running(gbench_state *st)
{
	return state(st).KeepRunning();
}

void gbench_pause(gbench_state *st)
{
	state(st).PauseTiming();
}

void gbench_resume(gbench_state *st)
{
	state(st).ResumeTiming();
}

int64_t gbench_range(gbench_state *st, int i)
{
	return state(st).range(static_cast<std::size_t>(i));
}

int64_t gbench_iterations_done(gbench_state *st)
{
	return static_cast<int64_t>(state(st).iterations());
}

void gbench_counter(gbench_state *st, const char *name, double value, int flags)
{
	state(st).counters[name] = benchmark::Counter(value, counter_flags(flags));
}

void gbench_set_items_processed(gbench_state *st, int64_t n)
{
	state(st).SetItemsProcessed(n);
}

void gbench_set_bytes_processed(gbench_state *st, int64_t n)
{
	state(st).SetBytesProcessed(n);
}

void gbench_set_label(gbench_state *st, const char *label)
{
	state(st).SetLabel(label);
}

void gbench_set_iteration_time(gbench_state *st, double seconds)
{
	state(st).SetIterationTime(seconds);
}

void gbench_skip_with_error(gbench_state *st, const char *reason)
{
	state(st).SkipWithError(reason);
}

int gbench_main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}

} // extern "C"
