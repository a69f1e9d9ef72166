/* frames.c — the guest-physical frame allocator: 4 KiB frames and 2 MiB-aligned 2 MiB frames
 * over guest RAM. RAM is split in 2 MiB chunks (see struct gk_frames in gk.h); every operation
 * is O(1) apart from scanning one chunk's 8-word in-use map, because ring-0 guest code may run
 * at ~1 µs per instruction. Frames are zeroed here, on allocation: the kernel never relies on a
 * free frame keeping its contents, because a free chunk may have been reported to the VMM
 * (free page reporting, balloon.c), whose host backing is then gone. */
#include "guest/gk_internal.h"

#define WORDS (GK_FRAMES_PER_CHUNK / 64)

static uint64_t chunk_gpa(const struct gk *k, uint32_t c)
{
	return k->frames.chunk_base + (uint64_t)c * PT_PAGE_2M;
}

/* ---- the partial list (doubly linked through next/prev) and the free list (through next) -- */

static void partial_push(struct gk_frames *f, uint32_t c)
{
	f->prev[c] = GK_NONE32;
	f->next[c] = f->partial_head;
	if (f->partial_head != GK_NONE32)
		f->prev[f->partial_head] = c;
	f->partial_head = c;
}

static void partial_remove(struct gk_frames *f, uint32_t c)
{
	if (f->prev[c] != GK_NONE32)
		f->next[f->prev[c]] = f->next[c];
	else
		f->partial_head = f->next[c];
	if (f->next[c] != GK_NONE32)
		f->prev[f->next[c]] = f->prev[c];
}

static void free_push(struct gk_frames *f, uint32_t c)
{
	f->state[c] = GK_CHUNK_FREE;
	f->freed_epoch[c] = f->epoch; /* free page reporting: when it was freed, not reported */
	f->reported[c] = 0;
	f->next[c] = f->free_head;
	f->free_head = c;
}

/* A whole free chunk: a returned one first (recently used, warm), else a never-used one. */
static uint32_t whole_chunk_take(struct gk_frames *f)
{
	uint32_t c = f->free_head;
	if (c != GK_NONE32) {
		f->free_head = f->next[c];
		f->reported[c] = 0; /* in use again: its contents are whatever the host gives (zero) */
		return c;
	}
	if (f->bump < f->bump_end)
		return f->bump++;
	return GK_NONE32;
}

static void chunk_split(struct gk_frames *f, uint32_t c)
{
	for (unsigned w = 0; w < WORDS; w++)
		f->used[c][w] = 0;
	f->state[c] = GK_CHUNK_SPLIT;
	f->nfree[c] = GK_FRAMES_PER_CHUNK;
	partial_push(f, c);
}

/* The first and last chunk may stick out of RAM: split them for good, the outside in use. */
static void edge_chunk_init(struct gk *k, uint32_t c, uint64_t ram_lo, uint64_t ram_hi)
{
	struct gk_frames *f = &k->frames;
	chunk_split(f, c);
	for (unsigned i = 0; i < GK_FRAMES_PER_CHUNK; i++) {
		uint64_t gpa = chunk_gpa(k, c) + (uint64_t)i * PT_PAGE_4K;
		if (gpa < ram_lo || gpa >= ram_hi) {
			f->used[c][i / 64] |= 1ULL << (i % 64);
			f->nfree[c]--;
		}
	}
	if (f->nfree[c] == 0)
		partial_remove(f, c);
}

void gk_frames_init(struct gk *k, uint64_t ram_base, uint64_t ram_bytes)
{
	struct gk_frames *f = &k->frames;
	uint64_t ram_hi = ram_base + ram_bytes;
	f->chunk_base = ram_base & ~(PT_PAGE_2M - 1);
	f->nchunks = (uint32_t)((gk_align_up(ram_hi, PT_PAGE_2M) - f->chunk_base) / PT_PAGE_2M);
	f->free_head = GK_NONE32;
	f->partial_head = GK_NONE32;
	f->epoch = 0;
	f->bump = 0;
	f->bump_end = f->nchunks;
	if (ram_base != f->chunk_base) {
		edge_chunk_init(k, 0, ram_base, ram_hi);
		f->bump = 1;
	}
	if (ram_hi % PT_PAGE_2M != 0 && f->bump_end > f->bump) {
		edge_chunk_init(k, f->nchunks - 1, ram_base, ram_hi);
		f->bump_end = f->nchunks - 1;
	}
}

/* Claim the first free frame of split chunk c (it has one: it is on the partial list). */
static unsigned chunk_claim_frame(struct gk_frames *f, uint32_t c)
{
	unsigned w = 0;
	while (f->used[c][w] == ~0ULL)
		w++;
	unsigned bit = (unsigned)__builtin_ctzll(~f->used[c][w]);
	f->used[c][w] |= 1ULL << bit;
	if (--f->nfree[c] == 0)
		partial_remove(f, c);
	return w * 64 + bit;
}

static uint64_t frame_alloc_4k(struct gk *k)
{
	struct gk_frames *f = &k->frames;
	if (f->partial_head == GK_NONE32) {
		uint32_t c = whole_chunk_take(f);
		if (c == GK_NONE32)
			return GK_NO_FRAME;
		chunk_split(f, c);
	}
	uint32_t c = f->partial_head;
	unsigned i = chunk_claim_frame(f, c);
	k->stats.frames_4k++;
	return chunk_gpa(k, c) + (uint64_t)i * PT_PAGE_4K;
}

static uint64_t frame_alloc_2m(struct gk *k)
{
	uint32_t c = whole_chunk_take(&k->frames);
	if (c == GK_NONE32)
		return GK_NO_FRAME;
	k->frames.state[c] = GK_CHUNK_LARGE;
	k->stats.frames_2m++;
	return chunk_gpa(k, c);
}

uint64_t gk_frame_take(struct gk *k, uint64_t page_size)
{
	if (page_size == PT_PAGE_4K)
		return frame_alloc_4k(k);
	if (page_size == PT_PAGE_2M)
		return frame_alloc_2m(k);
	return GK_NO_FRAME;
}

/* Out of frames: the balloon may give some back (deflate on OOM); each round frees at least
 * one frame, so the loop ends. */
uint64_t gk_frame_alloc(struct gk *k, uint64_t page_size)
{
	uint64_t gpa = gk_frame_take(k, page_size);
	while (gpa == GK_NO_FRAME && gk_balloon_oom(k, page_size))
		gpa = gk_frame_take(k, page_size);
	if (gpa != GK_NO_FRAME)
		k->hal.phys_zero(k->hal.hw, gpa, page_size);
	return gpa;
}

/* Chunk index of gpa if it is a chunk that has been handed out, else GK_NONE32. */
static uint32_t chunk_of(const struct gk *k, uint64_t gpa)
{
	const struct gk_frames *f = &k->frames;
	if (gpa < f->chunk_base)
		return GK_NONE32;
	uint64_t c = (gpa - f->chunk_base) / PT_PAGE_2M;
	if (c >= f->nchunks || (c >= f->bump && c < f->bump_end))
		return GK_NONE32;
	return (uint32_t)c;
}

static int frame_free_4k(struct gk *k, uint64_t gpa)
{
	struct gk_frames *f = &k->frames;
	uint32_t c = chunk_of(k, gpa);
	if (c == GK_NONE32 || gpa % PT_PAGE_4K != 0 || f->state[c] != GK_CHUNK_SPLIT)
		return -EINVAL;
	unsigned i = (unsigned)((gpa % PT_PAGE_2M) / PT_PAGE_4K);
	uint64_t bit = 1ULL << (i % 64);
	if (!(f->used[c][i / 64] & bit))
		return -EINVAL;
	f->used[c][i / 64] &= ~bit;
	k->stats.frames_4k--;
	if (f->nfree[c]++ == 0)
		partial_push(f, c);
	/* Coalesce a wholly free chunk so 2 MiB allocations can have it (edge chunks never
	 * reach 512 free frames, so they stay split). */
	if (f->nfree[c] == GK_FRAMES_PER_CHUNK) {
		partial_remove(f, c);
		free_push(f, c);
	}
	return 0;
}

static int frame_free_2m(struct gk *k, uint64_t gpa)
{
	uint32_t c = chunk_of(k, gpa);
	if (c == GK_NONE32 || gpa % PT_PAGE_2M != 0 || k->frames.state[c] != GK_CHUNK_LARGE)
		return -EINVAL;
	free_push(&k->frames, c);
	k->stats.frames_2m--;
	return 0;
}

int gk_frame_free(struct gk *k, uint64_t gpa, uint64_t page_size)
{
	if (page_size == PT_PAGE_4K)
		return frame_free_4k(k, gpa);
	if (page_size == PT_PAGE_2M)
		return frame_free_2m(k, gpa);
	return -EINVAL;
}
