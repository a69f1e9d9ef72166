/* kvm_mmu.h — the kvm VMM's paging strategies as ops tables, chosen once when a VM is created
 * (kvm_vm_config.mmu) so that nothing else in vmm/kvm asks "is this shadow?": the strategy
 * says how the pool's memslot is registered, what boot flag the guest gets, what it sets up
 * and tears down, what a trapped store to the pool means, what must happen before the guest
 * runs again, which hypercalls it adds (a device, kvm_device.h) and what it counts.
 *
 *   kvm_mmu_ept     the guest owns the tables the CPU walks (KVM's EPT/NPT, or PVM's shadow
 *                   MMU underneath): nothing to trap, no device, no state
 *   kvm_mmu_shadow  the VMM's shadow tables (kvm_shadow.c): pool read-only, CR3/invlpg/hidden
 *                   fault hypercalls, host MMU flush after removals
 *
 * Names live in one registry only (paging/registry.h); kvm_mmu_for maps a strategy found there
 * to the kvm VMM's ops for it. */
#ifndef MEMVIRT_VMM_KVM_MMU_H
#define MEMVIRT_VMM_KVM_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_vm;
struct kvm_device;

/* What a strategy did over the run beyond exits; zero where it does not apply. */
struct kvm_mmu_stats {
	uint64_t host_flushes;    /* host MMU flushes (shadow: memslot re-registrations) */
	uint64_t host_flush_ns;   /* time they took (part of the exits' handler time) */
	uint64_t spurious_faults; /* hidden-fault checks the shadow already satisfied (stale host TLB) */
	uint64_t tables_live, tables_created, zapped;
	uint64_t roots_built, roots_hit, roots_evicted;
};

struct mmu_strategy_ops;

struct kvm_mmu_ops {
	const char *name;          /* for messages: the strategy's name */
	const struct mmu_strategy_ops *strategy; /* the paging strategy this implements on KVM */
	uint32_t boot_flags;       /* gk_boot_info.flags (GK_BOOT_SHADOW) */
	uint32_t pool_slot_flags;  /* memslot flags of the page-table pool (KVM_MEM_READONLY) */
	/* Optional: after the vCPU exists; sets vm->mmu_state. 0 or -errno with msg. */
	int (*setup)(struct kvm_vm *vm, char *msg, size_t msglen);
	/* Optional: frees vm->mmu_state (also after a failed setup). */
	void (*teardown)(struct kvm_vm *vm);
	/* Optional: a guest store into the pool (only exits when pool_slot_flags make it
	 * read-only). false stops the VM. */
	bool (*pool_write)(struct kvm_vm *vm, uint64_t gpa, const uint8_t *data, uint32_t len);
	/* Optional: after every exit, before the guest runs again (a host MMU flush is part of
	 * the exit's cost). false stops the VM. */
	bool (*sync)(struct kvm_vm *vm);
	/* Optional: the strategy's hypercalls, attached to every VM that runs it. */
	const struct kvm_device *device;
	/* Optional: fills what it did (s is zeroed before). */
	void (*stats)(const struct kvm_vm *vm, struct kvm_mmu_stats *s);
};

extern const struct kvm_mmu_ops kvm_mmu_ept;
extern const struct kvm_mmu_ops kvm_mmu_shadow;

/* The kvm VMM's ops for a paging strategy (from mmu_strategy_find), or NULL when kvm cannot
 * run it. */
const struct kvm_mmu_ops *kvm_mmu_for(const struct mmu_strategy_ops *strategy);
/* The VM's strategy's stats (zeroes when it keeps none). */
void kvm_mmu_get_stats(const struct kvm_vm *vm, struct kvm_mmu_stats *s);

struct kvm_layout;
/* The shadow PTE write checker (kvm_pt_check.c): a guest store of len bytes at gpa into the
 * page-table pool may be applied — one aligned 8-byte entry inside the pool, not pointing into
 * the shadow area or outside guest RAM and the pool, no writable large page onto the pool.
 * 0 with the entry in *entry, or -EINVAL with the one-line refusal in why. Any input is safe. */
int kvm_pt_write_check(const struct kvm_layout *l, uint64_t gpa, const uint8_t *data, uint32_t len, uint64_t *entry,
		       char *why, size_t whylen);

#endif
