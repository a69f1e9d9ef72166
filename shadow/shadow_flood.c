/* shadow_flood.c — write-flooding detection, an option (mmu_config.shadow_write_flood) after
 * KVM's shadow MMU: a guest table that takes SHADOW_FLOOD_WRITES trapped writes with no
 * shadow fault through it in between is being rewritten wholesale (a region unmapped, a
 * table torn down or reused); keeping it shadowed costs an exit per write and buys nothing.
 * The VMM stops shadowing it — every shadow of it is unlinked and freed — and lets the guest
 * write it without exits; the next fault that walks through it shadows it, and so
 * write-protects it, again (shadow_table_new). Shadow roots are never unshadowed.
 *
 * Unlike KVM, which drops only the shadow page that flooded, all shadows of the guest table
 * go: writes can only stop trapping once nothing derived from the table is left to keep
 * coherent. */
#include "shadow/shadow_internal.h"

#define SHADOW_FLOOD_WRITES 3u

void shadow_flood_count_write(struct shadow *sh, uint64_t gpa)
{
	unsigned most = 0, freed;

	for (struct shadow_page *sp = shadow_guest_table_shadows(&sh->tables, gpa); sp; sp = sp->rmap_next)
		if (++sp->flood_writes > most)
			most = sp->flood_writes;
	if (most < SHADOW_FLOOD_WRITES)
		return;
	if (shadow_guest_table_unprotect(&sh->tables, gpa, &freed) == 0)
		sh->flood_unprotects++;
	shadow_tables_freed(sh, freed);
}

void shadow_flood_touch_path(struct shadow *sh, const struct shadow_page *root, uint64_t gva)
{
	struct pt_walk w;

	pt_walk(&pt_format_x86, sh->vm->cfg.levels, root->table, gva, 0, sh->tables.mem, &w);
	for (unsigned l = sh->vm->cfg.levels; l >= w.level && l >= 1; l--) {
		struct shadow_page *sp = shadow_table_find(&sh->tables, w.tables[l]);
		if (sp)
			sp->flood_writes = 0;
	}
}
