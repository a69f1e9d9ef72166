/* bench_sim.c — the simulator's speed against native, measured in one run: each iteration
 * runs a workload's measured phase natively and then on `sim` (ept and shadow), and reports
 * the sim/native time ratio and simulated accesses per second. The iteration time is the
 * sim measured phase (manual time), so Google Benchmark's own figure is the sim time.
 * Target (issue #3): seq with the TLB on at most 5x native. */
#include <stdio.h>
#include <string.h>

#include "bench/bench_runs.h"
#include "bench/gbench_c.h"
#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

struct sim_case {
	const char *workload, *mmu;
	uint64_t mem;
};

static struct run_config case_config(const struct sim_case *k, const char *platform)
{
	struct run_config c;
	cli_config_for(&c, k->workload, platform, strcmp(platform, "native") == 0 ? "none" : k->mmu, k->mem);
	return c;
}

static void bench_sim_vs_native(gbench_state *st, void *arg)
{
	const struct sim_case *k = arg;
	struct run_config cn = case_config(k, "native"), cs = case_config(k, "sim");
	struct bench_vs_native t;
	bench_vs_native(st, &cn, &cs, &t);
	if (t.native_s > 0) {
		gbench_counter(st, "sim_over_native", t.other_s / t.native_s, 0);
		gbench_counter(st, "native_s", t.native_s, GBENCH_AVG_ITERATIONS);
		gbench_counter(st, "sim_accesses_per_s", t.other_accesses / t.other_s, 0);
	}
}

static const struct sim_case cases[] = {
	{ "seq", "ept", 64 << 20 },    { "seq", "shadow", 64 << 20 },    { "gups", "ept", 64 << 20 },
	{ "gups", "shadow", 64 << 20 }, { "pchase", "ept", 64 << 20 }, { "churn", "shadow", 16 << 20 },
	{ "ctxsw", "shadow", 16 << 20 },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char name[96];
		snprintf(name, sizeof(name), "sim_vs_native/%s/%s/%lluMiB", cases[i].workload, cases[i].mmu,
			 (unsigned long long)(cases[i].mem >> 20));
		bench_register_manual(name, bench_sim_vs_native, (void *)&cases[i], 3);
	}
	return gbench_main(argc, argv);
}
