/* kvm_platform.h — the kvm platform's run with the extra knobs tests and control threads
 * need: another guest image and a self-test in it (a guest that misbehaves on purpose), extra
 * devices for the VM, and hooks around the vCPU run (to kick the VM from another thread).
 * Guest RAM is published to `ram` when it is not NULL. platform_kvm.run is this with no hooks. */
#ifndef MEMVIRT_VMM_KVM_PLATFORM_H
#define MEMVIRT_VMM_KVM_PLATFORM_H

#include <stdbool.h>

#include "vmm/kvm/kvm_vm.h"
#include "vmm/run/platform.h"

struct kvm_platform_hooks {
	unsigned selftest;          /* enum gk_selftest: needs image = the self-test image (tests/kvm) */
	const struct kvm_image *image; /* the guest image; NULL = the production one (kvm_image.h) */
	uint32_t selftest_arg;      /* gk_run_block.selftest_arg */
	bool verbose_console;       /* copy guest console output to stderr */
	/* Devices the VM carries besides the defaults and the strategy's (kvm_vm_config.devices). */
	const struct kvm_device *const *devices;
	/* Called on the vCPU thread just before the first KVM_RUN and after the last one. */
	void (*started)(struct kvm_vm *vm, void *arg);
	void (*stopping)(struct kvm_vm *vm, void *arg);
	void *arg;
	/* The VM's balloon (balloon/balloon.h), or NULL: the VM then carries the balloon device. */
	struct balloon *balloon;
};

int kvm_platform_run(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		     struct run_result *res, const struct kvm_platform_hooks *hooks);

#endif
