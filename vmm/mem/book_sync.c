/* book_sync.c — the host side of a frame-state book (see book_sync.h): the pagemap pass that
 * tells the book which frames are mapped, and the book's figures as a result's. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "vmm/mem/book_sync.h"
#include "vmm/mem/residency.h"

/* One pagemap batch: each run of mapped frames is touched in the book (one lock per run, so
 * the reclaim and uffd threads are never held up for a whole pass). */
static int sync_batch(struct p2m_book *b, int fd, const uint8_t *base, uint64_t first, uint64_t n)
{
	uint8_t mapped[RESIDENCY_BATCH];
	int rc = residency_mapped(fd, base + first * P2M_FRAME, n, mapped);
	if (rc < 0)
		return rc;
	for (uint64_t i = 0; i < n;) {
		uint64_t run = 0;
		while (i + run < n && mapped[i + run])
			run++;
		if (run)
			(void)p2m_book_touch(b, (first + i) * P2M_FRAME, run * P2M_FRAME);
		i += run ? run : 1;
	}
	return 0;
}

int book_sync_pagemap(struct p2m_book *b, const void *base)
{
	if (!b->frames || !base)
		return -EINVAL;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	for (uint64_t f = 0; rc == 0 && f < b->frames; f += RESIDENCY_BATCH) {
		uint64_t n = b->frames - f < RESIDENCY_BATCH ? b->frames - f : RESIDENCY_BATCH;
		rc = sync_batch(b, fd, base, f, n);
	}
	close(fd);
	return rc;
}

void book_result_frames(struct p2m_book *b, struct run_result *res)
{
	struct p2m_book_counts c;
	p2m_book_snapshot(b, &c);
	res->have_frames = true;
	for (unsigned st = 0; st < P2M_STATES; st++)
		res->frames[st] = c.frames[st];
	res->frames_reclaimed = p2m_counts_reclaimed(&c);
	res->frames_refaulted = p2m_counts_refaulted(&c);
}
