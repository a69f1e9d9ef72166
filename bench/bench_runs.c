/* bench_runs.c — the native-against-another-platform timing loop and manual-time registration
 * (see bench_runs.h). */
#include "bench/bench_runs.h"

void bench_vs_native(gbench_state *st, const struct run_config *cn, const struct run_config *co,
		     struct bench_vs_native *t)
{
	static struct run_result native, other;
	*t = (struct bench_vs_native){ 0 };
	while (gbench_keep_running(st)) {
		if (run_execute(cn, &native, NULL) != RUN_OK || run_execute(co, &other, NULL) != RUN_OK ||
		    native.checksum != other.checksum) {
			gbench_skip_with_error(st, "run failed or checksums differ");
			break;
		}
		t->native_s += native.run_s;
		t->other_s += other.run_s;
		t->other_accesses += (double)other.mmu_user.accesses;
		gbench_set_iteration_time(st, other.run_s);
	}
}

void bench_register_manual(const char *name, gbench_fn fn, void *arg, int64_t iterations)
{
	gbench_bench *b = gbench_register(name, fn, arg);
	gbench_manual_time(b);
	gbench_unit(b, GBENCH_MS);
	gbench_iterations(b, iterations);
}
