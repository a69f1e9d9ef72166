/* kvm_exit.c — what the VMM does when KVM_RUN returns (each exit timed and charged to its
 * reason): hypercalls (32-bit OUT to GK_HC_PORT, arguments in the hypercall page), MMIO, and
 * the exits that end a run (triple fault, internal error, failed entry, anything unexpected)
 * with a register dump.
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

#include "vmm/kvm/kvm_shadow.h"
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

static const char *hc_name(uint32_t nr)
{
	static const char *const names[] = { "?", "CONSOLE", "PHASE", "DONE", "ZERO", "FAULT", "PANIC", "USER_TRAP",
					     "CR3_LOAD", "HIDDEN_FAULT", "INVLPG", "SLEEP" };
	return nr < sizeof(names) / sizeof(names[0]) ? names[nr] : "unknown";
}

static struct gk_hcall_page *hc_page(struct kvm_vm *vm)
{
	return (struct gk_hcall_page *)((uint8_t *)vm->sys.host + GK_SYS_HCALL_GPA);
}

static bool hc_refuse(struct kvm_vm *vm, uint32_t nr, const char *why)
{
	kvm_vm_fail(vm, "guest hypercall %s (%u) refused: %s", hc_name(nr), nr, why);
	return false;
}

static bool hc_console(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	if (hc->arg[0] > GK_HC_CONSOLE_BYTES)
		return hc_refuse(vm, GK_HC_CONSOLE, "length beyond the console buffer");
	if (vm->verbose_console)
		fprintf(stderr, "guest: %.*s\n", (int)hc->arg[0], hc_page(vm)->console);
	return true;
}

static bool hc_phase(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	if (hc->arg[0] > WL_PHASE_DONE)
		return hc_refuse(vm, GK_HC_PHASE, "unknown phase");
	vm->out.phase_tsc[hc->arg[0]] = hc->arg[1];
	if (vm->on_phase)
		vm->on_phase(vm, (unsigned)hc->arg[0], vm->on_phase_arg);
	return true;
}

static bool hc_done(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	vm->out.done = true;
	vm->out.rc = (int64_t)hc->arg[0];
	vm->out.checksum = hc->arg[1];
	vm->out.stats = hc->stats;
	vm->out.guest_timing = hc->timing;
	return false;
}

/* Zeroing is only for guest RAM, in whole, aligned frames of a size the kernel uses. */
static bool hc_zero(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	uint64_t gpa = hc->arg[0], bytes = hc->arg[1];
	const struct kvm_region *ram = &vm->ram;
	if ((bytes != PT_PAGE_4K && bytes != PT_PAGE_2M) || gpa % bytes != 0)
		return hc_refuse(vm, GK_HC_ZERO, "not a whole 4 KiB or 2 MiB frame");
	if (!kvm_gpa_within(gpa, bytes, ram->gpa, ram->bytes))
		return hc_refuse(vm, GK_HC_ZERO, "range outside guest RAM");
	memset((uint8_t *)ram->host + (gpa - ram->gpa), 0, bytes);
	vm->out.zeroed_bytes += bytes;
	return true;
}

static bool hc_fault(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	kvm_vm_fail(vm, "workload killed: page fault at 0x%" PRIx64 " (error 0x%" PRIx64 ", rip 0x%" PRIx64 "): %s",
		    hc->arg[0], hc->arg[1], hc->arg[2], strerror((int)-(int64_t)hc->arg[3]));
	return false;
}

static bool hc_panic(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	kvm_vm_fail(vm, "guest kernel panic: vector 0x%" PRIx64 " at rip 0x%" PRIx64 ", error 0x%" PRIx64
		    ", cr2 0x%" PRIx64, hc->arg[0], hc->arg[1], hc->arg[2], hc->arg[3]);
	return false;
}

static const char *vector_name(uint64_t v)
{
	static const char *const names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF?",
					     "#TS", "#NP", "#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM" };
	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "exception";
}

static bool hc_user_trap(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	kvm_vm_fail(vm, "workload killed: %s (vector %" PRIu64 ") at rip 0x%" PRIx64 ", error 0x%" PRIx64,
		    vector_name(hc->arg[0]), hc->arg[0], hc->arg[1], hc->arg[2]);
	return false;
}

/* Paravirtual sleep (GK_HC_SLEEP): the vCPU thread sleeps on the host clock instead of the
 * guest spinning in (emulated, slow) ring 0. Kicks that only want a look at the VM resume the
 * sleep; a stop request ends it (-EINTR to the guest, and the run loop then stops).
 * Self-contained on purpose: the hypercall dispatcher is becoming a registration table of
 * handlers, and this is one entry of it (nr GK_HC_SLEEP -> hc_sleep) at merge time. Its time
 * is charged to the hypercall exit reason like any handler's, so under `idle` the hypercall
 * handler mean includes the sleeps. */
static bool hc_sleep(struct kvm_vm *vm, const struct gk_hcall_page *hc)
{
	uint64_t us = hc->arg[0];
	if (us == 0 || us > GK_HC_SLEEP_MAX_US)
		return hc_refuse(vm, GK_HC_SLEEP, "sleep length outside (0, 10 s]");
	int rc = monotonic_sleep_us(us, &vm->stop_requested);
	hc_page(vm)->ret = rc;
	return true;
}

static bool is_shadow_hc(uint32_t nr) { return nr >= GK_HC_CR3_LOAD && nr <= GK_HC_INVLPG; }

/* Shadow paging's hypercalls (kvm_shadow.c), counted under their own exit reasons. */
static bool hc_shadow(struct kvm_vm *vm, uint32_t nr, const struct gk_hcall_page *hc)
{
	int64_t ret = 0;
	bool go_on;
	if (!vm->shadow)
		return hc_refuse(vm, nr, "a shadow-paging hypercall, and this VM runs --mmu ept");
	if (nr == GK_HC_CR3_LOAD)
		go_on = kvm_shadow_cr3_load(vm, hc->arg[0], &ret);
	else if (nr == GK_HC_HIDDEN_FAULT)
		go_on = kvm_shadow_hidden_fault(vm, hc->arg[0], hc->arg[1], &ret);
	else
		go_on = kvm_shadow_invlpg(vm, hc->arg[0], &ret);
	if (go_on)
		hc_page(vm)->ret = ret;
	return go_on;
}

static bool hypercall(struct kvm_vm *vm, uint32_t nr)
{
	struct gk_hcall_page hc;
	memcpy(&hc, hc_page(vm), sizeof(hc)); /* one copy: the guest cannot change it under us */
	if (!is_shadow_hc(nr) || !vm->shadow)
		vm->out.exits.hypercall++;
	if (hc.version != GK_HC_VERSION)
		return hc_refuse(vm, nr, "hypercall ABI version mismatch");
	if (hc.nr != nr)
		return hc_refuse(vm, nr, "hypercall page and port disagree on the number");
	if (is_shadow_hc(nr))
		return hc_shadow(vm, nr, &hc);
	bool go_on;
	switch (nr) {
	case GK_HC_CONSOLE: go_on = hc_console(vm, &hc); break;
	case GK_HC_PHASE: go_on = hc_phase(vm, &hc); break;
	case GK_HC_DONE: return hc_done(vm, &hc);
	case GK_HC_ZERO: go_on = hc_zero(vm, &hc); break;
	case GK_HC_FAULT: return hc_fault(vm, &hc);
	case GK_HC_PANIC: return hc_panic(vm, &hc);
	case GK_HC_USER_TRAP: return hc_user_trap(vm, &hc);
	case GK_HC_SLEEP: return hc_sleep(vm, &hc); /* sets ret itself */
	default: return hc_refuse(vm, nr, "unknown hypercall number");
	}
	if (go_on)
		hc_page(vm)->ret = 0;
	return go_on;
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
	return hypercall(vm, nr);
}

/* Under shadow paging the pool is a read-only memslot: a store there is a page-table write.
 * No device lives in the MMIO window yet: any other access there, or anywhere without
 * memory, is the guest going astray. */
static bool exit_mmio(struct kvm_vm *vm)
{
	const struct kvm_run *run = vm->run;
	const struct kvm_region *pool = &vm->pool;
	if (vm->shadow && run->mmio.is_write && kvm_gpa_within(run->mmio.phys_addr, 1, pool->gpa, pool->bytes))
		return kvm_shadow_pt_write(vm, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
	vm->out.exits.mmio++;
	vm->out.mmio_exits++;
	bool window = kvm_gpa_within(run->mmio.phys_addr, 1, vm->layout.mmio_gpa, vm->layout.mmio_bytes);
	kvm_vm_fail(vm, "guest MMIO %s of %u bytes at gpa 0x%llx refused (%s)", run->mmio.is_write ? "write" : "read",
		    run->mmio.len, (unsigned long long)run->mmio.phys_addr,
		    window ? "no device at this offset of the MMIO window" : "no memory or device there");
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
	bool go_on = exit_handle(vm) && kvm_shadow_sync(vm); /* a flush is part of the exit's cost */
	charge_exit(vm, &before, monotonic_ns() - t0);
	return go_on;
}
