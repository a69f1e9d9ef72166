/* kvm_device.c — a VM's device table (kvm_device.h): attaching devices, and the two lookups
 * the exit dispatcher makes — a hypercall by number, an MMIO access by offset in the window.
 *
 * The hypercall path is where guest input first meets the table, so it is where the ABI's
 * copy-once-then-check rule is enforced for every device alike: one copy of the page, then
 * the version, the page/port agreement and the table bound, and only then a handler, which
 * sees the copy alone. A number nothing registered stops the VM with a message naming the
 * number; the VMM itself never indexes or jumps on an unchecked guest value. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_vm.h"

static int attach_fail(char *msg, size_t msglen, int rc, const char *fmt, const char *dev, uint64_t what)
{
	snprintf(msg, msglen, fmt, dev, what);
	return rc;
}

/* Every check before anything is written, so a refused device leaves the table as it was. */
static int attach_check(const struct kvm_device_table *t, const struct kvm_layout *l, const struct kvm_device *dev,
			char *msg, size_t msglen)
{
	if (t->ndev >= KVM_DEVICES_MAX)
		return attach_fail(msg, msglen, -ENOSPC, "device %s: a VM holds at most %" PRIu64 " devices", dev->name,
				   KVM_DEVICES_MAX);
	for (size_t i = 0; i < dev->ncalls; i++) {
		uint32_t nr = dev->calls[i].nr;
		if (nr >= KVM_HC_MAX)
			return attach_fail(msg, msglen, -ERANGE, "device %s: hypercall number %" PRIu64 " beyond the table",
					   dev->name, nr);
		if (t->hc[nr].call)
			return attach_fail(msg, msglen, -EEXIST, "device %s: hypercall number %" PRIu64 " already taken",
					   dev->name, nr);
		for (size_t j = 0; j < i; j++)
			if (dev->calls[j].nr == nr)
				return attach_fail(msg, msglen, -EEXIST, "device %s: hypercall number %" PRIu64 " twice",
						   dev->name, nr);
	}
	if (!dev->mmio_bytes)
		return 0;
	if (!dev->mmio || !kvm_gpa_within(dev->mmio_offset, dev->mmio_bytes, 0, l->mmio_bytes))
		return attach_fail(msg, msglen, -ERANGE, "device %s: MMIO range at offset 0x%" PRIx64 " outside the window",
				   dev->name, dev->mmio_offset);
	for (unsigned d = 0; d < t->ndev; d++) {
		const struct kvm_device *o = t->dev[d].dev;
		if (o->mmio_bytes && dev->mmio_offset < o->mmio_offset + o->mmio_bytes &&
		    o->mmio_offset < dev->mmio_offset + dev->mmio_bytes)
			return attach_fail(msg, msglen, -EEXIST, "device %s: MMIO range at offset 0x%" PRIx64 " overlaps another",
					   dev->name, dev->mmio_offset);
	}
	return 0;
}

int kvm_device_attach(struct kvm_vm *vm, const struct kvm_device *dev, char *msg, size_t msglen)
{
	struct kvm_device_table *t = &vm->devices;
	int rc = attach_check(t, &vm->layout, dev, msg, msglen);
	if (rc < 0)
		return rc;
	void *state = NULL;
	if (dev->init && (rc = dev->init(vm, &state, msg, msglen)) < 0)
		return rc;
	unsigned d = t->ndev++;
	t->dev[d].dev = dev;
	t->dev[d].state = state;
	for (size_t i = 0; i < dev->ncalls; i++) {
		t->hc[dev->calls[i].nr].call = &dev->calls[i];
		t->hc[dev->calls[i].nr].dev = d;
	}
	return 0;
}

void kvm_device_detach_all(struct kvm_vm *vm)
{
	struct kvm_device_table *t = &vm->devices;
	while (t->ndev > 0) {
		unsigned d = --t->ndev;
		if (t->dev[d].dev->fini)
			t->dev[d].dev->fini(vm, t->dev[d].state);
	}
	memset(t, 0, sizeof(*t));
}

void *kvm_device_state(const struct kvm_vm *vm, const struct kvm_device *dev)
{
	for (unsigned d = 0; d < vm->devices.ndev; d++)
		if (vm->devices.dev[d].dev == dev)
			return vm->devices.dev[d].state;
	return NULL;
}

/* ---- Hypercalls ---------------------------------------------------------------------------- */

static struct gk_hcall_page *hc_page(struct kvm_vm *vm)
{
	return (struct gk_hcall_page *)((uint8_t *)vm->sys.host + GK_SYS_HCALL_GPA);
}

static const struct kvm_hypercall *hc_lookup(const struct kvm_vm *vm, uint32_t nr)
{
	return nr < KVM_HC_MAX ? vm->devices.hc[nr].call : NULL;
}

/* "NAME (nr)" for a registered number, the number alone (decimal and hex) for anything else. */
static void hc_describe(const struct kvm_vm *vm, uint32_t nr, char *buf, size_t len)
{
	const struct kvm_hypercall *c = hc_lookup(vm, nr);
	if (c)
		snprintf(buf, len, "%s (%" PRIu32 ")", c->name, nr);
	else
		snprintf(buf, len, "%" PRIu32 " (0x%" PRIx32 ")", nr, nr);
}

static bool refuse_nr(struct kvm_vm *vm, uint32_t nr, const char *why)
{
	char what[64];
	hc_describe(vm, nr, what, sizeof(what));
	kvm_vm_fail(vm, "guest hypercall %s refused: %s", what, why);
	return false;
}

bool kvm_hc_refuse(struct kvm_vm *vm, const struct kvm_hc_args *hc, const char *why)
{
	return refuse_nr(vm, hc->nr, why);
}

bool kvm_device_hypercall(struct kvm_vm *vm, uint32_t port_nr)
{
	struct gk_hcall_page page;
	memcpy(&page, hc_page(vm), sizeof(page)); /* one copy: the guest cannot change it under us */
	const struct kvm_hypercall *call = hc_lookup(vm, port_nr);
	if (!call || !call->own_exit_reason)
		vm->out.exits.hypercall++;
	if (page.version != GK_HC_VERSION)
		return refuse_nr(vm, port_nr, "hypercall ABI version mismatch");
	if (page.nr != port_nr)
		return refuse_nr(vm, port_nr, "hypercall page and port disagree on the number");
	if (!call)
		return refuse_nr(vm, port_nr, "unknown hypercall number (no device of this VM registered it)");
	struct kvm_hc_args args = { .nr = page.nr, .page = &page };
	memcpy(args.arg, page.arg, sizeof(args.arg));
	int64_t ret = 0;
	if (!call->handle(vm, vm->devices.dev[vm->devices.hc[port_nr].dev].state, &args, &ret))
		return false;
	hc_page(vm)->ret = ret;
	return true;
}

/* ---- MMIO ---------------------------------------------------------------------------------- */

bool kvm_device_mmio(struct kvm_vm *vm, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	const struct kvm_device_table *t = &vm->devices;
	for (unsigned d = 0; d < t->ndev; d++) {
		const struct kvm_device *dev = t->dev[d].dev;
		if (dev->mmio_bytes && kvm_gpa_within(offset, len, dev->mmio_offset, dev->mmio_bytes))
			return dev->mmio(vm, t->dev[d].state, offset - dev->mmio_offset, data, len, is_write);
	}
	kvm_vm_fail(vm, "guest MMIO %s of %u bytes at gpa 0x%" PRIx64 " refused (no device at this offset of the MMIO window)",
		    is_write ? "write" : "read", len, vm->layout.mmio_gpa + offset);
	return false;
}
