/* book_sync.h — what only the host side can tell a frame-state book (ept/p2m_book.h, the one
 * book type of sim's p2m and kvm's guest RAM): a pagemap pass over guest RAM that marks the
 * frames found mapped RESIDENT. It is how kvm's book learns the touches uffd does not see —
 * every touch without --uffd, and refaults of reclaimed memfd or swapped pages, which the
 * kernel serves from the page cache or swap without a missing-page fault. Frames found
 * unmapped keep their state: the book does not guess why.
 *
 * Who updates kvm's book: the uffd handler touches a frame when it resolves its first touch,
 * host reclaim moves the RESIDENT frames it discards or pages out to RECLAIMED (through the
 * guest-RAM handle's `reclaimed`), and the vCPU thread runs this pass at phase marks. The
 * book's own lock keeps them consistent. */
#ifndef MEMVIRT_VMM_MEM_BOOK_SYNC_H
#define MEMVIRT_VMM_MEM_BOOK_SYNC_H

#include "ept/p2m_book.h"
#include "results/result.h"

/* The pagemap pass over the RAM mapped at base (the book covers [base, base + frames * 4 KiB)).
 * 0, -EINVAL (an empty book, no base) or a negative errno from /proc/self/pagemap. */
int book_sync_pagemap(struct p2m_book *b, const void *base);

/* memory.frames{} and memory.frame_moves{} of a result: a consistent snapshot of the book. */
void book_result_frames(struct p2m_book *b, struct run_result *res);

#endif
