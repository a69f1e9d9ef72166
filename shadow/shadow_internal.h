/* shadow_internal.h — functions shared by the shadow strategy's own files. */
#ifndef MEMVIRT_SHADOW_INTERNAL_H
#define MEMVIRT_SHADOW_INTERNAL_H

#include "shadow/shadow.h"

/* shadow_fill.c: the TLB-miss path (hardware walk of the shadow, hidden faults). */
enum mmu_fill_result shadow_fill(struct mmu_vm *vm, uint64_t gva, unsigned access, struct mmu_xlat *out,
				 uint32_t *pf_err);
/* shadow_fill.c: sim's physical layer for the shared core (guest tables through the p2m,
 * leaves onto host frames, pool pages read-only). */
struct shadow_phys shadow_sim_phys(struct shadow *sh);
/* shadow.c: the current shadow root, loading it for vm->cr3 if needed; NULL when out of
 * table memory. */
struct shadow_page *shadow_current_root(struct shadow *sh);
/* shadow.c: shadow tables were freed — walk caches may hold their addresses. */
void shadow_tables_freed(struct shadow *sh, unsigned n);

/* shadow_flood.c (mmu_config.shadow_write_flood): count a trapped write to the guest table
 * containing gpa, unprotecting it at the threshold; a hidden fault walked through the
 * shadow path of gva under root, so its tables are in use. */
void shadow_flood_count_write(struct shadow *sh, uint64_t gpa);
void shadow_flood_touch_path(struct shadow *sh, const struct shadow_page *root, uint64_t gva);

/* shadow_guest.c: the VMM's view of guest memory. */
struct pt_mem shadow_guest_mem(struct mmu_vm *vm);
/* [gpa, gpa + size) lies inside guest memory (RAM and page-table pool). */
bool shadow_gpa_range_ok(const struct mmu_vm *vm, uint64_t gpa, uint64_t size);
/* [gpa, gpa + size) overlaps the page-table pool: such pages are mapped read-only. */
bool shadow_gpa_in_pt_pool(const struct mmu_vm *vm, uint64_t gpa, uint64_t size);

#endif
