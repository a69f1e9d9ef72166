/* strategy.h — the paging-strategy interface and the simulated machine it runs on.
 *
 * A `struct mmu_vm` is one simulated machine: host memory, the guest-physical layout, the
 * TLB and walk caches, the counters, and one paging strategy (ept/ or shadow/). The guest
 * kernel and the workload reach memory only through mmu_access() (translated accesses) and
 * the "hardware" operations below (pt_write, cr3_load, invlpg); a strategy decides what the
 * hardware walks and which of those operations trap.
 *
 * The second dimension (gpa -> hpa) is a map the VMM keeps and both strategies use: mmu/
 * creates it and reaches it only through struct mmu_p2m_ops, which ept/ implements (the
 * EPT-format p2m, ept/p2m.h); mmu/ never includes or links ept/.
 *
 * Address spaces used here:
 *   gva  guest-virtual            (workload addresses)
 *   gpa  guest-physical           (guest RAM [0, ram_bytes), then the page-table pool)
 *   hpa  host-physical            (an offset into struct hostmem; host memory is one region)
 */
#ifndef MEMVIRT_MMU_STRATEGY_H
#define MEMVIRT_MMU_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/counters.h"
#include "mmu/cost.h"
#include "mmu/hostmem.h"
#include "mmu/ntlb.h"
#include "mmu/pwc.h"
#include "mmu/tlb.h"

struct mmu_vm;

enum mmu_access { MMU_READ = 1u, MMU_WRITE = 2u, MMU_USER = 4u };

/* Outcome of a strategy's fill (a TLB miss handled by the "hardware" walk). */
enum mmu_fill_result {
	MMU_FILL_OK = 0,          /* out->... filled; insert into the TLB */
	MMU_FILL_RETRY = 1,       /* the VMM fixed something (EPT violation, hidden fault): walk again */
	MMU_FILL_GUEST_FAULT = 2, /* a true guest page fault: deliver #PF to the guest kernel */
	MMU_FILL_ERROR = 3,       /* unresolvable (e.g. gpa outside guest memory): mmu_access -EFAULT */
};

/* A completed translation, as the TLB holds it. */
struct mmu_xlat {
	uint64_t hpa_page;   /* host-physical base of the (effective) page */
	uint64_t page_size;  /* 4 KiB, 2 MiB or 1 GiB: the TLB entry's reach */
	bool writable, user, dirty;
};

/* The part of the second-dimension map the machine reads on every access. An implementation
 * embeds it in its own map (ept/p2m.h: struct p2m) and bumps gen whenever an existing
 * mapping changes or disappears (reclaim, balloon, sharing): cached gpa -> hpa translations
 * (TLB, nested TLB, shadow leaves) are then stale. A plain field, not an op, because the
 * machine compares it on every translated access. */
struct mmu_p2m {
	uint64_t gen;
};

/* The second-dimension map: guest-physical -> host-physical, over host memory. These are the
 * VMM's own operations on its own structure: nothing here traps or is counted (the EPT
 * violation that leads to back() is counted by the caller). */
struct mmu_p2m_ops {
	const char *name; /* "p2m" */
	/* A map of [0, gpa_limit) with leaves of host_page bytes, its tables and frames taken from
	 * h: 0 and *out, -EINVAL (bad size or limit) or -ENOMEM. */
	int (*create)(struct hostmem *h, uint64_t gpa_limit, uint64_t host_page, struct mmu_p2m **out);
	void (*destroy)(struct mmu_p2m *m); /* NULL is fine */
	/* gpa -> hpa, uncounted: 0 and *hpa, -ENOENT when not backed, -EFAULT outside the map. */
	int (*lookup)(struct mmu_p2m *m, uint64_t gpa, uint64_t *hpa);
	/* Back the host page holding gpa with a fresh zeroed frame (first touch): 0 (also when
	 * already backed), -EFAULT outside the map, -ENOMEM. */
	int (*back)(struct mmu_p2m *m, uint64_t gpa);
};

struct mmu_strategy_ops {
	const char *name; /* "ept" or "shadow": what --mmu names it (paging/registry.h) */
	/* The second-dimension map the machine creates for this strategy (both use ept/'s p2m). */
	const struct mmu_p2m_ops *p2m;
	int (*init)(struct mmu_vm *vm);
	void (*fini)(struct mmu_vm *vm);
	/* TLB miss: walk what the hardware walks under this strategy. On a guest fault, *pf_err
	 * receives the x86 page-fault error code. */
	enum mmu_fill_result (*fill)(struct mmu_vm *vm, uint64_t gva, unsigned access,
				     struct mmu_xlat *out, uint32_t *pf_err);
	/* The guest kernel writes a page-table entry at `gpa` (traps under shadow). */
	void (*pt_write)(struct mmu_vm *vm, uint64_t gpa, uint64_t val);
	/* The guest loads CR3 (a paravirtual hypercall under shadow). */
	void (*cr3_load)(struct mmu_vm *vm, uint64_t root_gpa, uint16_t asid);
	/* The guest invalidates one page (the strategy flushes the TLB entry and its own caches). */
	void (*invlpg)(struct mmu_vm *vm, uint64_t gva);
	/* A guest access to a guest frame with no host frame behind it is an exit
	 * (exits.ept_violation). False where the VMM backs frames itself as it fills its own
	 * tables (shadow): a first touch then costs no exit of its own. */
	bool first_touch_exits;
	/* Every guest page-table write exits (exits.pt_write): the guest kernel is told at boot
	 * (GK_BOOT_SHADOW), as a paravirtual guest would be. */
	bool pt_writes_trap;
};

/* The x86 page-fault error code for a guest walk that failed with status s. */
static inline uint32_t mmu_pf_error(enum pt_walk_status s, unsigned access)
{
	return (s == PT_WALK_PROTECTION ? PF_ERR_P : 0) | (access & MMU_WRITE ? PF_ERR_W : 0) |
	       (access & MMU_USER ? PF_ERR_U : 0);
}

/* Walk flags (walk.h) for an access: write and user-mode bits. */
static inline unsigned mmu_walk_flags(unsigned access)
{
	return (access & MMU_WRITE ? PT_WALK_WRITE : 0) | (access & MMU_USER ? PT_WALK_USER : 0);
}

/* Guest page fault delivery: the sim platform installs the guest kernel's handler here.
 * Returns 0 when the guest fixed the mapping, negative errno for a fatal fault (SIGSEGV). */
typedef int (*mmu_guest_pf_fn)(void *guest, uint64_t gva, uint32_t err);

/* What the VMM configures; see docs/ and `memvirt run --help`. */
struct mmu_config {
	unsigned levels;        /* guest paging levels, 4 or 5 */
	uint64_t guest_page;    /* largest guest leaf the guest kernel uses: 4 KiB or 2 MiB */
	uint64_t host_page;     /* p2m leaf size: 4 KiB, 2 MiB or 1 GiB */
	unsigned tlb_entries;   /* 0 = no TLB */
	bool pwc, ntlb;         /* page-walk caches, nested TLB */
	bool pcid;              /* TLB tagged by address-space id (no flush on switch) */
	bool shadow_write_flood;/* shadow: unprotect a guest table written repeatedly with no fault
				 * through it, as KVM does (shadow/shadow_flood.c) */
	uint64_t ram_bytes;     /* guest RAM, at gpa 0 */
	uint64_t pt_pool_bytes; /* page-table pool, at gpa ram_bytes */
	bool host_anon;         /* host memory private anonymous, not a memfd: Linux KSM merges only
				 * that (set by a host with ksm = on) */
	bool share;             /* sim: memvirt's own merge engine merges guest RAM copy-on-write
				 * (--share, vmm/run/sim_share.c) */
	int share_fd;           /* with share_bytes: the host's shared-frame pool (a memfd), mapped
				 * into this machine's host memory (mmu/hostmem.h, the window) */
	uint64_t share_bytes;   /* 0: no pool window */
	struct mmu_cost cost;
};

struct mmu_vm {
	struct mmu_config cfg;
	struct hostmem host;
	struct tlb tlb;
	struct mmu_counters user;   /* the workload's accesses */
	struct mmu_counters kernel; /* the guest kernel's own accesses */
	struct mmu_counters *cur;   /* which of the two the current access is charged to */
	struct exit_counters exits;
	uint64_t cr3;               /* guest root (gpa) as the guest last loaded it */
	uint16_t asid;
	const struct mmu_strategy_ops *ops;
	void *strategy;             /* the strategy's own state */
	struct mmu_p2m *p2m;        /* created by ops->p2m (ept/: p2m_from() gives struct p2m) */
	mmu_guest_pf_fn guest_pf;
	void *guest;
	/* Fast-path caches to invalidate on every TLB change (struct wl_xlat_cache *). */
	void *fast_rd, *fast_wr;
	/* Added by mmu/: walk caches (the strategy decides whether and how it uses them) and the
	 * p2m generation last seen (a p2m change flushes TLB and nested TLB, like INVEPT). */
	struct pwc pwc;
	struct ntlb ntlb;
	uint64_t p2m_gen;
};

/* mmu/vm.c */
int mmu_vm_init(struct mmu_vm *vm, const struct mmu_config *cfg, const struct mmu_strategy_ops *ops);
void mmu_vm_fini(struct mmu_vm *vm);
/* Translate one access (TLB, walk, faults) and return a host pointer to the byte at gva. */
int mmu_access(struct mmu_vm *vm, uint64_t gva, unsigned access, void **host_ptr);
/* Host pointer for a guest-physical address (through the p2m; backs it on first touch). */
void *mmu_gpa_ptr(struct mmu_vm *vm, uint64_t gpa);
/* Hardware operations the guest kernel performs. */
void mmu_pt_write(struct mmu_vm *vm, uint64_t gpa, uint64_t val);
void mmu_cr3_load(struct mmu_vm *vm, uint64_t root_gpa, uint16_t asid);
void mmu_invlpg(struct mmu_vm *vm, uint64_t gva);
/* mmu/hw_walk.c: the hardware walk of x86 tables at `root` (guest tables under ept, shadow
 * tables under shadow), resumed from the page-walk cache where it can; charges walk_refs and
 * pwc_hits to vm->cur and fills the PWC. The caller counts the walk itself. */
void mmu_hw_walk(struct mmu_vm *vm, uint64_t root, uint64_t va, unsigned flags, const struct pt_mem *mem,
		 struct pt_walk *w);
/* Drop the workload fast-path caches (any TLB change). */
void mmu_fast_invalidate(struct mmu_vm *vm);

#endif
