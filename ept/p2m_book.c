/* p2m_book.c — the per-frame state book (see p2m_book.h). Counts are kept on every change so
 * that reading them is free; ranges are checked whole before anything changes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ept/p2m_book.h"

int p2m_book_init(struct p2m_book *b, uint64_t limit)
{
	*b = (struct p2m_book){ 0 };
	if (!limit || limit % P2M_FRAME)
		return -EINVAL;
	b->state = calloc(limit / P2M_FRAME, 1);
	if (!b->state)
		return -ENOMEM;
	b->frames = limit / P2M_FRAME;
	b->count[P2M_UNBACKED] = b->frames;
	return 0;
}

void p2m_book_fini(struct p2m_book *b)
{
	free(b->state);
	*b = (struct p2m_book){ 0 };
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

int p2m_book_get(const struct p2m_book *b, uint64_t addr, enum p2m_state *out)
{
	if (addr / P2M_FRAME >= b->frames)
		return -EFAULT;
	*out = (enum p2m_state)b->state[addr / P2M_FRAME];
	return 0;
}

/* The one place a frame changes state, so the counts cannot drift from the bytes. */
static bool change(struct p2m_book *b, uint64_t frame, enum p2m_state to)
{
	uint8_t from = b->state[frame];
	if (from == (uint8_t)to)
		return false;
	b->count[from]--;
	b->count[to]++;
	b->state[frame] = (uint8_t)to;
	return true;
}

int p2m_book_set(struct p2m_book *b, uint64_t addr, enum p2m_state s)
{
	int rc = check_state(s);
	if (rc == 0 && addr / P2M_FRAME >= b->frames)
		rc = -EFAULT;
	if (rc == 0)
		change(b, addr / P2M_FRAME, s);
	return rc;
}

int64_t p2m_book_move_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state from,
			    enum p2m_state to)
{
	uint64_t first, n;
	int64_t moved = 0;
	int rc = check_state(from) ? check_state(from) : check_state(to);
	if (rc == 0)
		rc = frame_span(b, addr, bytes, &first, &n);
	if (rc < 0)
		return rc;
	for (uint64_t f = first; f < first + n; f++)
		if (b->state[f] == (uint8_t)from)
			moved += change(b, f, to);
	return moved;
}

int64_t p2m_book_set_range(struct p2m_book *b, uint64_t addr, uint64_t bytes, enum p2m_state s)
{
	uint64_t first, n;
	int64_t changed = 0;
	int rc = check_state(s);
	if (rc == 0)
		rc = frame_span(b, addr, bytes, &first, &n);
	if (rc < 0)
		return rc;
	for (uint64_t f = first; f < first + n; f++)
		changed += change(b, f, s);
	return changed;
}

uint64_t p2m_book_count(const struct p2m_book *b, enum p2m_state s)
{
	return check_state(s) == 0 ? b->count[s] : 0;
}
