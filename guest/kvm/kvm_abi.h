/* kvm_abi.h — the contract between the kvm platform's VMM (vmm/kvm_*.c) and the guest image
 * (guest/kvm/): the image header, the fixed guest-physical addresses of the system pages, the
 * run block the VMM hands the guest, the system calls ring 3 makes into the guest kernel, and
 * the hypercall ABI (version GK_HC_VERSION) the guest kernel uses to reach the VMM.
 * Described for humans in docs/kvm-platform.md. Freestanding: included by both sides. */
#ifndef MEMVIRT_GUEST_KVM_ABI_H
#define MEMVIRT_GUEST_KVM_ABI_H

#include <stdint.h>

#include "guest/balloon_abi.h"
#include "guest/gk.h"
#include "workloads/wl.h"

/* ---- System area: guest-physical [0, 2 MiB), written by the VMM, supervisor-only --------- */

#define GK_SYS_BOOT_GPA  0x1000ULL  /* struct gk_boot_page */
#define GK_SYS_GDT_GPA   0x2000ULL
#define GK_SYS_IDT_GPA   0x3000ULL
#define GK_SYS_TSS_GPA   0x4000ULL
#define GK_SYS_HCALL_GPA 0x5000ULL  /* struct gk_hcall_page (one page) */
#define GK_SYS_BALLOON_GPA 0x6000ULL /* struct gk_balloon_shared (balloon/, GK_BOOT_BALLOON) */
#define GK_SYS_BALLOON_ENTRIES_GPA 0x7000ULL /* GK_BALLOON_BATCH entries (guest/balloon_abi.h) */
_Static_assert(GK_BALLOON_BATCH * 8 <= 0x1000, "the balloon's entry array is one system page");
#define GK_SYS_PT_GPA    0x10000ULL /* boot page tables: PML4, PDPT, PDs (identity map) */
#define GK_SYS_PT_END    0x200000ULL
#define GK_IMAGE_GPA     0x200000ULL /* the image is linked and loaded here (identity mapped) */

/* GDT selectors (the VMM writes the GDT; iretq to ring 3 loads the user ones from it). */
#define GK_SEL_KCODE 0x08u
#define GK_SEL_KDATA 0x10u
#define GK_SEL_UCODE 0x1bu /* 0x18 | RPL 3 */
#define GK_SEL_UDATA 0x23u /* 0x20 | RPL 3 */
#define GK_SEL_TSS   0x28u

#define GK_HC_PORT 0x0510u /* 32-bit OUT of the hypercall number */

/* ---- Image header: the first bytes of the flat image --------------------------------------- */

#define GK_IMAGE_MAGIC   0x474d49545649454dULL /* "MEVITIMG" */
#define GK_IMAGE_VERSION 5u /* 5: kstats_gpa */
#define GK_TRAP_VECTORS  32u

struct gk_image_header {
	uint64_t magic;        /* GK_IMAGE_MAGIC */
	uint32_t version;      /* GK_IMAGE_VERSION */
	uint32_t trap_stub_size; /* bytes between consecutive trap stubs */
	uint64_t load_gpa;     /* GK_IMAGE_GPA */
	uint64_t file_end;     /* end of the bytes in the file (text + data) */
	uint64_t bss_end;      /* end of everything the image needs (bss, stacks) */
	uint64_t entry;        /* ring-0 entry: rdi = GK_SYS_BOOT_GPA, rsp = kstack_top */
	uint64_t trap_stubs;   /* stub for vector v at trap_stubs + v * trap_stub_size */
	uint64_t kstack_top;   /* ring-0 stack (TSS.RSP0) */
	uint64_t progress_gpa; /* the workload's wl_ctx.progress (ring 3 writes it; identity mapped) */
	/* Ring 3's pages (4 KiB aligned): text and rodata [user_text, user_data) read-only,
	 * data and bss [user_data, user_end) writable; the rest of the image is supervisor-only. */
	uint64_t user_text, user_data, user_end;
	uint64_t flags;        /* GK_IMAGE_SELFTESTS */
	uint64_t kstats_gpa;   /* the guest kernel's struct gk_stats (ring 0 keeps it; supervisor-only):
				* the VMM reads frames_4k and frames_2m from it while the guest runs */
};

/* The image carries the self-tests (the test image, built for tests/ only); the production
 * image does not, and the VMM refuses a run block asking it for one. */
#define GK_IMAGE_SELFTESTS (1ULL << 0)

/* ---- Boot page: boot info for gk_boot, plus what to run ------------------------------------ */

#define GK_RUN_MAGIC   0x314e5552564d454dULL /* "MEMVRUN1" */
#define GK_RUN_VERSION 4u /* 2: struct wl_params grew (idle, phases and dup parameters); 3: runtime, ramp, loops;
			   * 4: sys_every (phases) */

/* Test hooks: a selftest makes the guest misbehave on purpose (tests/kvm). Only the test
 * image (GK_IMAGE_SELFTESTS) has them. */
enum gk_selftest {
	GK_SELFTEST_NONE = 0,
	GK_SELFTEST_BAD_ZERO,       /* ZERO hypercall on a range outside guest RAM */
	GK_SELFTEST_BAD_CONSOLE,    /* CONSOLE hypercall longer than the buffer */
	GK_SELFTEST_HCALL,          /* hypercall number selftest_arg with args 0x11, 0x22, 0x33, 0x44;
				     * when it returns r != 0, the same number again with arg0 = r
				     * (an unknown number, or a test device's: tests/kvm) */
	GK_SELFTEST_TRIPLE_FAULT,   /* empty IDT, then an exception */
	GK_SELFTEST_WILD_STORE,     /* ring 3 stores outside every mapped region */
	GK_SELFTEST_MMIO_POKE,      /* ring 0 writes into the MMIO window, off the doorbell */
	GK_SELFTEST_READ_KERNEL,    /* ring 3 reads a supervisor page of the image */
	GK_SELFTEST_WRITE_USER_TEXT,/* ring 3 writes its own (read-only) code */
	GK_SELFTEST_USER_HLT,       /* ring 3 executes a privileged instruction (#GP) */
	GK_SELFTEST_MAP_SHADOW_AREA,/* ring 0 writes a PTE pointing into the VMM's shadow area */
	GK_SELFTEST_MAP_POOL_RW,    /* ring 0 maps a page-table pool page writable at a user
				     * address, ring 3 writes through it */
	GK_SELFTEST_COHERENCE,      /* not misbehaviour: ring 3 drives params.ops random map /
				     * unmap / protect / write / switch steps on the kernel's
				     * tables (GK_SYS_TEST_PT), checking every page after each
				     * (guest/kvm/user_coherence.c, coherence.c) */
	GK_SELFTEST_BAD_SLEEP,      /* SLEEP hypercall longer than GK_HC_SLEEP_MAX_US */
	GK_SELFTEST_BALLOON_BAD,    /* a VM with a balloon: a one-entry INFLATE (or REPORT) of a bad
				     * entry, or lying statistics, chosen by selftest_arg (enum
				     * gk_selftest_balloon) */
	GK_SELFTEST_COUNT
};

/* GK_SELFTEST_BALLOON_BAD's entries. */
enum gk_selftest_balloon {
	GK_SELFTEST_BALLOON_OUTSIDE = 1, /* a frame far beyond every slot */
	GK_SELFTEST_BALLOON_POOL,        /* the first page-table pool page */
	GK_SELFTEST_BALLOON_TWICE,       /* the last RAM chunk, inflated twice */
	GK_SELFTEST_BALLOON_FLAGS,       /* a RAM frame with unknown flag bits */
	GK_SELFTEST_BALLOON_KERNEL,      /* the kernel image's first page (system area) */
	GK_SELFTEST_BALLOON_REPORT_4K,   /* a REPORT of one 4 KiB RAM frame (chunks only) */
	GK_SELFTEST_BALLOON_REPORT_OFF,  /* a REPORT of a free RAM chunk in a VM without report=on */
	GK_SELFTEST_BALLOON_STATS,       /* not a stop: statistics that lie (free > total > guest
					  * RAM) sent with an empty INFLATE; the run goes on */
	GK_SELFTEST_BALLOON_TOUCH,       /* not a bad entry: the last RAM chunk, inflated, then
					  * mapped at GK_VA_BASE and written from ring 3 */
	GK_SELFTEST_BALLOON_TOUCH_KERNEL,/* the same chunk inflated, then written from ring 0 */
};

struct gk_run_block {
	uint64_t magic;        /* GK_RUN_MAGIC */
	uint32_t version;      /* GK_RUN_VERSION */
	uint32_t workload;     /* index into wl_registry_direct */
	char workload_name[16];/* checked against the registry entry */
	struct wl_params params;
	uint64_t kernel_pml4e; /* PML4 entry 0 (the identity map) every root must carry */
	uint64_t mmio_gpa;     /* the MMIO window (selftest only) */
	uint32_t selftest;     /* enum gk_selftest */
	uint32_t selftest_arg; /* GK_SELFTEST_HCALL: the hypercall number */
};

struct gk_boot_page {
	struct gk_boot_info info;
	uint8_t pad[256 - sizeof(struct gk_boot_info)];
	struct gk_run_block run;
};

/* ---- System calls: ring 3 calls guest_syscall_gate (a `ud2` at a known address) ----------- */

enum gk_sys {
	GK_SYS_MAP = 1,       /* (bytes) -> address or 0 */
	GK_SYS_UNMAP,         /* (va, bytes) -> 0 / -errno */
	GK_SYS_AS_CREATE,     /* () -> id / -errno */
	GK_SYS_AS_SWITCH,     /* (id) -> 0 / -errno */
	GK_SYS_PHASE,         /* (enum wl_phase, tsc) -> 0 */
	GK_SYS_EXIT,          /* (rc, checksum): does not return */
	GK_SYS_TEST_PT,       /* GK_SELFTEST_COHERENCE only: (enum gk_test_pt, page) -> 0 / -errno,
			       * or the guest leaf entry (GK_TEST_PT_LEAF) */
	GK_SYS_SLEEP,         /* (us, 0 < us <= GK_HC_SLEEP_MAX_US) -> 0 / -errno: GK_HC_SLEEP */
};

/* The coherence self-test's page-table operations on page p (0 <= p < GK_TEST_PAGES) at
 * GK_VA_BASE + p * 4 KiB in the current address space. */
#define GK_TEST_PAGES 8u
enum gk_test_pt {
	GK_TEST_PT_MAP = 1,  /* a fresh frame, writable */
	GK_TEST_PT_UNMAP,    /* clear the leaf, invlpg, free the frame */
	GK_TEST_PT_PROTECT,  /* flip the leaf's RW bit, invlpg */
	GK_TEST_PT_LEAF,     /* the guest's leaf entry (0 when unmapped) */
};

/* ---- Hypercalls: the guest kernel fills the page, then OUTs the number to GK_HC_PORT ------- */

#define GK_HC_VERSION 6u /* 3: GK_HC_SLEEP; 4: GK_HC_BALLOON_INFLATE / _DEFLATE; 5: PHASE fills stats, timing;
			  * 6: GK_HC_BALLOON_REPORT */
#define GK_HC_CONSOLE_BYTES 2048u
#define GK_HC_SLEEP_MAX_US WL_SLEEP_MAX_US /* 10 s: the longest GK_HC_SLEEP the VMM accepts */

enum gk_hc {
	GK_HC_CONSOLE = 1, /* arg0 = length of console[]: the VMM logs the text */
	GK_HC_PHASE,       /* arg0 = enum wl_phase, arg1 = guest TSC at the mark; stats and timing
			    * filled as at DONE (the counters at the mark, split by phase) */
	GK_HC_DONE,        /* arg0 = workload rc (int64), arg1 = checksum, arg2 = passes, arg3 =
			    * time-based measured operations (wl.h), stats filled: stop */
	GK_HC_ZERO,        /* arg0 = gpa, arg1 = 4 KiB or 2 MiB, gpa aligned to it: zero a recycled RAM frame */
	GK_HC_FAULT,       /* arg0 = gva, arg1 = #PF error code, arg2 = rip, arg3 = rc: stop */
	GK_HC_PANIC,       /* arg0 = vector, arg1 = rip, arg2 = error code, arg3 = cr2: stop */
	GK_HC_USER_TRAP,   /* arg0 = vector, arg1 = rip, arg2 = error code: ring 3 raised an
			    * exception the kernel does not handle; stop (workload killed) */
	/* Shadow paging only (boot info GK_BOOT_SHADOW); under ept the VMM refuses them. */
	GK_HC_CR3_LOAD,    /* arg0 = guest root (gpa), arg1 = asid: the VMM loads its shadow */
	GK_HC_HIDDEN_FAULT,/* arg0 = gva, arg1 = #PF error code: ret 0 = the VMM filled the
			    * shadow (retry), -EFAULT = the guest's tables lack it (its fault) */
	GK_HC_INVLPG,      /* arg0 = gva: the VMM drops the shadow leaf and flushes */
	GK_HC_SLEEP,       /* arg0 = microseconds, 0 < arg0 <= GK_HC_SLEEP_MAX_US: the VMM sleeps the
			    * vCPU thread (paravirtual sleep: no ring-0 spinning); ret 0, or -EINTR
			    * when the run is being stopped. Not counted in the guest's round trips */
	/* The balloon device's (balloon/balloon_kvm.c), only in VMs that carry one
	 * (GK_BOOT_BALLOON); entries at GK_SYS_BALLOON_ENTRIES_GPA, guest/balloon_abi.h. */
	GK_HC_BALLOON_INFLATE, /* arg0 = n <= GK_BALLOON_BATCH entries, arg1 = GK_BALLOON_MSG_* */
	GK_HC_BALLOON_DEFLATE, /* the same; the VMM has made the frames usable when it returns */
	GK_HC_BALLOON_REPORT,  /* the same, free 2 MiB chunks (free page reporting): the VMM has
				* released their host backing when it returns; they stay the guest's */
};

/* Exit costs as the guest sees them: TSC cycles from just before the exiting instruction
 * (OUT, or the page-table store) to just after it, per reason. Filled at DONE. */
enum gk_exit_kind { GK_EXIT_PT_WRITE, GK_EXIT_CR3_LOAD, GK_EXIT_HIDDEN_FAULT, GK_EXIT_INVLPG,
		    GK_EXIT_HYPERCALL, GK_EXIT_KINDS };

struct gk_exit_timing {
	uint64_t count[GK_EXIT_KINDS];
	uint64_t cycles[GK_EXIT_KINDS];
};

struct gk_hcall_page {
	uint32_t version;      /* GK_HC_VERSION */
	uint32_t nr;           /* the same number as the OUT, or the call is refused */
	uint64_t arg[4];
	int64_t ret;           /* written by the VMM: 0 or -errno */
	struct gk_stats stats; /* DONE, PHASE: the kernel's counters */
	struct gk_exit_timing timing; /* DONE, PHASE: round trips measured by the guest */
	char console[GK_HC_CONSOLE_BYTES];
};

#endif
