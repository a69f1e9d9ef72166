/* sim_share.h — one sim VM's side of page sharing (--share on): it takes part in its host's
 * sharing engine (vmm/run/share_host.h) from its measured phase's start to its end — or, run
 * alone (memvirt run), in a host of its own whose passes run when the measured phase begins
 * (period 0). Its machine maps the host's shared-frame pool (set up before boot); guest writes
 * to shared frames are copy-on-write breaks (exits.cow_break), the guest kernel's own writes
 * included; its result's sharing{} holds its part of the engine's figures. */
#ifndef MEMVIRT_VMM_RUN_SIM_SHARE_H
#define MEMVIRT_VMM_RUN_SIM_SHARE_H

#include "mmu/strategy.h"
#include "results/result.h"
#include "vmm/run/share_host.h"

struct sim_share {
	struct share_host *host; /* NULL: the VM does not share */
	int slot;
	struct mmu_vm *vm;
	bool joined;
	struct share_host own;   /* memvirt run: a host of one */
	bool own_host;
};

/* Before the machine is set up: picks the host's engine (cfg->share_host) or makes one of its
 * own, and gives the machine's configuration the pool's window. 0 or -errno (msg). Nothing
 * when cfg->sim.share is off. */
int sim_share_open(struct sim_share *sh, const struct run_config *cfg, struct mmu_config *mc, char *msg, size_t msglen);
/* The measured phase begins: the VM joins the engine. 0 or -errno (msg). */
int sim_share_join(struct sim_share *sh, struct mmu_vm *vm, char *msg, size_t msglen);
/* The measured phase ended (or the run does): the VM leaves the engine. Idempotent. */
void sim_share_leave(struct sim_share *sh);
/* Before the guest kernel writes [gpa, gpa + bytes) of guest RAM directly: breaks any shared
 * frame there first. 0, or the break's -errno (-ENOMEM): the range still maps a pool frame
 * other VMs may map, so the caller must not write it (the VM fails instead). */
int sim_share_before_write(struct sim_share *sh, uint64_t gpa, uint64_t bytes);
/* res->sharing from the VM's figures and the machine's cow_break count; res->host_resident_bytes
 * gains the VM's proportional share of the pool frames it maps (res->sharing.pool_pss_bytes), and
 * the host notes the pool's size at this end (share_host_note_end). Before the machine goes. */
void sim_share_finish(struct sim_share *sh, struct run_result *res);
/* After the machine went: frees a host of its own. */
void sim_share_close(struct sim_share *sh);

#endif
