/* cmd_run.c — `memvirt run`: one workload, one platform, one result document. */
#include <inttypes.h>
#include <stdio.h>

#include "vmm/cli.h"
#include "vmm/run.h"

static void print_summary(const struct run_config *cfg, const struct run_result *r)
{
	if (r->state != RUN_OK) {
		fprintf(stderr, "memvirt: run %s: %s\n", run_state_name(r->state), r->message);
		return;
	}
	printf("%s on %s (mmu %s): checksum 0x%016" PRIx64 ", %" PRIu64 " ops in %.3f s (%.3g ops/s), setup %.3f s\n",
	       cfg->workload->name, cfg->platform, cfg->mmu, r->checksum, r->ops, r->run_s,
	       r->run_s > 0 ? (double)r->ops / r->run_s : 0.0, r->setup_s);
	if (r->have_mmu)
		printf("  tlb hits %" PRIu64 ", misses %" PRIu64 ", walks %" PRIu64 " (%.2f refs/walk), guest faults %" PRIu64
		       ", exits %" PRIu64 ", modeled cycles %" PRIu64 "\n",
		       r->mmu_user.tlb_hits, r->mmu_user.tlb_misses, r->mmu_user.walks,
		       r->mmu_user.walks ? (double)r->mmu_user.walk_refs / (double)r->mmu_user.walks : 0.0,
		       r->guest_faults, exit_counters_total(&r->exits), r->modeled_cycles);
	if (cfg->json_path)
		printf("  result: %s\n", cfg->json_path);
}

int cmd_run(int argc, char **argv)
{
	struct run_config cfg;
	struct run_result res;
	cli_run_defaults(&cfg);
	int rc = cli_parse_run_options(argc, argv, &cfg, "memvirt run [options]");
	if (rc)
		return rc == 1 ? 0 : rc;
	enum run_state st = run_execute(&cfg, &res, NULL);
	print_summary(&cfg, &res);
	return run_exit_status(st);
}
