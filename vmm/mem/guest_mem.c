/* guest_mem.c — host memory behind guest RAM (see guest_mem.h). Every backend is mapped at a
 * 2 MiB aligned address (an anonymous reservation first, the real mapping MAP_FIXED over
 * it), so THP and hugetlb pages line up with the guest's 2 MiB frames. */
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/mem/guest_mem.h"

#define SZ_2M (2ULL << 20)

const struct guest_mem_opts guest_mem_defaults = { .backend = GUEST_MEM_ANON, .numa_node = -1 };

const char *guest_mem_backend_name(enum guest_mem_backend b)
{
	static const char *const names[] = { "anon", "memfd", "hugetlb" };
	return (unsigned)b < 3 ? names[b] : "anon";
}

uint64_t guest_mem_page(const struct guest_mem *m)
{
	return m->backend == GUEST_MEM_HUGETLB ? SZ_2M : (uint64_t)sysconf(_SC_PAGESIZE);
}

static int fail(char *why, size_t len, int err, const char *what)
{
	snprintf(why, len, "%s: %s", what, strerror(err));
	return -err;
}

/* An aligned address range reserved (PROT_NONE) for the real mapping to land in. */
static void *reserve_aligned(struct guest_mem *m, uint64_t bytes)
{
	m->map_bytes = (size_t)(bytes + SZ_2M);
	m->map_base = mmap(NULL, m->map_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->map_base == MAP_FAILED) {
		m->map_base = NULL;
		return NULL;
	}
	return (void *)(((uintptr_t)m->map_base + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
}

static int map_backend(const struct guest_mem_opts *o, struct guest_mem *m, void *at, char *why, size_t len)
{
	int flags = MAP_FIXED | MAP_NORESERVE;
	if (o->backend == GUEST_MEM_ANON) {
		if (mmap(at, m->bytes, PROT_READ | PROT_WRITE, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
			return fail(why, len, errno, "cannot map anonymous guest memory");
		return 0;
	}
	unsigned mfd = MFD_CLOEXEC | (o->backend == GUEST_MEM_HUGETLB ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
	m->fd = memfd_create("memvirt-guest-ram", mfd);
	if (m->fd < 0)
		return fail(why, len, errno, "memfd_create for guest memory");
	if (ftruncate(m->fd, (off_t)m->bytes) < 0)
		return fail(why, len, errno, "sizing the guest memfd");
	/* hugetlb: no MAP_NORESERVE, so a pool too small fails here rather than at first touch */
	if (o->backend == GUEST_MEM_HUGETLB)
		flags &= ~MAP_NORESERVE;
	if (mmap(at, m->bytes, PROT_READ | PROT_WRITE, flags | MAP_SHARED, m->fd, 0) == MAP_FAILED)
		return fail(why, len, errno, o->backend == GUEST_MEM_HUGETLB
					      ? "cannot map hugetlb guest memory (enough free 2 MiB pages in /proc/sys/vm/nr_hugepages?)"
					      : "cannot map the guest memfd");
	return 0;
}

static int apply_thp(const struct guest_mem_opts *o, struct guest_mem *m, char *why, size_t len)
{
	if (o->thp == GUEST_MEM_THP_DEFAULT || o->backend == GUEST_MEM_HUGETLB)
		return 0;
	int advice = o->thp == GUEST_MEM_THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	return madvise(m->base, m->bytes, advice) < 0 ? fail(why, len, errno, "madvise for --thp") : 0;
}

static int apply_numa(const struct guest_mem_opts *o, struct guest_mem *m, char *why, size_t len)
{
	if (o->numa_node < 0)
		return 0;
	if (numa_available() < 0)
		return fail(why, len, ENOSYS, "--numa-node: this host has no NUMA API");
	if (o->numa_node > numa_max_node()) {
		snprintf(why, len, "--numa-node %d: this host's highest node is %d", o->numa_node, numa_max_node());
		return -EINVAL;
	}
	static const int modes[] = { MPOL_BIND, MPOL_PREFERRED, MPOL_INTERLEAVE };
	unsigned long mask[16] = { 0 };
	mask[o->numa_node / (8 * sizeof(long))] |= 1UL << (o->numa_node % (8 * sizeof(long)));
	if (mbind(m->base, m->bytes, modes[o->numa_policy], mask, 8 * sizeof(mask), 0) < 0)
		return fail(why, len, errno, "mbind for --numa-node");
	return 0;
}

int guest_mem_alloc(const struct guest_mem_opts *o, uint64_t bytes, struct guest_mem *m, char *why, size_t whylen)
{
	*m = (struct guest_mem){ .fd = -1, .bytes = bytes, .backend = o->backend };
	if (bytes == 0 || bytes % SZ_2M != 0) {
		snprintf(why, whylen, "guest memory must be a positive multiple of 2 MiB");
		return -EINVAL;
	}
	void *at = reserve_aligned(m, bytes);
	int rc = at ? 0 : fail(why, whylen, errno, "cannot reserve guest address space");
	if (rc == 0)
		m->base = at;
	if (rc == 0 && (rc = map_backend(o, m, at, why, whylen)) == 0 && (rc = apply_thp(o, m, why, whylen)) == 0)
		rc = apply_numa(o, m, why, whylen);
	if (rc < 0)
		guest_mem_free(m);
	return rc;
}

void guest_mem_free(struct guest_mem *m)
{
	if (m->map_base)
		munmap(m->map_base, m->map_bytes);
	if (m->fd >= 0)
		close(m->fd);
	*m = (struct guest_mem){ .fd = -1 };
}
