/* hal.c — the guest kernel's hardware on kvm (struct gk_hal) and its hypercall path.
 *
 * Guest-physical memory is identity-mapped (PML4 entry 0, built by the VMM), so the kernel's
 * accesses are plain loads and stores. Two things keep the ring-0 paths short, because on
 * some hosts every ring-0 instruction is emulated (~1 µs each):
 *  - frame zeroing: fresh guest RAM is already zero (the VMM backs it with fresh anonymous
 *    memory), so only a frame handed out before is zeroed, and by the VMM (one ZERO
 *    hypercall) rather than by a 512-iteration loop here. A bitmap remembers which 4 KiB
 *    frames were ever handed out.
 *  - CR3 loads: each address space's root gets the identity-map entry (index 0, below every
 *    user address) written into it before it is loaded, one store instead of a table copy.
 *
 * Under shadow paging (boot flag GK_BOOT_SHADOW) the same kernel runs with three changes
 * here and nothing else: a CR3 load and an invlpg are hypercalls (the VMM owns the real CR3
 * and the tables the CPU walks), and the identity-map entry is written into a root only when
 * it is not there yet (every pool store exits). Each exit's round trip is timed with the TSC
 * around the exiting instruction and handed to the VMM at DONE (struct gk_exit_timing). */
#include "guest/kvm/guest_kvm.h"

#define FRAME_WORDS (GK_MAX_RAM_BYTES / PT_PAGE_4K / 64)

static struct {
	uint64_t ram_base;
	uint64_t kernel_pml4e;
	bool shadow;                      /* GK_BOOT_SHADOW */
	struct gk_exit_timing timing;
	uint64_t handed_out[FRAME_WORDS]; /* bit per 4 KiB frame: ever returned by the allocator */
} hal_state;

struct gk_hcall_page *guest_hcall_page(void)
{
	return (struct gk_hcall_page *)(uintptr_t)GK_SYS_HCALL_GPA;
}

static void timing_add(enum gk_exit_kind kind, uint64_t t0)
{
	hal_state.timing.cycles[kind] += guest_rdtsc() - t0;
	hal_state.timing.count[kind]++;
}

/* As the VMM counts them: a hidden-fault check the VMM does not resolve is a plain hypercall. */
static enum gk_exit_kind hcall_kind(uint32_t nr, int64_t ret)
{
	switch (nr) {
	case GK_HC_CR3_LOAD: return GK_EXIT_CR3_LOAD;
	case GK_HC_HIDDEN_FAULT: return ret == 0 ? GK_EXIT_HIDDEN_FAULT : GK_EXIT_HYPERCALL;
	case GK_HC_INVLPG: return GK_EXIT_INVLPG;
	default: return GK_EXIT_HYPERCALL;
	}
}

void guest_hal_timing_report(void)
{
	const uint64_t *s = (const uint64_t *)&hal_state.timing;
	uint64_t *d = (uint64_t *)&guest_hcall_page()->timing;
	for (unsigned i = 0; i < sizeof(hal_state.timing) / sizeof(uint64_t); i++)
		d[i] = s[i];
}

int64_t guest_hcall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	volatile struct gk_hcall_page *hc = guest_hcall_page();
	hc->version = GK_HC_VERSION;
	hc->nr = nr;
	hc->arg[0] = a0;
	hc->arg[1] = a1;
	hc->arg[2] = a2;
	hc->arg[3] = a3;
	hc->ret = -1;
	uint64_t t0 = guest_rdtsc();
	__asm__ volatile("outl %0, %w1" : : "a"(nr), "Nd"((uint16_t)GK_HC_PORT) : "memory");
	int64_t ret = hc->ret;
	if (nr != GK_HC_SLEEP) /* a sleep's round trip is its length, not an exit cost */
		timing_add(hcall_kind(nr, ret), t0);
	return ret;
}

void guest_hcall_stop(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	guest_hcall(nr, a0, a1, a2, a3);
	for (;;) /* the VMM does not resume a stopped guest; halt if it does */
		__asm__ volatile("hlt");
}

static uint64_t hal_phys_read(void *hw, uint64_t gpa)
{
	(void)hw;
	return *(volatile uint64_t *)(uintptr_t)gpa;
}

static void hal_phys_write(void *hw, uint64_t gpa, uint64_t v)
{
	(void)hw;
	*(volatile uint64_t *)(uintptr_t)gpa = v;
}

/* A page-table store: under shadow paging the pool is a read-only memslot and the store
 * exits to the VMM as an MMIO write, which it emulates. */
static void hal_pt_write(void *hw, uint64_t gpa, uint64_t v)
{
	if (!hal_state.shadow) {
		hal_phys_write(hw, gpa, v);
		return;
	}
	uint64_t t0 = guest_rdtsc();
	hal_phys_write(hw, gpa, v);
	timing_add(GK_EXIT_PT_WRITE, t0);
}

/* True when any 4 KiB frame of [gpa, gpa + bytes) was handed out before; marks them all. */
static int frames_recycled(uint64_t gpa, uint64_t bytes)
{
	uint64_t first = (gpa - hal_state.ram_base) / PT_PAGE_4K;
	uint64_t *w = &hal_state.handed_out[first / 64];
	if (bytes == PT_PAGE_4K) {
		uint64_t bit = 1ULL << (first % 64);
		int seen = (*w & bit) != 0;
		*w |= bit;
		return seen;
	}
	uint64_t any = 0; /* 2 MiB frames are 2 MiB aligned: whole words */
	for (uint64_t i = 0; i < bytes / PT_PAGE_4K / 64; i++) {
		any |= w[i];
		w[i] = ~0ULL;
	}
	return any != 0;
}

static void hal_phys_zero(void *hw, uint64_t gpa, uint64_t bytes)
{
	(void)hw;
	if (frames_recycled(gpa, bytes) && guest_hcall(GK_HC_ZERO, gpa, bytes, 0, 0) != 0)
		guest_hcall_stop(GK_HC_PANIC, 0xfe, gpa, bytes, 0);
}

static void hal_cr3_load(void *hw, uint64_t root, uint16_t asid)
{
	if (hal_state.shadow) {
		if (hal_phys_read(hw, root) != hal_state.kernel_pml4e)
			hal_pt_write(hw, root, hal_state.kernel_pml4e);
		if (guest_hcall(GK_HC_CR3_LOAD, root, asid, 0, 0) != 0)
			guest_hcall_stop(GK_HC_PANIC, 0xfd, root, asid, 0);
		return;
	}
	/* no PCID: a CR3 load flushes the TLB, which is always correct */
	*(volatile uint64_t *)(uintptr_t)root = hal_state.kernel_pml4e;
	__asm__ volatile("mov %0, %%cr3" : : "r"(root) : "memory");
}

static void hal_invlpg(void *hw, uint64_t gva)
{
	(void)hw;
	if (hal_state.shadow)
		guest_hcall(GK_HC_INVLPG, gva, 0, 0, 0);
	else
		__asm__ volatile("invlpg (%0)" : : "r"(gva) : "memory");
}

bool guest_hal_shadow(void) { return hal_state.shadow; }

/* The balloon's doorbell: the entries are already at GK_SYS_BALLOON_ENTRIES_GPA, where the
 * VMM reads them; a message it refuses stops the VM, so a return is success. */
static int64_t hal_balloon_doorbell(void *bhw, uint32_t op, uint32_t n, uint32_t flags)
{
	(void)bhw;
	uint32_t nr = op == GK_BALLOON_INFLATE ? GK_HC_BALLOON_INFLATE
		      : op == GK_BALLOON_REPORT ? GK_HC_BALLOON_REPORT
						: GK_HC_BALLOON_DEFLATE;
	return guest_hcall(nr, n, flags, 0, 0);
}

void guest_hal_init(struct gk_hal *hal, uint64_t ram_base, uint64_t kernel_pml4e, uint32_t boot_flags)
{
	hal_state.ram_base = ram_base;
	hal_state.kernel_pml4e = kernel_pml4e;
	hal_state.shadow = (boot_flags & GK_BOOT_SHADOW) != 0;
	hal->phys_read = hal_phys_read;
	hal->phys_write = hal_phys_write;
	hal->phys_zero = hal_phys_zero;
	hal->pt_write = hal_pt_write;
	hal->cr3_load = hal_cr3_load;
	hal->invlpg = hal_invlpg;
	hal->hw = &hal_state;
	if (boot_flags & GK_BOOT_BALLOON) {
		hal->balloon_shared = (volatile struct gk_balloon_shared *)(uintptr_t)GK_SYS_BALLOON_GPA;
		hal->balloon_entries = (uint64_t *)(uintptr_t)GK_SYS_BALLOON_ENTRIES_GPA;
		hal->balloon_doorbell = hal_balloon_doorbell;
	} else {
		hal->balloon_shared = NULL;
		hal->balloon_entries = NULL;
		hal->balloon_doorbell = NULL;
	}
	hal->balloon_hw = NULL;
}
