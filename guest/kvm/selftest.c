/* selftest.c — ring 0 of the guest self-tests, linked into the test image only
 * (memvirt_guest_kvm_selftest, GK_IMAGE_SELFTESTS): a guest kernel that misbehaves on purpose
 * so tests/kvm can see the VMM refuse it (bad hypercall arguments, an arbitrary hypercall
 * number, a triple fault, an MMIO store off every device, page-table entries into the VMM's
 * shadow area or a writable mapping of the pool), and the kernel's half of the coherence
 * self-test (GK_SYS_TEST_PT and the probe fix-up, coherence.c). The production image links
 * selftest_none.c instead: none of this is in what users run. */
#include "guest/kvm/guest_kvm.h"

static bool coherence_test; /* GK_SELFTEST_COHERENCE: GK_SYS_TEST_PT and probe fix-ups allowed */

/* A writable user mapping of gpa at GK_VA_BASE in the current space, made by hand. */
static void map_user_page(struct gk *k, uint64_t gpa)
{
	pt_map(&pt_format_x86, k->levels, gk_as_root(k, gk_current_as(k)), GK_VA_BASE, gpa, PT_PAGE_4K,
	       X86_P | X86_RW | X86_US, gk_pt_mem(k));
}

/* Statistics no guest kernel could have (more free than total, total beyond any RAM), written
 * as the driver would (inside the seqlock) and sent with an empty INFLATE that ends a round. */
static void balloon_lying_stats(struct gk *k)
{
	volatile struct gk_balloon_shared *s = k->hal.balloon_shared;
	s->stats_seq = 101;
	s->stats.total_frames = 1ULL << 40;
	s->stats.free_frames = 1ULL << 41;
	s->stats.available_frames = 1ULL << 41;
	s->stats_seq = 102;
	k->hal.balloon_doorbell(k->hal.balloon_hw, GK_BALLOON_INFLATE, 0, GK_BALLOON_MSG_LAST);
}

/* One bad INFLATE (or REPORT) entry, straight into the array and the doorbell (no driver
 * checks), or lying statistics. */
static void balloon_bad(struct gk *k, const struct gk_boot_page *bp)
{
	const struct gk_boot_info *bi = &bp->info;
	uint64_t last = (bi->ram_base + bi->ram_bytes - PT_PAGE_2M) | GK_BALLOON_ENTRY_2M, e = 0;
	uint32_t op = GK_BALLOON_INFLATE;
	if (!k->hal.balloon_entries)
		return;
	switch (bp->run.selftest_arg) {
	case GK_SELFTEST_BALLOON_STATS:
		balloon_lying_stats(k);
		return;
	case GK_SELFTEST_BALLOON_REPORT_4K: e = bi->ram_base + 7 * PT_PAGE_4K, op = GK_BALLOON_REPORT; break;
	case GK_SELFTEST_BALLOON_REPORT_OFF: e = last, op = GK_BALLOON_REPORT; break;
	case GK_SELFTEST_BALLOON_OUTSIDE: e = 1ULL << 45; break;
	case GK_SELFTEST_BALLOON_POOL: e = bi->pt_pool_base; break;
	case GK_SELFTEST_BALLOON_TWICE:
	case GK_SELFTEST_BALLOON_TOUCH:
	case GK_SELFTEST_BALLOON_TOUCH_KERNEL: e = last; break;
	case GK_SELFTEST_BALLOON_FLAGS: e = bi->ram_base | 0x10; break;
	case GK_SELFTEST_BALLOON_KERNEL: e = GK_IMAGE_GPA; break;
	}
	k->hal.balloon_entries[0] = e;
	if (bp->run.selftest_arg == GK_SELFTEST_BALLOON_TWICE)
		k->hal.balloon_doorbell(k->hal.balloon_hw, GK_BALLOON_INFLATE, 1, GK_BALLOON_MSG_LAST);
	k->hal.balloon_doorbell(k->hal.balloon_hw, op, 1, GK_BALLOON_MSG_LAST);
	/* a frame given away, then touched: ring 3 writes it through GK_VA_BASE (user_selftest.c) */
	if (bp->run.selftest_arg == GK_SELFTEST_BALLOON_TOUCH)
		map_user_page(k, last & ~GK_BALLOON_ENTRY_FLAGS);
	else if (bp->run.selftest_arg == GK_SELFTEST_BALLOON_TOUCH_KERNEL)
		*(volatile uint64_t *)(uintptr_t)(last & ~GK_BALLOON_ENTRY_FLAGS) = 0xbad;
}

void guest_selftest_kernel(struct gk *k, const struct gk_boot_page *bp)
{
	const struct gk_run_block *run = &bp->run;
	switch (run->selftest) {
	case GK_SELFTEST_BAD_ZERO:
		guest_hcall(GK_HC_ZERO, 1ULL << 50, PT_PAGE_4K, 0, 0);
		break;
	case GK_SELFTEST_BAD_CONSOLE:
		guest_hcall(GK_HC_CONSOLE, 1ULL << 40, 0, 0, 0);
		break;
	case GK_SELFTEST_BAD_SLEEP: /* what ring 3 cannot ask for: GK_SYS_SLEEP checks the range */
		guest_hcall(GK_HC_SLEEP, GK_HC_SLEEP_MAX_US + 1, 0, 0, 0);
		break;
	case GK_SELFTEST_HCALL: {
		int64_t r = guest_hcall(run->selftest_arg, 0x11, 0x22, 0x33, 0x44);
		if (r != 0)
			guest_hcall(run->selftest_arg, (uint64_t)r, 0, 0, 0);
		break;
	}
	case GK_SELFTEST_TRIPLE_FAULT: {
		struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt = { 0, 0 };
		__asm__ volatile("lidt %0\n\tud2" : : "m"(idt));
		break;
	}
	case GK_SELFTEST_MMIO_POKE:
		*(volatile uint64_t *)(uintptr_t)(run->mmio_gpa + 0x800) = 0xbad;
		break;
	case GK_SELFTEST_MAP_SHADOW_AREA: /* the VMM's shadow area follows the pool */
		map_user_page(k, bp->info.pt_pool_base + bp->info.pt_pool_bytes);
		break;
	case GK_SELFTEST_MAP_POOL_RW:     /* ring 3 then writes it (user_selftest.c) */
		map_user_page(k, bp->info.pt_pool_base);
		break;
	case GK_SELFTEST_BALLOON_BAD:
		balloon_bad(k, bp);
		break;
	case GK_SELFTEST_COHERENCE: /* driven from ring 3 (user_coherence.c) */
		coherence_test = true;
		break;
	}
}

int64_t guest_selftest_syscall(struct gk *k, uint64_t op, uint64_t page)
{
	return coherence_test ? guest_coherence_syscall(k, op, page) : -ENOSYS;
}

bool guest_selftest_fixup(struct guest_trap_frame *f)
{
	return coherence_test && guest_probe_fixup(f);
}
