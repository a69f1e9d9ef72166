/* balloon_kvm.h — the balloon device on a kvm VM: the hypercalls GK_HC_BALLOON_INFLATE and
 * _DEFLATE as a struct kvm_device (vmm/kvm/kvm_device.h), and the kvm platform's way of
 * releasing ballooned frames: a discard of guest RAM through the VM's guest-RAM handle
 * (MADV_DONTNEED on anon, FALLOC_FL_PUNCH_HOLE on memfd and hugetlb) and a move in the VM's
 * frame book. The VM carries the device when vmm/run/platform_kvm.c puts it in
 * kvm_vm_config.devices (never kvm_default_devices: vmm/kvm must not name balloon/). */
#ifndef MEMVIRT_BALLOON_BALLOON_KVM_H
#define MEMVIRT_BALLOON_BALLOON_KVM_H

#include "balloon/balloon.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/mem/guest_ram.h"

extern const struct kvm_device balloon_kvm_device;

/* After kvm_vm_create (which attached balloon_kvm_device) and before the vCPU runs: connects
 * b to the VM — the control area at GK_SYS_BALLOON_GPA, guest RAM reached through `ram` (where
 * the platform publishes it), the VM's book. 0 or -errno (-ENODEV: the VM has no device). */
int balloon_kvm_attach(struct balloon *b, struct kvm_vm *vm, struct guest_ram_handle *ram);
/* Before the VM is destroyed. */
void balloon_kvm_detach(struct balloon *b, struct kvm_vm *vm);

#endif
