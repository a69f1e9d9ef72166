/* residency.c — resident and mapped pages of a host mapping (see residency.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/mem/residency.h"

#define PAGE 4096ULL
#define BATCH RESIDENCY_BATCH /* pages per mincore/pagemap call: small stack buffers */
#define PM_PRESENT (1ULL << 63)

int residency_mapped(int pagemap_fd, const void *p, uint64_t pages, uint8_t *mapped)
{
	uint64_t pm[BATCH];
	if (pages > BATCH)
		return -EINVAL;
	ssize_t want = (ssize_t)(pages * sizeof(uint64_t));
	if (pread(pagemap_fd, pm, (size_t)want, (off_t)((uintptr_t)p / PAGE * sizeof(uint64_t))) != want)
		return -EIO;
	for (uint64_t i = 0; i < pages; i++)
		mapped[i] = (pm[i] & PM_PRESENT) != 0;
	return 0;
}

static int count_batch(int pagemap_fd, uint8_t *p, uint64_t pages, struct residency_counts *c)
{
	unsigned char vec[BATCH];
	uint8_t mapped[BATCH];
	if (mincore(p, pages * PAGE, vec) < 0)
		return -errno;
	for (uint64_t i = 0; i < pages; i++)
		c->resident_pages += vec[i] & 1;
	if (pagemap_fd < 0)
		return 0;
	int rc = residency_mapped(pagemap_fd, p, pages, mapped);
	for (uint64_t i = 0; rc == 0 && i < pages; i++)
		c->mapped_pages += mapped[i];
	return rc;
}

int residency_count(int pagemap_fd, void *base, uint64_t bytes, struct residency_counts *out)
{
	*out = (struct residency_counts){ 0 };
	uint64_t pages = bytes / PAGE;
	for (uint64_t i = 0; i < pages; i += BATCH) {
		uint64_t n = pages - i < BATCH ? pages - i : BATCH;
		int rc = count_batch(pagemap_fd, (uint8_t *)base + i * PAGE, n, out);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int residency_scan_init(struct residency_scan *r, uint64_t chunk_pages)
{
	*r = (struct residency_scan){ .chunk_pages = chunk_pages ? chunk_pages : 1 };
	r->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC); /* -1: mapped stays 0 */
	return 0;
}

void residency_scan_fini(struct residency_scan *r)
{
	if (r->pagemap_fd >= 0)
		close(r->pagemap_fd);
	free(r->chunk);
	*r = (struct residency_scan){ .pagemap_fd = -1 };
}

static void scan_reset(struct residency_scan *r, void *base, uint64_t bytes)
{
	free(r->chunk);
	r->chunk = NULL;
	r->base = base;
	r->bytes = bytes;
	r->next = 0;
	r->total = (struct residency_counts){ 0 };
	r->nchunks = base ? (size_t)((bytes / PAGE + r->chunk_pages - 1) / r->chunk_pages) : 0;
	if (r->nchunks && !(r->chunk = calloc(r->nchunks, sizeof(*r->chunk))))
		r->nchunks = 0;
}

void residency_scan_step(struct residency_scan *r, void *base, uint64_t bytes)
{
	if (base != r->base || bytes != r->bytes)
		scan_reset(r, base, bytes);
	if (!r->nchunks)
		return;
	uint64_t first = (uint64_t)r->next * r->chunk_pages, pages = bytes / PAGE;
	uint64_t n = pages - first < r->chunk_pages ? pages - first : r->chunk_pages;
	struct residency_counts c;
	if (residency_count(r->pagemap_fd, (uint8_t *)base + first * PAGE, n * PAGE, &c) == 0) {
		struct residency_counts *old = &r->chunk[r->next];
		r->total.resident_pages += c.resident_pages - old->resident_pages;
		r->total.mapped_pages += c.mapped_pages - old->mapped_pages;
		*old = c;
	}
	r->next = (r->next + 1) % r->nchunks;
}
