/* test_reclaim_memfd.c — reclaim on real mappings. On a shared memfd mapping a discard drops
 * the mappings (pagemap present bit) but not the memory (mincore) and not the data; seq, random
 * and range selections hit the pages they say; on private anonymous memory the same call
 * zeroes the data (why memvirt refuses discard there); page-out, where the host has swap,
 * takes pages out of memory and the data comes back. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/reclaim/reclaim.h"
#include "vmm/mem/residency.h"
#include "vmm/host/swap.h"

#define BYTES (16ULL << 20)
#define PAGES (BYTES / 4096)

static uint64_t *mem;
static int pagemap = -1;

static void fill(void)
{
	for (uint64_t i = 0; i < BYTES / 8; i++)
		mem[i] = i * 0x9e3779b97f4a7c15ULL;
}

static uint64_t intact_words(void)
{
	uint64_t ok = 0;
	for (uint64_t i = 0; i < BYTES / 8; i++)
		ok += mem[i] == i * 0x9e3779b97f4a7c15ULL;
	return ok;
}

static struct residency_counts counts(void)
{
	struct residency_counts c;
	assert_int_equal(residency_count(pagemap, mem, BYTES, &c), 0);
	return c;
}

static int map_memfd(void **st)
{
	(void)st;
	int fd = memfd_create("test-reclaim", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, BYTES) < 0)
		return -1;
	mem = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (mem == MAP_FAILED)
		return -1;
	fill();
	return 0;
}

static int unmap(void **st)
{
	(void)st;
	munmap(mem, BYTES);
	close(pagemap);
	return 0;
}

static void test_discard_seq_half(void **st)
{
	(void)st;
	fill();
	assert_int_equal(counts().mapped_pages, PAGES);
	struct reclaim_spec s = { .kind = RECLAIM_DISCARD, .frac = 0.5, .pattern = RECLAIM_SEQ };
	assert_int_equal(reclaim_advise_region(mem, BYTES, &s, MADV_DONTNEED), (int64_t)BYTES / 2);
	struct residency_counts c = counts();
	assert_int_equal(c.mapped_pages, PAGES / 2);   /* the first half is unmapped ... */
	assert_int_equal(c.resident_pages, PAGES);     /* ... but still in the page cache */
	assert_int_equal(intact_words(), BYTES / 8);   /* and nothing was lost */
	assert_int_equal(counts().mapped_pages, PAGES); /* touching it mapped it again */
}

static void test_discard_random_and_range(void **st)
{
	(void)st;
	struct reclaim_spec s = { .kind = RECLAIM_DISCARD, .frac = 0.25, .pattern = RECLAIM_RANDOM, .seed = 9 };
	int64_t done = reclaim_advise_region(mem, BYTES, &s, MADV_DONTNEED);
	uint64_t unmapped = PAGES - counts().mapped_pages;
	assert_int_equal((uint64_t)done / 4096, unmapped);
	assert_true(unmapped > PAGES / 8 && unmapped < PAGES * 3 / 8); /* about a quarter */
	assert_int_equal(intact_words(), BYTES / 8);

	struct reclaim_spec r = { .kind = RECLAIM_DISCARD, .offset = 4ULL << 20, .length = 2ULL << 20 };
	assert_int_equal(reclaim_advise_region(mem, BYTES, &r, MADV_DONTNEED), 2LL << 20);
	struct residency_counts in_range, before;
	assert_int_equal(residency_count(pagemap, (char *)mem + (4 << 20), 2 << 20, &in_range), 0);
	assert_int_equal(residency_count(pagemap, mem, 4 << 20, &before), 0);
	assert_int_equal(in_range.mapped_pages, 0);
	assert_int_equal(before.mapped_pages, 1024);
	r.offset = BYTES;
	assert_int_equal(reclaim_advise_region(mem, BYTES, &r, MADV_DONTNEED), -ERANGE);
	assert_int_equal(intact_words(), BYTES / 8);
}

/* The reason discard is refused on anonymous memory: there DONTNEED is data loss. */
static void test_dontneed_on_anon_destroys(void **st)
{
	(void)st;
	uint64_t *anon = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	memset(anon, 0xab, 1 << 20);
	struct reclaim_spec s = { .kind = RECLAIM_DISCARD, .frac = 1 };
	assert_int_equal(reclaim_advise_region(anon, 1 << 20, &s, MADV_DONTNEED), 1 << 20);
	assert_int_equal(anon[0], 0);
	munmap(anon, 1 << 20);
}

static void test_pageout_needs_swap(void **st)
{
	(void)st;
	if (!host_has_swap())
		skip(); /* without swap, shmem pages cannot leave memory (reclaim_host_state covers zram) */
	fill();
	struct reclaim_spec s = { .kind = RECLAIM_PAGEOUT, .frac = 1 };
	assert_int_equal(reclaim_advise_region(mem, BYTES, &s, MADV_PAGEOUT), (int64_t)BYTES);
	assert_true(counts().resident_pages < PAGES);
	assert_int_equal(intact_words(), BYTES / 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discard_seq_half), cmocka_unit_test(test_discard_random_and_range),
		cmocka_unit_test(test_dontneed_on_anon_destroys), cmocka_unit_test(test_pageout_needs_swap),
	};
	return cmocka_run_group_tests(tests, map_memfd, unmap);
}
