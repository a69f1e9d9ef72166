/* test_gk_balloon.c — the guest kernel's balloon driver (guest/balloon.c) on the flat test HAL
 * with a recording doorbell: it inflates in 2 MiB chunks and 4 KiB frames toward the target,
 * never hands over a frame twice, deflates, deflates on OOM so that allocations succeed, and
 * stops ringing when the allocator ran dry; answers the VMM's statistics requests inside its
 * seqlock; reports free 2 MiB chunks once they are old enough, each once, and never relies on
 * what a reported chunk held. The doorbell plays the VMM: it keeps its own map of ballooned
 * frames and fails the test on any entry a real VMM would refuse; on a report it fills the
 * chunk with garbage (a real host gives zeroes back, but the guest must not care). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/guest/test_hal.h"

#define RAM (64ULL << 20)
#define FRAMES (RAM / PT_PAGE_4K)
/* A guest with room for one full REPORT message of 2 MiB chunks and some to spare. */
#define BIG_RAM ((GK_BALLOON_BATCH + 16ULL) * PT_PAGE_2M)

struct fake_vmm {
	struct gk_balloon_shared shared;
	uint64_t entries[GK_BALLOON_BATCH];
	uint8_t ballooned[BIG_RAM / PT_PAGE_4K];
	uint64_t held, messages, last_messages, oom_messages, entries_2m, entries_4k;
	uint64_t report_messages, reported_chunks;
	struct test_vm *vm; /* for a report: the chunk's memory and the guest's allocator state */
};

static void fake_report(struct fake_vmm *v, uint32_t n)
{
	v->report_messages++;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = v->entries[i], gpa = e & ~GK_BALLOON_ENTRY_FLAGS;
		assert_true(e & GK_BALLOON_ENTRY_2M);
		assert_int_equal(gpa % PT_PAGE_2M, 0);
		assert_true(gpa + PT_PAGE_2M <= v->vm->hw.bytes);
		assert_int_equal(v->ballooned[gpa / PT_PAGE_4K], 0);
		/* free in the guest's allocator: a free chunk that is not the balloon's */
		assert_int_equal(v->vm->k->frames.state[gpa / PT_PAGE_2M], GK_CHUNK_FREE);
		memset(v->vm->hw.mem + gpa, 0x5a, PT_PAGE_2M);
		v->reported_chunks++;
	}
}

static int64_t fake_doorbell(void *p, uint32_t op, uint32_t n, uint32_t flags)
{
	struct fake_vmm *v = p;
	assert_true(n <= GK_BALLOON_BATCH);
	assert_int_equal(flags & ~GK_BALLOON_MSG_KNOWN, 0);
	v->messages++;
	v->last_messages += (flags & GK_BALLOON_MSG_LAST) != 0;
	v->oom_messages += (flags & GK_BALLOON_MSG_OOM) != 0;
	if (op == GK_BALLOON_REPORT) {
		fake_report(v, n);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = v->entries[i], gpa = e & ~GK_BALLOON_ENTRY_FLAGS;
		assert_int_equal(e & GK_BALLOON_ENTRY_FLAGS & ~GK_BALLOON_ENTRY_2M, 0);
		uint64_t count = (e & GK_BALLOON_ENTRY_2M) ? 512 : 1;
		assert_int_equal(gpa % (count * PT_PAGE_4K), 0);
		assert_true(gpa / PT_PAGE_4K + count <= FRAMES);
		if (count == 512)
			v->entries_2m++;
		else
			v->entries_4k++;
		for (uint64_t f = gpa / PT_PAGE_4K; f < gpa / PT_PAGE_4K + count; f++) {
			assert_int_equal(v->ballooned[f], op == GK_BALLOON_INFLATE ? 0 : 1);
			v->ballooned[f] = op == GK_BALLOON_INFLATE;
		}
		v->held = op == GK_BALLOON_INFLATE ? v->held + count : v->held - count;
	}
	return 0;
}

static void boot_ram(struct test_vm *vm, struct fake_vmm *v, bool deflate_on_oom, uint64_t guest_page, uint64_t ram)
{
	memset(v, 0, sizeof(*v));
	v->shared.version = GK_BALLOON_VERSION;
	v->shared.batch_max = GK_BALLOON_BATCH;
	v->shared.flags = deflate_on_oom ? GK_BALLOON_DEFLATE_ON_OOM : 0;
	v->vm = vm;
	struct gk_boot_info bi = th_boot_info(0, ram, 4 << 20, 4, guest_page);
	bi.flags |= GK_BOOT_BALLOON;
	th_setup(vm, &bi);
	vm->hal.balloon_shared = &v->shared;
	vm->hal.balloon_entries = v->entries;
	vm->hal.balloon_doorbell = fake_doorbell;
	vm->hal.balloon_hw = v;
	assert_int_equal(gk_boot(vm->k, &vm->hal, &vm->bi), 0);
}

static void boot(struct test_vm *vm, struct fake_vmm *v, bool deflate_on_oom, uint64_t guest_page)
{
	boot_ram(vm, v, deflate_on_oom, guest_page, RAM);
}

static void teardown_vm(struct test_vm *vm)
{
	free(vm->k);
	free(vm->hw.mem);
}

static void test_inflate_chunks_then_deflate(void **state)
{
	(void)state;
	static struct fake_vmm v;
	struct test_vm vm;
	boot(&vm, &v, false, PT_PAGE_4K);
	gk_balloon_poll(vm.k); /* target 0: nothing */
	assert_int_equal(v.messages, 0);
	v.shared.target_frames = FRAMES * 3 / 4; /* 48 MiB: 24 chunks */
	gk_balloon_poll(vm.k);
	assert_int_equal(vm.k->balloon.frames, FRAMES * 3 / 4);
	assert_int_equal(v.held, FRAMES * 3 / 4);
	assert_int_equal(v.entries_2m, 24);
	assert_int_equal(v.entries_4k, 0);
	assert_int_equal(v.messages, 1);
	assert_int_equal(v.shared.actual_frames, FRAMES * 3 / 4);
	assert_int_equal(v.shared.stats.total_frames, FRAMES);
	gk_balloon_poll(vm.k); /* at the target: no message */
	assert_int_equal(v.messages, 1);
	/* the kernel cannot get a ballooned frame: 16 MiB left */
	for (int i = 0; i < 8; i++)
		assert_true(gk_frame_alloc(vm.k, PT_PAGE_2M) != GK_NO_FRAME);
	assert_int_equal(gk_frame_alloc(vm.k, PT_PAGE_2M), GK_NO_FRAME);
	assert_int_equal(gk_frame_alloc(vm.k, PT_PAGE_4K), GK_NO_FRAME);
	assert_int_equal(vm.k->balloon.alloc_stalls, 2); /* deflate on OOM off: no deflate */
	v.shared.target_frames = 0;
	gk_balloon_poll(vm.k);
	assert_int_equal(vm.k->balloon.frames, 0);
	assert_int_equal(v.held, 0);
	for (int i = 0; i < 24; i++)
		assert_true(gk_frame_alloc(vm.k, PT_PAGE_2M) != GK_NO_FRAME);
	teardown_vm(&vm);
}

/* A remainder below 2 MiB, and fragmented memory, go in 4 KiB frames. */
static void test_inflate_4k(void **state)
{
	(void)state;
	static struct fake_vmm v;
	struct test_vm vm;
	boot(&vm, &v, false, PT_PAGE_4K);
	v.shared.target_frames = 512 * 2 + 300;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.entries_2m, 2);
	assert_int_equal(v.entries_4k, 300);
	assert_int_equal(v.messages, 2); /* 256 entries, then the rest with LAST */
	assert_int_equal(v.last_messages, 1);
	/* every frame but one 4 KiB frame per chunk in use: no whole chunk left */
	static uint64_t f[FRAMES];
	uint64_t n = 0, gpa;
	while ((gpa = gk_frame_alloc(vm.k, PT_PAGE_4K)) != GK_NO_FRAME)
		f[n++] = gpa;
	for (uint64_t i = 0; i < n; i += 512)
		assert_int_equal(gk_frame_free(vm.k, f[i], PT_PAGE_4K), 0);
	v.shared.target_frames += 1024;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.entries_2m, 2);
	assert_true(vm.k->balloon.frames >= 512 * 2 + 300 + n / 512 - 1);
	/* the allocator ran dry: later checks do not ring again */
	uint64_t m = v.messages;
	gk_balloon_poll(vm.k);
	gk_balloon_poll(vm.k);
	assert_int_equal(v.messages, m);
	v.shared.target_frames = 0;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.held, 0);
	teardown_vm(&vm);
}

/* A balloon of 75% of RAM, then the kernel needs 90%: deflate on OOM gives it back, the VMM
 * sees OOM-flagged deflates, and the balloon does not take it again at the next check. */
static void test_deflate_on_oom(void **state)
{
	(void)state;
	static struct fake_vmm v;
	struct test_vm vm;
	boot(&vm, &v, true, PT_PAGE_2M);
	v.shared.target_frames = FRAMES * 3 / 4;
	gk_balloon_poll(vm.k);
	uint64_t need = FRAMES * 9 / 10 / 512; /* 2 MiB frames */
	static uint64_t got[FRAMES / 512];
	for (uint64_t i = 0; i < need; i++) {
		uint64_t gpa = got[i] = gk_frame_alloc(vm.k, PT_PAGE_2M);
		assert_true(gpa != GK_NO_FRAME);
		assert_int_equal(v.ballooned[gpa / PT_PAGE_4K], 0);
		gk_balloon_poll(vm.k); /* a system call between faults */
	}
	assert_true(vm.k->balloon.oom_deflates > 0);
	assert_true(v.oom_messages > 0);
	assert_true(vm.k->balloon.frames <= FRAMES - need * 512);
	assert_int_equal(v.held, vm.k->balloon.frames);
	/* the same target: the cap holds while the demand stays */
	uint64_t m = v.messages;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.messages, m);
	/* the demand goes (the kernel's own use falls below half): the balloon takes its target */
	for (uint64_t i = 0; i < need; i++)
		assert_int_equal(gk_frame_free(vm.k, got[i], PT_PAGE_2M), 0);
	gk_balloon_poll(vm.k);
	assert_int_equal(v.held, FRAMES * 3 / 4);
	/* a new target lifts the cap */
	v.shared.target_frames = 0;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.held, 0);
	teardown_vm(&vm);
}


/* A statistics request is answered at the next check, inside the seqlock (even again after),
 * once per request; no message is sent for it. */
static void test_stats_on_request(void **state)
{
	(void)state;
	static struct fake_vmm v;
	struct test_vm vm;
	boot(&vm, &v, false, PT_PAGE_4K);
	for (int i = 0; i < 3; i++)
		assert_true(gk_frame_alloc(vm.k, PT_PAGE_2M) != GK_NO_FRAME);
	gk_balloon_poll(vm.k);
	assert_int_equal(v.shared.stats_seq, 0); /* nobody asked */
	v.shared.stats_request = 7;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.shared.stats_seq, 2);
	assert_int_equal(v.shared.stats.total_frames, FRAMES);
	assert_int_equal(v.shared.stats.free_frames, FRAMES - 3 * 512);
	assert_int_equal(v.shared.stats.available_frames, FRAMES - 3 * 512);
	gk_balloon_poll(vm.k); /* the same request: not again */
	assert_int_equal(v.shared.stats_seq, 2);
	v.shared.stats_request = 8;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.shared.stats_seq, 4);
	assert_int_equal(v.messages, 0);
	teardown_vm(&vm);
}

/* Free page reporting: chunks freed at epoch E are reported at the first check of epoch
 * E + GK_BALLOON_REPORT_AGE or later, each once while it stays free, in one message; a reported
 * chunk handed out again is zeroed by the allocator whatever the host left in it, and once
 * freed again it is reported again when old enough. Split chunks whose frames are all freed
 * count as free chunks. Without GK_BALLOON_REPORTING nothing is reported. */
static void test_free_page_reporting(void **state)
{
	(void)state;
	static struct fake_vmm v;
	struct test_vm vm;
	boot(&vm, &v, false, PT_PAGE_2M);
	uint64_t got[8];
	for (int i = 0; i < 8; i++) {
		got[i] = gk_frame_alloc(vm.k, PT_PAGE_2M);
		assert_true(got[i] != GK_NO_FRAME);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(gk_frame_free(vm.k, got[i], PT_PAGE_2M), 0);
	v.shared.report_epoch = 5; /* reporting off: the epoch means nothing */
	gk_balloon_poll(vm.k);
	assert_int_equal(v.report_messages, 0);
	v.shared.flags |= GK_BALLOON_REPORTING;
	v.shared.report_epoch = 1;
	gk_balloon_poll(vm.k); /* freed at epoch 0 (the last one seen with reporting on): too young */
	assert_int_equal(v.report_messages, 0);
	/* a fresh VM to start from epoch 0 with reporting on */
	teardown_vm(&vm);
	boot(&vm, &v, false, PT_PAGE_2M);
	v.shared.flags |= GK_BALLOON_REPORTING;
	for (int i = 0; i < 8; i++)
		got[i] = gk_frame_alloc(vm.k, PT_PAGE_2M);
	uint64_t f4k[512];
	for (int i = 0; i < 512; i++) /* one chunk in 4 KiB frames */
		f4k[i] = gk_frame_alloc(vm.k, PT_PAGE_4K);
	for (int i = 0; i < 4; i++)
		assert_int_equal(gk_frame_free(vm.k, got[i], PT_PAGE_2M), 0);
	for (int i = 0; i < 512; i++)
		assert_int_equal(gk_frame_free(vm.k, f4k[i], PT_PAGE_4K), 0);
	for (uint64_t ep = 1; ep < GK_BALLOON_REPORT_AGE; ep++) {
		v.shared.report_epoch = ep;
		gk_balloon_poll(vm.k);
		assert_int_equal(v.report_messages, 0); /* not old enough */
	}
	v.shared.report_epoch = GK_BALLOON_REPORT_AGE;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.report_messages, 1);
	assert_int_equal(v.reported_chunks, 5);
	assert_int_equal(vm.k->balloon.reported_chunks, 5);
	v.shared.report_epoch = GK_BALLOON_REPORT_AGE + 1;
	gk_balloon_poll(vm.k); /* all reported already */
	assert_int_equal(v.reported_chunks, 5);
	/* reuse: the allocator zeroes what the host left (0x5a here) */
	uint64_t again = gk_frame_alloc(vm.k, PT_PAGE_2M);
	assert_true(again != GK_NO_FRAME);
	assert_true(th_all_zero(&vm, again, PT_PAGE_2M));
	assert_int_equal(gk_frame_free(vm.k, again, PT_PAGE_2M), 0); /* freed at epoch AGE + 1 */
	v.shared.report_epoch = 2 * GK_BALLOON_REPORT_AGE;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.reported_chunks, 5);
	v.shared.report_epoch = 2 * GK_BALLOON_REPORT_AGE + 1;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.reported_chunks, 6); /* that one again; the others not */
	assert_int_equal(v.report_messages, 2);
	/* the balloon may take reported chunks: they are free */
	v.shared.target_frames = 4 * 512;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.held, 4 * 512);
	teardown_vm(&vm);
}

/* Exactly one full REPORT message's worth of old free chunks: that message is the pass's last
 * and says so (it was sent without GK_BALLOON_MSG_LAST, and the VMM's report_s never ended). */
static void test_report_full_batch_is_last(void **state)
{
	(void)state;
	static struct fake_vmm v;
	static uint64_t got[GK_BALLOON_BATCH];
	struct test_vm vm;
	boot_ram(&vm, &v, false, PT_PAGE_2M, BIG_RAM);
	v.shared.flags |= GK_BALLOON_REPORTING;
	for (unsigned i = 0; i < GK_BALLOON_BATCH; i++)
		assert_true((got[i] = gk_frame_alloc(vm.k, PT_PAGE_2M)) != GK_NO_FRAME);
	for (unsigned i = 0; i < GK_BALLOON_BATCH; i++)
		assert_int_equal(gk_frame_free(vm.k, got[i], PT_PAGE_2M), 0);
	v.shared.report_epoch = GK_BALLOON_REPORT_AGE;
	gk_balloon_poll(vm.k);
	assert_int_equal(v.reported_chunks, GK_BALLOON_BATCH);
	assert_int_equal(v.report_messages, 1);
	assert_int_equal(v.last_messages, 1);
	teardown_vm(&vm);
}

/* A balloon flag without the device's pieces does not boot. */
static void test_boot_needs_device(void **state)
{
	(void)state;
	struct test_vm vm;
	struct gk_boot_info bi = th_boot_info(0, RAM, 4 << 20, 4, PT_PAGE_4K);
	bi.flags |= GK_BOOT_BALLOON;
	th_setup(&vm, &bi);
	assert_int_equal(gk_boot(vm.k, &vm.hal, &vm.bi), -EINVAL);
	teardown_vm(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inflate_chunks_then_deflate),
		cmocka_unit_test(test_inflate_4k),
		cmocka_unit_test(test_deflate_on_oom),
		cmocka_unit_test(test_stats_on_request),
		cmocka_unit_test(test_free_page_reporting),
		cmocka_unit_test(test_report_full_batch_is_last),
		cmocka_unit_test(test_boot_needs_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
