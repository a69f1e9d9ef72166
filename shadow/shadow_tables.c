/* shadow_tables.c — shadow tables, their metadata and the guest-table reverse map (see
 * shadow_tables.h for the shape and the coherence rule). */
#include <errno.h>
#include <stdlib.h>

#include "shadow/shadow_tables.h"

#define GUEST_TABLE_OF(gpa) ((gpa) & ~(PT_PAGE_4K - 1))

int shadow_tables_init(struct shadow_tables *t, const struct pt_mem *mem)
{
	*t = (struct shadow_tables){ .mem = mem };
	if (shadow_map_init(&t->pages))
		return -ENOMEM;
	if (shadow_map_init(&t->rmap))
		goto fail_rmap;
	if (shadow_map_init(&t->unprotected))
		goto fail_unprotected;
	return 0;
fail_unprotected:
	shadow_map_fini(&t->rmap);
fail_rmap:
	shadow_map_fini(&t->pages);
	return -ENOMEM;
}

void shadow_tables_fini(struct shadow_tables *t)
{
	shadow_map_fini(&t->pages);
	shadow_map_fini(&t->rmap);
	shadow_map_fini(&t->unprotected);
}

static int rmap_add(struct shadow_tables *t, struct shadow_page *sp)
{
	struct shadow_page *head;
	if (sp->guest_table == PT_NO_TABLE)
		return 0;
	head = shadow_map_get(&t->rmap, sp->guest_table);
	if (shadow_map_put(&t->rmap, sp->guest_table, sp))
		return -ENOMEM;
	shadow_map_del(&t->unprotected, sp->guest_table); /* shadowed again: writes trap */
	sp->rmap_prev = NULL;
	sp->rmap_next = head;
	if (head)
		head->rmap_prev = sp;
	return 0;
}

static void rmap_remove(struct shadow_tables *t, struct shadow_page *sp)
{
	if (sp->guest_table == PT_NO_TABLE)
		return;
	if (sp->rmap_next)
		sp->rmap_next->rmap_prev = sp->rmap_prev;
	if (sp->rmap_prev)
		sp->rmap_prev->rmap_next = sp->rmap_next;
	else if (sp->rmap_next) /* sp was the head: the next one is now */
		shadow_map_put(&t->rmap, sp->guest_table, sp->rmap_next); /* replaces: cannot fail */
	else
		shadow_map_del(&t->rmap, sp->guest_table);
}

struct shadow_page *shadow_table_new(struct shadow_tables *t, struct shadow_page *parent, unsigned parent_index,
				     unsigned level, uint64_t guest_table)
{
	struct shadow_page *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->table = t->mem->alloc_table(t->mem->ctx);
	sp->level = level;
	sp->parent = parent;
	sp->parent_index = parent_index;
	sp->guest_table = guest_table == PT_NO_TABLE ? PT_NO_TABLE : GUEST_TABLE_OF(guest_table);
	if (sp->table == PT_NO_TABLE)
		goto fail;
	if (shadow_map_put(&t->pages, sp->table, sp))
		goto fail_table;
	if (rmap_add(t, sp)) {
		shadow_map_del(&t->pages, sp->table);
		goto fail_table;
	}
	t->live++;
	t->created++;
	return sp;
fail_table:
	t->mem->free_table(t->mem->ctx, sp->table);
fail:
	free(sp);
	return NULL;
}

void shadow_root_fix(struct shadow_tables *t, struct shadow_page *root)
{
	if (t->fixed_entry)
		t->mem->write(t->mem->ctx, root->table, t->fixed_index, t->fixed_entry);
}

struct shadow_page *shadow_table_find(const struct shadow_tables *t, uint64_t table)
{
	return shadow_map_get(&t->pages, table);
}

static bool links_table(const struct shadow_page *sp, uint64_t e)
{
	return pt_present(&pt_format_x86, e) && sp->level > 1 && !(e & X86_PS);
}

unsigned shadow_tree_free(struct shadow_tables *t, struct shadow_page *sp)
{
	unsigned freed = shadow_table_clear(t, sp);
	rmap_remove(t, sp);
	shadow_map_del(&t->pages, sp->table);
	if (t->mem->free_table)
		t->mem->free_table(t->mem->ctx, sp->table);
	t->live--;
	t->freed++;
	free(sp);
	return freed + 1;
}

unsigned shadow_entry_zap(struct shadow_tables *t, struct shadow_page *sp, unsigned index)
{
	uint64_t e;
	struct shadow_page *child;

	if (!t->mem->read(t->mem->ctx, sp->table, index, &e) || !pt_present(&pt_format_x86, e))
		return 0;
	t->mem->write(t->mem->ctx, sp->table, index, 0);
	t->zapped++;
	if (!links_table(sp, e))
		return 0;
	/* every link was written by the fill, so the child is known; be safe if it is not, or
	 * if it is another entry's child (a VMM-owned link copied here): only its own go */
	child = shadow_table_find(t, e & PT_ADDR_MASK);
	return child && child->parent == sp && child->parent_index == index ? shadow_tree_free(t, child) : 0;
}

unsigned shadow_table_clear(struct shadow_tables *t, struct shadow_page *sp)
{
	unsigned freed = 0;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		freed += shadow_entry_zap(t, sp, i);
	return freed;
}

/* A zap can free other shadows of the same guest table (a guest table reachable below
 * itself), which unlinks them from the list being walked: after any freeing, start over
 * from the head. Zapping an already clear entry frees nothing, so this terminates. */
unsigned shadow_guest_entry_written(struct shadow_tables *t, uint64_t gpa)
{
	unsigned index = (unsigned)(gpa & (PT_PAGE_4K - 1)) / sizeof(uint64_t), freed = 0;
	struct shadow_page *sp = shadow_map_get(&t->rmap, GUEST_TABLE_OF(gpa));

	while (sp) {
		bool fixed = !sp->parent && t->fixed_entry && index == t->fixed_index;
		unsigned n = fixed ? 0 : shadow_entry_zap(t, sp, index);
		freed += n;
		sp = n ? shadow_map_get(&t->rmap, GUEST_TABLE_OF(gpa)) : sp->rmap_next;
	}
	return freed;
}

struct shadow_page *shadow_guest_table_shadows(const struct shadow_tables *t, uint64_t gpa)
{
	return shadow_map_get(&t->rmap, GUEST_TABLE_OF(gpa));
}

bool shadow_guest_table_protected(const struct shadow_tables *t, uint64_t gpa)
{
	return shadow_map_get(&t->unprotected, GUEST_TABLE_OF(gpa)) == NULL;
}

int shadow_guest_table_unprotect(struct shadow_tables *t, uint64_t gpa, unsigned *freed)
{
	struct shadow_page *sp;

	*freed = 0;
	for (sp = shadow_guest_table_shadows(t, gpa); sp; sp = sp->rmap_next)
		if (!sp->parent)
			return -EBUSY;
	/* each unlink frees the head (and maybe others below it): always take the new head */
	while ((sp = shadow_guest_table_shadows(t, gpa))) {
		unsigned n = shadow_entry_zap(t, sp->parent, sp->parent_index);
		if (!n)
			return -EFAULT; /* the parent does not link it: never built that way */
		*freed += n;
	}
	/* only now, with no shadow left to keep coherent, may its writes stop trapping; the map
	 * stores a marker, not an object: any non-NULL pointer will do */
	return shadow_map_put(&t->unprotected, GUEST_TABLE_OF(gpa), t);
}
