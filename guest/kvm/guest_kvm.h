/* guest_kvm.h — what the pieces of the kvm guest image share: the trap frame the stubs in
 * entry.c build, the ring-0 HAL and hypercall helpers (hal.c), and the ring-3 side (user.c).
 * Only compiled into the guest image, never into the VMM. */
#ifndef MEMVIRT_GUEST_KVM_GUEST_KVM_H
#define MEMVIRT_GUEST_KVM_GUEST_KVM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest/kvm/kvm_abi.h"

/* Built by guest_trap_common: caller-saved registers, then vector, error code, and the
 * frame the CPU pushed. */
struct guest_trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, err;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* entry.c */
void guest_kernel_entry(void);
long guest_syscall_gate(long nr, long a0, long a1, long a2);
__attribute__((noreturn)) void guest_enter_user(void (*entry)(const struct gk_run_block *), uint64_t rsp,
						const struct gk_run_block *arg);
extern const char guest_trap_stubs[];
void guest_trap(struct guest_trap_frame *f);

/* kmain.c: called by guest_kernel_entry with the boot page. */
void guest_kernel_main(const struct gk_boot_page *bp);
/* Stops the guest: PANIC to the VMM with the vector, rip, error code and CR2. */
__attribute__((noreturn)) void guest_panic(uint64_t vector, uint64_t rip, uint64_t err);

/* Self-tests: selftest.c and user_selftest.c in the test image (GK_IMAGE_SELFTESTS),
 * selftest_none.c and user_selftest_none.c in the production image, which has none.
 * Ring 0, after boot: the kernel's misbehaviour for the run block's selftest. */
void guest_selftest_kernel(struct gk *k, const struct gk_boot_page *bp);
/* Ring 0: GK_SYS_TEST_PT (-ENOSYS outside the coherence self-test). */
int64_t guest_selftest_syscall(struct gk *k, uint64_t op, uint64_t page);
/* Ring 0: a ring-3 #PF the self-test expects (a probe instruction); true when handled. */
bool guest_selftest_fixup(struct guest_trap_frame *f);
/* Ring 3: the workload's misbehaviour; true when the self-test replaces the workload (rc and
 * checksum set), false to run the workload. */
bool guest_user_selftest(const struct gk_run_block *run, int *rc, uint64_t *checksum);

/* hal.c: the guest kernel's hardware on kvm, and the hypercall path to the VMM. */
void guest_hal_init(struct gk_hal *hal, uint64_t ram_base, uint64_t kernel_pml4e, uint32_t boot_flags);
/* The VMM runs shadow paging (GK_BOOT_SHADOW). */
bool guest_hal_shadow(void);
/* Copies the guest-measured exit round trips into the hypercall page (before DONE). */
void guest_hal_timing_report(void);
int64_t guest_hcall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
__attribute__((noreturn)) void guest_hcall_stop(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
						uint64_t a3);
struct gk_hcall_page *guest_hcall_page(void);

/* coherence.c (ring 0, test image): GK_SYS_TEST_PT for the coherence self-test, and the fix-up of a #PF
 * raised by one of ring 3's probe instructions (true: handled). */
int64_t guest_coherence_syscall(struct gk *k, uint64_t op, uint64_t page);
bool guest_probe_fixup(struct guest_trap_frame *f);

/* user_coherence.c (ring 3, test image): the self-test's driver (0 and *checksum, or -EIO at the first
 * difference) and its probes: a load or store that reports a #PF instead of dying. */
int guest_user_coherence(uint64_t steps, uint64_t seed, uint64_t *checksum);
struct probe_result {
	uint64_t value, faulted;
};
struct probe_result guest_probe_load(uint64_t va);
uint64_t guest_probe_store(uint64_t va, uint64_t v); /* 1 when it faulted */
extern const char guest_probe_load_insn[], guest_probe_load_done[];
extern const char guest_probe_store_insn[], guest_probe_store_done[];

/* user.c: ring 3. The workload's context is static so the VMM can read its progress. */
void guest_user_main(const struct gk_run_block *run);
/* A system call through the gate. */
long guest_user_sys(enum gk_sys nr, uint64_t a0, uint64_t a1);
extern struct wl_ctx guest_user_ctx;
extern struct gk_run_block guest_user_run;
extern uint8_t guest_user_stack[64 << 10];

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
