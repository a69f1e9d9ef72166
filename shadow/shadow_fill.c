/* shadow_fill.c — the TLB-miss path under shadow paging. The hardware walks the shadow tree
 * of the current root (counted: `levels` references down to a 4 KiB leaf, fewer above a
 * larger one; the PWC may skip upper levels). When the shadow has no usable translation the
 * VMM takes over — a hidden fault if the guest's own tables allow the access: it walks the
 * guest tables (emulating A and D in them), backs the host frame through the p2m, builds
 * the shadow path and leaf, and has the access retried. Otherwise the fault is the guest's
 * (a #PF with the proper error code), or unresolvable when the guest points outside its
 * memory.
 *
 * The shadow leaf is never larger than the guest page or the host page behind it, and is
 * writable only when the guest leaf is writable AND dirty, so the first write to a clean
 * page faults here and sets D in the guest entry — the guest sees D exactly as hardware
 * would set it. Leaves onto the page-table pool are read-only: guest page tables are
 * write-protected (a write through such a mapping would be emulated by a real VMM; here it
 * is refused as an MMIO access nobody serves). */
#include <errno.h>

#include "ept/p2m.h"
#include "shadow/shadow_internal.h"

struct shadow_leaf {
	unsigned level;
	uint64_t hpa; /* host base of the leaf's page */
	bool writable, user;
};

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
	const struct p2m *p = sh->vm->p2m;
	if (p->gen == sh->p2m_gen)
		return;
	sh->p2m_gen = p->gen;
	shadow_tables_freed(sh, shadow_roots_clear_all(&sh->roots, &sh->tables));
}

/* The shadow leaf for a successful guest walk; false when the guest page lies outside guest
 * memory or no host frame can back it. */
static bool leaf_from_guest(struct mmu_vm *vm, const struct pt_walk *g, struct shadow_leaf *leaf)
{
	struct p2m *p = vm->p2m;
	uint64_t size = g->page_size < p->page_size ? g->page_size : p->page_size;
	uint64_t gpa = g->pa & ~(size - 1);

	if (!shadow_gpa_range_ok(vm, gpa, size))
		return false;
	/* backing the frame is part of this exit: not an EPT violation of its own */
	if (p2m_lookup(p, gpa, &leaf->hpa) && (p2m_back(p, gpa) || p2m_lookup(p, gpa, &leaf->hpa)))
		return false;
	leaf->level = pt_leaf_level(size);
	leaf->writable = g->writable && g->dirty && !shadow_gpa_in_pt_pool(vm, gpa, size);
	leaf->user = g->user;
	return true;
}

static uint64_t leaf_entry(const struct shadow_leaf *leaf)
{
	return (leaf->hpa & PT_ADDR_MASK) | X86_P | X86_A | (leaf->user ? X86_US : 0) |
	       (leaf->writable ? X86_RW | X86_D : 0) | (leaf->level > 1 ? X86_PS : 0);
}

/* Clear the shadow entry at `level` on the path of walk w (a structure that no longer
 * matches the guest: a larger leaf, or a table where the leaf goes). */
static void zap_on_path(struct shadow *sh, const struct pt_walk *w, uint64_t gva, unsigned level)
{
	struct shadow_page *sp = shadow_table_find(&sh->tables, w->tables[level]);
	if (sp)
		shadow_tables_freed(sh, shadow_entry_zap(&sh->tables, sp, pt_index(gva, level)));
}

/* Link a new shadow table below the entry at `level` of walk w. It shadows the guest table
 * one level down on the guest's path, or none below the guest's leaf (a split large page). */
static int link_table(struct shadow *sh, const struct pt_walk *w, const struct pt_walk *g, uint64_t gva,
		      unsigned level)
{
	const struct pt_mem *m = sh->tables.mem;
	uint64_t guest_table = level - 1 >= g->level ? g->tables[level - 1] : PT_NO_TABLE;
	struct shadow_page *parent = shadow_table_find(&sh->tables, w->tables[level]), *sp;

	if (!parent)
		return -EFAULT; /* every table on a shadow path is known: not reached */
	sp = shadow_table_new(&sh->tables, parent, pt_index(gva, level), level - 1, guest_table);
	if (!sp)
		return -ENOMEM;
	m->write(m->ctx, w->tables[level], pt_index(gva, level), (sp->table & PT_ADDR_MASK) | pt_format_x86.table);
	return 0;
}

/* Build the shadow path for gva down to the leaf's level and write the leaf. Each round
 * re-walks the shadow with the shared walker and fixes the first thing in the way. */
static int install(struct shadow *sh, struct shadow_page *root, uint64_t gva, const struct pt_walk *g,
		   const struct shadow_leaf *leaf)
{
	const struct pt_mem *m = sh->tables.mem;
	unsigned levels = sh->vm->cfg.levels;

	for (unsigned round = 0; round <= 2 * PT_WALK_MAX_LEVELS; round++) {
		struct pt_walk w;
		int rc = 0;
		pt_walk(&pt_format_x86, levels, root->table, gva, 0, m, &w);
		if (w.status == PT_WALK_MEM_FAULT)
			return -EFAULT;
		if (w.level == leaf->level) {
			m->write(m->ctx, w.tables[leaf->level], pt_index(gva, leaf->level), leaf_entry(leaf));
			return 0;
		}
		if (w.level < leaf->level) /* a table where the leaf goes */
			zap_on_path(sh, &w, gva, leaf->level);
		else if (w.status == PT_WALK_NOT_PRESENT)
			rc = link_table(sh, &w, g, gva, w.level);
		else /* a larger leaf */
			zap_on_path(sh, &w, gva, w.level);
		if (rc)
			return rc;
	}
	return -EFAULT;
}

/* The VMM's side of a shadow miss. */
static enum mmu_fill_result resolve(struct shadow *sh, struct shadow_page *root, uint64_t gva, unsigned access,
				    uint32_t *pf_err)
{
	struct mmu_vm *vm = sh->vm;
	struct shadow_leaf leaf;
	struct pt_walk g;

	pt_walk(&pt_format_x86, vm->cfg.levels, vm->cr3, gva, PT_WALK_SET_AD | mmu_walk_flags(access),
		&sh->guest_mem, &g);
	if (g.status == PT_WALK_NOT_PRESENT || g.status == PT_WALK_PROTECTION) {
		*pf_err = mmu_pf_error(g.status, access);
		return MMU_FILL_GUEST_FAULT;
	}
	/* a guest table, or the page itself, outside guest memory, or a write through a
	 * mapping of a write-protected page table: refused */
	if (g.status != PT_WALK_OK || !leaf_from_guest(vm, &g, &leaf) || ((access & MMU_WRITE) && !leaf.writable)) {
		vm->exits.mmio++;
		return MMU_FILL_ERROR;
	}
	if (install(sh, root, gva, &g, &leaf))
		return MMU_FILL_ERROR;
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
