/* test_uffd_track.c — the userfaultfd handler (vmm/mem/uffd_track.c) without a VM: a host
 * thread's first touches of registered anonymous memory. Each fault is one violation whose
 * faulting page is touched and whose block's other missing pages are around; pages already
 * present in the block are skipped and counted nowhere; the callback hears exactly the ranges
 * made resident (their sum = touched + around); without fault-around one page per violation;
 * every mode reads back zeroes; bad block sizes are refused. Exits 77 when this process may
 * not create a userfaultfd. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/mem/uffd_track.h"

#define BYTES (2ULL << 20)
#define PAGE 4096ULL

struct heard {
	_Atomic uint64_t bytes, calls;
};

static void on_resolved(void *arg, uint64_t off, uint64_t len)
{
	struct heard *h = arg;
	assert_true(off % PAGE == 0 && len % PAGE == 0 && off + len <= BYTES);
	h->bytes += len;
	h->calls++;
}

static unsigned char *fresh(void)
{
	unsigned char *p = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(madvise(p, BYTES, MADV_NOHUGEPAGE), 0);
	return p;
}

static void start(struct uffd_track *t, unsigned char *p, const struct uffd_track_opts *o, struct heard *h)
{
	char why[160];
	int rc = uffd_track_start(t, p, BYTES, PAGE, false, o, on_resolved, h, NULL, 0, why, sizeof(why));
	if (rc < 0)
		fprintf(stderr, "%s\n", why);
	assert_int_equal(rc, 0);
}

/* Touches pages [0, n) by reading (a missing page reads as zero), then checks the counts. */
static void touch_and_check(const struct uffd_track_opts *o, uint64_t n, uint64_t want_violations)
{
	unsigned char *p = fresh();
	struct uffd_track t;
	struct heard h = { 0 };
	struct uffd_track_stats s;
	start(&t, p, o, &h);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(((volatile unsigned char *)p)[i * PAGE + 7], 0);
	uffd_track_stop(&t); /* the last fault's counts land after its thread was woken */
	uffd_track_stats(&t, &s);
	assert_int_equal(s.violations, want_violations);
	assert_int_equal(s.pages_touched, s.violations);
	assert_int_equal((s.pages_touched + s.pages_around) * PAGE, h.bytes);
	assert_int_equal(h.calls, s.violations);
	assert_int_equal(s.around_bytes, o->around > PAGE ? o->around : PAGE);
	munmap(p, BYTES);
}

static void test_blocks_and_modes(void **st)
{
	(void)st;
	for (int poll = UFFD_POLL_SLEEP; poll <= UFFD_POLL_BUSY; poll++)
		for (int r = UFFD_RESOLVE_COPY; r <= UFFD_RESOLVE_ZEROPAGE; r++) {
			struct uffd_track_opts o = { .around = PAGE, .poll = (enum uffd_poll)poll,
						     .resolve = (enum uffd_resolve)r };
			touch_and_check(&o, 64, 64); /* one page per violation */
			o.around = 16 << 10;
			touch_and_check(&o, 64, 16);
			o.around = 64 << 10;
			touch_and_check(&o, 64, 4);
		}
}

/* A page already present in the block is neither touched nor around, and is not reported. */
static void test_present_pages_are_skipped(void **st)
{
	(void)st;
	unsigned char *p = fresh();
	p[5 * PAGE] = 0xab; /* before registration: present, mapped by the kernel */
	p[9 * PAGE] = 0xcd;
	struct uffd_track t;
	struct heard h = { 0 };
	struct uffd_track_stats s;
	struct uffd_track_opts o = { .around = 64 << 10 };
	start(&t, p, &o, &h);
	p[7 * PAGE] = 1; /* faults: block [0, 16) pages */
	uffd_track_stop(&t); /* the last fault's counts land after its thread was woken */
	uffd_track_stats(&t, &s);
	assert_int_equal(s.violations, 1);
	assert_int_equal(s.pages_touched, 1);
	assert_int_equal(s.pages_around, 13); /* 16 - the faulting page - 2 present */
	assert_int_equal(h.bytes, 14 * PAGE);
	assert_int_equal(h.calls, 3); /* [0,5), [6,9), [10,16): the faulting page in the second */
	assert_int_equal(p[5 * PAGE], 0xab);
	assert_int_equal(p[9 * PAGE], 0xcd);
	assert_int_equal(p[8 * PAGE], 0);
	munmap(p, BYTES);
}

static void test_bad_block_sizes_refused(void **st)
{
	(void)st;
	char why[160];
	static const uint64_t bad[] = { 3 << 10, 2048, 4 << 20, 48 << 10 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct uffd_track_opts o = { .around = bad[i] };
		assert_int_equal(uffd_track_opts_check(&o, PAGE, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "--uffd-around"));
	}
	struct uffd_track_opts ok = { .around = 0 };
	assert_int_equal(uffd_track_opts_check(&ok, PAGE, why, sizeof(why)), 0);
}

int main(void)
{
	int fd = (int)syscall(SYS_userfaultfd, 0);
	if (fd < 0) {
		printf("uffd_track: SKIP: no userfaultfd (root, or vm.unprivileged_userfaultfd=1): %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_and_modes),
		cmocka_unit_test(test_present_pages_are_skipped),
		cmocka_unit_test(test_bad_block_sizes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
