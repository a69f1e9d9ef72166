/* test_kvm_guest_values.c — every value a guest hands the VMM's core hypercalls is bounded
 * before use (issue 17), checked on the handlers themselves with a VM that has no vCPU (no
 * /dev/kvm needed): phase marks only advance, once each, their TSC never goes back and an
 * interval the VMM's clock contradicts is replaced by the VMM's; DONE's counters and timing
 * beyond what the VM could have done are refused; FAULT's error code INT64_MIN is named, not
 * negated; console text and error codes are printable whatever the guest sent; the progress
 * and memory-in-use words it writes for telemetry are bounded as they are mirrored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_progress.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/util/clock.h"
#include "vmm/util/text.h"

static struct kvm_vm *vm;
static struct gk_hcall_page page;

static int make_vm(void **st)
{
	(void)st;
	vm = calloc(1, sizeof(*vm));
	return vm ? 0 : -1;
}

static int free_vm(void **st)
{
	(void)st;
	free(vm);
	return 0;
}

/* A fresh VM of 64 MiB RAM and 16 MiB pool at 1 GHz, created now. */
static void reset(void)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->tsc_khz = 1000000;
	vm->ram.bytes = 64 << 20;
	vm->pool.bytes = 16 << 20;
	vm->out.start_ns = monotonic_ns();
	memset(&page, 0, sizeof(page));
}

/* Calls the core device's handler for nr with args; returns what it returned (true: resume). */
static bool call(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct kvm_hc_args hc = { .nr = nr, .arg = { a0, a1, a2, a3 }, .page = &page };
	int64_t ret = 0;
	for (size_t i = 0; i < kvm_dev_core.ncalls; i++)
		if (kvm_dev_core.calls[i].nr == nr)
			return kvm_dev_core.calls[i].handle(vm, NULL, &hc, &ret);
	fail_msg("no core hypercall %u", nr);
	return false;
}

static void expect_refused(bool resumed, const char *why)
{
	assert_false(resumed);
	assert_true(vm->out.failed);
	if (!strstr(vm->out.message, why))
		fail_msg("message '%s' lacks '%s'", vm->out.message, why);
}

static void test_phases_only_advance(void **st)
{
	(void)st;
	reset();
	assert_true(call(GK_HC_PHASE, WL_PHASE_SETUP, 1000, 0, 0));
	assert_true(call(GK_HC_PHASE, WL_PHASE_MEASURE, 1000 + 1000000, 0, 0)); /* 1 ms later: within the slack */
	assert_int_equal(vm->out.phase_tsc[WL_PHASE_MEASURE], 1001000);
	expect_refused(call(GK_HC_PHASE, WL_PHASE_MEASURE, 3000000, 0, 0), "phase marked twice or out of order");
	reset();
	assert_true(call(GK_HC_PHASE, WL_PHASE_MEASURE, 5000, 0, 0));
	expect_refused(call(GK_HC_PHASE, WL_PHASE_SETUP, 6000, 0, 0), "out of order");
	reset();
	assert_true(call(GK_HC_PHASE, WL_PHASE_SETUP, 5000, 0, 0));
	expect_refused(call(GK_HC_PHASE, WL_PHASE_MEASURE, 4000, 0, 0), "the TSC went back");
	reset();
	expect_refused(call(GK_HC_PHASE, WL_PHASE_SETUP, 0, 0, 0), "a TSC of 0");
}

/* A guest claiming its measured phase took 1000 s when the VMM saw microseconds. */
static void test_phase_interval_checked_against_the_vmm_clock(void **st)
{
	(void)st;
	reset();
	assert_true(call(GK_HC_PHASE, WL_PHASE_SETUP, 1000, 0, 0));
	assert_true(call(GK_HC_PHASE, WL_PHASE_MEASURE, 2000, 0, 0));
	assert_true(call(GK_HC_PHASE, WL_PHASE_DONE, 2000 + 1000000000000000ULL, 0, 0));
	assert_int_equal(vm->out.phase_clock_fixes, 1);
	uint64_t cycles = vm->out.phase_tsc[WL_PHASE_DONE] - vm->out.phase_tsc[WL_PHASE_MEASURE];
	assert_true(cycles < 1000000000ULL); /* under a second at 1 GHz: what the VMM saw */
}

static void test_done_values_bounded(void **st)
{
	(void)st;
	reset();
	page.stats.faults = UINT64_MAX;
	expect_refused(call(GK_HC_DONE, 0, 1, 0, 0), "a kernel counter beyond 2^63");
	reset();
	page.stats.frames_4k = (64 << 20) / 4096 + 1;
	expect_refused(call(GK_HC_DONE, 0, 1, 0, 0), "more frames or pool pages in use than the VM has");
	reset();
	page.timing.count[0] = 10;
	page.timing.cycles[0] = 5;
	expect_refused(call(GK_HC_DONE, 0, 1, 0, 0), "round trips shorter than a cycle");
	reset();
	page.timing.count[0] = 10;
	page.timing.cycles[0] = 1000000000000000ULL; /* 11 days at 1 GHz, in a VM made just now */
	expect_refused(call(GK_HC_DONE, 0, 1, 0, 0), "longer than the VM has existed");
	reset();
	page.stats.faults = 100;
	page.stats.frames_4k = 10;
	page.timing.count[0] = 10;
	page.timing.cycles[0] = 10000;
	assert_false(call(GK_HC_DONE, 0, 0x1234, 0, 0)); /* DONE stops the VM */
	assert_true(vm->out.done);
	assert_false(vm->out.failed);
	assert_int_equal(vm->out.stats.faults, 100);
	assert_int_equal(vm->out.checksum, 0x1234);
}

static void test_fault_code_int64_min(void **st)
{
	(void)st;
	reset();
	assert_false(call(GK_HC_FAULT, 0x1000, 4, 0x400000, (uint64_t)INT64_MIN));
	assert_non_null(strstr(vm->out.message, "error code -9223372036854775808"));
	reset();
	assert_false(call(GK_HC_FAULT, 0x1000, 4, 0x400000, (uint64_t)-14));
	assert_non_null(strstr(vm->out.message, "Bad address"));
}

static void test_printable_text(void **st)
{
	(void)st;
	char out[128], buf[40];
	static const char in[] = "\x1b[2J\a\n\\ok\x9b\0x";
	text_escape_ctl(out, sizeof(out), in, sizeof(in) - 1);
	assert_string_equal(out, "\\x1b[2J\\x07\\n\\\\ok\\x9b\\x00x");
	/* cut at a whole escape */
	assert_int_equal(text_escape_ctl(out, 6, "ab\x1b", 3), 2);
	assert_string_equal(out, "ab");
	assert_string_equal(errno_text(INT64_MIN, buf, sizeof(buf)), "error code -9223372036854775808");
	assert_string_equal(errno_text(5, buf, sizeof(buf)), "error code 5");
	assert_string_equal(errno_text(-2, buf, sizeof(buf)), "No such file or directory");
	/* the console hypercall prints through it (to stderr: here only that it accepts and resumes) */
	reset();
	vm->verbose_console = true;
	memcpy(page.console, "\x1b]0;owned\a", 10);
	assert_true(call(GK_HC_CONSOLE, 10, 0, 0, 0));
	expect_refused(call(GK_HC_CONSOLE, GK_HC_CONSOLE_BYTES + 1, 0, 0, 0), "length beyond the console buffer");
}

/* The words the guest writes for telemetry: progress only advances, memory in use is at most
 * guest RAM (before, a counter going back or a frame count near 2^64 was copied as it was). */
static void test_progress_and_used_bytes_bounded(void **st)
{
	(void)st;
	struct wl_ctx ctx = { 0 };
	kvm_progress_take(&ctx, 100, 4096, 1 << 20);
	assert_int_equal(ctx.progress, 100);
	assert_int_equal(ctx.used_bytes, 4096);
	kvm_progress_take(&ctx, 50, UINT64_MAX, 1 << 20); /* back, and absurd */
	assert_int_equal(ctx.progress, 100);
	assert_int_equal(ctx.used_bytes, 1 << 20);
	kvm_progress_take(&ctx, 200, 0, 1 << 20);
	assert_int_equal(ctx.progress, 200);
	assert_int_equal(ctx.used_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phases_only_advance),
		cmocka_unit_test(test_phase_interval_checked_against_the_vmm_clock),
		cmocka_unit_test(test_done_values_bounded),
		cmocka_unit_test(test_fault_code_int64_min),
		cmocka_unit_test(test_printable_text),
		cmocka_unit_test(test_progress_and_used_bytes_bounded),
	};
	return cmocka_run_group_tests(tests, make_vm, free_vm);
}
