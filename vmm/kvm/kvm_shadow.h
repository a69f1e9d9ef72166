/* kvm_shadow.h — shadow paging on a real KVM VM (`--platform kvm --mmu shadow`): the VMM's
 * shadow tables live in the shadow area of guest-physical memory (a memslot the guest never
 * maps), built by the same shadow/ code as on `sim` over a different physical layer (a
 * shadow leaf maps gva to the guest's own gpa, validated against guest RAM). The vCPU's CR3
 * always points at a shadow root.
 *
 * The traps (docs/kvm-platform.md, docs/paging-strategies.md):
 *   - the page-table pool is a read-only memslot: each guest PTE store exits as an MMIO write
 *     that the VMM checks, applies through its own mapping and makes coherent (pt_write);
 *   - CR3 loads, hidden-fault checks and invlpg are hypercalls (cr3_load, hidden_fault or
 *     hypercall when the fault is the guest's, invlpg);
 *   - whatever the VMM removed from the shadow tables is flushed from KVM's own MMU before the
 *     guest runs again (the memslot of the shadow area is re-registered: a userspace write to
 *     guest tables is invisible to a host that shadows them, and no ioctl flushes a guest TLB).
 * Only vmm/ issues the ioctls; shadow/ stays pure C. */
#ifndef MEMVIRT_VMM_KVM_SHADOW_H
#define MEMVIRT_VMM_KVM_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_vm;

/* What the shadow did over the run (beyond exits). */
struct kvm_shadow_stats {
	uint64_t host_flushes;    /* shadow-area memslot re-registrations */
	uint64_t host_flush_ns;   /* time they took (part of the exits' handler time) */
	uint64_t spurious_faults; /* hidden-fault checks the shadow already satisfied (stale host TLB) */
	uint64_t tables_live, tables_created, zapped;
	uint64_t roots_built, roots_hit, roots_evicted;
};

/* Sets up the shadow area (slot 3), the kernel's half of every shadow root, and the shadow
 * root of the boot tables, and points the vCPU's CR3 at it. 0 or -errno with msg. */
int kvm_shadow_create(struct kvm_vm *vm, char *msg, size_t msglen);
void kvm_shadow_destroy(struct kvm_vm *vm);

/* Exit handlers; false stops the VM (kvm_vm_fail says why). ret: what the hypercall returns. */
bool kvm_shadow_pt_write(struct kvm_vm *vm, uint64_t gpa, const uint8_t *data, uint32_t len);
bool kvm_shadow_cr3_load(struct kvm_vm *vm, uint64_t guest_root, int64_t *ret);
bool kvm_shadow_hidden_fault(struct kvm_vm *vm, uint64_t gva, uint64_t err, int64_t *ret);
bool kvm_shadow_invlpg(struct kvm_vm *vm, uint64_t gva, int64_t *ret);
/* Before the guest runs again: flush KVM's MMU if shadow entries were removed. */
bool kvm_shadow_sync(struct kvm_vm *vm);

void kvm_shadow_get_stats(const struct kvm_vm *vm, struct kvm_shadow_stats *s);

#endif
