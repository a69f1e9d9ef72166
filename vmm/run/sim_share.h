/* sim_share.h — memvirt's own merge engine on a sim VM (--share on): the engine
 * (ksm/ksm_merge.h) over the VM's guest RAM frames, merging through the p2m
 * (ept/p2m_share.c), run when the measured phase begins; guest writes to shared frames are
 * copy-on-write breaks (exits.cow_break), the guest kernel's own writes included. */
#ifndef MEMVIRT_VMM_RUN_SIM_SHARE_H
#define MEMVIRT_VMM_RUN_SIM_SHARE_H

#include "ksm/ksm_merge.h"
#include "mmu/strategy.h"
#include "results/result.h"

struct sim_share {
	struct ksm_merge engine;
	struct mmu_vm *vm;
	bool started;
};

/* Passes over the VM's guest RAM until one merges nothing (at most 8). 0 or a negative
 * errno (message in msg). */
int sim_share_run(struct sim_share *sh, struct mmu_vm *vm, char *msg, size_t msglen);
/* Before the guest kernel writes [gpa, gpa + bytes) of guest RAM directly: breaks any shared
 * frame there first. */
void sim_share_before_write(struct sim_share *sh, uint64_t gpa, uint64_t bytes);
/* res->sharing from the engine and the machine's cow_break count; frees the engine. */
void sim_share_finish(struct sim_share *sh, struct run_result *res);

#endif
