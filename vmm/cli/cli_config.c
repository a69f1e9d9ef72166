/* cli_config.c — the parts of a run configuration derived after parsing: workload
 * parameter defaults and the sim platform's guest-physical sizes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/run/run.h"
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
		if (parse_size(guest_mem_arg, &m->ram_bytes) < 0)
			return cli_bad_value("guest-mem", guest_mem_arg, "expected a size such as 256m or 1g");
		if (m->ram_bytes > RUN_MAX_GUEST_RAM_BYTES) /* and rounding it up below cannot wrap to 0 */
			return cli_bad_value("guest-mem", guest_mem_arg, "at most %llu bytes (64g): the guest kernel's limit",
					     (unsigned long long)RUN_MAX_GUEST_RAM_BYTES);
		if (m->ram_bytes < footprint)
			return cli_bad_value("guest-mem", guest_mem_arg,
					     "smaller than the workload's footprint (--mem %llu bytes)",
					     (unsigned long long)footprint);
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
