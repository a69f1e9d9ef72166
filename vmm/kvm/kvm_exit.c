/* kvm_exit.c — what the VMM does when KVM_RUN returns (each exit timed and charged to its
 * reason): hypercalls (32-bit OUT to GK_HC_PORT, arguments in the hypercall page) and MMIO go
 * to the VM's device table (kvm_device.c) and paging strategy (kvm_mmu.h) — this file knows
 * no hypercall and no strategy by name — and the exits that end a run (triple fault, internal
 * error, failed entry, anything unexpected) stop it with a register dump.
 *
 * The guest is not trusted: every value it hands over (hypercall page fields, lengths,
 * addresses) is copied out once and range-checked before use; a bad one stops the VM with a
 * message saying what was refused. The VMM itself never faults on guest input. */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_vm.h"
#include "vmm/util/clock.h"

void kvm_vm_fail(struct kvm_vm *vm, const char *fmt, ...)
{
	char what[384], regs[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kvm_vcpu_dump(vm, regs, sizeof(regs));
	vm->out.failed = true;
	int n = snprintf(vm->out.message, sizeof(vm->out.message), "%s", what);
	if (n >= 0 && (size_t)n < sizeof(vm->out.message))
		snprintf(vm->out.message + n, sizeof(vm->out.message) - (size_t)n, " [%s]", regs);
}

static bool exit_io(struct kvm_vm *vm)
{
	const struct kvm_run *run = vm->run;
	vm->out.io_exits++;
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != GK_HC_PORT || run->io.size != 4 ||
	    run->io.count != 1 || run->io.data_offset > vm->run_size - 4) {
		kvm_vm_fail(vm, "guest port I/O refused: %s port 0x%x, size %u, count %u",
			    run->io.direction == KVM_EXIT_IO_OUT ? "out to" : "in from", run->io.port,
			    run->io.size, run->io.count);
		return false;
	}
	uint32_t nr;
	memcpy(&nr, (const uint8_t *)run + run->io.data_offset, 4);
	return kvm_device_hypercall(vm, nr);
}

/* A store to the pool exits only when the strategy made its slot read-only: the strategy's
 * (shadow paging's page-table write). In the MMIO window an access goes to the device whose
 * range holds it; in guest RAM it is a frame the guest gave to the balloon (made inaccessible,
 * balloon_kvm.c: ring 0, emulated on PVM, sees that as no memory); anywhere else without
 * memory it is the guest going astray. */
static bool exit_mmio(struct kvm_vm *vm)
{
	struct kvm_run *run = vm->run;
	const struct kvm_region *pool = &vm->pool;
	uint64_t gpa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : sizeof(run->mmio.data);
	if (vm->mmu->pool_write && run->mmio.is_write && kvm_gpa_within(gpa, 1, pool->gpa, pool->bytes))
		return vm->mmu->pool_write(vm, gpa, run->mmio.data, len);
	vm->out.exits.mmio++;
	vm->out.mmio_exits++;
	if (kvm_gpa_within(gpa, 1, vm->layout.mmio_gpa, vm->layout.mmio_bytes))
		return kvm_device_mmio(vm, gpa - vm->layout.mmio_gpa, run->mmio.data, len, run->mmio.is_write);
	if (kvm_ballooned_touch(vm, gpa, "an MMIO exit: the emulated ring 0 could not reach it"))
		return false;
	kvm_vm_fail(vm, "guest MMIO %s of %u bytes at gpa 0x%llx refused (no memory or device there)",
		    run->mmio.is_write ? "write" : "read", len, (unsigned long long)gpa);
	return false;
}

/* What KVM_RUN's exit asks of the VMM; false ends the run. */
static bool exit_handle(struct kvm_vm *vm)
{
	const struct kvm_run *run = vm->run;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return exit_io(vm);
	case KVM_EXIT_MMIO:
		return exit_mmio(vm);
	case KVM_EXIT_INTR:
		vm->out.kicks++;
		return true;
	case KVM_EXIT_HLT:
		kvm_vm_fail(vm, "guest halted before reporting DONE");
		return false;
	case KVM_EXIT_SHUTDOWN:
		kvm_vm_fail(vm, "guest triple fault (KVM_EXIT_SHUTDOWN)");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		kvm_vm_fail(vm, "KVM internal error, suberror %u", run->internal.suberror);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		kvm_vm_fail(vm, "vCPU entry failed, hardware reason 0x%llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	default:
		vm->out.other_exits++;
		kvm_vm_fail(vm, "unexpected KVM exit reason %u", run->exit_reason);
		return false;
	}
}

/* Every handled exit bumps exactly one exit counter: that is the reason its time goes to. */
static void charge_exit(struct kvm_vm *vm, const struct exit_counters *before, uint64_t ns)
{
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)&vm->out.exits;
	for (unsigned r = 0; r < MMU_EXIT_REASON_COUNT; r++)
		if (a[r] != b[r]) {
			vm->out.handled[r]++;
			vm->out.handler_ns[r] += ns;
			return;
		}
}

bool kvm_exit_dispatch(struct kvm_vm *vm)
{
	struct exit_counters before = vm->out.exits;
	uint64_t t0 = monotonic_ns();
	/* the strategy's work before re-entry (a host MMU flush) is part of the exit's cost */
	bool go_on = exit_handle(vm) && (!vm->mmu->sync || vm->mmu->sync(vm));
	charge_exit(vm, &before, monotonic_ns() - t0);
	return go_on;
}
