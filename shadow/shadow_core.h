/* shadow_core.h — the part of shadow paging every VMM shares, whatever machine it runs: the
 * VMM's side of a shadow miss (walk the guest's tables, emulating A and D in them; decide the
 * shadow leaf; build the shadow path) and dropping a leaf on invlpg. The sim strategy
 * (shadow.c, shadow_fill.c) and the kvm VMM (vmm/kvm/kvm_shadow.c) both call these; what differs
 * between them is a struct shadow_phys — where guest tables are read, what a guest page
 * becomes in a shadow leaf (a host frame through the p2m on `sim`; the same guest-physical
 * page, validated against guest RAM, on `kvm`), and which caches to flush when shadow tables
 * are freed. Pure C, no KVM. */
#ifndef MEMVIRT_SHADOW_CORE_H
#define MEMVIRT_SHADOW_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "shadow/shadow_tables.h"

/* The shadow leaf for one guest page, as the physical layer decides it. */
struct shadow_leaf {
	unsigned level; /* 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB): never larger than the guest page */
	uint64_t addr;  /* base of the leaf's page in the shadow's output space (hpa or gpa) */
	bool writable, user;
};

/* The physical layer a shadow tree maps onto. */
struct shadow_phys {
	unsigned levels;            /* paging levels of guest and shadow tables */
	const struct pt_mem *guest; /* the VMM's view of guest tables: reads, and A/D updates that must not trap */
	/* The leaf for the guest walk g (status OK); false: the guest page is refused (outside guest
	 * memory, onto memory the guest may not map, no frame to back it). The writable bit it
	 * returns is final: the core ANDs in nothing but the guest's dirty bit. */
	bool (*leaf)(void *ctx, const struct pt_walk *g, struct shadow_leaf *leaf);
	/* n shadow tables were freed: drop caches that may hold their addresses (n may be 0). */
	void (*tables_freed)(void *ctx, unsigned n);
	void *ctx;
};

enum shadow_resolution {
	SHADOW_RESOLVED = 0,   /* a hidden fault: the shadow now maps gva, retry the access */
	SHADOW_GUEST_FAULT,    /* the guest's own tables do not allow the access: its #PF (*pf_err) */
	SHADOW_REFUSED,        /* the guest maps something it may not (shadow_phys.leaf said no) */
	SHADOW_NO_MEMORY,      /* no table memory for the shadow path */
};

/* access: MMU_READ/MMU_WRITE/MMU_USER (mmu/strategy.h). Walks the guest tables at guest_root
 * with A/D emulation; on success installs the leaf below root. A write to a clean guest page
 * sets D first; a read of a clean page maps it read-only, so the first write faults here. */
enum shadow_resolution shadow_resolve(struct shadow_tables *t, const struct shadow_phys *p, struct shadow_page *root,
				      uint64_t guest_root, uint64_t gva, unsigned access, uint32_t *pf_err);

/* invlpg: clear the shadow leaf covering gva below root. True when one was present. */
bool shadow_drop_leaf(struct shadow_tables *t, const struct shadow_phys *p, struct shadow_page *root, uint64_t gva);

#endif
