/* test_balloon_runs.c — whole runs with a balloon, on sim always and on kvm where /dev/kvm can
 * run a VM (BALLOON_KVM builds the kvm flavour, which exits 77 naming what is missing):
 *   - the checksum of an un-ballooned run, under ept and shadow, while the balloon inflates
 *     from boot (75% of RAM) and the workload then needs 90% (deflate on OOM: oom_deflates > 0,
 *     the workload never sees a failure); the frame book counts the frames the balloon holds;
 *   - host memory really drops: the workload touches 52 of 64 MiB and frees 44, a 52 MiB
 *     target set at the measured phase's start takes it back, and host-resident bytes fall by
 *     >= 95% of the ballooned bytes that can have been resident (sim: the p2m's backed bytes;
 *     kvm: mincore of every slot, on anon and on memfd, whose blocks (fstat st_blocks) are
 *     checked too; on kvm also hugetlb, with 40 2 MiB pages lent to the pool for the test and
 *     given back, its memfd's blocks checked and the pool's free pages as the VM stops printed);
 *   - kvm only: a misbehaving guest (out-of-range, pool, kernel page, twice, flag bits) is
 *     stopped with a message naming the entry and the area, and the VMM carries on; a guest
 *     that gives a chunk away and then writes it (ring 3 through a mapping, ring 0 through the
 *     identity map) is stopped naming the frame (the VMM made it PROT_NONE). */
#include <errno.h>
#include <sys/stat.h>

#include "tests/balloon/balloon_test.h"
#include "vmm/host/sysfs.h"

#ifdef BALLOON_KVM
#define PLATFORM "kvm"
#else
#define PLATFORM "sim"
#endif

static void oom_checksum(const char *mmu)
{
	struct run_config c = bt_config(PLATFORM, mmu, 58 * MIB); /* 58 of 64 MiB: ~90% */
	struct run_result plain, ball;
	struct balloon b;
	assert_int_equal(bt_run(&c, NULL, NULL, NULL, &plain), 0);
	const char *specs[] = { "target=48m", NULL }; /* 75% */
	int rc = bt_run(&c, specs, &b, NULL, &ball);
	if (rc != 0)
		fail_msg("%s", ball.message);
	assert_true(plain.have_checksum && ball.have_checksum);
	assert_int_equal(ball.checksum, plain.checksum);
	assert_true(ball.balloon.have);
	/* 48 MiB from boot, given back on OOM at the peak, taken again once the workload shrank */
	assert_true(ball.balloon.inflated >= 48 * MIB);
	assert_true(ball.balloon.oom_deflates > 0);
	assert_true(ball.balloon.deflated > 0);
	assert_int_equal(ball.balloon.actual, 48 * MIB);
	assert_int_equal(ball.balloon.actual, ball.balloon.inflated - ball.balloon.deflated);
	assert_int_equal(ball.frames[P2M_BALLOONED] * 4096, ball.balloon.actual);
	balloon_fini(&b);
}

static void test_oom_ept(void **st)
{
	(void)st;
	oom_checksum("ept");
}

static void test_oom_shadow(void **st)
{
	(void)st;
	oom_checksum("shadow");
}

static uint64_t memfd_bytes;
static uint64_t free_huge; /* the host's free 2 MiB hugetlb pages as the VM stops */

static void memfd_blocks(struct kvm_vm *vm, void *arg)
{
	(void)arg;
	struct stat s;
	memfd_bytes = vm->ram.mem.fd >= 0 && fstat(vm->ram.mem.fd, &s) == 0 ? (uint64_t)s.st_blocks * 512 : 0;
	if (sysfs_read_u64("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", &free_huge) < 0)
		free_huge = 0;
}

static void host_drop(const char *backend)
{
	struct guest_mem_opts mem = guest_mem_defaults;
	mem.backend = strcmp(backend, "memfd") == 0	? GUEST_MEM_MEMFD
		      : strcmp(backend, "hugetlb") == 0 ? GUEST_MEM_HUGETLB
							  : GUEST_MEM_ANON;
	struct run_config c = bt_config(PLATFORM, "ept", 52 * MIB);
	c.memory = &mem;
	struct kvm_platform_hooks h = { .stopping = memfd_blocks };
	struct run_result plain, ball;
	struct balloon b;
	assert_int_equal(bt_run(&c, NULL, NULL, &h, &plain), 0);
	uint64_t plain_blocks = memfd_bytes, plain_free_huge = free_huge;
	/* at the measured phase's start; the guest sees it at its next system call, at the latest
	 * the exit, when it holds only the last step's 8 MiB */
	const char *specs[] = { "target=52m,at=0ms", NULL };
	int rc = bt_run(&c, specs, &b, &h, &ball);
	if (rc != 0)
		fail_msg("%s", ball.message);
	assert_int_equal(ball.checksum, plain.checksum);
	assert_int_equal(ball.balloon.actual, 52 * MIB);
	/* The balloon's 52 MiB come from the 56 MiB the workload does not hold at the end: the 44
	 * it touched (~99.8% of their pages) and freed, and 12 it never touched (not resident
	 * anyway). At least 52 - 12 = 40 MiB of what it took were touched: 95% of that must leave
	 * the host. */
	uint64_t freed = 52 * MIB - (BT_GUEST_BYTES - 52 * MIB);
	uint64_t drop = plain.host_resident_bytes - ball.host_resident_bytes;
	printf("%s %s: host resident %llu -> %llu bytes (drop %llu, balloon %llu, in %.6f s)\n", PLATFORM, backend,
	       (unsigned long long)plain.host_resident_bytes, (unsigned long long)ball.host_resident_bytes,
	       (unsigned long long)drop, (unsigned long long)ball.balloon.actual, ball.balloon.inflate_s);
	assert_true(plain.host_resident_bytes > ball.host_resident_bytes);
	assert_true(drop >= freed * 95 / 100);
	/* The kernel's own figure: the VMM process's resident set fell over the inflate rounds
	 * (summed round by round: the workload grows between them; hugetlb pages are not in it) */
	const struct result_balloon *rb = &ball.balloon;
	printf("%s %s: VMM RSS %llu -> %llu bytes, %lld bytes given back over the rounds\n", PLATFORM, backend,
	       (unsigned long long)rb->inflate_rss_before, (unsigned long long)rb->inflate_rss_after,
	       (long long)rb->inflate_rss_drop);
	if (mem.backend != GUEST_MEM_HUGETLB)
		assert_true(rb->inflate_rss_drop >= (int64_t)(freed * 95 / 100));
	if (mem.backend != GUEST_MEM_ANON && strcmp(PLATFORM, "kvm") == 0) {
		printf("%s blocks %llu -> %llu bytes\n", backend, (unsigned long long)plain_blocks,
		       (unsigned long long)memfd_bytes);
		assert_true(plain_blocks - memfd_bytes >= freed * 95 / 100);
	}
	if (mem.backend == GUEST_MEM_HUGETLB) /* host-wide: printed, not asserted */
		printf("free 2 MiB hugepages as the VM stops: %llu without the balloon, %llu with it\n",
		       (unsigned long long)plain_free_huge, (unsigned long long)free_huge);
	assert_int_equal(ball.frames[P2M_BALLOONED], 52 * MIB / 4096);
	balloon_fini(&b);
}

static void test_host_drop_anon(void **st)
{
	(void)st;
	host_drop("anon");
}

static void test_host_drop_memfd(void **st)
{
	(void)st;
	host_drop("memfd");
}

#ifdef BALLOON_KVM
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define HUGEPAGES_LENT 40u /* 64 MiB of guest RAM is 32 */
static uint64_t hugepages_saved;
static bool hugepages_lent;

/* Lends the hugetlb pool HUGEPAGES_LENT 2 MiB pages; the teardown gives them back. */
static int hugetlb_setup(void **st)
{
	(void)st;
	uint64_t now = 0;
	hugepages_lent = sysfs_read_u64(NR_HUGEPAGES, &hugepages_saved) == 0 &&
			 sysfs_write_u64(NR_HUGEPAGES, hugepages_saved + HUGEPAGES_LENT) == 0;
	if (hugepages_lent && (sysfs_read_u64(NR_HUGEPAGES, &now) < 0 || now < hugepages_saved + HUGEPAGES_LENT)) {
		(void)sysfs_write_u64(NR_HUGEPAGES, hugepages_saved); /* the kernel found fewer */
		hugepages_lent = false;
	}
	return 0;
}

static int hugetlb_teardown(void **st)
{
	(void)st;
	if (hugepages_lent)
		(void)sysfs_write_u64(NR_HUGEPAGES, hugepages_saved);
	hugepages_lent = false;
	return 0;
}

static void test_host_drop_hugetlb(void **st)
{
	(void)st;
	if (!hugepages_lent) {
		printf("hugetlb: SKIP: cannot lend %u 2 MiB pages through %s (not root, or no memory)\n",
		       HUGEPAGES_LENT, NR_HUGEPAGES);
		skip();
	}
	host_drop("hugetlb");
}

static void expect_bad(unsigned which, const char *text)
{
	struct run_config c = bt_config("kvm", "ept", 32 * MIB);
	struct kvm_platform_hooks h = { .image = &kvm_selftest_image, .selftest = GK_SELFTEST_BALLOON_BAD,
					.selftest_arg = which };
	struct run_result res;
	struct balloon b;
	const char *specs[] = { "target=0", NULL };
	assert_true(bt_run(&c, specs, &b, &h, &res) < 0);
	if (!strstr(res.message, text))
		fail_msg("'%s' does not say '%s'", res.message, text);
	if (which == GK_SELFTEST_BALLOON_TOUCH || which == GK_SELFTEST_BALLOON_TOUCH_KERNEL)
		printf("touch %u: %.160s\n", which, res.message);
	assert_false(res.have_checksum);
	balloon_fini(&b);
}

static void test_misbehaving_guest(void **st)
{
	(void)st;
	expect_bad(GK_SELFTEST_BALLOON_OUTSIDE, "BALLOON_INFLATE (12) refused: balloon inflate entry 0: frame "
						"0x200000000000 outside guest RAM: in no memory of this VM");
	expect_bad(GK_SELFTEST_BALLOON_POOL, "outside guest RAM: in the page-table pool");
	expect_bad(GK_SELFTEST_BALLOON_KERNEL, "outside guest RAM: in the system area");
	expect_bad(GK_SELFTEST_BALLOON_TWICE, "already ballooned");
	expect_bad(GK_SELFTEST_BALLOON_FLAGS, "unknown flag bits");
	/* a frame given away and then touched: KVM cannot back it (PROT_NONE), the VM stops */
	expect_bad(GK_SELFTEST_BALLOON_TOUCH, "guest error: touched guest frame 0x");
	expect_bad(GK_SELFTEST_BALLOON_TOUCH, "which it gave to the balloon");
	expect_bad(GK_SELFTEST_BALLOON_TOUCH_KERNEL, "which it gave to the balloon");
	/* the VMM is healthy after: a normal VM with a balloon runs to the end */
	struct run_config c = bt_config("kvm", "ept", 32 * MIB);
	struct run_result res;
	struct balloon b;
	const char *specs[] = { "target=16m", NULL };
	assert_int_equal(bt_run(&c, specs, &b, NULL, &res), 0);
	assert_int_equal(res.balloon.actual, 16 * MIB);
	balloon_fini(&b);
}
#endif

int main(void)
{
#ifdef BALLOON_KVM
	kvm_test_skip_unless_usable("balloon_kvm");
#endif
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_ept),
		cmocka_unit_test(test_oom_shadow),
		cmocka_unit_test(test_host_drop_anon),
		cmocka_unit_test(test_host_drop_memfd),
#ifdef BALLOON_KVM
		cmocka_unit_test(test_misbehaving_guest),
		cmocka_unit_test_setup_teardown(test_host_drop_hugetlb, hugetlb_setup, hugetlb_teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
