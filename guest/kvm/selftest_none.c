/* selftest_none.c — ring 0 of the production image: no self-tests. The VMM refuses a self-test
 * on an image without GK_IMAGE_SELFTESTS before it starts one; should a run block ask for one
 * anyway, the kernel panics instead of running a workload the caller did not expect. The test
 * image links selftest.c in its place. */
#include "guest/kvm/guest_kvm.h"

void guest_selftest_kernel(struct gk *k, const struct gk_boot_page *bp)
{
	(void)k;
	if (bp->run.selftest != GK_SELFTEST_NONE)
		guest_panic(0x102, bp->run.selftest, 0);
}

int64_t guest_selftest_syscall(struct gk *k, uint64_t op, uint64_t page)
{
	(void)k, (void)op, (void)page;
	return -ENOSYS;
}

bool guest_selftest_fixup(struct guest_trap_frame *f)
{
	(void)f;
	return false;
}
