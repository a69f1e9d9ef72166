/* p2m_book.h — the p2m's state book: one state byte per 4 KiB guest frame over [0, limit)
 * (what backs the frame: nothing, a host page, nothing because the host or the balloon took
 * it, or a page shared with another frame) and a running count of frames in each state, so
 * that a result can report the counts without a scan. Pure C and single-threaded: the sim
 * p2m uses it directly; the kvm VMM wraps it in a lock (vmm/ram_book.h). Addresses outside
 * [0, limit) are refused with -EFAULT and states outside enum p2m_state with -EINVAL. */
#ifndef MEMVIRT_EPT_P2M_BOOK_H
#define MEMVIRT_EPT_P2M_BOOK_H

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
	uint8_t *state;               /* enum p2m_state per frame */
	uint64_t frames;              /* limit / P2M_FRAME */
	uint64_t count[P2M_STATES];   /* frames in each state; they sum to frames */
};

/* Every frame starts UNBACKED. 0, -EINVAL (limit 0 or not a multiple of 4 KiB), -ENOMEM. */
int p2m_book_init(struct p2m_book *b, uint64_t limit);
void p2m_book_fini(struct p2m_book *b);

/* The state of the frame holding addr: 0 and *out, or -EFAULT. */
int p2m_book_get(const struct p2m_book *b, uint64_t addr, enum p2m_state *out);
/* Sets the frame holding addr. 0, -EFAULT, -EINVAL. */
int p2m_book_set(struct p2m_book *b, uint64_t addr, enum p2m_state s);
/* Sets every frame overlapping [addr, addr + bytes); all or nothing. Returns the frames whose
 * state changed, -EFAULT (any part outside) or -EINVAL (bad state). */
int64_t p2m_book_set_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state s);
/* Like set_range, but only frames now in state `from` move to `to` (reclaim takes only what
 * is resident; a refault brings back only what was reclaimed). Returns the frames moved. */
int64_t p2m_book_move_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state from,
			    enum p2m_state to);
/* Frames now in state s (0 for a bad state). */
uint64_t p2m_book_count(const struct p2m_book *b, enum p2m_state s);

/* The state's name in results (memory.frames{}); inline so results/ needs no ept/ library. */
static inline const char *p2m_state_name(enum p2m_state s)
{
	static const char *const names[P2M_STATES] = { "unbacked", "resident", "reclaimed", "ballooned", "shared" };
	return (unsigned)s < P2M_STATES ? names[s] : "invalid";
}

#endif
