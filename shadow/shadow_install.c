/* shadow_install.c — the VMM's side of a shadow miss, shared by every machine that runs
 * shadow paging (see shadow_core.h): walk the guest's tables with A/D emulation, ask the
 * physical layer what the guest page becomes, then build the shadow path and write the leaf.
 *
 * The shadow leaf is never larger than the guest page (the physical layer may make it
 * smaller), and is writable only when the guest leaf is writable AND dirty, so the first
 * write to a clean page faults and sets D in the guest entry — the guest sees D exactly as
 * hardware would set it. */
#include <errno.h>

#include "mmu/strategy.h"
#include "shadow/shadow_core.h"

static uint64_t leaf_entry(const struct shadow_leaf *leaf)
{
	return (leaf->addr & PT_ADDR_MASK) | X86_P | X86_A | (leaf->user ? X86_US : 0) |
	       (leaf->writable ? X86_RW | X86_D : 0) | (leaf->level > 1 ? X86_PS : 0);
}

/* Clear the shadow entry at `level` on the path of walk w (a structure that no longer
 * matches the guest: a larger leaf, or a table where the leaf goes). */
static void zap_on_path(struct shadow_tables *t, const struct shadow_phys *p, const struct pt_walk *w,
			uint64_t gva, unsigned level)
{
	struct shadow_page *sp = shadow_table_find(t, w->tables[level]);
	if (sp)
		p->tables_freed(p->ctx, shadow_entry_zap(t, sp, pt_index(gva, level)));
}

/* Link a new shadow table below the entry at `level` of walk w. It shadows the guest table
 * one level down on the guest's path, or none below the guest's leaf (a split large page). */
static int link_table(struct shadow_tables *t, const struct pt_walk *w, const struct pt_walk *g, uint64_t gva,
		      unsigned level)
{
	uint64_t guest_table = level - 1 >= g->level ? g->tables[level - 1] : PT_NO_TABLE;
	struct shadow_page *parent = shadow_table_find(t, w->tables[level]), *sp;

	if (!parent)
		return -EFAULT; /* every table on a shadow path is known: not reached */
	sp = shadow_table_new(t, parent, pt_index(gva, level), level - 1, guest_table);
	if (!sp)
		return -ENOMEM;
	t->mem->write(t->mem->ctx, w->tables[level], pt_index(gva, level), (sp->table & PT_ADDR_MASK) | pt_format_x86.table);
	return 0;
}

/* Build the shadow path for gva down to the leaf's level and write the leaf. Each round
 * re-walks the shadow with the shared walker and fixes the first thing in the way. */
static int install(struct shadow_tables *t, const struct shadow_phys *p, struct shadow_page *root, uint64_t gva,
		   const struct pt_walk *g, const struct shadow_leaf *leaf)
{
	for (unsigned round = 0; round <= 2 * PT_WALK_MAX_LEVELS; round++) {
		struct pt_walk w;
		int rc = 0;
		pt_walk(&pt_format_x86, p->levels, root->table, gva, 0, t->mem, &w);
		if (w.status == PT_WALK_MEM_FAULT)
			return -EFAULT;
		if (w.level == leaf->level) {
			t->mem->write(t->mem->ctx, w.tables[leaf->level], pt_index(gva, leaf->level), leaf_entry(leaf));
			return 0;
		}
		if (w.level < leaf->level) /* a table where the leaf goes */
			zap_on_path(t, p, &w, gva, leaf->level);
		else if (w.status == PT_WALK_NOT_PRESENT)
			rc = link_table(t, &w, g, gva, w.level);
		else /* a larger leaf */
			zap_on_path(t, p, &w, gva, w.level);
		if (rc)
			return rc;
	}
	return -EFAULT;
}

enum shadow_resolution shadow_resolve(struct shadow_tables *t, const struct shadow_phys *p, struct shadow_page *root,
				      uint64_t guest_root, uint64_t gva, unsigned access, uint32_t *pf_err)
{
	struct shadow_leaf leaf;
	struct pt_walk g;

	pt_walk(&pt_format_x86, p->levels, guest_root, gva, PT_WALK_SET_AD | mmu_walk_flags(access), p->guest, &g);
	if (g.status == PT_WALK_NOT_PRESENT || g.status == PT_WALK_PROTECTION) {
		*pf_err = mmu_pf_error(g.status, access);
		return SHADOW_GUEST_FAULT;
	}
	/* a guest table, or the page itself, where the guest may not point, or a write through
	 * a mapping the physical layer keeps read-only (a page table): refused */
	if (g.status != PT_WALK_OK || !p->leaf(p->ctx, &g, &leaf))
		return SHADOW_REFUSED;
	leaf.writable = leaf.writable && g.dirty;
	if ((access & MMU_WRITE) && !leaf.writable)
		return SHADOW_REFUSED;
	int rc = install(t, p, root, gva, &g, &leaf);
	if (rc)
		return rc == -ENOMEM ? SHADOW_NO_MEMORY : SHADOW_REFUSED;
	return SHADOW_RESOLVED;
}

bool shadow_drop_leaf(struct shadow_tables *t, const struct shadow_phys *p, struct shadow_page *root, uint64_t gva)
{
	uint64_t old = 0;
	if (!root || !pt_unmap(&pt_format_x86, p->levels, root->table, gva, t->mem, &old))
		return false;
	t->zapped++;
	return true;
}
