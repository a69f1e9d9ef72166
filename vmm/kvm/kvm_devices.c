/* kvm_devices.c — the devices every kvm VM gets, in attach order. Adding a device to every VM
 * is one line here (plus its own file); a device only some VMs carry goes in their
 * kvm_vm_config.devices instead. The paging strategy's device (the shadow hypercalls) comes
 * from the strategy (kvm_mmu.h), not from this list. */
#include <stddef.h>

#include "vmm/kvm/kvm_device.h"

const struct kvm_device *const kvm_default_devices[] = {
	&kvm_dev_core,
	NULL,
};
