/* kvm_dev_core.c — the core device every kvm VM has: the hypercalls the guest kernel needs to
 * run a workload at all (console, phase marks, DONE, zeroing a recycled frame) and the ones
 * that end a run badly (workload fault, kernel panic, ring-3 trap). Registered through the
 * device table like any other device (kvm_device.h), so the dispatcher knows none of them by
 * name. Each handler sees only the VMM's copy of the hypercall page and checks its arguments
 * before using them: console text is printed with its control characters escaped, phase
 * marks only advance and their TSCs are checked against the VMM's clock, DONE's counters and
 * timing are bounded by the VM's size and lifetime, and a guest's error code is named
 * whatever its value. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/util/clock.h"
#include "vmm/util/text.h"

/* How far a guest's TSC interval between two phase marks may stray from the VMM's clock
 * between the two hypercalls (the exits themselves, a preempted vCPU) before the VMM's is
 * used: 100 ms plus a tenth. */
#define KVM_PHASE_SLACK_NS(vmm_ns) (100000000ULL + (vmm_ns) / 10)

static bool hc_console(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	if (hc->arg[0] > GK_HC_CONSOLE_BYTES)
		return kvm_hc_refuse(vm, hc, "length beyond the console buffer");
	if (vm->verbose_console) {
		char line[4 * GK_HC_CONSOLE_BYTES + 1]; /* every byte escaped at most 4 to 1 */
		text_escape_ctl(line, sizeof(line), hc->page->console, (size_t)hc->arg[0]);
		fprintf(stderr, "guest: %s\n", line);
	}
	return true;
}

/* The guest's TSC at the mark, or the previous mark's plus the VMM's interval in cycles when
 * the guest's interval disagrees with the VMM's by more than the slack. */
static uint64_t phase_tsc_checked(struct kvm_vm *vm, unsigned prev, uint64_t tsc, uint64_t now_ns)
{
	struct kvm_guest_outcome *o = &vm->out;
	uint64_t vmm_ns = now_ns - o->phase_ns[prev];
	if (!vm->tsc_khz)
		return tsc;
	/* cycles * 1e6 / kHz: in 128 bits, a guest's TSC can be anything */
	unsigned __int128 guest_ns = (unsigned __int128)(tsc - o->phase_tsc[prev]) * 1000000u / vm->tsc_khz;
	unsigned __int128 lo = vmm_ns > KVM_PHASE_SLACK_NS(vmm_ns) ? vmm_ns - KVM_PHASE_SLACK_NS(vmm_ns) : 0;
	if (guest_ns >= lo && guest_ns <= (unsigned __int128)vmm_ns + KVM_PHASE_SLACK_NS(vmm_ns))
		return tsc;
	o->phase_clock_fixes++;
	return o->phase_tsc[prev] + (uint64_t)((unsigned __int128)vmm_ns * vm->tsc_khz / 1000000u);
}

/* DONE's (and a PHASE mark's) counters within what this VM could have done: signed 64-bit values, frames and pool
 * pages within its RAM and pool, round trips at least a cycle each and all of them within the
 * VM's lifetime on the VMM's clock (with a second to spare). NULL, or what is wrong. */
static const char *done_bounds(const struct kvm_vm *vm, const struct gk_hcall_page *pg)
{
	const struct gk_stats *s = &pg->stats;
	const uint64_t *v = (const uint64_t *)s;
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		if (v[i] > INT64_MAX)
			return "a kernel counter beyond 2^63";
	if (s->frames_4k > vm->ram.bytes / PT_PAGE_4K || s->frames_2m > vm->ram.bytes / PT_PAGE_2M ||
	    s->pool_pages > vm->pool.bytes / PT_PAGE_4K)
		return "more frames or pool pages in use than the VM has";
	unsigned __int128 life = vm->tsc_khz ? (unsigned __int128)(monotonic_ns() - vm->out.start_ns + 1000000000u) *
						       vm->tsc_khz / 1000000u
					     : (unsigned __int128)INT64_MAX;
	unsigned __int128 total = 0;
	for (unsigned k = 0; k < GK_EXIT_KINDS; k++) {
		if (pg->timing.count[k] > pg->timing.cycles[k])
			return "round trips shorter than a cycle";
		total += pg->timing.cycles[k];
	}
	return total > life ? "round trips longer than the VM has existed" : NULL;
}

static bool hc_phase(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	struct kvm_guest_outcome *o = &vm->out;
	uint64_t phase = hc->arg[0], tsc = hc->arg[1], now = monotonic_ns();
	if (phase > WL_PHASE_DONE)
		return kvm_hc_refuse(vm, hc, "unknown phase");
	if (phase < o->next_phase)
		return kvm_hc_refuse(vm, hc, "phase marked twice or out of order");
	if (tsc == 0)
		return kvm_hc_refuse(vm, hc, "a TSC of 0");
	const char *bad = done_bounds(vm, hc->page);
	if (bad)
		return kvm_hc_refuse(vm, hc, bad);
	if (o->next_phase > 0) { /* the latest mark is next_phase - 1 */
		unsigned prev = o->next_phase - 1;
		if (tsc < o->phase_tsc[prev])
			return kvm_hc_refuse(vm, hc, "the TSC went back since the previous phase mark");
		tsc = phase_tsc_checked(vm, prev, tsc, now);
	}
	o->phase_tsc[phase] = tsc;
	o->phase_ns[phase] = now;
	o->phase_stats[phase] = hc->page->stats;
	o->phase_timing[phase] = hc->page->timing;
	o->next_phase = (unsigned)phase + 1;
	if (vm->on_phase)
		vm->on_phase(vm, (unsigned)phase, vm->on_phase_arg);
	return true;
}

static bool hc_done(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	const char *bad = done_bounds(vm, hc->page);
	if (bad)
		return kvm_hc_refuse(vm, hc, bad);
	vm->out.done = true;
	vm->out.rc = (int64_t)hc->arg[0];
	vm->out.checksum = hc->arg[1];
	vm->out.passes = hc->arg[2];
	vm->out.ops_measured = hc->arg[3];
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
	/* A frame the guest gave to the balloon is inaccessible on the host too (balloon_kvm.c):
	 * zeroing it would be the VMM touching it for the guest. */
	uint64_t at;
	if (p2m_book_find(&vm->book, gpa - ram->gpa, bytes, P2M_BALLOONED, &at) == 1) {
		char why[128];
		snprintf(why, sizeof(why), "guest error: zeroing guest frame 0x%" PRIx64 ", which it gave to the balloon",
			 ram->gpa + at);
		return kvm_hc_refuse(vm, hc, why);
	}
	memset((uint8_t *)ram->host + (gpa - ram->gpa), 0, bytes);
	vm->out.zeroed_bytes += bytes;
	return true;
}

static bool hc_fault(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)state, (void)ret;
	char code[40];
	kvm_vm_fail(vm, "workload killed: page fault at 0x%" PRIx64 " (error 0x%" PRIx64 ", rip 0x%" PRIx64 "): %s",
		    hc->arg[0], hc->arg[1], hc->arg[2], errno_text((int64_t)hc->arg[3], code, sizeof(code)));
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
