/* balloon.c — the guest kernel's balloon driver, one source for sim and kvm: it holds frames
 * taken from the frame allocator so the VMM can give their host backing to someone else, and
 * moves toward the target the VMM writes into the control area (guest/balloon_abi.h).
 *
 * Why it is shaped like this: on hosts where ring 0 is emulated each instruction costs ~1-2 µs,
 * so the per-entry path is a few dozen instructions — take a whole free chunk (O(1) in
 * frames.c, no zeroing: the host drops the contents anyway), record its index, write one entry
 * — and 2 MiB chunks are preferred, so 7 GiB is ~3600 entries and 14 doorbells, not 1.8 million
 * entries. 4 KiB frames are taken only when no whole chunk is free, or for the part of the
 * target below 2 MiB. Deflate gives back whole chunks when it can (an OOM retry of a 2 MiB
 * page needs one) and single frames otherwise.
 *
 * The check (gk_balloon_poll) runs at points the guest passes anyway: every system call (on
 * sim every wl_sys call). It is three loads and compares when nothing changed: the target, the
 * VMM's statistics request, the report epoch. Why there and nowhere else: this kernel has no
 * timer interrupt and the VMM injects none, so the guest runs kernel code only when the workload
 * enters it — a system call or a page fault. A page fault is a path ring 0 must keep short (one
 * per first touch, ~1-2 µs per instruction where ring 0 is emulated), and a workload that stops
 * making system calls usually stops faulting too, so faults would add cost without adding
 * timeliness. The VMM's side is time-based (the target, a stats period, the report epoch it
 * advances every report_delay / 2), the guest's a counter compare, so the guest needs no clock.
 * A workload that makes no system call sees all three only at its next one (docs/balloon.md).
 *
 * Free page reporting: a 2 MiB chunk on the allocator's free list that has stayed there for
 * GK_BALLOON_REPORT_AGE epochs is handed to the VMM in a REPORT message, which releases its host
 * backing; the chunk stays free and the guest's, and frames.c zeroes whatever it hands out, so
 * nothing relies on its old contents. The free list is a stack: from its head the chunks get
 * older, so a report pass skips the young ones and reports until it meets a chunk reported
 * before (everything below it was too) — each free chunk is visited O(1) times, not once per
 * epoch. */
#include "guest/gk_internal.h"

#define FRAMES_2M (PT_PAGE_2M / PT_PAGE_4K)

/* Frames an OOM deflate gives back at least (16 MiB): enough to continue for a while without
 * one doorbell per fault. */
#define GK_BALLOON_OOM_FRAMES 4096u

void gk_balloon_init(struct gk *k)
{
	struct gk_balloon *b = &k->balloon;
	b->frames = 0;
	b->nchunks = b->n4k = 0;
	b->oom_deflates = b->alloc_stalls = 0;
	b->oom_cap = b->oom_target = UINT64_MAX;
	b->oom_own = 0;
	b->dry_target = b->dry_used = UINT64_MAX;
	b->in_oom = false;
	b->stats_answered = b->stats_seq = 0;
	b->reported_chunks = b->report_messages = 0;
}

static uint64_t frames_used(const struct gk *k)
{
	return k->stats.frames_4k + k->stats.frames_2m * FRAMES_2M;
}

/* The statistics into the control area, inside the seqlock (balloon_abi.h): the VMM may be
 * copying them from another thread, and takes them only between two equal even counts. */
static void stats_refresh(struct gk *k)
{
	volatile struct gk_balloon_shared *s = k->hal.balloon_shared;
	uint64_t total = k->ram_bytes / PT_PAGE_4K;
	uint64_t used = frames_used(k);
	uint64_t free = used < total ? total - used : 0;
	s->stats_seq = ++k->balloon.stats_seq; /* odd: writing */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->actual_frames = k->balloon.frames;
	s->stats.total_frames = total;
	s->stats.free_frames = free;
	s->stats.available_frames = free;
	s->stats.major_faults = 0;
	s->stats.minor_faults = k->stats.faults;
	s->stats.oom_events = k->balloon.oom_deflates;
	s->stats.alloc_stalls = k->balloon.alloc_stalls;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->stats_seq = ++k->balloon.stats_seq; /* even: complete */
}

static void doorbell(struct gk *k, uint32_t op, uint32_t n, uint32_t flags)
{
	if (flags & GK_BALLOON_MSG_LAST)
		stats_refresh(k);
	k->hal.balloon_doorbell(k->hal.balloon_hw, op, n, flags);
}

static uint64_t chunk_index(const struct gk *k, uint64_t gpa)
{
	return (gpa - k->frames.chunk_base) / PT_PAGE_2M;
}

/* One entry more toward `want` frames: a whole chunk when at least 2 MiB is wanted and one is
 * free, else a single frame. 0 when nothing more can be taken. */
static uint64_t take_one(struct gk *k, uint64_t want)
{
	struct gk_balloon *b = &k->balloon;
	uint64_t gpa;
	if (want >= FRAMES_2M && b->nchunks < GK_MAX_CHUNKS && (gpa = gk_frame_take(k, PT_PAGE_2M)) != GK_NO_FRAME) {
		b->chunk[b->nchunks++] = (uint32_t)chunk_index(k, gpa);
		b->frames += FRAMES_2M;
		return gpa | GK_BALLOON_ENTRY_2M;
	}
	if (b->n4k < GK_BALLOON_MAX_4K && (gpa = gk_frame_take(k, PT_PAGE_4K)) != GK_NO_FRAME) {
		b->frame4k[b->n4k++] = (uint32_t)((gpa - k->frames.chunk_base) / PT_PAGE_4K);
		b->frames += 1;
		return gpa;
	}
	return 0;
}

static void inflate(struct gk *k, uint64_t target, uint64_t want)
{
	uint64_t *e = k->hal.balloon_entries;
	uint32_t n = 0;
	while (want > 0) {
		uint64_t entry = take_one(k, want);
		if (entry == 0)
			break;
		want -= (entry & GK_BALLOON_ENTRY_2M) ? FRAMES_2M : 1;
		e[n++] = entry;
		if (n == GK_BALLOON_BATCH) {
			doorbell(k, GK_BALLOON_INFLATE, n, want == 0 ? GK_BALLOON_MSG_LAST : 0);
			n = 0;
		}
	}
	if (n > 0 || want > 0) /* the round's end (also when the allocator ran dry) */
		doorbell(k, GK_BALLOON_INFLATE, n, GK_BALLOON_MSG_LAST);
	if (want > 0) {
		k->balloon.dry_target = target;
		k->balloon.dry_used = frames_used(k);
	}
}

/* Pops one held entry toward `want` frames: chunks when 2 MiB is wanted or no single frames
 * are left, single frames otherwise. 0 when the balloon is empty. */
static uint64_t pop_one(struct gk *k, uint64_t want)
{
	struct gk_balloon *b = &k->balloon;
	if (b->nchunks > 0 && (want >= FRAMES_2M || b->n4k == 0)) {
		b->frames -= FRAMES_2M;
		return (k->frames.chunk_base + (uint64_t)b->chunk[--b->nchunks] * PT_PAGE_2M) | GK_BALLOON_ENTRY_2M;
	}
	if (b->n4k > 0) {
		b->frames -= 1;
		return k->frames.chunk_base + (uint64_t)b->frame4k[--b->n4k] * PT_PAGE_4K;
	}
	return 0;
}

/* The VMM has made them usable again: back to the allocator. */
static void give_back(struct gk *k, const uint64_t *e, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		bool big = (e[i] & GK_BALLOON_ENTRY_2M) != 0;
		gk_frame_free(k, e[i] & ~GK_BALLOON_ENTRY_FLAGS, big ? PT_PAGE_2M : PT_PAGE_4K);
	}
}

/* Returns the frames given back. */
static uint64_t deflate(struct gk *k, uint64_t want, uint32_t flags)
{
	uint64_t *e = k->hal.balloon_entries;
	uint64_t done = 0;
	uint32_t n = 0;
	while (done < want) {
		uint64_t entry = pop_one(k, want - done);
		if (entry == 0)
			break;
		done += (entry & GK_BALLOON_ENTRY_2M) ? FRAMES_2M : 1;
		e[n++] = entry;
		if (n == GK_BALLOON_BATCH) {
			doorbell(k, GK_BALLOON_DEFLATE, n, flags | (done >= want ? GK_BALLOON_MSG_LAST : 0));
			give_back(k, e, n);
			n = 0;
		}
	}
	if (n > 0 || done < want) {
		doorbell(k, GK_BALLOON_DEFLATE, n, flags | GK_BALLOON_MSG_LAST);
		give_back(k, e, n);
	}
	return done;
}

/* ---- Free page reporting ------------------------------------------------------------------ */

/* One pass at a new epoch: the free chunks at least GK_BALLOON_REPORT_AGE epochs old that are
 * not reported yet, in REPORT messages of up to GK_BALLOON_BATCH entries. */
static void report_free(struct gk *k, uint64_t epoch)
{
	struct gk_frames *f = &k->frames;
	uint64_t *e = k->hal.balloon_entries;
	uint32_t n = 0, c = f->free_head;
	f->epoch = epoch;
	while (c != GK_NONE32 && f->freed_epoch[c] + GK_BALLOON_REPORT_AGE > epoch)
		c = f->next[c]; /* too young (and everything above it) */
	for (; c != GK_NONE32 && !f->reported[c]; c = f->next[c]) {
		f->reported[c] = 1;
		e[n++] = (f->chunk_base + (uint64_t)c * PT_PAGE_2M) | GK_BALLOON_ENTRY_2M;
		k->balloon.reported_chunks++;
		if (n == GK_BALLOON_BATCH) { /* the pass's last message when no unreported chunk follows */
			uint32_t next = f->next[c];
			bool last = next == GK_NONE32 || f->reported[next];
			k->hal.balloon_doorbell(k->hal.balloon_hw, GK_BALLOON_REPORT, n, last ? GK_BALLOON_MSG_LAST : 0);
			k->balloon.report_messages++;
			n = 0;
		}
	}
	if (n > 0) {
		k->hal.balloon_doorbell(k->hal.balloon_hw, GK_BALLOON_REPORT, n, GK_BALLOON_MSG_LAST);
		k->balloon.report_messages++;
	}
}

/* ---- The check ----------------------------------------------------------------------------- */

static void target_check(struct gk *k, volatile struct gk_balloon_shared *s);

void gk_balloon_poll(struct gk *k)
{
	volatile struct gk_balloon_shared *s = k->hal.balloon_shared;
	if (!s)
		return;
	struct gk_balloon *b = &k->balloon;
	uint64_t req = s->stats_request, epoch = s->report_epoch;
	if (req != b->stats_answered) {
		b->stats_answered = req;
		stats_refresh(k);
	}
	if (epoch != k->frames.epoch && (s->flags & GK_BALLOON_REPORTING))
		report_free(k, epoch);
	target_check(k, s);
}

static void target_check(struct gk *k, volatile struct gk_balloon_shared *s)
{
	uint64_t target = s->target_frames;
	struct gk_balloon *b = &k->balloon;
	if (target == b->frames)
		return;
	if (target < b->frames) {
		deflate(k, b->frames - target, 0);
		return;
	}
	uint64_t own = frames_used(k) - b->frames;
	if (target == b->oom_target && own * 2 >= b->oom_own) { /* nothing changed since the OOM deflate */
		if (b->frames >= b->oom_cap)
			return;
		target = b->oom_cap;
	} else {
		b->oom_cap = b->oom_target = UINT64_MAX;
	}
	if (target == b->dry_target && frames_used(k) == b->dry_used)
		return; /* nothing was freed since the allocator ran dry */
	inflate(k, target, target - b->frames);
}

bool gk_balloon_oom(struct gk *k, uint64_t page_size)
{
	volatile struct gk_balloon_shared *s = k->hal.balloon_shared;
	struct gk_balloon *b = &k->balloon;
	if (!s || b->frames == 0 || b->in_oom)
		return false;
	b->alloc_stalls++;
	if (!(s->flags & GK_BALLOON_DEFLATE_ON_OOM))
		return false;
	uint64_t want = page_size / PT_PAGE_4K;
	if (want < GK_BALLOON_OOM_FRAMES)
		want = GK_BALLOON_OOM_FRAMES;
	b->in_oom = true;
	b->oom_deflates++;
	uint64_t done = deflate(k, want, GK_BALLOON_MSG_OOM);
	b->in_oom = false;
	b->oom_cap = b->frames;
	b->oom_target = s->target_frames;
	b->oom_own = frames_used(k) - b->frames;
	return done > 0;
}
