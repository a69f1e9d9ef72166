/* test_wss.c — the working-set estimator (vmm/mem/wss.h) on a shared memfd mapping published
 * through a guest-RAM handle, with this thread as the "guest": exact mode counts exactly the
 * pages written between two steps, and those read give or take the kernel's fault-around
 * window, and the data survives the invalidation;
 * sampled mode's fraction follows the touched fraction within its binomial error; anonymous
 * and hugetlb RAM are refused; a step with nothing published, or with RAM published anew, gives no figure;
 * and the estimator never calls the handle's `reclaimed` (a frame book's state is not its
 * business). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/mem/wss.h"

#define PAGE 4096ULL
#define PAGES 2048ULL /* 8 MiB */

struct region {
	struct guest_ram_handle h;
	int fd;
	uint8_t *p;
	unsigned reclaimed_calls;
};

static void on_reclaimed(void *owner, uint64_t off, uint64_t len)
{
	(void)off;
	(void)len;
	((struct region *)owner)->reclaimed_calls++;
}

static void region_open(struct region *r, bool anon)
{
	*r = (struct region){ .fd = -1 };
	guest_ram_handle_init(&r->h);
	if (!anon) {
		r->fd = memfd_create("wss-test", MFD_CLOEXEC);
		assert_true(r->fd >= 0);
		assert_int_equal(ftruncate(r->fd, (off_t)(PAGES * PAGE)), 0);
	}
	r->p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, anon ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED, r->fd, 0);
	assert_true(r->p != MAP_FAILED);
	guest_ram_publish(&r->h, &(struct guest_ram){ .base = r->p, .bytes = PAGES * PAGE, .fd = r->fd,
						       .reclaimed = on_reclaimed, .owner = r });
}

static void region_close(struct region *r)
{
	guest_ram_publish(&r->h, NULL);
	munmap(r->p, PAGES * PAGE);
	if (r->fd >= 0)
		close(r->fd);
	guest_ram_handle_fini(&r->h);
}

/* Writes page i's number into it (so a lost page would read back as zero). */
static void write_pages(struct region *r, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		*(volatile uint64_t *)(r->p + i * PAGE) = i + 1;
}

static void test_exact_counts_touched_pages(void **st)
{
	(void)st;
	struct region r;
	region_open(&r, false);
	write_pages(&r, 0, PAGES); /* every page has data */
	struct wss w;
	char why[200];
	struct wss_estimate e;
	assert_int_equal(wss_init(&w, &r.h, &(struct wss_opts){ .exact = true }, why, sizeof(why)), 0);
	assert_int_equal(wss_step(&w, &e), -EAGAIN); /* the first step only invalidates */
	write_pages(&r, 100, 612);                   /* 512 pages written */
	uint64_t sum = 0;
	for (uint64_t i = 1000; i < 1256; i++)       /* 256 pages read: they come back with their data */
		sum += *(volatile uint64_t *)(r.p + i * PAGE) - (i + 1);
	assert_int_equal(sum, 0);
	/* Writes count exactly. A read fault of a shared file mapping also maps the page-cache
	 * pages around it (the kernel's fault-around, 64 KiB by default: up to 15 neighbours), so
	 * the 256 contiguous pages read may show up to a window more at each end. */
	assert_int_equal(wss_step(&w, &e), 0);
	assert_int_equal(e.checked_pages, PAGES);
	printf("exact: 512 pages written, 256 read: %llu found touched\n", (unsigned long long)e.touched_pages);
	assert_true(e.touched_pages >= 768 && e.touched_pages <= 768 + 2 * 15);
	assert_int_equal(e.wss_bytes, e.touched_pages * PAGE);
	assert_true(fabs(e.touched_frac - (double)e.touched_pages / PAGES) < 1e-12);
	write_pages(&r, 1500, 1600); /* writes alone: exact */
	assert_int_equal(wss_step(&w, &e), 0);
	assert_int_equal(e.touched_pages, 100);
	assert_int_equal(wss_step(&w, &e), 0); /* nothing touched since */
	assert_int_equal(e.touched_pages, 0);
	for (uint64_t i = 0; i < PAGES; i++) /* invalidation lost nothing */
		assert_int_equal(*(volatile uint64_t *)(r.p + i * PAGE), i + 1);
	assert_int_equal(w.steps, 3);
	assert_int_equal(w.checked_total, 3 * PAGES);
	assert_int_equal(r.reclaimed_calls, 0);
	wss_fini(&w);
	region_close(&r);
}

static void test_sampled_follows_fraction(void **st)
{
	(void)st;
	struct region r;
	region_open(&r, false);
	struct wss w;
	char why[200];
	struct wss_estimate e;
	const unsigned n = 400;
	assert_int_equal(wss_init(&w, &r.h, &(struct wss_opts){ .sample_pages = n, .seed = 3 }, why, sizeof(why)), 0);
	assert_int_equal(wss_step(&w, &e), -EAGAIN);
	/* a quarter of the pages touched between every two steps; the sample's fraction has a
	 * binomial error of sqrt(0.25 * 0.75 / 400) = 0.022: 5 of them is 0.108 */
	double sum = 0;
	for (int k = 0; k < 20; k++) {
		write_pages(&r, 0, PAGES / 4);
		assert_int_equal(wss_step(&w, &e), 0);
		assert_int_equal(e.checked_pages, n);
		assert_true(fabs(e.touched_frac - 0.25) < 0.11);
		assert_int_equal(e.wss_bytes, (uint64_t)(e.touched_frac * (double)(PAGES * PAGE) + 0.5));
		sum += e.touched_frac;
	}
	assert_true(fabs(sum / 20 - 0.25) < 0.03); /* the mean of 8000 draws: error 0.005 */
	assert_int_equal(r.reclaimed_calls, 0);
	wss_fini(&w);
	region_close(&r);
}

static void test_refusals_and_republish(void **st)
{
	(void)st;
	struct region r;
	struct wss w;
	char why[200];
	struct wss_estimate e;
	region_open(&r, true); /* anonymous: MADV_DONTNEED would zero it */
	assert_int_equal(wss_init(&w, &r.h, &(struct wss_opts){ 0 }, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "--backend memfd"));
	assert_int_equal(wss_init(&w, &r.h, &(struct wss_opts){ .sample_pages = WSS_MAX_SAMPLE_PAGES + 1 }, why,
				  sizeof(why)),
			 -EINVAL);
	/* hugetlb: refused from the file system type alone (its memory is never touched, so no huge
	 * page needs to be free) */
	int hfd = memfd_create("wss-test-huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (hfd >= 0) {
		struct guest_ram_handle hh;
		guest_ram_handle_init(&hh);
		guest_ram_publish(&hh, &(struct guest_ram){ .base = r.p, .bytes = PAGES * PAGE, .fd = hfd });
		assert_int_equal(wss_init(&w, &hh, &(struct wss_opts){ 0 }, why, sizeof(why)), -EOPNOTSUPP);
		assert_non_null(strstr(why, "hugetlb"));
		guest_ram_publish(&hh, NULL);
		guest_ram_handle_fini(&hh);
		close(hfd);
	} else {
		printf("no hugetlb memfd here (%s): its refusal not checked\n", strerror(errno));
	}
	/* published later (the VM boots after the monitor started): refused at the step */
	struct guest_ram_handle empty;
	guest_ram_handle_init(&empty);
	assert_int_equal(wss_init(&w, &empty, &(struct wss_opts){ 0 }, why, sizeof(why)), 0);
	assert_int_equal(wss_step(&w, &e), -EAGAIN); /* nothing published yet */
	guest_ram_publish(&empty, &(struct guest_ram){ .base = r.p, .bytes = PAGES * PAGE, .fd = -1 });
	assert_int_equal(wss_step(&w, &e), -EOPNOTSUPP);
	assert_non_null(strstr(w.why, "anonymous"));
	wss_fini(&w);
	guest_ram_publish(&empty, NULL);
	region_close(&r);
	/* memfd RAM withdrawn and published again: no figure across the change */
	region_open(&r, false);
	assert_int_equal(wss_init(&w, &empty, &(struct wss_opts){ .exact = true }, why, sizeof(why)), 0);
	guest_ram_publish(&empty, &(struct guest_ram){ .base = r.p, .bytes = PAGES * PAGE, .fd = r.fd });
	assert_int_equal(wss_step(&w, &e), -EAGAIN);
	guest_ram_publish(&empty, NULL);
	assert_int_equal(wss_step(&w, &e), -EAGAIN);
	guest_ram_publish(&empty, &(struct guest_ram){ .base = r.p, .bytes = PAGES * PAGE / 2, .fd = r.fd });
	assert_int_equal(wss_step(&w, &e), -EAGAIN);
	write_pages(&r, 0, 10);
	assert_int_equal(wss_step(&w, &e), 0);
	assert_int_equal(e.checked_pages, PAGES / 2);
	assert_int_equal(e.touched_pages, 10);
	wss_fini(&w);
	guest_ram_publish(&empty, NULL);
	guest_ram_handle_fini(&empty);
	region_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_counts_touched_pages),
		cmocka_unit_test(test_sampled_follows_fraction),
		cmocka_unit_test(test_refusals_and_republish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
