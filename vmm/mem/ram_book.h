/* ram_book.h — kvm guest RAM's frame-state book: the one book type (ept/p2m_book.h, thread-safe,
 * with the per-state counts and the reclaimed/refaulted moves) over the RAM slot (offsets from
 * its start), plus the one thing only the host side can do: a pagemap pass (ram_book_sync)
 * that marks frames found mapped RESIDENT — how the book learns touches uffd does not see:
 * every touch without --uffd, and refaults of reclaimed memfd or swapped pages, which the
 * kernel serves from the page cache or swap without a missing-page fault.
 *
 * Who updates it: the uffd handler marks a frame touched when it resolves its first touch,
 * host reclaim marks the RESIDENT frames it discards or pages out RECLAIMED, the vCPU thread
 * runs the pagemap pass at phase marks. The book's own lock keeps them consistent.
 *
 * struct ram_book and the inline ram_book_* calls below only name the book's calls the way
 * vmm/kvm/ (changed separately) spells them; once it holds a struct p2m_book and calls
 * p2m_book_touch/p2m_book_move_range itself, they can go and ram_book_sync take the book. */
#ifndef MEMVIRT_VMM_RAM_BOOK_H
#define MEMVIRT_VMM_RAM_BOOK_H

#include <stdint.h>

#include "ept/p2m_book.h"

struct ram_book {
	struct p2m_book book;
};

/* A book for `bytes` of guest RAM, every frame UNBACKED. 0, -EINVAL or -ENOMEM. */
static inline int ram_book_init(struct ram_book *b, uint64_t bytes) { return p2m_book_init(&b->book, bytes); }
static inline void ram_book_fini(struct ram_book *b) { p2m_book_fini(&b->book); }

/* [off, off + len) was touched (the uffd handler resolved it): its frames become RESIDENT
 * (reclaimed ones count as refaulted). Outside guest RAM: refused, nothing changes. */
static inline void ram_book_touched(struct ram_book *b, uint64_t off, uint64_t len)
{
	(void)p2m_book_touch(&b->book, off, len);
}

/* The host took [off, off + len) (discard, page-out): its RESIDENT frames become RECLAIMED. */
static inline void ram_book_reclaimed(struct ram_book *b, uint64_t off, uint64_t len)
{
	(void)p2m_book_move_range(&b->book, off, len, P2M_RESIDENT, P2M_RECLAIMED);
}

/* A consistent snapshot: frames per state (indexed by enum p2m_state) and the two moves. */
static inline void ram_book_counts(struct ram_book *b, uint64_t frames[P2M_STATES], uint64_t *reclaimed,
				   uint64_t *refaulted)
{
	struct p2m_book_counts c;
	p2m_book_snapshot(&b->book, &c);
	for (unsigned s = 0; s < P2M_STATES; s++)
		frames[s] = c.frames[s];
	*reclaimed = p2m_counts_reclaimed(&c);
	*refaulted = p2m_counts_refaulted(&c);
}

/* The pagemap pass over the RAM mapped at base: frames found mapped are touched (become
 * RESIDENT). Frames found unmapped keep their state (the book does not guess why). 0, -EINVAL
 * (no book, no base) or a negative errno from /proc/self/pagemap. */
int ram_book_sync(struct ram_book *b, const void *base);

#endif
