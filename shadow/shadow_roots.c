/* shadow_roots.c — bounded LRU cache of shadow roots keyed by guest root (see
 * shadow_roots.h). A linear scan: the cache is small and a CR3 load is already an exit. */
#include <stddef.h>

#include "shadow/shadow_roots.h"

void shadow_roots_init(struct shadow_roots *r) { *r = (struct shadow_roots){ 0 }; }

static int find(const struct shadow_roots *r, uint64_t guest_root)
{
	for (unsigned i = 0; i < SHADOW_MAX_ROOTS; i++)
		if (r->slot[i].sp && r->slot[i].guest_root == guest_root)
			return (int)i;
	return -1;
}

/* An unused slot if there is one, else the least recently used (its tree is freed). */
static struct shadow_root *victim(struct shadow_roots *r, struct shadow_tables *t, unsigned *freed)
{
	struct shadow_root *v = &r->slot[0];
	for (unsigned i = 0; i < SHADOW_MAX_ROOTS; i++) {
		if (!r->slot[i].sp)
			return &r->slot[i];
		if (r->slot[i].last_use < v->last_use)
			v = &r->slot[i];
	}
	*freed += shadow_tree_free(t, v->sp);
	v->sp = NULL;
	r->evicted++;
	return v;
}

struct shadow_page *shadow_roots_get(struct shadow_roots *r, struct shadow_tables *t, uint64_t guest_root,
				     unsigned levels, unsigned *freed)
{
	int i = find(r, guest_root);
	struct shadow_root *s = i >= 0 ? &r->slot[i] : NULL;

	*freed = 0;
	if (s) {
		r->hits++;
	} else {
		struct shadow_page *sp = shadow_table_new(t, NULL, 0, levels, guest_root);
		if (!sp)
			return NULL;
		shadow_root_fix(t, sp);
		s = victim(r, t, freed);
		*s = (struct shadow_root){ .guest_root = guest_root, .sp = sp };
		r->built++;
	}
	s->last_use = ++r->clock;
	return s->sp;
}

struct shadow_page *shadow_roots_peek(const struct shadow_roots *r, uint64_t guest_root)
{
	int i = find(r, guest_root);
	return i >= 0 ? r->slot[i].sp : NULL;
}

unsigned shadow_roots_clear_all(struct shadow_roots *r, struct shadow_tables *t)
{
	unsigned freed = 0;
	for (unsigned i = 0; i < SHADOW_MAX_ROOTS; i++)
		if (r->slot[i].sp)
			freed += shadow_table_clear(t, r->slot[i].sp);
	return freed;
}

void shadow_roots_free_all(struct shadow_roots *r, struct shadow_tables *t)
{
	for (unsigned i = 0; i < SHADOW_MAX_ROOTS; i++)
		if (r->slot[i].sp) {
			shadow_tree_free(t, r->slot[i].sp);
			r->slot[i].sp = NULL;
		}
}
