/* ntlb.c — nested TLB (gpa page -> hpa page), set-associative true LRU, see ntlb.h. */
#include <string.h>

#include "mmu/ntlb.h"

void ntlb_init(struct ntlb *n, bool enabled, uint64_t page_size)
{
	memset(n, 0, sizeof(*n));
	n->enabled = enabled;
	n->shift = (unsigned)__builtin_ctzll(page_size ? page_size : 4096);
}

static struct ntlb_entry *set_of(struct ntlb *n, uint64_t gfn) { return n->e[gfn % NTLB_SETS]; }

static void make_mru(struct ntlb_entry *set, unsigned i)
{
	struct ntlb_entry e = set[i];
	memmove(&set[1], &set[0], i * sizeof(*set));
	set[0] = e;
}

bool ntlb_lookup(struct ntlb *n, uint64_t gpa, uint64_t *hpa)
{
	uint64_t gfn = gpa >> n->shift;
	struct ntlb_entry *set;

	if (!n->enabled)
		return false;
	set = set_of(n, gfn);
	for (unsigned w = 0; w < NTLB_WAYS; w++)
		if (set[w].valid && set[w].gfn == gfn) {
			make_mru(set, w);
			*hpa = set[0].hpa_page | (gpa & ((1ULL << n->shift) - 1));
			return true;
		}
	return false;
}

void ntlb_insert(struct ntlb *n, uint64_t gpa, uint64_t hpa_page, bool writable)
{
	uint64_t gfn = gpa >> n->shift;
	struct ntlb_entry *set;
	unsigned w;

	if (!n->enabled)
		return;
	set = set_of(n, gfn);
	for (w = 0; w < NTLB_WAYS - 1; w++)
		if (set[w].valid && set[w].gfn == gfn)
			break;
	make_mru(set, w);
	set[0] = (struct ntlb_entry){ .gfn = gfn, .hpa_page = hpa_page, .valid = true, .writable = writable };
}

void ntlb_flush(struct ntlb *n)
{
	for (unsigned s = 0; s < NTLB_SETS; s++)
		for (unsigned w = 0; w < NTLB_WAYS; w++)
			n->e[s][w].valid = false;
}
