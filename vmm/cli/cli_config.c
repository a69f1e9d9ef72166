/* cli_config.c — the parts of a run configuration derived after parsing: workload
 * parameter defaults and the sim platform's guest-physical sizes, and the option help. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mmu/cost.h"
#include "vmm/cli/cli.h"
#include "vmm/util/parse.h"

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

int cli_config_for(struct run_config *cfg, const char *workload, const char *platform, const char *mmu,
		   uint64_t mem_bytes)
{
	cli_run_defaults(cfg);
	cfg->workload = wl_find(wl_registry_direct, workload);
	if (!cfg->workload)
		return -EINVAL;
	cfg->platform = platform;
	cfg->params.mem_bytes = mem_bytes;
	cfg->progress = false;
	wl_params_defaults(cfg->workload, &cfg->params);
	cli_finish_config(cfg, NULL);
	cfg->mmu = mmu;
	return 0;
}

/* Guest RAM defaults to a little above the footprint (the guest kernel's frames and
 * rounding to large pages need room); the page-table pool to what 4 KiB mappings of all of
 * RAM need, plus room for many address spaces' upper levels. */
int cli_finish_config(struct run_config *cfg, const char *guest_mem_arg)
{
	struct mmu_config *m = &cfg->sim;
	uint64_t align = m->host_page > m->guest_page ? m->host_page : m->guest_page;
	uint64_t footprint = cfg->params.mem_bytes;
	if (guest_mem_arg) {
		if (parse_size(guest_mem_arg, &m->ram_bytes) < 0) {
			cli_error("invalid --guest-mem value '%s': expected a size such as 256m or 1g", guest_mem_arg);
			return EXIT_USAGE;
		}
		if (m->ram_bytes < footprint) {
			cli_error("invalid --guest-mem value '%s': smaller than the workload's footprint (--mem %llu bytes)",
				  guest_mem_arg, (unsigned long long)footprint);
			return EXIT_USAGE;
		}
	} else {
		m->ram_bytes = footprint + footprint / 4 + (32ULL << 20);
	}
	m->ram_bytes = round_up(m->ram_bytes, align);
	/* the pool is rounded to at most 2 MiB: the guest kernel takes at most 256 MiB of pool,
	 * so a 1 GiB host page cannot be its unit (the p2m backs a partial last page anyway) */
	m->pt_pool_bytes = round_up(m->ram_bytes / 256 + (16ULL << 20), align < (2ULL << 20) ? align : (2ULL << 20));
	if (strcmp(cfg->platform, "native") == 0)
		cfg->mmu = "none";
	return 0;
}

void cli_run_options_help(FILE *f)
{
	fputs("Run options:\n"
	      "  --platform native|sim|kvm  where the workload runs (default native)\n"
	      "  --mmu ept|shadow           paging strategy on sim and kvm (default ept)\n"
	      "  --workload NAME            seq, gups, pchase, churn, ctxsw (default seq; see memvirt list)\n"
	      "  --mem SIZE                 workload footprint, k/m/g suffixes (default 64m)\n"
	      "  --ops N                    measured-phase operations (default: per workload)\n"
	      "  --seed N                   random seed (default 1)\n"
	      "  --json FILE                write the result document to FILE (atomically)\n"
	      "  --no-progress              do not draw progress on the terminal\n"
	      "Workload parameters (only for the workloads that take them; see memvirt list):\n"
	      "  --passes N (seq)  --region SIZE (churn)  --procs K  --switch-every N (ctxsw)\n"
	      "Simulator (--platform sim):\n"
	      "  --guest-mem SIZE           guest RAM (default: footprint + 25% + 32m)\n"
	      "  --levels 4|5               guest paging levels (default 4)\n"
	      "  --guest-page 4k|2m         largest page the guest kernel maps (default 4k)\n"
	      "  --host-page 4k|2m|1g       p2m (host) page size (default 4k)\n"
	      "  --tlb ENTRIES              4 KiB TLB entries, 0 = no TLB (default 1536)\n"
	      "  --pwc on|off               page-walk caches (default on)\n"
	      "  --ntlb on|off              nested TLB for guest-physical translations (default on)\n"
	      "  --pcid on|off              TLB tagged by address space (default on)\n"
	      "  --shadow-flood on|off      shadow: stop trapping a guest table written 3 times with no\n"
	      "                             fault through it, as KVM does (default off; sim only)\n"
	      "  --cost NAME=CYCLES         set a cost-model parameter (repeatable); names:\n",
	      f);
	size_t n;
	const struct mmu_cost_param *c = mmu_cost_params(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "      %-20s %6llu  %s\n", c[i].name, (unsigned long long)c[i].def, c[i].help);
	cli_experiment_help(f);
	cli_memory_help(f);
}
