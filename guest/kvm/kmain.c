/* kmain.c — the guest kernel's ring-0 side on kvm: boot from the VMM's boot page, then enter
 * the workload in ring 3; afterwards every entry is a trap: a ring-3 #PF goes to
 * gk_page_fault, a ring-3 #UD at guest_syscall_gate is a system call, anything else is
 * reported to the VMM (FAULT for the workload, PANIC for the kernel) and stops the guest.
 * Self-tests are not here: the test image links them (selftest.c), the production image the
 * stubs that refuse them (selftest_none.c); GK_IMAGE_FLAGS says which in the header. */
#include "guest/kvm/guest_kvm.h"

#define VEC_UD 6u
#define VEC_PF 14u

/* Bounds of the image and of its ring-3 part, from guest.ld. */
extern char __gk_file_end[], __gk_bss_end[], __gk_user_text[], __gk_user_data[], __gk_user_end[];

#ifndef GK_IMAGE_FLAGS
#define GK_IMAGE_FLAGS 0 /* set by the build: GK_IMAGE_SELFTESTS for the test image */
#endif

static struct gk kernel;

/* Kernel stack: the VMM sets rsp (and TSS.RSP0) to kstack + sizeof(kstack). */
static uint8_t kstack[16 << 10] __attribute__((aligned(16)));

__attribute__((section(".gk_header"), used)) static const struct gk_image_header header = {
	.magic = GK_IMAGE_MAGIC,
	.version = GK_IMAGE_VERSION,
	.trap_stub_size = 16,
	.load_gpa = GK_IMAGE_GPA,
	.file_end = (uint64_t)(uintptr_t)__gk_file_end,
	.bss_end = (uint64_t)(uintptr_t)__gk_bss_end,
	.entry = (uint64_t)(uintptr_t)guest_kernel_entry,
	.trap_stubs = (uint64_t)(uintptr_t)guest_trap_stubs,
	.kstack_top = (uint64_t)(uintptr_t)(kstack + sizeof(kstack)),
	.progress_gpa = (uint64_t)(uintptr_t)&guest_user_ctx.progress,
	.user_text = (uint64_t)(uintptr_t)__gk_user_text,
	.user_data = (uint64_t)(uintptr_t)__gk_user_data,
	.user_end = (uint64_t)(uintptr_t)__gk_user_end,
	.flags = GK_IMAGE_FLAGS,
	.kstats_gpa = (uint64_t)(uintptr_t)&kernel.stats,
};

static uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

__attribute__((noreturn)) void guest_panic(uint64_t vector, uint64_t rip, uint64_t err)
{
	guest_hcall_stop(GK_HC_PANIC, vector, rip, err, read_cr2());
}

static void stats_copy(struct gk_stats *dst, const struct gk_stats *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	for (unsigned i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		d[i] = s[i];
}

/* The kernel's counters and the round trips so far, for the VMM (DONE and each PHASE mark). */
static void counters_report(void)
{
	stats_copy(&guest_hcall_page()->stats, &kernel.stats);
	guest_hal_timing_report();
}

static __attribute__((noreturn)) void sys_exit(int64_t rc, uint64_t checksum)
{
	counters_report();
	guest_hcall_stop(GK_HC_DONE, (uint64_t)rc, checksum, guest_user_ctx.passes, guest_user_ctx.ops_measured);
}

static int64_t sys_phase(uint64_t phase, uint64_t tsc)
{
	if (phase > WL_PHASE_DONE)
		return -EINVAL;
	counters_report();
	return guest_hcall(GK_HC_PHASE, phase, tsc, 0, 0);
}

static int64_t syscall_dispatch(uint64_t nr, uint64_t a0, uint64_t a1)
{
	gk_balloon_poll(&kernel); /* one load and compare when the target did not change */
	switch (nr) {
	case GK_SYS_MAP:
		return (int64_t)gk_sys_map(&kernel, a0);
	case GK_SYS_UNMAP:
		return gk_sys_unmap(&kernel, a0, a1);
	case GK_SYS_AS_CREATE:
		return gk_as_create(&kernel);
	case GK_SYS_AS_SWITCH:
		return a0 < GK_MAX_AS ? gk_as_switch(&kernel, (int)a0) : -EINVAL;
	case GK_SYS_PHASE:
		return sys_phase(a0, a1);
	case GK_SYS_EXIT:
		sys_exit((int64_t)a0, a1);
	case GK_SYS_TEST_PT:
		return guest_selftest_syscall(&kernel, a0, a1);
	case GK_SYS_SLEEP:
		return a0 > 0 && a0 <= GK_HC_SLEEP_MAX_US ? guest_hcall(GK_HC_SLEEP, a0, 0, 0, 0) : -EINVAL;
	}
	return -ENOSYS;
}

/* Under shadow paging a #PF is first the VMM's: it fills the shadow from the guest's tables
 * when they allow the access (a hidden fault), and says -EFAULT when they do not. */
static bool hidden_fault(uint64_t gva, uint64_t err)
{
	return guest_hal_shadow() && guest_hcall(GK_HC_HIDDEN_FAULT, gva, err, 0, 0) == 0;
}

static void page_fault(struct guest_trap_frame *f, bool user)
{
	uint64_t gva = read_cr2();
	if (hidden_fault(gva, f->err))
		return;
	if (!user)
		guest_panic(f->vector, f->rip, f->err);
	if (guest_selftest_fixup(f))
		return;
	int rc = gk_page_fault(&kernel, gva, (uint32_t)f->err);
	if (rc != 0)
		guest_hcall_stop(GK_HC_FAULT, gva, f->err, f->rip, (uint64_t)(int64_t)rc);
	/* the retry would fault again on the empty shadow: have the VMM fill it now instead */
	if (guest_hal_shadow())
		hidden_fault(gva, f->err);
}

void guest_trap(struct guest_trap_frame *f)
{
	bool user = (f->cs & 3) == 3;
	if (f->vector == VEC_PF) {
		page_fault(f, user);
		return;
	}
	if (user && f->vector == VEC_UD && f->rip == (uint64_t)(uintptr_t)guest_syscall_gate) {
		f->rax = (uint64_t)syscall_dispatch(f->rdi, f->rsi, f->rdx);
		f->rip += 2; /* past the ud2, onto the gate's ret */
		return;
	}
	if (user)
		guest_hcall_stop(GK_HC_USER_TRAP, f->vector, f->rip, f->err, 0);
	guest_panic(f->vector, f->rip, f->err);
}

static void user_run_copy(const struct gk_run_block *src)
{
	const uint8_t *s = (const uint8_t *)src;
	uint8_t *d = (uint8_t *)&guest_user_run;
	for (unsigned i = 0; i < sizeof(guest_user_run); i++)
		d[i] = s[i];
}

void guest_kernel_main(const struct gk_boot_page *bp)
{
	struct gk_hal hal;
	if (bp->run.magic != GK_RUN_MAGIC || bp->run.version != GK_RUN_VERSION)
		guest_panic(0x100, 0, 0);
	guest_hal_init(&hal, bp->info.ram_base, bp->run.kernel_pml4e, bp->info.flags);
	int rc = gk_boot(&kernel, &hal, &bp->info);
	if (rc < 0)
		guest_panic(0x101, 0, (uint64_t)(int64_t)rc);
	guest_selftest_kernel(&kernel, bp);
	user_run_copy(&bp->run);
	guest_hcall(GK_HC_PHASE, WL_PHASE_SETUP, guest_rdtsc(), 0, 0);
	guest_enter_user(guest_user_main,
			 (uint64_t)(uintptr_t)(guest_user_stack + sizeof(guest_user_stack)) - 8, &guest_user_run);
}
