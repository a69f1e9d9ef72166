/* shadow_tables.h — the shadow tables themselves: x86-format tables in a table memory the
 * caller provides (a struct pt_mem: host memory on `sim`, guest-physical memory the guest
 * never maps on `kvm`), each with a little metadata, and the reverse map that keeps them
 * coherent with the guest's tables.
 *
 * Shape: every shadow tree hangs off one shadow root (shadow_roots.h) and is a true tree —
 * a shadow table has exactly one parent entry, nothing is shared between trees — so
 * freeing a subtree never leaves a dangling link. A shadow table of level L "shadows" the
 * guest table of level L on the same path: entry i of the shadow table is derived from
 * entry i of that guest table. Below a guest large page that the shadow must split (guest
 * page larger than the host page), the shadow tables shadow no guest table: they are
 * derived from the guest leaf entry, which lives in the shadow table above them.
 *
 * Coherence rule (the reverse map): guest table gpa -> every shadow table that shadows it.
 * A write to entry i of a guest table zaps entry i of each of those shadow tables (and
 * frees what hung below it). The next access refills lazily. Zapping is always safe, so the
 * rule holds whatever the guest writes (aliased tables, tables reused at another level, a
 * table that maps itself). */
#ifndef MEMVIRT_SHADOW_TABLES_H
#define MEMVIRT_SHADOW_TABLES_H

#include <stdint.h>

#include "mmu/walk.h"
#include "shadow/shadow_map.h"

struct shadow_page {
	uint64_t table;       /* address of the shadow table in the table memory */
	uint64_t guest_table; /* gpa of the guest table it shadows, or PT_NO_TABLE */
	unsigned level;       /* 1..5 */
	struct shadow_page *parent; /* the table whose entry parent_index links this one; */
	unsigned parent_index;      /* NULL for a root */
	unsigned flood_writes;      /* trapped writes to guest_table since the last fault through it */
	struct shadow_page *rmap_prev, *rmap_next; /* other shadows of guest_table */
};

struct shadow_tables {
	const struct pt_mem *mem;  /* where the tables live */
	struct shadow_map pages;   /* table address -> struct shadow_page */
	struct shadow_map rmap;    /* guest table gpa -> first struct shadow_page shadowing it */
	struct shadow_map unprotected; /* guest tables whose writes no longer trap (write flooding) */
	uint64_t live;             /* shadow tables in use */
	uint64_t created, freed;   /* over the machine's life */
	uint64_t zapped;           /* present entries cleared by coherence or invlpg */
	/* A VMM-owned entry every root carries (kvm: the guest kernel's half, entry 0 linking
	 * tables the VMM built from its boot map). Coherence never zaps it, and the tables it
	 * links are not shadow tables (not in `pages`): nothing here frees them. 0 = none. */
	uint64_t fixed_entry;
	unsigned fixed_index;
};

/* 0 or -ENOMEM. */
int shadow_tables_init(struct shadow_tables *t, const struct pt_mem *mem);
/* Frees the metadata only: free every tree first (shadow_tree_free). */
void shadow_tables_fini(struct shadow_tables *t);

/* A new, empty shadow table of `level` shadowing guest_table (PT_NO_TABLE: none), to be
 * linked from entry parent_index of parent (NULL for a root; the caller writes the link),
 * or NULL (table memory or metadata exhausted). Shadowing a guest table write-protects it
 * again if write flooding had unprotected it. */
struct shadow_page *shadow_table_new(struct shadow_tables *t, struct shadow_page *parent, unsigned parent_index,
				     unsigned level, uint64_t guest_table);
/* A new root gets the fixed entry (if any). */
void shadow_root_fix(struct shadow_tables *t, struct shadow_page *root);
/* The metadata of the shadow table at `table`, NULL when it is not one. */
struct shadow_page *shadow_table_find(const struct shadow_tables *t, uint64_t table);
/* Clear entry `index` of sp and free the subtree it pointed to. Returns the number of
 * tables freed (callers flush walk caches that may hold their addresses). */
unsigned shadow_entry_zap(struct shadow_tables *t, struct shadow_page *sp, unsigned index);
/* Clear every entry of sp (the table stays). Returns the tables freed. */
unsigned shadow_table_clear(struct shadow_tables *t, struct shadow_page *sp);
/* Free sp and everything below it. Returns the tables freed. */
unsigned shadow_tree_free(struct shadow_tables *t, struct shadow_page *sp);
/* The guest wrote the entry at guest-physical `gpa`: zap the matching entry of every shadow
 * table that shadows the guest table containing it. Returns the tables freed. */
unsigned shadow_guest_entry_written(struct shadow_tables *t, uint64_t gpa);
/* The first shadow table shadowing the guest table containing gpa (the others follow
 * through rmap_next), or NULL. */
struct shadow_page *shadow_guest_table_shadows(const struct shadow_tables *t, uint64_t gpa);
/* Stop shadowing the guest table containing gpa — unlink and free every shadow of it — and
 * mark it unprotected. Refused (-EBUSY) when a shadow root shadows it (roots stay); 0 and
 * *freed (tables freed), or -ENOMEM. */
int shadow_guest_table_unprotect(struct shadow_tables *t, uint64_t gpa, unsigned *freed);
/* Writes to the guest table containing gpa trap (it was not unprotected, or is shadowed again). */
bool shadow_guest_table_protected(const struct shadow_tables *t, uint64_t gpa);

#endif
