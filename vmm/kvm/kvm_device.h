/* kvm_device.h — devices of a kvm VM, and the table the exit dispatcher consults instead of a
 * closed switch. A device is an ops table (kvmtool style): a name, the hypercalls it answers,
 * optionally a range of the MMIO window, and per-VM init/fini. Each VM attaches its devices
 * once, at creation (kvm_vm_create: the core device, the paging strategy's device, then the
 * config's extra devices); the dispatcher (kvm_exit.c) then finds a hypercall by number in the
 * VM's own table. Adding a device is a new file and one line in kvm_devices.c (or an entry in
 * kvm_vm_config.devices) — never an edit of the dispatcher.
 *
 * Why a per-VM table and not one global list: two VMs in one process may offer different
 * devices (ept vs shadow, a balloon or not), and a guest must not reach a device its VM does
 * not have. A number no attached device registered is refused like any bad guest input.
 *
 * The guest is not trusted, and the table keeps the ABI's discipline at its boundary: the
 * dispatcher copies the hypercall page once, checks the version, that the page's number
 * equals the port's, and that the number is inside the table, before a handler sees anything;
 * a handler receives only that copy (struct kvm_hc_args) and range-checks its own arguments. */
#ifndef MEMVIRT_VMM_KVM_DEVICE_H
#define MEMVIRT_VMM_KVM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/kvm/kvm_abi.h"

struct kvm_vm;

/* What a hypercall handler sees: the VMM's one copy of the hypercall page. The field names
 * are those of struct gk_hcall_page, so a handler written against the page reads the same. */
struct kvm_hc_args {
	uint32_t nr;
	uint64_t arg[4];
	const struct gk_hcall_page *page; /* the whole copy (console text, DONE's stats and timing); valid during the call only */
};

/* One hypercall. handle returns true to resume the guest with *ret (preset to 0) written to
 * the page's ret, false to stop the VM: the run is over (DONE), or the handler refused the
 * call (kvm_hc_refuse) or otherwise recorded a failure (kvm_vm_fail). */
struct kvm_hypercall {
	uint32_t nr;              /* enum gk_hc */
	const char *name;         /* in messages: "guest hypercall NAME (nr) refused: ..." */
	bool (*handle)(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret);
	/* The handler charges the exit to a reason of its own (exits.cr3_load, ...); otherwise
	 * the dispatcher counts it as exits.hypercall. */
	bool own_exit_reason;
};

/* A device: what it answers, and its per-VM state. */
struct kvm_device {
	const char *name;
	const struct kvm_hypercall *calls;
	size_t ncalls;
	/* Optional: [mmio_offset, +mmio_bytes) of the VM's MMIO window (a doorbell page, say).
	 * An access there calls mmio with the offset inside that range; false stops the VM. */
	uint64_t mmio_offset, mmio_bytes;
	bool (*mmio)(struct kvm_vm *vm, void *state, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);
	/* Optional: called once when attached to a VM (*state is NULL before; what it sets is
	 * handed to every handler and to fini). 0 or -errno with a reason in msg. */
	int (*init)(struct kvm_vm *vm, void **state, char *msg, size_t msglen);
	void (*fini)(struct kvm_vm *vm, void *state);
};

/* Hypercall numbers a VM's table can hold: [0, KVM_HC_MAX). Larger numbers are refused. */
#define KVM_HC_MAX 64u
/* Devices one VM can carry. */
#define KVM_DEVICES_MAX 8u

/* One VM's devices and its hypercall table (lives in struct kvm_vm). */
struct kvm_device_table {
	struct {
		const struct kvm_device *dev;
		void *state;
	} dev[KVM_DEVICES_MAX];
	unsigned ndev;
	struct {
		const struct kvm_hypercall *call;
		unsigned dev; /* index into dev[] */
	} hc[KVM_HC_MAX];
};

/* The core device (kvm_dev_core.c): CONSOLE, PHASE, DONE, ZERO, FAULT, PANIC, USER_TRAP. */
extern const struct kvm_device kvm_dev_core;
/* Devices every VM gets, NULL-terminated (kvm_devices.c): the one line to add a device. */
extern const struct kvm_device *const kvm_default_devices[];

/* Attaches dev to vm: its init, then its hypercalls and MMIO range into the VM's table.
 * -EEXIST when a number or range is taken, -ERANGE when a number is >= KVM_HC_MAX or the range
 * leaves the MMIO window, -ENOSPC when the VM has KVM_DEVICES_MAX devices; msg says which. */
int kvm_device_attach(struct kvm_vm *vm, const struct kvm_device *dev, char *msg, size_t msglen);
/* Calls every attached device's fini, last attached first. */
void kvm_device_detach_all(struct kvm_vm *vm);
/* The state dev's init set for this VM, or NULL when dev is not attached. */
void *kvm_device_state(const struct kvm_vm *vm, const struct kvm_device *dev);

/* For the exit dispatcher (kvm_exit.c): a hypercall exit with the number the guest wrote to
 * the port, and an MMIO exit inside the window. false stops the VM. */
bool kvm_device_hypercall(struct kvm_vm *vm, uint32_t port_nr);
bool kvm_device_mmio(struct kvm_vm *vm, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);

/* For handlers: stop the VM with "guest hypercall NAME (nr) refused: why"; returns false. */
bool kvm_hc_refuse(struct kvm_vm *vm, const struct kvm_hc_args *hc, const char *why);

#endif
