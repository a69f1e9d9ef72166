/* hostmem.c — the simulator's host-physical memory and its frame allocator (see hostmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmu/hostmem.h"
#include "mmu/pte.h"

static const uint64_t class_size[HOSTMEM_CLASSES] = { PT_PAGE_4K, PT_PAGE_2M, PT_PAGE_1G };

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

static int size_class(uint64_t size)
{
	for (int c = 0; c < HOSTMEM_CLASSES; c++)
		if (class_size[c] == size)
			return c;
	return -1;
}

uint64_t hostmem_bytes_for(uint64_t ram_bytes, uint64_t pool_bytes, uint64_t host_page)
{
	uint64_t guest = round_up(ram_bytes, host_page) + round_up(pool_bytes, host_page);
	return round_up(guest, PT_PAGE_1G) + 2 * PT_PAGE_1G;
}

/* A sparse memfd of `size` bytes, or -1 (the caller falls back to anonymous memory). */
static int open_backing(uint64_t size)
{
	int fd = memfd_create("memvirt-hostmem", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Reserves size + 2 MiB of address space and maps the memfd at the first 2 MiB-aligned
 * address in it, so the base can be 2 MiB aligned (lets THP back 2 MiB frames). */
static int map_region(struct hostmem *h)
{
	h->map_bytes = h->size + h->window_bytes + PT_PAGE_2M;
	h->map = mmap(NULL, h->map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->map == MAP_FAILED) {
		h->map = NULL;
		return -errno;
	}
	h->base = (uint8_t *)round_up((uintptr_t)h->map, PT_PAGE_2M);
	if (h->fd >= 0 && mmap(h->base, h->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE,
			       h->fd, 0) == MAP_FAILED) {
		int rc = -errno;
		munmap(h->map, h->map_bytes);
		h->map = NULL;
		return rc;
	}
	return 0;
}

/* The pool's memfd shared at hpa h->size, inside the reservation. */
static int map_window(struct hostmem *h, int fd)
{
	if (!h->window_bytes)
		return 0;
	if (mmap(h->base + h->size, h->window_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd,
		 0) == MAP_FAILED) {
		int rc = -errno;
		munmap(h->map, h->map_bytes);
		h->map = NULL;
		return rc;
	}
	return 0;
}

int hostmem_init(struct hostmem *h, uint64_t bytes, unsigned flags)
{
	return hostmem_init_window(h, bytes, flags, -1, 0);
}

int hostmem_init_window(struct hostmem *h, uint64_t bytes, unsigned flags, int window_fd, uint64_t window_bytes)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	if (!bytes || window_bytes % PT_PAGE_4K || (window_bytes && window_fd < 0))
		return -EINVAL;
	h->size = round_up(bytes, PT_PAGE_1G);
	h->window_bytes = window_bytes;
	h->fd = flags & HOSTMEM_ANON ? -1 : open_backing(h->size);
	int rc = map_region(h);
	if (rc == 0)
		rc = map_window(h, window_fd);
	if (rc) {
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		return rc;
	}
	if (flags & HOSTMEM_HUGEPAGE)
		(void)madvise(h->base, h->size, MADV_HUGEPAGE); /* a hint: failure is harmless */
	return 0;
}

void hostmem_fini(struct hostmem *h)
{
	if (h->map)
		munmap(h->map, h->map_bytes);
	if (h->fd >= 0 && h->map)
		close(h->fd);
	for (int c = 0; c < HOSTMEM_CLASSES; c++)
		free(h->free[c].hpa);
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

static int push_free(struct hostmem_freelist *fl, uint64_t hpa)
{
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? 2 * fl->cap : 1024;
		uint64_t *n = realloc(fl->hpa, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		fl->hpa = n;
		fl->cap = cap;
	}
	fl->hpa[fl->n++] = hpa;
	return 0;
}

static int take_frame(struct hostmem *h, int c, uint64_t *hpa);

/* Split one frame of the next size up into 512 frames of class c. Pushed highest first so
 * frames are handed out in ascending address order (predictable allocation order). */
static int refill(struct hostmem *h, int c)
{
	uint64_t big;
	int rc;

	if (c == HOSTMEM_1G) {
		if (h->bump + PT_PAGE_1G > h->size)
			return -ENOMEM;
		big = h->bump;
		h->bump += PT_PAGE_1G;
		return push_free(&h->free[c], big);
	}
	rc = take_frame(h, c + 1, &big);
	if (rc)
		return rc;
	for (int i = PT_ENTRIES - 1; i >= 0; i--) {
		rc = push_free(&h->free[c], big + (uint64_t)i * class_size[c]);
		if (rc)
			return rc;
	}
	return 0;
}

static int take_frame(struct hostmem *h, int c, uint64_t *hpa)
{
	if (c == HOSTMEM_4K && h->nrelease)
		hostmem_release_flush(h); /* a queued frame must be given back before it can be reused */
	if (!h->free[c].n) {
		int rc = refill(h, c);
		if (rc)
			return rc;
	}
	*hpa = h->free[c].hpa[--h->free[c].n];
	return 0;
}

int hostmem_alloc(struct hostmem *h, uint64_t size, uint64_t *hpa)
{
	int c = size_class(size);
	int rc;

	if (c < 0)
		return -EINVAL;
	rc = take_frame(h, c, hpa);
	if (rc)
		return rc;
	h->allocated[c]++;
	h->allocated_bytes += size;
	return 0;
}

static int drop_pages(struct hostmem *h, uint64_t hpa, uint64_t size)
{
	if (h->fd >= 0)
		return fallocate(h->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)hpa, (off_t)size);
	return madvise(h->base + hpa, size, MADV_DONTNEED);
}

static int free_check(const struct hostmem *h, uint64_t hpa, uint64_t size)
{
	int c = size_class(size);
	if (c < 0 || (hpa & (size - 1)) || hpa >= h->size || !h->allocated[c])
		return -EINVAL;
	return c;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void hostmem_release_flush(struct hostmem *h)
{
	size_t n = h->nrelease;
	h->nrelease = 0;
	qsort(h->release, n, sizeof(h->release[0]), cmp_u64);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && h->release[j] == h->release[j - 1] + PT_PAGE_4K)
			j++;
		uint64_t bytes = (uint64_t)(j - i) * PT_PAGE_4K;
		if (drop_pages(h, h->release[i], bytes))
			memset(h->base + h->release[i], 0, bytes);
		else
			h->released_bytes += bytes;
		for (size_t k = i; k < j; k++)
			(void)push_free(&h->free[HOSTMEM_4K], h->release[k]); /* on -ENOMEM the frame leaks */
		i = j;
	}
}

int hostmem_release(struct hostmem *h, uint64_t hpa, uint64_t size)
{
	int c = free_check(h, hpa, size);
	if (c < 0)
		return c;
	if (c != HOSTMEM_4K) {
		int rc = hostmem_free(h, hpa, size); /* larger frames are given back by hostmem_free already */
		if (rc == 0)
			h->released_bytes += size;
		return rc;
	}
	if (h->nrelease == HOSTMEM_RELEASE_BATCH)
		hostmem_release_flush(h);
	h->release[h->nrelease++] = hpa;
	h->allocated[c]--;
	h->allocated_bytes -= size;
	return 0;
}

int hostmem_free(struct hostmem *h, uint64_t hpa, uint64_t size)
{
	int c = free_check(h, hpa, size);

	if (c < 0)
		return c;
	/* zero now so that alloc never has to: small frames by hand, large ones by giving the
	 * pages back (a punched hole in the memfd, or dropped anonymous pages, reads back zeros) */
	if (c == HOSTMEM_4K)
		memset(h->base + hpa, 0, size);
	else if (drop_pages(h, hpa, size))
		memset(h->base + hpa, 0, size);
	if (push_free(&h->free[c], hpa))
		return -ENOMEM; /* the frame leaks, but stays unallocated in the counters */
	h->allocated[c]--;
	h->allocated_bytes -= size;
	return 0;
}
