/* sim_share.c — one sim VM's side of page sharing (see sim_share.h). A VM run alone gets a host
 * of its own with period 0, so `memvirt run --share on` merges when the measured phase begins,
 * as it did before sharing became the host's: the same engine, with one VM in one domain. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ept/p2m.h"
#include "vmm/run/sim_share.h"

int sim_share_open(struct sim_share *sh, const struct run_config *cfg, struct mmu_config *mc, char *msg, size_t msglen)
{
	*sh = (struct sim_share){ .slot = -1 };
	if (!cfg->sim.share)
		return 0;
	if (cfg->share_host) {
		sh->host = cfg->share_host;
		sh->slot = cfg->share_slot;
	} else {
		uint64_t bytes = (cfg->sim.ram_bytes + P2M_FRAME - 1) / P2M_FRAME * P2M_FRAME;
		int rc = share_host_init(&sh->own, bytes, 0);
		if (rc == 0 && (rc = share_host_add(&sh->own, "vm", cfg->share_domain)) < 0)
			share_host_fini(&sh->own);
		if (rc < 0) {
			snprintf(msg, msglen, "--share: cannot set up the sharing engine: %s", strerror(-rc));
			return rc;
		}
		sh->own_host = true;
		sh->host = &sh->own;
		sh->slot = rc;
	}
	share_host_window(sh->host, mc);
	return 0;
}

int sim_share_join(struct sim_share *sh, struct mmu_vm *vm, char *msg, size_t msglen)
{
	if (!sh->host || sh->joined)
		return 0;
	sh->vm = vm;
	int rc = share_host_join(sh->host, sh->slot, vm, msg, msglen);
	sh->joined = true; /* even on a failure: leave takes it out */
	return rc;
}

void sim_share_leave(struct sim_share *sh)
{
	if (sh->host && sh->joined)
		share_host_leave(sh->host, sh->slot);
}

int sim_share_before_write(struct sim_share *sh, uint64_t gpa, uint64_t bytes)
{
	if (!sh->joined || gpa >= sh->vm->cfg.ram_bytes)
		return 0;
	struct p2m *p = p2m_from(sh->vm->p2m);
	for (uint64_t a = gpa & ~(P2M_FRAME - 1); a < gpa + bytes && a < sh->vm->cfg.ram_bytes; a += P2M_FRAME) {
		if (p2m_get_state(p, a) != P2M_SHARED)
			continue;
		int rc = p2m_cow_break(p, a);
		if (rc < 0)
			return rc; /* still the pool's frame: writing it would change every sharer's copy */
		sh->vm->exits.cow_break++;
	}
	return 0;
}

void sim_share_finish(struct sim_share *sh, struct run_result *res)
{
	if (!sh->host || !sh->joined)
		return;
	sim_share_leave(sh);
	const struct share_slot *s = &sh->host->slot[sh->slot];
	const struct ksm_merge_figures *f = &s->fig;
	res->sharing = (struct result_sharing){
		.have = true, .scanned = f->scanned, .shared = f->shared, .sharing = f->sharing, .zero = f->zero,
		.volatile_pages = f->volatile_pages, .merges = f->merges, .cow_breaks = sh->vm->exits.cow_break,
		.saved_bytes = ksm_merge_saved(f) * KSM_MERGE_FRAME, .passes = s->passes,
		.scan_cpu_s = f->scan_cpu_s, .time_to_90pct_s = f->time_to_90pct_s,
	};
	if (sh->vm->p2m)
		res->sharing.made_shared = p2m_book_moved(&p2m_from(sh->vm->p2m)->book, P2M_RESIDENT, P2M_SHARED);
	if (sh->vm->p2m) {
		res->sharing.pool_pss_bytes = (uint64_t)(p2m_share_pss_frames(p2m_from(sh->vm->p2m)) * P2M_FRAME + 0.5);
		res->host_resident_bytes += res->sharing.pool_pss_bytes;
	}
	share_host_note_end(sh->host); /* the pool as this VM ends, before it drops its frames */
}

void sim_share_close(struct sim_share *sh)
{
	if (sh->own_host)
		share_host_fini(&sh->own);
	*sh = (struct sim_share){ .slot = -1 };
}
