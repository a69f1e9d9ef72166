/* tlb.c — set-associative, true-LRU TLB with separate 4 KiB / 2 MiB / 1 GiB arrays (tlb.h).
 * A set is an array in recency order: a hit moves its entry to way 0, an insert shifts the
 * set down by one (dropping the LRU way) — so a hit on way 0 is a pure read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/strategy.h"
#include "mmu/tlb.h"

static const unsigned size_shift[TLB_SIZES] = { 12, 21, 30 };

static int array_init(struct tlb_array *a, unsigned entries, unsigned max_ways, unsigned shift)
{
	a->ways = entries < max_ways ? entries : max_ways;
	a->sets = entries / a->ways;
	a->shift = shift;
	a->e = calloc((size_t)a->sets * a->ways, sizeof(*a->e));
	return a->e ? 0 : -ENOMEM;
}

int tlb_init(struct tlb *t, unsigned entries_4k)
{
	memset(t, 0, sizeof(*t));
	if (!entries_4k)
		return 0; /* disabled */
	if (array_init(&t->a[TLB_SIZE_4K], entries_4k, TLB_4K_WAYS, size_shift[0]) ||
	    array_init(&t->a[TLB_SIZE_2M], TLB_2M_ENTRIES, TLB_2M_WAYS, size_shift[1]) ||
	    array_init(&t->a[TLB_SIZE_1G], TLB_1G_ENTRIES, TLB_1G_ENTRIES, size_shift[2])) {
		tlb_fini(t);
		return -ENOMEM;
	}
	t->enabled = true;
	return 0;
}

void tlb_fini(struct tlb *t)
{
	for (int s = 0; s < TLB_SIZES; s++)
		free(t->a[s].e);
	memset(t, 0, sizeof(*t));
}

static struct tlb_entry *set_of(const struct tlb_array *a, uint64_t vpn)
{
	return &a->e[(size_t)(vpn % a->sets) * a->ways];
}

/* Move way i of a set to way 0, shifting the more recent ones down. */
static void make_mru(struct tlb_entry *set, unsigned i)
{
	struct tlb_entry hit = set[i];
	memmove(&set[1], &set[0], i * sizeof(*set));
	set[0] = hit;
}

static int find(const struct tlb_array *a, struct tlb_entry *set, uint16_t asid, uint64_t vpn)
{
	for (unsigned w = 0; w < a->ways; w++)
		if (set[w].valid && set[w].vpn == vpn && set[w].asid == asid)
			return (int)w;
	return -1;
}

bool tlb_lookup(struct tlb *t, uint16_t asid, uint64_t va, struct mmu_xlat *out)
{
	if (!t->enabled)
		return false;
	for (int s = 0; s < TLB_SIZES; s++) {
		const struct tlb_array *a = &t->a[s];
		uint64_t vpn = va >> a->shift;
		struct tlb_entry *set = set_of(a, vpn);
		int w = find(a, set, asid, vpn);
		if (w < 0)
			continue;
		if (w > 0) {
			make_mru(set, (unsigned)w);
			t->gen++;
		}
		out->hpa_page = set[0].hpa_page;
		out->page_size = 1ULL << a->shift;
		out->writable = set[0].writable;
		out->user = set[0].user;
		out->dirty = set[0].dirty;
		return true;
	}
	return false;
}

static int size_index(uint64_t page_size)
{
	for (int s = 0; s < TLB_SIZES; s++)
		if (page_size == 1ULL << size_shift[s])
			return s;
	return -1;
}

void tlb_insert(struct tlb *t, uint16_t asid, uint64_t va, const struct mmu_xlat *x)
{
	int s = size_index(x->page_size);
	if (!t->enabled || s < 0)
		return;
	const struct tlb_array *a = &t->a[s];
	uint64_t vpn = va >> a->shift;
	struct tlb_entry *set = set_of(a, vpn);
	int w = find(a, set, asid, vpn);
	/* replace an existing entry for the page in place (e.g. a refill for a write), else the LRU */
	make_mru(set, w >= 0 ? (unsigned)w : a->ways - 1);
	set[0] = (struct tlb_entry){ .vpn = vpn, .hpa_page = x->hpa_page, .asid = asid, .valid = true,
				     .writable = x->writable, .user = x->user, .dirty = x->dirty };
	t->gen++;
}

/* Drop way i of a set, keeping the recency order of the others (invalid entries sink). */
static void drop(struct tlb_entry *set, unsigned ways, unsigned i)
{
	memmove(&set[i], &set[i + 1], (ways - 1 - i) * sizeof(*set));
	set[ways - 1].valid = false;
}

static void flush_matching(struct tlb *t, bool all, uint16_t asid)
{
	for (int s = 0; s < TLB_SIZES; s++) {
		struct tlb_array *a = &t->a[s];
		for (unsigned i = 0; i < a->sets; i++) {
			struct tlb_entry *set = &a->e[(size_t)i * a->ways];
			for (unsigned w = a->ways; w-- > 0;)
				if (set[w].valid && (all || set[w].asid == asid))
					drop(set, a->ways, w);
		}
	}
	t->gen++;
}

void tlb_flush_all(struct tlb *t) { flush_matching(t, true, 0); }

void tlb_flush_asid(struct tlb *t, uint16_t asid) { flush_matching(t, false, asid); }

void tlb_flush_va(struct tlb *t, uint16_t asid, uint64_t va)
{
	if (!t->enabled)
		return;
	for (int s = 0; s < TLB_SIZES; s++) {
		const struct tlb_array *a = &t->a[s];
		uint64_t vpn = va >> a->shift;
		struct tlb_entry *set = set_of(a, vpn);
		int w = find(a, set, asid, vpn);
		if (w >= 0)
			drop(set, a->ways, (unsigned)w);
	}
	t->gen++;
}
