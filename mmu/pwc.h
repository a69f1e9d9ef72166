/* pwc.h — page-walk cache for the upper levels of the (guest) walk, as in Bhargava et al.
 * (ASPLOS'08): an entry of level L >= 2 that points to a table is cached, keyed by
 * (asid, L, va >> (12 + 9(L-1))), with the address of the level L-1 table and the rights
 * (writable/user ANDed over the path down to it). A lookup returns the deepest hit so the walk
 * resumes with pt_walk_from(start_level = L-1). Under EPT the cached address is a gpa, so a hit
 * skips the guest reads and their nested translations for the levels above.
 * Each level holds PWC_ENTRIES_PER_LEVEL entries, fully associative, true LRU. */
#ifndef MEMVIRT_MMU_PWC_H
#define MEMVIRT_MMU_PWC_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/walk.h"

#define PWC_ENTRIES_PER_LEVEL 32u

struct pwc_entry {
	uint64_t prefix, next_table;
	uint16_t asid;
	bool valid, writable, user;
};

struct pwc {
	bool enabled;
	/* level[L] caches level-L entries, L in 2..PT_WALK_MAX_LEVELS; recency order (0 = MRU) */
	struct pwc_entry level[PT_WALK_MAX_LEVELS + 1][PWC_ENTRIES_PER_LEVEL];
};

struct pwc_hit {
	unsigned start_level; /* resume the walk at this level ... */
	uint64_t table;       /* ... in this table */
	bool writable, user;  /* rights of the skipped entries */
};

void pwc_init(struct pwc *p, bool enabled);
/* Deepest cached level for va among levels 2..levels; false when nothing is cached. */
bool pwc_lookup(struct pwc *p, uint16_t asid, unsigned levels, uint64_t va, struct pwc_hit *hit);
/* Cache the non-leaf entries of a walk started at `start_level` (w->tables/w->entries).
 * above: the hit the walk resumed from (its rights apply to every entry below), or NULL for
 * a walk from the root. */
void pwc_fill(struct pwc *p, const struct pt_format *f, uint16_t asid, unsigned start_level,
	      uint64_t va, const struct pt_walk *w, const struct pwc_hit *above);
void pwc_flush_all(struct pwc *p);
void pwc_flush_asid(struct pwc *p, uint16_t asid);
void pwc_flush_va(struct pwc *p, uint16_t asid, uint64_t va);

#endif
