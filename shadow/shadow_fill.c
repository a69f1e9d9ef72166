/* shadow_fill.c — the TLB-miss path under shadow paging on `sim`. The hardware walks the
 * shadow tree of the current root (counted: `levels` references down to a 4 KiB leaf, fewer
 * above a larger one; the PWC may skip upper levels). When the shadow has no usable
 * translation the VMM takes over (shadow_resolve, shared with kvm): a hidden fault if the
 * guest's own tables allow the access, else the guest's #PF, or unresolvable when the guest
 * points outside its memory.
 *
 * sim's physical layer: a shadow leaf maps the host frame the p2m gives the guest page, and
 * is never larger than the guest page or the host page behind it. Leaves onto the
 * page-table pool are read-only: guest page tables are write-protected (a write through such
 * a mapping would be emulated by a real VMM; here it is refused as an MMIO access nobody
 * serves). */
#include "ept/p2m.h"
#include "shadow/shadow_internal.h"

static void xlat_from_walk(const struct pt_walk *w, struct mmu_xlat *out)
{
	out->hpa_page = w->pa & ~(w->page_size - 1);
	out->page_size = w->page_size;
	out->writable = w->writable;
	out->user = w->user;
	out->dirty = w->dirty;
}

/* A p2m mapping changed (reclaim, balloon, sharing): shadow leaves may still point at the
 * old host frames. Drop every shadow translation, as KVM zaps all on a memslot change; the
 * TLB was flushed by the machine already. A per-frame reverse map of leaves would make this
 * finer, at a cost on every fill; p2m changes are rare next to fills. */
static void sync_p2m(struct shadow *sh)
{
	uint64_t gen = sh->vm->p2m->gen;
	if (gen == sh->p2m_gen)
		return;
	sh->p2m_gen = gen;
	shadow_tables_freed(sh, shadow_roots_clear_all(&sh->roots, &sh->tables));
}

/* The shadow leaf for a successful guest walk; false when the guest page lies outside guest
 * memory or no host frame can back it. */
static bool leaf_from_guest(void *ctx, const struct pt_walk *g, struct shadow_leaf *leaf)
{
	struct mmu_vm *vm = ((struct shadow *)ctx)->vm;
	struct p2m *p = p2m_from(vm->p2m);
	uint64_t size = g->page_size < p->page_size ? g->page_size : p->page_size;
	uint64_t gpa = g->pa & ~(size - 1);

	if (!shadow_gpa_range_ok(vm, gpa, size))
		return false;
	/* backing the frame is part of this exit: not an EPT violation of its own */
	if (p2m_lookup(p, gpa, &leaf->addr) && (p2m_back(p, gpa) || p2m_lookup(p, gpa, &leaf->addr)))
		return false;
	leaf->level = pt_leaf_level(size);
	leaf->writable = g->writable && !shadow_gpa_in_pt_pool(vm, gpa, size);
	leaf->user = g->user;
	return true;
}

static void tables_freed_cb(void *ctx, unsigned n) { shadow_tables_freed(ctx, n); }

struct shadow_phys shadow_sim_phys(struct shadow *sh)
{
	return (struct shadow_phys){ .levels = sh->vm->cfg.levels, .guest = &sh->guest_mem, .leaf = leaf_from_guest,
				     .tables_freed = tables_freed_cb, .ctx = sh };
}

/* The VMM's side of a shadow miss, with sim's counters. */
static enum mmu_fill_result resolve(struct shadow *sh, struct shadow_page *root, uint64_t gva, unsigned access,
				    uint32_t *pf_err)
{
	struct mmu_vm *vm = sh->vm;

	switch (shadow_resolve(&sh->tables, &sh->phys, root, vm->cr3, gva, access, pf_err)) {
	case SHADOW_GUEST_FAULT:
		return MMU_FILL_GUEST_FAULT;
	case SHADOW_REFUSED:
		vm->exits.mmio++;
		return MMU_FILL_ERROR;
	case SHADOW_NO_MEMORY:
		return MMU_FILL_ERROR;
	case SHADOW_RESOLVED:
		break;
	}
	if (vm->cfg.shadow_write_flood)
		shadow_flood_touch_path(sh, root, gva);
	vm->exits.hidden_fault++;
	mmu_fast_invalidate(vm);
	return MMU_FILL_RETRY;
}

enum mmu_fill_result shadow_fill(struct mmu_vm *vm, uint64_t gva, unsigned access, struct mmu_xlat *out,
				 uint32_t *pf_err)
{
	struct shadow *sh = vm->strategy;
	struct shadow_page *root;
	struct pt_walk w;

	sync_p2m(sh);
	root = shadow_current_root(sh);
	if (!root)
		return MMU_FILL_ERROR;
	vm->cur->walks++;
	mmu_hw_walk(vm, root->table, gva, mmu_walk_flags(access), sh->tables.mem, &w);
	if (w.status == PT_WALK_OK) {
		xlat_from_walk(&w, out);
		return MMU_FILL_OK;
	}
	if (w.status == PT_WALK_MEM_FAULT)
		return MMU_FILL_ERROR;
	return resolve(sh, root, gva, access, pf_err);
}
