/* p2m_book.c — the frame-state book (see p2m_book.h). Counts and moves are kept on every
 * change so that reading them is free; ranges are checked whole before anything changes;
 * every public call holds the book's mutex for its whole update. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ept/p2m_book.h"

int p2m_book_init(struct p2m_book *b, uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	if (!limit || limit % P2M_FRAME)
		return -EINVAL;
	b->state = calloc(limit / P2M_FRAME, 1);
	if (!b->state)
		return -ENOMEM;
	int rc = pthread_mutex_init(&b->lock, NULL);
	if (rc) {
		free(b->state);
		b->state = NULL;
		return -rc;
	}
	b->frames = limit / P2M_FRAME;
	b->count[P2M_UNBACKED] = b->frames;
	return 0;
}

/* Set up (init succeeded, not yet fini): only then does the book have a lock to take. */
static bool ready(const struct p2m_book *b) { return b->frames != 0; }

void p2m_book_fini(struct p2m_book *b)
{
	if (!ready(b))
		return;
	pthread_mutex_destroy(&b->lock);
	free(b->state);
	memset(b, 0, sizeof(*b));
}

static int check_state(enum p2m_state s) { return (unsigned)s < P2M_STATES ? 0 : -EINVAL; }

/* First frame and frame count of [addr, addr + bytes), or -EFAULT when any of it is outside. */
static int frame_span(const struct p2m_book *b, uint64_t addr, uint64_t bytes, uint64_t *first, uint64_t *n)
{
	uint64_t limit = b->frames * P2M_FRAME;
	if (addr >= limit || bytes > limit - addr)
		return -EFAULT;
	*first = addr / P2M_FRAME;
	*n = bytes ? (addr + bytes - 1) / P2M_FRAME - *first + 1 : 0;
	return 0;
}

/* Under the lock: the one place a frame changes state, so neither the counts nor the moves
 * can drift from the bytes. */
static bool change(struct p2m_book *b, uint64_t frame, enum p2m_state to)
{
	uint8_t from = b->state[frame];
	if (from == (uint8_t)to)
		return false;
	b->count[from]--;
	b->count[to]++;
	b->moves[from][to]++;
	b->state[frame] = (uint8_t)to;
	return true;
}

/* Under the lock: frames of [first, first + n) in state `from` (every state when from is
 * P2M_STATES) move to `to`; returns how many did. */
static int64_t move_frames(struct p2m_book *b, uint64_t first, uint64_t n, unsigned from, enum p2m_state to)
{
	int64_t moved = 0;
	for (uint64_t f = first; f < first + n; f++)
		if (from == P2M_STATES || b->state[f] == from)
			moved += change(b, f, to);
	return moved;
}

int p2m_book_get(struct p2m_book *b, uint64_t addr, enum p2m_state *out)
{
	if (addr / P2M_FRAME >= b->frames)
		return -EFAULT;
	pthread_mutex_lock(&b->lock);
	*out = (enum p2m_state)b->state[addr / P2M_FRAME];
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int p2m_book_set(struct p2m_book *b, uint64_t addr, enum p2m_state s)
{
	int64_t rc = p2m_book_set_range(b, addr, 1, s);
	return rc < 0 ? (int)rc : 0;
}

/* The range calls: check, then move under the lock. from_a/from_b: the states that move
 * (P2M_STATES: any; from_b P2M_STATES: no second state). */
static int64_t update(struct p2m_book *b, uint64_t addr, uint64_t bytes, unsigned from_a, unsigned from_b,
		      enum p2m_state to)
{
	uint64_t first, n;
	int rc = check_state(to);
	if (rc == 0)
		rc = frame_span(b, addr, bytes, &first, &n);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&b->lock);
	int64_t moved = move_frames(b, first, n, from_a, to);
	if (from_b != P2M_STATES)
		moved += move_frames(b, first, n, from_b, to);
	pthread_mutex_unlock(&b->lock);
	return moved;
}

int64_t p2m_book_set_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state s)
{
	return update(b, addr, bytes, P2M_STATES, P2M_STATES, s);
}

int64_t p2m_book_move_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state from,
			    enum p2m_state to)
{
	if (check_state(from))
		return -EINVAL;
	return update(b, addr, bytes, from, P2M_STATES, to);
}

int64_t p2m_book_touch(struct p2m_book *b, uint64_t addr, uint64_t bytes)
{
	return update(b, addr, bytes, P2M_RECLAIMED, P2M_UNBACKED, P2M_RESIDENT);
}

int p2m_book_find(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state s, uint64_t *at)
{
	uint64_t first, n;
	int rc = check_state(s);
	if (rc == 0)
		rc = frame_span(b, addr, bytes, &first, &n);
	if (rc < 0 || n == 0)
		return rc;
	pthread_mutex_lock(&b->lock);
	const uint8_t *hit = memchr(b->state + first, (int)s, n);
	pthread_mutex_unlock(&b->lock);
	if (!hit)
		return 0;
	*at = (uint64_t)(hit - b->state) * P2M_FRAME;
	return 1;
}

uint64_t p2m_book_count(struct p2m_book *b, enum p2m_state s)
{
	if (check_state(s) || !ready(b))
		return 0;
	pthread_mutex_lock(&b->lock);
	uint64_t n = b->count[s];
	pthread_mutex_unlock(&b->lock);
	return n;
}

uint64_t p2m_book_moved(struct p2m_book *b, enum p2m_state from, enum p2m_state to)
{
	if (check_state(from) || check_state(to) || !ready(b))
		return 0;
	pthread_mutex_lock(&b->lock);
	uint64_t n = b->moves[from][to];
	pthread_mutex_unlock(&b->lock);
	return n;
}

void p2m_book_snapshot(struct p2m_book *b, struct p2m_book_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!ready(b))
		return;
	pthread_mutex_lock(&b->lock);
	memcpy(out->frames, b->count, sizeof(out->frames));
	memcpy(out->moves, b->moves, sizeof(out->moves));
	pthread_mutex_unlock(&b->lock);
}
