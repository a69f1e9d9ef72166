/* test_reclaim_book.c — the kvm VMM's p2m book (vmm/mem/book_sync.h) on a real memfd mapping, as
 * guest RAM is on kvm with --backend memfd, without needing KVM: the pagemap pass marks
 * touched frames resident; a discard through the guest-RAM contract (reclaim_advise_ram)
 * marks exactly the resident frames it advised reclaimed and leaves untouched frames unbacked;
 * touching some again is a refault the next pass finds (no missing-page fault: the pages are
 * still in the page cache); counts always add up to the frames. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/run/platform.h"
#include "vmm/mem/book_sync.h"
#include "vmm/reclaim/reclaim.h"

#define BYTES (4ULL << 20)
#define FRAMES (BYTES / P2M_FRAME)

static volatile uint8_t *mem;
static struct p2m_book book;
static uint64_t told;   /* bytes the reclaim contract reported */
static uint64_t n[P2M_STATES], reclaimed, refaulted;

static int map_memfd(void **st)
{
	(void)st;
	int fd = memfd_create("test-ram-book", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, BYTES) < 0)
		return -1;
	void *p = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	mem = p;
	return p2m_book_init(&book, BYTES);
}

static int unmap(void **st)
{
	(void)st;
	p2m_book_fini(&book);
	munmap((void *)mem, BYTES);
	return 0;
}

static void on_reclaimed(void *owner, uint64_t off, uint64_t len)
{
	told += len;
	(void)p2m_book_move_range(owner, off, len, P2M_RESIDENT, P2M_RECLAIMED);
}

static void snapshot(void)
{
	struct run_result r;
	book_result_frames(&book, &r);
	memcpy(n, r.frames, sizeof(n));
	reclaimed = r.frames_reclaimed;
	refaulted = r.frames_refaulted;
}

static void assert_counts_sum(void)
{
	uint64_t sum = 0;
	for (unsigned s = 0; s < P2M_STATES; s++)
		sum += n[s];
	assert_int_equal(sum, FRAMES);
}

static void touch(uint64_t first, uint64_t count)
{
	for (uint64_t f = first; f < first + count; f++)
		mem[f * P2M_FRAME] = (uint8_t)(f + 1);
}

static void test_discard_and_refault(void **st)
{
	(void)st;
	touch(0, FRAMES * 3 / 4); /* the last quarter is never touched */
	assert_int_equal(book_sync_pagemap(&book, (const void *)mem), 0);
	snapshot();
	assert_int_equal(n[P2M_RESIDENT], FRAMES * 3 / 4);
	assert_int_equal(n[P2M_UNBACKED], FRAMES / 4);

	/* discard every page: only the resident three quarters become reclaimed */
	struct guest_ram ram = { .base = (void *)mem, .bytes = BYTES, .fd = -1, .reclaimed = on_reclaimed,
				 .owner = &book };
	struct reclaim_spec s = { .kind = RECLAIM_DISCARD, .frac = 1.0, .pattern = RECLAIM_SEQ };
	assert_int_equal(reclaim_advise_ram(&ram, &s, MADV_DONTNEED), (int64_t)BYTES);
	assert_int_equal(told, BYTES);
	snapshot();
	assert_int_equal(n[P2M_RECLAIMED], FRAMES * 3 / 4);
	assert_int_equal(reclaimed, FRAMES * 3 / 4);
	assert_int_equal(n[P2M_RESIDENT], 0);
	assert_int_equal(n[P2M_UNBACKED], FRAMES / 4);

	/* a pass before any touch finds nothing mapped: still reclaimed */
	assert_int_equal(book_sync_pagemap(&book, (const void *)mem), 0);
	snapshot();
	assert_int_equal(refaulted, 0);

	/* 100 reclaimed frames and 10 never-touched ones are touched: 100 refaults */
	touch(10, 100);
	touch(FRAMES - 10, 10);
	assert_int_equal(book_sync_pagemap(&book, (const void *)mem), 0);
	snapshot();
	assert_int_equal(refaulted, 100);
	assert_int_equal(n[P2M_RECLAIMED], FRAMES * 3 / 4 - 100);
	assert_int_equal(n[P2M_RESIDENT], 110);
	assert_int_equal(n[P2M_RECLAIMED] + refaulted, reclaimed);
	assert_counts_sum();
}

static void test_random_discard_tells_what_it_advised(void **st)
{
	(void)st;
	touch(0, FRAMES);
	assert_int_equal(book_sync_pagemap(&book, (const void *)mem), 0);
	snapshot();
	uint64_t reclaimed_before = reclaimed, refaulted_before = refaulted;
	told = 0;
	struct guest_ram ram = { .base = (void *)mem, .bytes = BYTES, .fd = -1, .reclaimed = on_reclaimed,
				 .owner = &book };
	struct reclaim_spec s = { .kind = RECLAIM_DISCARD, .frac = 0.25, .pattern = RECLAIM_RANDOM, .seed = 3 };
	int64_t done = reclaim_advise_ram(&ram, &s, MADV_DONTNEED);
	assert_true(done > 0);
	assert_int_equal(told, (uint64_t)done);
	snapshot();
	assert_int_equal(n[P2M_RECLAIMED], (uint64_t)done / P2M_FRAME);
	assert_int_equal(reclaimed - reclaimed_before, (uint64_t)done / P2M_FRAME);
	assert_int_equal(refaulted, refaulted_before);
	assert_counts_sum();
}

static void test_refusals_change_nothing(void **st)
{
	(void)st;
	snapshot();
	uint64_t resident = n[P2M_RESIDENT];
	(void)p2m_book_touch(&book, BYTES, P2M_FRAME);      /* outside guest RAM */
	(void)p2m_book_move_range(&book, BYTES - P2M_FRAME, 2 * P2M_FRAME, P2M_RESIDENT, P2M_RECLAIMED); /* runs past the end */
	snapshot();
	assert_int_equal(n[P2M_RESIDENT], resident);
	assert_int_equal(book_sync_pagemap(&book, NULL), -EINVAL);
	struct p2m_book none = { 0 };
	assert_int_equal(p2m_book_init(&none, 0), -EINVAL);
	assert_int_equal(book_sync_pagemap(&none, (const void *)mem), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discard_and_refault),
		cmocka_unit_test(test_random_discard_tells_what_it_advised),
		cmocka_unit_test(test_refusals_change_nothing),
	};
	return cmocka_run_group_tests(tests, map_memfd, unmap);
}
