/* walk.c — the one page-table walker (x86-64 and EPT, read and build), see walk.h.
 * Freestanding: only <stdint.h>, <stdbool.h>, <stddef.h> and errno macros, no libc calls,
 * because the guest kernel links this file too. */
#include <errno.h>
#include <stddef.h>

#include "mmu/walk.h"

/* PS is architecturally a leaf marker only at levels 2 (2 MiB) and 3 (1 GiB). */
static bool is_leaf(const struct pt_format *f, unsigned level, uint64_t e)
{
	return level == 1 || (level <= 3 && (e & f->large) != 0);
}

static void walk_reset(struct pt_walk *w)
{
	w->status = PT_WALK_OK;
	w->level = 0;
	w->entry = 0;
	for (unsigned l = 0; l <= PT_WALK_MAX_LEVELS; l++) {
		w->tables[l] = PT_NO_TABLE;
		w->entries[l] = 0;
	}
	w->pa = 0;
	w->page_size = 0;
	w->writable = true;
	w->user = true;
	w->dirty = false;
	w->refs = 0;
}

static enum pt_walk_status walk_end(struct pt_walk *w, enum pt_walk_status s)
{
	w->status = s;
	return s;
}

/* Hardware sets A on every entry it used and D on the leaf of a write; these are locked
 * read-modify-writes of entries already read, so they are not counted as extra references. */
static void set_accessed_dirty(const struct pt_format *f, unsigned top, unsigned leaf, uint64_t va,
			       unsigned flags, const struct pt_mem *m, struct pt_walk *w)
{
	if (!(flags & PT_WALK_SET_AD) || !f->accessed || !m->write)
		return;
	for (unsigned l = top; l >= leaf; l--) {
		uint64_t e = w->entries[l] | f->accessed;
		if (l == leaf && (flags & PT_WALK_WRITE))
			e |= f->dirty;
		if (e != w->entries[l]) {
			m->write(m->ctx, w->tables[l], pt_index(va, l), e);
			w->entries[l] = e;
		}
	}
	w->entry = w->entries[leaf];
}

static bool access_allowed(const struct pt_walk *w, unsigned flags)
{
	if ((flags & PT_WALK_WRITE) && !w->writable)
		return false;
	if ((flags & PT_WALK_USER) && !w->user)
		return false;
	return true;
}

enum pt_walk_status pt_walk_from(const struct pt_format *f, unsigned start_level, uint64_t table,
				 uint64_t va, unsigned flags, const struct pt_mem *m, struct pt_walk *w)
{
	walk_reset(w);
	if (start_level < 1 || start_level > PT_WALK_MAX_LEVELS)
		return walk_end(w, PT_WALK_MEM_FAULT);
	for (unsigned l = start_level; l >= 1; l--) {
		uint64_t e;
		w->tables[l] = table;
		w->level = l;
		if (!m->read(m->ctx, table, pt_index(va, l), &e))
			return walk_end(w, PT_WALK_MEM_FAULT);
		w->refs++;
		w->entry = e;
		w->entries[l] = e;
		if (!pt_present(f, e))
			return walk_end(w, PT_WALK_NOT_PRESENT);
		w->writable = w->writable && (e & f->writable) != 0;
		if (f->user) /* formats without U/S (EPT) do not restrict by privilege */
			w->user = w->user && (e & f->user) != 0;
		if (!is_leaf(f, l, e)) {
			table = e & PT_ADDR_MASK;
			continue;
		}
		if (!access_allowed(w, flags))
			return walk_end(w, PT_WALK_PROTECTION);
		w->page_size = pt_level_page_size(l);
		w->pa = (e & PT_ADDR_MASK & ~(w->page_size - 1)) | (va & (w->page_size - 1));
		set_accessed_dirty(f, start_level, l, va, flags, m, w);
		/* without D bits in the format there is nothing to track: treat as dirty */
		w->dirty = f->dirty ? (w->entry & f->dirty) != 0 : true;
		return walk_end(w, PT_WALK_OK);
	}
	return walk_end(w, PT_WALK_NOT_PRESENT); /* not reached: level 1 is always a leaf */
}

int pt_map(const struct pt_format *f, unsigned levels, uint64_t root, uint64_t va, uint64_t pa,
	   uint64_t page_size, uint64_t leaf_flags, const struct pt_mem *m)
{
	unsigned leaf = pt_leaf_level(page_size);
	uint64_t table = root;

	if (!leaf || leaf > levels || levels > PT_WALK_MAX_LEVELS || ((va | pa) & (page_size - 1)))
		return -EINVAL;
	for (unsigned l = levels; l > leaf; l--) {
		uint64_t e;
		if (!m->read(m->ctx, table, pt_index(va, l), &e))
			return -EFAULT;
		if (!pt_present(f, e)) {
			uint64_t t = m->alloc_table ? m->alloc_table(m->ctx) : PT_NO_TABLE;
			if (t == PT_NO_TABLE)
				return -ENOMEM;
			m->write(m->ctx, table, pt_index(va, l), (t & PT_ADDR_MASK) | f->table);
			table = t;
			continue;
		}
		if (is_leaf(f, l, e))
			return -EEXIST; /* a larger page already covers va */
		table = e & PT_ADDR_MASK;
	}
	{
		uint64_t e;
		if (!m->read(m->ctx, table, pt_index(va, leaf), &e))
			return -EFAULT;
		/* replacing a lower-level table by a large leaf would orphan it: refuse */
		if (pt_present(f, e) && !is_leaf(f, leaf, e))
			return -EEXIST;
	}
	m->write(m->ctx, table, pt_index(va, leaf),
		 (pa & PT_ADDR_MASK) | leaf_flags | (leaf > 1 ? f->large : 0));
	return 0;
}

unsigned pt_unmap(const struct pt_format *f, unsigned levels, uint64_t root, uint64_t va,
		  const struct pt_mem *m, uint64_t *old)
{
	uint64_t table = root;

	*old = 0;
	for (unsigned l = levels; l >= 1 && l <= PT_WALK_MAX_LEVELS; l--) {
		uint64_t e;
		if (!m->read(m->ctx, table, pt_index(va, l), &e) || !pt_present(f, e))
			return 0;
		if (is_leaf(f, l, e)) {
			m->write(m->ctx, table, pt_index(va, l), 0);
			*old = e;
			return l;
		}
		table = e & PT_ADDR_MASK;
	}
	return 0;
}
