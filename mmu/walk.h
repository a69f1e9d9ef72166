/* walk.h — the one page-table walker: reads (and builds) x86-64 and EPT tables alike,
 * parameterised by a struct pt_format and by a struct pt_mem that says how an entry is read
 * and written. The 2D (nested) walk is this walker whose pt_mem.read translates each table
 * address through a second walk. Every entry read is one counted memory reference.
 * Freestanding: the guest kernel uses it too. */
#ifndef MEMVIRT_MMU_WALK_H
#define MEMVIRT_MMU_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/pte.h"

#define PT_NO_TABLE UINT64_MAX

/* How the walker reaches memory. `table` is the address of a table in the walked address
 * space (gpa for guest tables, hpa for EPT/shadow tables). read returns false when the table
 * itself cannot be reached (for example an EPT violation during a nested walk). */
struct pt_mem {
	bool (*read)(void *ctx, uint64_t table, unsigned index, uint64_t *entry);
	void (*write)(void *ctx, uint64_t table, unsigned index, uint64_t entry);
	uint64_t (*alloc_table)(void *ctx); /* pt_map only: a zeroed table, or PT_NO_TABLE */
	void (*free_table)(void *ctx, uint64_t table); /* pt_unmap only, may be NULL */
	void *ctx;
};

enum pt_walk_status {
	PT_WALK_OK = 0,
	PT_WALK_NOT_PRESENT,  /* an entry on the path is not present */
	PT_WALK_PROTECTION,   /* present but the access is not allowed */
	PT_WALK_MEM_FAULT,    /* pt_mem.read failed (nested fault) */
};

#define PT_WALK_MAX_LEVELS 5

/* Walk flags */
#define PT_WALK_SET_AD  1u /* set A on each entry used, D on the leaf for writes (hardware does) */
#define PT_WALK_WRITE   2u /* the access is a write */
#define PT_WALK_USER    4u /* the access is from user mode */

struct pt_walk {
	enum pt_walk_status status;
	unsigned level;          /* level of the last entry read (the leaf level on success) */
	uint64_t entry;          /* the last entry read */
	uint64_t tables[PT_WALK_MAX_LEVELS + 1]; /* tables[L] = the table read at level L */
	uint64_t pa;             /* translated address, on success */
	uint64_t page_size;      /* leaf size, on success */
	bool writable, user, dirty; /* effective rights (AND over the path) and the leaf's D */
	unsigned refs;           /* entries read by this walk */
	uint64_t entries[PT_WALK_MAX_LEVELS + 1]; /* entries[L] = the entry read at level L
						   * (added: the page-walk cache needs them) */
};

/* Walk from `table` at `start_level` (levels for a full walk from the root; lower to resume
 * from a page-walk-cache hit). Returns the status also stored in w->status. */
enum pt_walk_status pt_walk_from(const struct pt_format *f, unsigned start_level, uint64_t table,
				 uint64_t va, unsigned flags, const struct pt_mem *m, struct pt_walk *w);

static inline enum pt_walk_status pt_walk(const struct pt_format *f, unsigned levels, uint64_t root,
					  uint64_t va, unsigned flags, const struct pt_mem *m,
					  struct pt_walk *w)
{
	return pt_walk_from(f, levels, root, va, flags, m, w);
}

/* Install a leaf mapping va -> pa of page_size, creating tables on the way (leaf_flags are
 * the leaf's permission bits; the large bit is added for 2 MiB/1 GiB). Returns 0, -ENOMEM
 * when alloc_table fails, -EEXIST when a larger leaf already covers va, -EINVAL on misalignment. */
int pt_map(const struct pt_format *f, unsigned levels, uint64_t root, uint64_t va, uint64_t pa,
	   uint64_t page_size, uint64_t leaf_flags, const struct pt_mem *m);

/* Clear the leaf covering va. *old receives the cleared entry (0 if none). Returns the leaf's
 * level, or 0 when nothing was mapped. Tables are not freed (callers may reclaim them). */
unsigned pt_unmap(const struct pt_format *f, unsigned levels, uint64_t root, uint64_t va,
		  const struct pt_mem *m, uint64_t *old);

#endif
