/* ram_book.h — the kvm VMM's p2m state book for guest RAM: one state per 4 KiB frame of the
 * RAM slot (offsets from its start), kept by the threads that see the host side of guest
 * memory. The uffd handler marks a frame RESIDENT when it resolves its first touch; host
 * reclaim marks the RESIDENT frames it discards or pages out RECLAIMED; a pagemap pass
 * (ram_book_sync) marks frames found mapped RESIDENT — how the book learns touches uffd does
 * not see: every touch without --uffd, and refaults of reclaimed memfd or swapped pages, which
 * the kernel serves from the page cache or swap without a missing-page fault.
 *
 * One mutex guards the book: the uffd thread, the reclaim thread and the vCPU thread (phase
 * marks) all update it, and a range update must move the state bytes and the per-state counts
 * together. Atomic byte stores alone would leave the counts racing. The lock is taken once per
 * resolved fault or advised run, next to a syscall that costs far more, never per guest access. */
#ifndef MEMVIRT_VMM_RAM_BOOK_H
#define MEMVIRT_VMM_RAM_BOOK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ept/p2m_book.h"

struct ram_book {
	pthread_mutex_t lock;
	struct p2m_book book;
	uint64_t reclaimed;  /* frames moved RESIDENT -> RECLAIMED by host reclaim */
	uint64_t refaulted;  /* frames moved RECLAIMED -> RESIDENT by a later touch */
	bool ready;
};

/* A book for `bytes` of guest RAM, every frame UNBACKED. 0, -EINVAL or -ENOMEM. */
int ram_book_init(struct ram_book *b, uint64_t bytes);
void ram_book_fini(struct ram_book *b);

/* [off, off + len) was touched (the uffd handler resolved it): its frames become RESIDENT. */
void ram_book_touched(struct ram_book *b, uint64_t off, uint64_t len);
/* The host took [off, off + len) (discard, page-out): its RESIDENT frames become RECLAIMED. */
void ram_book_reclaimed(struct ram_book *b, uint64_t off, uint64_t len);
/* The pagemap pass over the RAM mapped at base: frames found mapped become RESIDENT. Frames
 * found unmapped keep their state (the book does not guess why). 0 or a negative errno. */
int ram_book_sync(struct ram_book *b, const void *base);

/* A consistent snapshot: frames per state (indexed by enum p2m_state) and the two moves. */
void ram_book_counts(struct ram_book *b, uint64_t frames[P2M_STATES], uint64_t *reclaimed, uint64_t *refaulted);

#endif
