/* shadow.h — shadow paging (shadow_strategy): its state and the
 * introspection tests and reports use. How it works is explained in docs/paging-strategies.md;
 * in short:
 *   - the hardware walks shadow tables (x86 format, gva -> hpa) that the VMM builds from the
 *     guest's tables composed with the p2m; `levels` references per 4 KiB walk;
 *   - they are filled lazily: a walk that finds nothing where the guest maps something is a
 *     hidden fault (exits.hidden_fault) that the VMM fixes and retries;
 *   - every guest page-table write traps (exits.pt_write) and zaps the shadow entries derived
 *     from the written entry (reverse map, shadow_tables.h);
 *   - CR3 loads trap (exits.cr3_load) and pick the guest root's shadow tree from a bounded
 *     cache (shadow_roots.h); invlpg traps (exits.invlpg) and drops the shadow leaf as well;
 *   - A and D are emulated in the guest's entries: A when a leaf is filled, D on the first
 *     write, which is made to fault by mapping clean pages read-only in the shadow;
 *   - optionally (mmu_config.shadow_write_flood), a guest table written over and over with
 *     no fault through it stops being shadowed, and its writes stop trapping (KVM's
 *     write-flooding detection).
 * The table memory is a struct pt_mem, host memory on `sim`; nothing here is KVM-specific.
 * The miss path and invlpg's leaf drop are the shared core (shadow_core.h) that the kvm VMM
 * runs too, over its own physical layer (vmm/kvm/kvm_shadow.c). */
#ifndef MEMVIRT_SHADOW_SHADOW_H
#define MEMVIRT_SHADOW_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/pt_hostmem.h"
#include "mmu/strategy.h"
#include "shadow/shadow_core.h"
#include "shadow/shadow_roots.h"
#include "shadow/shadow_tables.h"

struct shadow {
	struct mmu_vm *vm;
	struct pt_hostmem host_tables; /* sim: shadow tables live in host memory */
	struct shadow_tables tables;
	struct shadow_roots roots;
	struct shadow_page *cur;       /* shadow root for vm->cr3; NULL until the first load */
	uint64_t p2m_gen;              /* p2m generation the shadow tables were built from */
	struct pt_mem guest_mem;       /* the VMM's own view of guest tables (no exits) */
	struct shadow_phys phys;       /* sim's physical layer for the shared core (shadow_core.h) */
	/* write flooding (mmu_config.shadow_write_flood, shadow_flood.c) */
	uint64_t flood_unprotects;     /* guest tables unshadowed after repeated writes */
	uint64_t unprotected_writes;   /* guest PTE writes that did not trap because of it */
};

extern const struct mmu_strategy_ops shadow_strategy;

/* The shadow state of a machine running shadow_strategy, NULL otherwise. */
struct shadow *shadow_of(const struct mmu_vm *vm);

/* What the shadow tree of guest_root maps gva to, read without side effects (no counters,
 * no fill): 0 and *hpa / *writable; -ENOENT when the shadow has no translation (not
 * filled yet, or the root is not cached); -EINVAL when vm does not run shadow paging. */
int shadow_translate(const struct mmu_vm *vm, uint64_t guest_root, uint64_t gva, uint64_t *hpa, bool *writable);

#endif
