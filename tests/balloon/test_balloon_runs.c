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
 *   - free page reporting without any target: the workload touches 48 of 64 MiB, drops to
 *     8 MiB and stays there (a system call every 4096 touches, as a timer tick); the 40 MiB it
 *     freed are reported and leave the host (>= 95%; on kvm also from a memfd's blocks),
 *     checksum unchanged, nothing ballooned;
 *     the statistics are polled, pass the checks and say what the guest has;
 *   - kvm only: a misbehaving guest (out-of-range, pool, kernel page, twice, flag bits, a 4 KiB
 *     report, a report with reporting off) is stopped with a message naming the entry and the
 *     area, lying statistics are refused and counted while the VM runs on, and the VMM carries
 *     on; a guest that gives a chunk away and then writes it (ring 3 through a mapping, ring 0
 *     through the identity map) is stopped naming the frame (the VMM made it PROT_NONE). */
#include <errno.h>
#include <sys/stat.h>

#include "tests/balloon/balloon_test.h"
#include "vmm/host/sysfs.h"
#include "vmm/util/clock.h"

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


/* Free page reporting: the drop from 48 to 8 MiB gives 40 MiB back to the host with no target
 * at all. The low step lasts FPR_OPS touches (hundreds of ms on either platform, and only
 * longer on a loaded host), many times the 10 ms report delay; its system calls (sys_every)
 * are where the guest sees the epoch advance. */
#define FPR_OPS (2u << 20)
static void free_page_reporting(enum guest_mem_backend backend)
{
	struct guest_mem_opts mem = guest_mem_defaults;
	mem.backend = backend;
	struct run_config c = bt_config(PLATFORM, "ept", 48 * MIB);
	c.memory = &mem;
	c.params.ws[2] = (struct wl_ws_step){ 8 * MIB, FPR_OPS };
	c.params.sys_every = 4096;
	struct kvm_platform_hooks h = { .stopping = memfd_blocks };
	struct run_result plain, rep;
	struct balloon b;
	assert_int_equal(bt_run(&c, NULL, NULL, &h, &plain), 0);
	uint64_t plain_blocks = memfd_bytes;
	const char *specs[] = { "report=on,report_delay=10ms,stats=5ms", NULL };
	double t0 = monotonic_seconds();
	int rc = bt_run(&c, specs, &b, &h, &rep);
	if (rc != 0)
		fail_msg("%s", rep.message);
	uint64_t drop = plain.host_resident_bytes - rep.host_resident_bytes;
	printf("%s free page reporting: host resident %llu -> %llu bytes (drop %llu), reported %llu bytes in %llu "
	       "messages, run %.3f s; stats: %llu polls, free %llu of %llu, %llu refused\n",
	       PLATFORM, (unsigned long long)plain.host_resident_bytes, (unsigned long long)rep.host_resident_bytes,
	       (unsigned long long)drop, (unsigned long long)rep.balloon.reported,
	       (unsigned long long)rep.balloon.report_messages, monotonic_seconds() - t0,
	       (unsigned long long)rep.balloon.stats_polls, (unsigned long long)rep.balloon.guest_free,
	       (unsigned long long)rep.balloon.guest_total, (unsigned long long)rep.balloon.stats_refused);
	assert_int_equal(rep.checksum, plain.checksum);
	assert_int_equal(rep.balloon.actual, 0);
	assert_int_equal(rep.balloon.inflated, 0);
	assert_int_equal(rep.frames[P2M_BALLOONED], 0);
	assert_true(rep.balloon.reported >= 40 * MIB);
	assert_true(plain.host_resident_bytes > rep.host_resident_bytes);
	assert_true(drop >= 40 * MIB * 95 / 100);
	/* the statistics: polled, every copy plausible, the guest's RAM and some of it free */
	assert_true(rep.balloon.have_stats);
	assert_true(rep.balloon.stats_polls > 0);
	assert_int_equal(rep.balloon.stats_refused, 0);
	assert_int_equal(rep.balloon.guest_total, BT_GUEST_BYTES);
	assert_true(rep.balloon.guest_free > 0 && rep.balloon.guest_free <= BT_GUEST_BYTES);
	assert_true(rep.balloon.guest_minor_faults > 0);
	if (backend == GUEST_MEM_MEMFD && strcmp(PLATFORM, "kvm") == 0) { /* the memfd's blocks go too */
		printf("memfd blocks %llu -> %llu bytes\n", (unsigned long long)plain_blocks, (unsigned long long)memfd_bytes);
		assert_true(plain_blocks - memfd_bytes >= 40 * MIB * 95 / 100);
	}
	balloon_fini(&b);
}

static void test_free_page_reporting(void **st)
{
	(void)st;
	free_page_reporting(GUEST_MEM_ANON);
}

#ifdef BALLOON_KVM
static void test_free_page_reporting_memfd(void **st)
{
	(void)st;
	free_page_reporting(GUEST_MEM_MEMFD);
}
#endif

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

static void expect_bad_in(unsigned which, const char *spec, const char *text)
{
	struct run_config c = bt_config("kvm", "ept", 32 * MIB);
	struct kvm_platform_hooks h = { .image = &kvm_selftest_image, .selftest = GK_SELFTEST_BALLOON_BAD,
					.selftest_arg = which };
	struct run_result res;
	struct balloon b;
	const char *specs[] = { spec, NULL };
	assert_true(bt_run(&c, specs, &b, &h, &res) < 0);
	if (!strstr(res.message, text))
		fail_msg("'%s' does not say '%s'", res.message, text);
	if (which == GK_SELFTEST_BALLOON_TOUCH || which == GK_SELFTEST_BALLOON_TOUCH_KERNEL)
		printf("touch %u: %.160s\n", which, res.message);
	assert_false(res.have_checksum);
	balloon_fini(&b);
}

static void expect_bad(unsigned which, const char *text)
{
	expect_bad_in(which, "target=0", text);
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
	expect_bad_in(GK_SELFTEST_BALLOON_REPORT_4K, "report=on",
		      "BALLOON_REPORT (14) refused: balloon report entry 0: frame 0x40007000: free page reporting takes 2 "
		      "MiB chunks only");
	expect_bad(GK_SELFTEST_BALLOON_REPORT_OFF, "BALLOON_REPORT (14) refused: balloon report: free page reporting is off");
	/* lying statistics are refused and counted, never kept, and the VM runs on to the end */
	struct run_config lc = bt_config("kvm", "ept", 32 * MIB);
	struct kvm_platform_hooks lh = { .image = &kvm_selftest_image, .selftest = GK_SELFTEST_BALLOON_BAD,
					 .selftest_arg = GK_SELFTEST_BALLOON_STATS };
	struct run_result lr;
	struct balloon lb;
	const char *lspecs[] = { "target=0", NULL };
	if (bt_run(&lc, lspecs, &lb, &lh, &lr) != 0)
		fail_msg("%s", lr.message);
	assert_true(lr.have_checksum);
	assert_int_equal(lr.balloon.stats_refused, 1);
	assert_true(!lr.balloon.have_stats || lr.balloon.guest_total <= BT_GUEST_BYTES);
	balloon_fini(&lb);
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
		cmocka_unit_test(test_free_page_reporting),
#ifdef BALLOON_KVM
		cmocka_unit_test(test_free_page_reporting_memfd),
#endif
#ifdef BALLOON_KVM
		cmocka_unit_test(test_misbehaving_guest),
		cmocka_unit_test_setup_teardown(test_host_drop_hugetlb, hugetlb_setup, hugetlb_teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
