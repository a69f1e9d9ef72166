/* kvm_dev_core.c — the core device every kvm VM has: the hypercalls the guest kernel needs to
 * run a workload at all (console, phase marks, DONE, zeroing a recycled frame) and the ones
 * that end a run badly (workload fault, kernel panic, ring-3 trap). Registered through the
 * device table like any other device (kvm_device.h), so the dispatcher knows none of them by
 * name. Each handler sees only the VMM's copy of the hypercall page and checks its arguments
 * before using them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/util/clock.h"

static bool hc_console(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	if (hc->arg[0] > GK_HC_CONSOLE_BYTES)
		return kvm_hc_refuse(vm, hc, "length beyond the console buffer");
	if (vm->verbose_console)
		fprintf(stderr, "guest: %.*s\n", (int)hc->arg[0], hc->page->console);
	return true;
}

static bool hc_phase(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	if (hc->arg[0] > WL_PHASE_DONE)
		return kvm_hc_refuse(vm, hc, "unknown phase");
	vm->out.phase_tsc[hc->arg[0]] = hc->arg[1];
	if (vm->on_phase)
		vm->on_phase(vm, (unsigned)hc->arg[0], vm->on_phase_arg);
	return true;
}

static bool hc_done(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	vm->out.done = true;
	vm->out.rc = (int64_t)hc->arg[0];
	vm->out.checksum = hc->arg[1];
	vm->out.stats = hc->page->stats;
	vm->out.guest_timing = hc->page->timing;
	return false;
}

/* Zeroing is only for guest RAM, in whole, aligned frames of a size the kernel uses. */
static bool hc_zero(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	uint64_t gpa = hc->arg[0], bytes = hc->arg[1];
	const struct kvm_region *ram = &vm->ram;
	if ((bytes != PT_PAGE_4K && bytes != PT_PAGE_2M) || gpa % bytes != 0)
		return kvm_hc_refuse(vm, hc, "not a whole 4 KiB or 2 MiB frame");
	if (!kvm_gpa_within(gpa, bytes, ram->gpa, ram->bytes))
		return kvm_hc_refuse(vm, hc, "range outside guest RAM");
	memset((uint8_t *)ram->host + (gpa - ram->gpa), 0, bytes);
	vm->out.zeroed_bytes += bytes;
	return true;
}

static bool hc_fault(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	kvm_vm_fail(vm, "workload killed: page fault at 0x%" PRIx64 " (error 0x%" PRIx64 ", rip 0x%" PRIx64 "): %s",
		    hc->arg[0], hc->arg[1], hc->arg[2], strerror((int)-(int64_t)hc->arg[3]));
	return false;
}

static bool hc_panic(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
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

static bool hc_user_trap(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	kvm_vm_fail(vm, "workload killed: %s (vector %" PRIu64 ") at rip 0x%" PRIx64 ", error 0x%" PRIx64,
		    vector_name(hc->arg[0]), hc->arg[0], hc->arg[1], hc->arg[2]);
	return false;
}

/* The paravirtual sleep (wl_sleep_us, `idle`): the vCPU thread sleeps on CLOCK_MONOTONIC instead
 * of the guest spinning in (emulated, slow) ring 0. Kicks that only want a look at the VM resume
 * the sleep; a stop request ends it (-EINTR to the guest, and the run loop then stops). Its time
 * is charged to the hypercall exit reason like any handler's, so under `idle` the hypercall
 * handler mean includes the sleeps. */
static bool hc_sleep(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state;
	uint64_t us = hc->arg[0];
	if (us == 0 || us > GK_HC_SLEEP_MAX_US)
		return kvm_hc_refuse(vm, hc, "sleep length outside (0, 10 s]");
	*ret = monotonic_sleep_us(us, &vm->stop_requested);
	return true;
}

static const struct kvm_hypercall core_calls[] = {
	{ GK_HC_CONSOLE, "CONSOLE", hc_console, false },
	{ GK_HC_PHASE, "PHASE", hc_phase, false },
	{ GK_HC_DONE, "DONE", hc_done, false },
	{ GK_HC_ZERO, "ZERO", hc_zero, false },
	{ GK_HC_FAULT, "FAULT", hc_fault, false },
	{ GK_HC_PANIC, "PANIC", hc_panic, false },
	{ GK_HC_USER_TRAP, "USER_TRAP", hc_user_trap, false },
	{ GK_HC_SLEEP, "SLEEP", hc_sleep, false },
};

const struct kvm_device kvm_dev_core = {
	.name = "core",
	.calls = core_calls,
	.ncalls = sizeof(core_calls) / sizeof(core_calls[0]),
};
