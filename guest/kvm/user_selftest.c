/* user_selftest.c — ring 3 of the guest self-tests, in the test image only: a workload that
 * misbehaves on purpose (a wild store, reading the kernel's pages, writing its own code, a
 * privileged instruction, writing through a pool mapping the kernel made) and the coherence
 * self-test's driver (user_coherence.c) in place of a workload. The production image links
 * user_selftest_none.c instead. */
#include "guest/kvm/guest_kvm.h"

bool guest_user_selftest(const struct gk_run_block *run, int *rc, uint64_t *checksum)
{
	if (run->selftest == GK_SELFTEST_WILD_STORE)
		*(volatile uint64_t *)(uintptr_t)0x7ff000000000ULL = 1;
	else if (run->selftest == GK_SELFTEST_READ_KERNEL)
		(void)*(volatile uint64_t *)(uintptr_t)GK_IMAGE_GPA; /* the image header: supervisor */
	else if (run->selftest == GK_SELFTEST_WRITE_USER_TEXT)
		*(volatile uint8_t *)(uintptr_t)guest_syscall_gate = 0x90;
	else if (run->selftest == GK_SELFTEST_MAP_POOL_RW)
		*(volatile uint64_t *)(uintptr_t)GK_VA_BASE = 0xbad; /* a page table, if the VMM let it */
	else if (run->selftest == GK_SELFTEST_BALLOON_BAD && run->selftest_arg == GK_SELFTEST_BALLOON_TOUCH)
		*(volatile uint64_t *)(uintptr_t)GK_VA_BASE = 0xbad; /* a frame the kernel gave away */
	else if (run->selftest == GK_SELFTEST_USER_HLT)
		__asm__ volatile("hlt");
	if (run->selftest != GK_SELFTEST_COHERENCE)
		return false;
	*rc = guest_user_coherence(run->params.ops, run->params.seed, checksum);
	return true;
}
