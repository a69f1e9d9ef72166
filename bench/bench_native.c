/* bench_native.c — each workload's measured phase on the `native` platform: the baseline the
 * sim and kvm benchmarks divide by. One iteration is one run; the iteration time is the
 * measured phase alone (manual time), so setup (allocation, first touches) is not in it.
 * Counters: operations per second of the measured phase and the checksum's stability (a run
 * whose checksum differs from the first one is an error, not a number). */
#include <stdio.h>

#include "bench/gbench_c.h"
#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

#define MiB (1ULL << 20)

/* idle is left out: its measured phase is mostly sleep by design. */
static const char *const workloads[] = { "seq", "gups", "pchase", "churn", "ctxsw", "phases", "dup" };

static void bench_native_phase(gbench_state *st, void *arg)
{
	const char *wl = arg;
	static struct run_result r;
	struct run_config c;
	uint64_t first = 0, ops = 0;
	double run_s = 0;
	cli_config_for(&c, wl, "native", "none", (uint64_t)gbench_range(st, 0) * MiB);
	while (gbench_keep_running(st)) {
		if (run_execute(&c, &r, NULL) != RUN_OK || (ops && r.checksum != first)) {
			gbench_skip_with_error(st, "run failed or its checksum changed between runs");
			return;
		}
		first = r.checksum;
		ops += r.ops;
		run_s += r.run_s;
		gbench_set_iteration_time(st, r.run_s);
	}
	if (run_s > 0)
		gbench_counter(st, "ops_per_s", (double)ops / run_s, 0);
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++) {
		char name[64];
		snprintf(name, sizeof(name), "native/%s", workloads[i]);
		gbench_bench *b = gbench_register(name, bench_native_phase, (void *)workloads[i]);
		gbench_arg(b, 64);
		gbench_manual_time(b);
		gbench_unit(b, GBENCH_MS);
	}
	return gbench_main(argc, argv);
}
