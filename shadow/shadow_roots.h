/* shadow_roots.h — the cache of shadow roots, keyed by guest root (the CR3 value the guest
 * loads). A guest that switches between address spaces finds each space's shadow tree
 * still filled when it comes back; the cache is bounded (SHADOW_MAX_ROOTS) and evicts the
 * least recently loaded root, freeing its whole tree — a space switched back to after that
 * refills from scratch, one hidden fault per page. */
#ifndef MEMVIRT_SHADOW_ROOTS_H
#define MEMVIRT_SHADOW_ROOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shadow/shadow_tables.h"

#ifndef SHADOW_MAX_ROOTS
#define SHADOW_MAX_ROOTS 16u
#endif

struct shadow_root {
	uint64_t guest_root;    /* gpa of the guest's top-level table */
	struct shadow_page *sp; /* the shadow tree's top-level table; NULL: slot unused */
	uint64_t last_use;      /* LRU clock value of the last load */
};

struct shadow_roots {
	struct shadow_root slot[SHADOW_MAX_ROOTS];
	uint64_t clock;
	uint64_t hits, built, evicted; /* loads served from the cache, trees started, trees dropped */
};

void shadow_roots_init(struct shadow_roots *r);
/* The shadow root for guest_root, built empty (level `levels`) on a miss, after evicting
 * the least recently used root when the cache is full. *freed receives the number of
 * shadow tables an eviction freed. NULL when no table can be allocated. */
struct shadow_page *shadow_roots_get(struct shadow_roots *r, struct shadow_tables *t, uint64_t guest_root,
				     unsigned levels, unsigned *freed);
/* The cached root for guest_root without touching the LRU order, or NULL. */
struct shadow_page *shadow_roots_peek(const struct shadow_roots *r, uint64_t guest_root);
/* Empty every cached tree (the roots stay). Returns the tables freed. */
unsigned shadow_roots_clear_all(struct shadow_roots *r, struct shadow_tables *t);
/* Free every tree and forget every root. */
void shadow_roots_free_all(struct shadow_roots *r, struct shadow_tables *t);

#endif
