/* sim_share.c — the own merge engine on a sim VM (see sim_share.h). The engine sees VM 0 in
 * domain 0: one sim VM is one process's machine, with host memory of its own, so sim merges
 * within a VM; sharing across VMs and domains is the engine's (tests/ksm/test_ksm_merge.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ept/p2m.h"
#include "vmm/run/sim_share.h"

#define SIM_SHARE_MAX_PASSES 8u

static struct p2m *p2m_of(struct sim_share *sh) { return p2m_from(sh->vm->p2m); }

static const void *share_page(void *ctx, unsigned vm, uint64_t frame)
{
	struct sim_share *sh = ctx;
	uint64_t hpa;
	(void)vm;
	if (p2m_lookup(p2m_of(sh), frame * P2M_FRAME, &hpa) < 0)
		return NULL;
	return hostmem_ptr(&sh->vm->host, hpa);
}

static int share_merge(void *ctx, unsigned vm, uint64_t frame, unsigned into_vm, uint64_t into)
{
	(void)vm;
	(void)into_vm;
	return p2m_share(p2m_of(ctx), frame * P2M_FRAME, into * P2M_FRAME);
}

static bool share_shared(void *ctx, unsigned vm, uint64_t frame)
{
	(void)vm;
	return p2m_get_state(p2m_of(ctx), frame * P2M_FRAME) == P2M_SHARED;
}

int sim_share_run(struct sim_share *sh, struct mmu_vm *vm, char *msg, size_t msglen)
{
	const struct ksm_merge_ops ops = { .page = share_page, .merge = share_merge, .shared = share_shared, .ctx = sh };
	sh->vm = vm;
	int rc = ksm_merge_init(&sh->engine, &ops);
	if (rc == 0) {
		sh->started = true;
		rc = ksm_merge_add_vm(&sh->engine, vm->cfg.ram_bytes / P2M_FRAME, 0);
	}
	if (rc >= 0)
		rc = ksm_merge_until_stable(&sh->engine, SIM_SHARE_MAX_PASSES);
	/* the merges changed p2m leaves: the workload's fast path may point at a frame now shared */
	mmu_fast_invalidate(vm);
	if (rc < 0) {
		snprintf(msg, msglen, "--share: merging guest RAM failed: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

void sim_share_before_write(struct sim_share *sh, uint64_t gpa, uint64_t bytes)
{
	if (!sh->started || gpa >= sh->vm->cfg.ram_bytes)
		return;
	struct p2m *p = p2m_of(sh);
	for (uint64_t a = gpa & ~(P2M_FRAME - 1); a < gpa + bytes && a < sh->vm->cfg.ram_bytes; a += P2M_FRAME)
		if (p2m_get_state(p, a) == P2M_SHARED && p2m_cow_break(p, a) == 0)
			sh->vm->exits.cow_break++;
}

void sim_share_finish(struct sim_share *sh, struct run_result *res)
{
	if (!sh->started)
		return;
	struct ksm_merge_figures f;
	ksm_merge_figures(&sh->engine, -1, &f);
	res->sharing = (struct result_sharing){
		.have = true, .scanned = f.scanned, .shared = f.shared, .sharing = f.sharing, .zero = f.zero,
		.volatile_pages = f.volatile_pages, .merges = f.merges, .cow_breaks = sh->vm->exits.cow_break,
		.saved_bytes = ksm_merge_saved(&f) * KSM_MERGE_FRAME, .passes = sh->engine.passes,
		.scan_cpu_s = f.scan_cpu_s, .time_to_90pct_s = f.time_to_90pct_s,
	};
	ksm_merge_fini(&sh->engine);
	sh->started = false;
}
