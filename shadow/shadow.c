/* shadow.c — the shadow paging strategy (see shadow.h and docs/paging-strategies.md): its
 * set-up, and the guest operations that trap under it — page-table writes, CR3 loads and
 * invlpg. The TLB-miss path is in shadow_fill.c, the tables in shadow_tables.c, the root
 * cache in shadow_roots.c. */
#include <errno.h>
#include <stdlib.h>

#include "ept/p2m.h"
#include "shadow/shadow_internal.h"

struct shadow *shadow_of(const struct mmu_vm *vm)
{
	return vm && vm->ops == &shadow_strategy ? vm->strategy : NULL;
}

void shadow_tables_freed(struct shadow *sh, unsigned n)
{
	if (n) /* the PWC holds shadow-table addresses that may be handed out again */
		pwc_flush_all(&sh->vm->pwc);
}

static struct shadow_page *load_root(struct shadow *sh, uint64_t guest_root)
{
	unsigned freed;
	sh->cur = shadow_roots_get(&sh->roots, &sh->tables, guest_root, sh->vm->cfg.levels, &freed);
	shadow_tables_freed(sh, freed);
	return sh->cur;
}

struct shadow_page *shadow_current_root(struct shadow *sh)
{
	return sh->cur ? sh->cur : load_root(sh, sh->vm->cr3);
}

static int shadow_init(struct mmu_vm *vm)
{
	struct shadow *sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	sh->vm = vm;
	pt_hostmem_init(&sh->host_tables, &vm->host);
	if (shadow_tables_init(&sh->tables, &sh->host_tables.mem)) {
		free(sh);
		return -ENOMEM;
	}
	shadow_roots_init(&sh->roots);
	sh->guest_mem = shadow_guest_mem(vm);
	sh->phys = shadow_sim_phys(sh);
	sh->p2m_gen = vm->p2m->gen;
	vm->strategy = sh;
	return 0;
}

static void shadow_fini(struct mmu_vm *vm)
{
	struct shadow *sh = vm->strategy;
	if (!sh)
		return;
	shadow_roots_free_all(&sh->roots, &sh->tables);
	shadow_tables_fini(&sh->tables);
	free(sh);
	vm->strategy = NULL;
}

/* The guest's page-table pages are write-protected: the write exits, the VMM performs it
 * and zaps the shadow entries derived from the entry written. The TLB is left alone, as
 * hardware would: the guest flushes what it changed (invlpg, CR3). A table that write
 * flooding unprotected is written directly: nothing shadows it. */
static void shadow_pt_write(struct mmu_vm *vm, uint64_t gpa, uint64_t val)
{
	struct shadow *sh = vm->strategy;
	uint64_t *e = mmu_gpa_ptr(vm, gpa & ~(uint64_t)(sizeof(uint64_t) - 1));

	if (e && !shadow_guest_table_protected(&sh->tables, gpa)) {
		*e = val;
		sh->unprotected_writes++;
		mmu_fast_invalidate(vm);
		return;
	}
	vm->exits.pt_write++;
	if (!e)
		return; /* outside guest memory: nothing there to write or to shadow */
	*e = val;
	shadow_tables_freed(sh, shadow_guest_entry_written(&sh->tables, gpa));
	if (vm->cfg.shadow_write_flood)
		shadow_flood_count_write(sh, gpa);
	mmu_fast_invalidate(vm);
}

/* A paravirtual hypercall: switch to the guest root's shadow tree (cached, or a new empty
 * one). Without PCIDs the switch flushes the TLB and walk caches, as a CR3 write does. */
static void shadow_cr3_load(struct mmu_vm *vm, uint64_t root_gpa, uint16_t asid)
{
	struct shadow *sh = vm->strategy;

	vm->exits.cr3_load++;
	vm->cr3 = root_gpa & PT_ADDR_MASK; /* CR3's low bits are flags, not address: one root per table */
	vm->asid = asid;
	load_root(sh, vm->cr3); /* NULL (no table memory) is retried, and refused, at the next fill */
	if (!vm->cfg.pcid) {
		tlb_flush_all(&vm->tlb);
		pwc_flush_all(&vm->pwc);
	}
	mmu_fast_invalidate(vm);
}

/* invlpg is intercepted under shadow paging (as KVM does without EPT): besides the TLB
 * entry and walk-cache entries, the VMM drops the shadow leaf, so the next access refills
 * it from the guest's tables — which keeps the shadow right even for guest entries changed
 * behind the write protection. */
static void shadow_invlpg(struct mmu_vm *vm, uint64_t gva)
{
	struct shadow *sh = vm->strategy;

	vm->exits.invlpg++;
	tlb_flush_va(&vm->tlb, vm->asid, gva);
	pwc_flush_va(&vm->pwc, vm->asid, gva);
	shadow_drop_leaf(&sh->tables, &sh->phys, sh->cur, gva);
	mmu_fast_invalidate(vm);
}

int shadow_translate(const struct mmu_vm *vm, uint64_t guest_root, uint64_t gva, uint64_t *hpa, bool *writable)
{
	const struct shadow *sh = shadow_of(vm);
	const struct shadow_page *sp;
	struct pt_walk w;

	if (!sh)
		return -EINVAL;
	sp = shadow_roots_peek(&sh->roots, guest_root);
	if (!sp || pt_walk(&pt_format_x86, vm->cfg.levels, sp->table, gva, 0, sh->tables.mem, &w) != PT_WALK_OK)
		return -ENOENT;
	*hpa = w.pa;
	*writable = w.writable;
	return 0;
}

const struct mmu_strategy_ops shadow_strategy = {
	.name = "shadow",
	.p2m = &p2m_ops, /* the shadow composes guest tables with ept/'s p2m */
	.init = shadow_init,
	.fini = shadow_fini,
	.fill = shadow_fill,
	.pt_write = shadow_pt_write,
	.cr3_load = shadow_cr3_load,
	.invlpg = shadow_invlpg,
	.first_touch_exits = false,
	.pt_writes_trap = true,
};
