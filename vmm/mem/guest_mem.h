/* guest_mem.h — host memory behind guest RAM: the backend (anonymous private memory, a
 * memfd, or hugetlb 2 MiB pages through a hugetlb memfd), transparent huge pages on or off,
 * and NUMA placement (libnuma's mbind policies). Options come from --backend, --thp,
 * --numa-node, --numa-policy, --uffd and its --uffd-around, --uffd-poll,
 * --uffd-resolve (vmm/cli/cli_memory.c). */
#ifndef MEMVIRT_VMM_GUEST_MEM_H
#define MEMVIRT_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/mem/uffd_track.h"

enum guest_mem_backend { GUEST_MEM_ANON = 0, GUEST_MEM_MEMFD, GUEST_MEM_HUGETLB };
enum guest_mem_thp { GUEST_MEM_THP_DEFAULT = 0, GUEST_MEM_THP_ON, GUEST_MEM_THP_OFF };
enum guest_mem_policy { GUEST_MEM_NUMA_BIND = 0, GUEST_MEM_NUMA_PREFERRED, GUEST_MEM_NUMA_INTERLEAVE };

struct guest_mem_opts {
	enum guest_mem_backend backend;
	enum guest_mem_thp thp;      /* default: leave the host's THP mode alone */
	int numa_node;               /* -1: no placement */
	enum guest_mem_policy numa_policy;
	bool uffd;                   /* track first touches with userfaultfd (kvm) */
	struct uffd_track_opts uffd_opts; /* its fault-around, polling and resolution (zeroes:
					 * the defaults) */
};

extern const struct guest_mem_opts guest_mem_defaults;

struct guest_mem {
	void *base;                  /* 2 MiB aligned */
	uint64_t bytes;
	int fd;                      /* memfd behind it, or -1 (anonymous) */
	enum guest_mem_backend backend;
	void *map_base;              /* what to munmap */
	size_t map_bytes;
};

/* Allocates `bytes` (a multiple of 2 MiB) of guest memory as asked; 0, or -errno with a
 * one-line reason. Memory reads as zero until written. */
int guest_mem_alloc(const struct guest_mem_opts *o, uint64_t bytes, struct guest_mem *m, char *why, size_t whylen);
void guest_mem_free(struct guest_mem *m);
/* Host page size behind the memory (2 MiB for hugetlb, else the base page size). */
uint64_t guest_mem_page(const struct guest_mem *m);
const char *guest_mem_backend_name(enum guest_mem_backend b);

#endif
