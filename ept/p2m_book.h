/* p2m_book.h — the frame-state book: one state byte per 4 KiB guest frame over [0, limit)
 * (what backs the frame: nothing, a host page, nothing because the host or the balloon took
 * it, or a page shared with another frame), a running count of frames in each state, and a
 * count of every move between two states (reclaimed = RESIDENT -> RECLAIMED, refaulted =
 * RECLAIMED -> RESIDENT; ballooned and shared moves are counted the same way), so that a
 * result reports them without a scan.
 *
 * One book per VM serves both platforms: sim's p2m keeps it as it backs and unbacks host
 * pages (p2m.h), and kvm's guest RAM through the uffd, reclaim, monitor and vCPU threads
 * (vmm/mem/book_sync.h adds only the host-side pagemap pass). So the book is thread-safe: an
 * internal mutex makes every call, a range update included, move the state bytes, the counts
 * and the move counters together (atomic byte stores alone would leave the counts racing).
 * Callers take it once per backed host page, resolved fault or advised run — never per guest
 * access. Pure C, no KVM.
 *
 * Addresses outside [0, limit) are refused with -EFAULT and states outside enum p2m_state
 * with -EINVAL; a book that was never set up (zeroed, or init failed) has no frames and
 * refuses every address. */
#ifndef MEMVIRT_EPT_P2M_BOOK_H
#define MEMVIRT_EPT_P2M_BOOK_H

#include <pthread.h>
#include <stdint.h>

#define P2M_FRAME 4096ULL

enum p2m_state {
	P2M_UNBACKED = 0, /* never touched (or given back): no host frame */
	P2M_RESIDENT,     /* backed by a host frame */
	P2M_RECLAIMED,    /* host took the frame behind the guest's back */
	P2M_BALLOONED,    /* the guest gave it up through the balloon */
	P2M_SHARED,       /* merged copy-on-write with an identical frame */
	P2M_STATES
};

struct p2m_book {
	pthread_mutex_t lock;                  /* guards everything below but `frames` */
	uint8_t *state;                        /* enum p2m_state per frame */
	uint64_t frames;                       /* limit / P2M_FRAME; fixed from init to fini */
	uint64_t count[P2M_STATES];            /* frames in each state; they sum to frames */
	uint64_t moves[P2M_STATES][P2M_STATES];/* frames moved [from][to] since init */
};

/* A consistent snapshot of a book's figures (p2m_book_snapshot). */
struct p2m_book_counts {
	uint64_t frames[P2M_STATES];
	uint64_t moves[P2M_STATES][P2M_STATES];
};

/* Every frame starts UNBACKED. 0, -EINVAL (limit 0 or not a multiple of 4 KiB), -ENOMEM. */
int p2m_book_init(struct p2m_book *b, uint64_t limit);
void p2m_book_fini(struct p2m_book *b);

/* The state of the frame holding addr: 0 and *out, or -EFAULT. */
int p2m_book_get(struct p2m_book *b, uint64_t addr, enum p2m_state *out);
/* Sets the frame holding addr. 0, -EFAULT, -EINVAL. */
int p2m_book_set(struct p2m_book *b, uint64_t addr, enum p2m_state s);
/* Sets every frame overlapping [addr, addr + bytes); all or nothing. Returns the frames whose
 * state changed, -EFAULT (any part outside) or -EINVAL (bad state). */
int64_t p2m_book_set_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state s);
/* Like set_range, but only frames now in state `from` move to `to` (reclaim takes only what
 * is resident). Returns the frames moved. */
int64_t p2m_book_move_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state from,
			    enum p2m_state to);
/* The guest touched [addr, addr + bytes): UNBACKED and RECLAIMED frames become RESIDENT (the
 * latter are refaults); ballooned and shared frames keep their state. Returns the frames
 * moved, -EFAULT. */
int64_t p2m_book_touch(struct p2m_book *b, uint64_t addr, uint64_t bytes);
/* The first frame of [addr, addr + bytes) in state s (a VMM about to act on guest frames asks
 * whether any is the balloon's): 1 and its address in *at, 0 when none is, -EFAULT, -EINVAL. */
int p2m_book_find(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state s, uint64_t *at);
/* Frames now in state s (0 for a bad state). */
uint64_t p2m_book_count(struct p2m_book *b, enum p2m_state s);
/* Frames moved from -> to since init (0 for a bad state). */
uint64_t p2m_book_moved(struct p2m_book *b, enum p2m_state from, enum p2m_state to);
/* Every count and move at one instant (all zero for a book never set up). */
void p2m_book_snapshot(struct p2m_book *b, struct p2m_book_counts *out);

/* The moves results report (memory.frame_moves{}). */
static inline uint64_t p2m_counts_reclaimed(const struct p2m_book_counts *c)
{
	return c->moves[P2M_RESIDENT][P2M_RECLAIMED];
}
static inline uint64_t p2m_counts_refaulted(const struct p2m_book_counts *c)
{
	return c->moves[P2M_RECLAIMED][P2M_RESIDENT];
}

/* The state's name in results (memory.frames{}); inline so results/ needs no ept/ library. */
static inline const char *p2m_state_name(enum p2m_state s)
{
	static const char *const names[P2M_STATES] = { "unbacked", "resident", "reclaimed", "ballooned", "shared" };
	return (unsigned)s < P2M_STATES ? names[s] : "invalid";
}

#endif
