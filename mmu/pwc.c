/* pwc.c — page-walk cache for upper-level (non-leaf) entries, see pwc.h. Each level is a small
 * fully associative array in recency order (0 = MRU); LRU replacement. */
#include <string.h>

#include "mmu/pwc.h"

void pwc_init(struct pwc *p, bool enabled)
{
	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
}

/* va bits that select the level-L entry: everything above the area a level-(L-1) table maps */
static uint64_t prefix_of(uint64_t va, unsigned level)
{
	return va >> (12 + 9 * (level - 1));
}

static void make_mru(struct pwc_entry *arr, unsigned i)
{
	struct pwc_entry e = arr[i];
	memmove(&arr[1], &arr[0], i * sizeof(*arr));
	arr[0] = e;
}

static int find(const struct pwc_entry *arr, uint16_t asid, uint64_t prefix)
{
	for (unsigned i = 0; i < PWC_ENTRIES_PER_LEVEL; i++)
		if (arr[i].valid && arr[i].asid == asid && arr[i].prefix == prefix)
			return (int)i;
	return -1;
}

bool pwc_lookup(struct pwc *p, uint16_t asid, unsigned levels, uint64_t va, struct pwc_hit *hit)
{
	if (!p->enabled)
		return false;
	for (unsigned l = 2; l <= levels && l <= PT_WALK_MAX_LEVELS; l++) { /* deepest first */
		struct pwc_entry *arr = p->level[l];
		int i = find(arr, asid, prefix_of(va, l));
		if (i < 0)
			continue;
		make_mru(arr, (unsigned)i);
		hit->start_level = l - 1;
		hit->table = arr[0].next_table;
		hit->writable = arr[0].writable;
		hit->user = arr[0].user;
		return true;
	}
	return false;
}

static void insert(struct pwc_entry *arr, uint16_t asid, uint64_t prefix, uint64_t next, bool wr, bool us)
{
	int i = find(arr, asid, prefix);
	make_mru(arr, i >= 0 ? (unsigned)i : PWC_ENTRIES_PER_LEVEL - 1);
	arr[0] = (struct pwc_entry){ .prefix = prefix, .next_table = next, .asid = asid, .valid = true,
				     .writable = wr, .user = us };
}

void pwc_fill(struct pwc *p, const struct pt_format *f, uint16_t asid, unsigned levels,
	      uint64_t va, const struct pt_walk *w, const struct pwc_hit *above)
{
	bool wr = above ? above->writable : true, us = above ? above->user : true;

	if (!p->enabled)
		return;
	/* levels above the last one read point to tables (the walk went on below them) */
	for (unsigned l = levels; l >= 2 && l > w->level; l--) {
		uint64_t e = w->entries[l];
		wr = wr && (e & f->writable);
		if (f->user)
			us = us && (e & f->user);
		insert(p->level[l], asid, prefix_of(va, l), w->tables[l - 1], wr, us);
	}
}

static void flush_if(struct pwc *p, bool all, uint16_t asid, bool by_va, uint64_t va)
{
	for (unsigned l = 2; l <= PT_WALK_MAX_LEVELS; l++)
		for (unsigned i = PWC_ENTRIES_PER_LEVEL; i-- > 0;) {
			struct pwc_entry *e = &p->level[l][i];
			if (!e->valid || !(all || e->asid == asid) || (by_va && e->prefix != prefix_of(va, l)))
				continue;
			memmove(e, e + 1, (PWC_ENTRIES_PER_LEVEL - 1 - i) * sizeof(*e));
			p->level[l][PWC_ENTRIES_PER_LEVEL - 1].valid = false;
		}
}

void pwc_flush_all(struct pwc *p) { flush_if(p, true, 0, false, 0); }
void pwc_flush_asid(struct pwc *p, uint16_t asid) { flush_if(p, false, asid, false, 0); }
void pwc_flush_va(struct pwc *p, uint16_t asid, uint64_t va) { flush_if(p, false, asid, true, va); }
