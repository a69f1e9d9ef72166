/* hostinfo.h — what the host can do: CPU, memory, NUMA, topology, huge pages, KVM and the
 * memory facilities experiments rely on (KSM, userfaultfd, swap, memory cgroup, PSI).
 * Filled once by hostinfo_probe(); shown by `memvirt info` (hostinfo_print) and written as the
 * `context` block of every JSON result (hostinfo_context_json), so a published number always
 * says which kind of host — in particular which host KVM MMU — produced it. */
#ifndef MEMVIRT_VMM_HOSTINFO_H
#define MEMVIRT_VMM_HOSTINFO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/host/damon.h"
#include "vmm/host/swap.h"

#define HOSTINFO_STR_LEN 128
#define HOSTINFO_REASON_LEN 192
#define HOSTINFO_MAX_NODES 64

/* How the host's KVM translates guest memory. Names (hostinfo_host_mmu_name) are part of the
 * JSON contract: "none", "shadow", "tdp", "pvm". */
enum hostinfo_host_mmu {
	HOST_MMU_NONE,   /* no KVM on this host */
	HOST_MMU_SHADOW, /* KVM with kvm_intel/kvm_amd but EPT/NPT off: host shadow paging */
	HOST_MMU_TDP,    /* hardware two-dimensional paging (EPT/NPT) */
	HOST_MMU_PVM,    /* kvm-pvm: software-virtualised, shadow-based underneath */
};

struct hostinfo_numa_node {
	int id;
	uint64_t mem_total_kib;
	uint64_t mem_free_kib;
};

struct hostinfo_kvm {
	bool available;                   /* /dev/kvm opens O_RDWR and speaks API version 12 */
	int api_version;                  /* -1 when /dev/kvm could not be asked */
	char reason[HOSTINFO_REASON_LEN]; /* why not available; "" when available */
	enum hostinfo_host_mmu host_mmu;
	bool tdp_mmu;                     /* kvm.tdp_mmu=Y: KVM's TDP MMU implementation is on */
};

struct hostinfo {
	char hostname[HOSTINFO_STR_LEN];
	char kernel[HOSTINFO_STR_LEN];    /* uname release */
	char cpu_model[HOSTINFO_STR_LEN];
	long ncpus;                       /* online CPUs */
	uint64_t mem_total_kib;           /* MemTotal */

	bool numa_api;                    /* numa_available() >= 0; if not, one node is assumed */
	int numa_nodes;                   /* >= 1 */
	int numa_nodes_listed;            /* entries filled in numa_node[] (<= HOSTINFO_MAX_NODES) */
	struct hostinfo_numa_node numa_node[HOSTINFO_MAX_NODES];

	struct {
		int packages, cores, pus;             /* 0 when hwloc could not tell */
		uint64_t l1d_kib, l2_kib, l3_kib;     /* size of one cache instance; 0 = none/unknown */
	} topo;

	char thp_mode[16];                /* always | madvise | never | absent */

	struct {
		bool present;             /* /sys/kernel/mm/hugepages/hugepages-2048kB exists */
		uint64_t nr, free;
	} hugetlb_2m;

	struct hostinfo_kvm kvm;

	struct {
		bool present;
		int run;                  /* 0 stopped, 1 running, 2 unmerge; -1 unreadable */
		uint64_t pages_shared, pages_sharing;
	} ksm;

	struct {
		bool dev;                 /* /dev/userfaultfd exists */
		bool syscall;             /* userfaultfd(2) returned a descriptor for us */
	} uffd;

	struct host_swap swap;            /* swap.h */
	struct damon_state damon;         /* the host's own proactive reclaim (damon.h) */

	struct {
		char version[8];          /* v1 | v2 | absent */
		char path[64];            /* where the memory controller is mounted; "" if absent */
	} memcg;

	bool psi_memory;                  /* /proc/pressure/memory readable */
	bool root;                        /* effective uid 0 */
};

/* Fill *hi from the running host. Every probe degrades on its own: a missing file or facility
 * is recorded as absent, never an error. Returns 0, or -EINVAL when hi is NULL. */
int hostinfo_probe(struct hostinfo *hi);

/* Opens /dev/kvm read-write and checks that it speaks the stable API (version 12): the one
 * place that does, for hostinfo_probe and for the kvm VMM (which checks its capabilities on
 * top). Returns the fd, or a negative errno with a reason a user can act on in why (a missing
 * node explained, permission, not a KVM device, another API version). *api_version (when not
 * NULL) is the version /dev/kvm answered, -1 when it could not be asked. */
int hostinfo_kvm_open(int *api_version, char *why, size_t whylen);

/* The JSON `context` block (new reference; NULL only when out of memory). Keys and types:
 *   hostname, kernel, cpu_model: string;  ncpus, mem_total_kib: integer
 *   numa:        {api: bool, nodes: integer,
 *                 node: [{id: integer, mem_total_kib: integer, mem_free_kib: integer}]}
 *   topology:    {packages, cores, pus, l1d_kib, l2_kib, l3_kib: integer}
 *   thp:         string (always | madvise | never | absent)
 *   hugetlb_2m:  {present: bool, nr: integer, free: integer}
 *   kvm:         {available: bool, api_version: integer, reason: string,
 *                 host_mmu: string (none | shadow | tdp | pvm), tdp_mmu: bool}
 *   ksm:         {present: bool, run: integer, pages_shared: integer, pages_sharing: integer}
 *   userfaultfd: {dev: bool, syscall: bool}
 *   swap:        {total_kib: integer, free_kib: integer, zram0: bool}
 *   memcg:       {version: string (v1 | v2 | absent), path: string}
 *   psi_memory, root: bool */
json_t *hostinfo_context_json(const struct hostinfo *hi);

/* A readable, aligned table for `memvirt info`. */
void hostinfo_print(const struct hostinfo *hi, FILE *out);

const char *hostinfo_host_mmu_name(enum hostinfo_host_mmu mmu);

#endif
