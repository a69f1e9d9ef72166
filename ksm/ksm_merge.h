/* ksm_merge.h — memvirt's own merge engine: KSM's algorithm over guest frames of one or more
 * VMs, as pure logic. The platform gives it frames (a pointer to each frame's content) and
 * carries out merges (sim: ept/p2m_share.h remaps the p2m read-only); the engine decides.
 *
 * Why its own engine beside Linux KSM: on sim, guest frames live in the simulator's host
 * memory and the p2m is memvirt's own, so merging there shows what sharing does to the
 * second dimension (read-only leaves, copy-on-write breaks as exits with a modeled cost, frames
 * in state `shared` in the book), which Linux KSM's merging, invisible to the p2m, cannot.
 *
 * One pass (ksm_merge_pass) visits every frame of every VM, as ksmd does:
 *   - a frame the platform no longer reports shared was broken (copy-on-write) since: it is an
 *     ordinary frame again;
 *   - its content is hashed (XXH3-128, as the estimator ksm_scan.c); an all-zero frame takes
 *     the zero-page fast path: merged into its domain's zero frame, counted apart;
 *   - a frame whose hash changed since the last pass is volatile and skipped (KSM's rule for
 *     its unstable tree); the first pass has no history and counts a frame as unchanged only
 *     from the second;
 *   - the stable index (content already shared, kept across passes) is searched first, then
 *     the unstable index (unchanged frames seen this pass, emptied at the start of each pass);
 *     a hit is compared in full before merging — a hash match alone never merges.
 * Indexes are keyed by (hash, domain): frames merge only inside their sharing domain
 * (VMware's salting). No process-wide state; not thread-safe (one scanner thread).
 *
 * A pass in two kinds of steps, as Linux KSM's (mm/ksm.c hashes with the process running and
 * takes the page lock and write-protects only to merge): ksm_merge_scan hashes and searches
 * the indexes through ops.peek while the VMs run, and only *queues* each merge it finds (up
 * to KSM_MERGE_BATCH); ksm_merge_commit then carries the queue out through ops.page/merge
 * with the VMs held: it re-reads both frames, compares them in full and merges only what
 * still matches. The hash is a filter: a frame read while its VM writes it hashes wrong,
 * which makes it volatile or a candidate that the full compare at commit refuses — never a
 * wrong merge. So the platform's hold lasts only the commits, and a pass that finds nothing
 * to merge holds nobody. ksm_merge_pass does both for a caller with nothing running. */
#ifndef MEMVIRT_KSM_MERGE_H
#define MEMVIRT_KSM_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define KSM_MERGE_FRAME 4096u
#define KSM_MERGE_SERIES 256u /* passes kept for time_to_90pct_s */

/* What the platform does for the engine. vm is the index given to ksm_merge_add_vm. */
struct ksm_merge_ops {
	/* The frame's content (KSM_MERGE_FRAME bytes), or NULL when it has no host frame. */
	const void *(*page)(void *ctx, unsigned vm, uint64_t frame);
	/* Make (vm, frame) share the host frame of (into_vm, into_frame), read-only, both
	 * copy-on-write from now on. 0 or a negative errno (the pass stops with it). */
	int (*merge)(void *ctx, unsigned vm, uint64_t frame, unsigned into_vm, uint64_t into_frame);
	/* Whether (vm, frame) is still shared (false once a write broke it). */
	bool (*shared)(void *ctx, unsigned vm, uint64_t frame);
	/* The frame's content for hashing while the VM runs (ksm_merge_scan): NULL when it has no
	 * host frame or is shared; may be read while written. NULL op: `page` serves. */
	const void *(*peek)(void *ctx, unsigned vm, uint64_t frame);
	void *ctx;
};

#define KSM_MERGE_BATCH 1024u /* merges queued by a scan step before a commit */

/* A merge found by a scan step: (vm, frame) with hash key lo/hi into entry `into`. */
struct ksm_merge_todo {
	uint64_t lo, hi, frame, into_frame;
	unsigned vm, into_vm, domain;
	bool stable; /* found in the stable index (else the unstable one) */
	bool zero;
};

/* The figures of one VM (or, summed, of the host): results' sharing{}. */
struct ksm_merge_figures {
	uint64_t scanned;    /* frames hashed, all passes */
	uint64_t shared;     /* frames whose host frame others point at (KSM's pages_shared) */
	uint64_t sharing;    /* frames pointing at another frame's host frame, zero pages apart */
	uint64_t zero;       /* zero frames merged into their domain's zero frame */
	uint64_t volatile_pages; /* frames that changed since the previous pass (last pass) */
	uint64_t merges;     /* merges done, all passes */
	uint64_t cow_breaks; /* shared frames found broken by a write */
	double scan_cpu_s;   /* the scanning thread's CPU time */
	double time_to_90pct_s; /* from the first pass until saved reached 90% of its last value */
};

struct ksm_merge_vm {
	uint64_t frames;     /* 0 once removed */
	bool gone;           /* removed (ksm_merge_remove_vm): its frames are no merge target */
	unsigned domain;
	uint64_t *prev;      /* low 64 bits of each frame's hash at the last pass; 0 = none */
	uint8_t *role;       /* per frame: 0 plain, 1 sharing, 2 shared (canonical), 3 zero-merged */
	struct ksm_merge_figures f;
	uint64_t saved[KSM_MERGE_SERIES]; /* saved frames after each pass */
};

struct ksm_merge_slot; /* an index entry (ksm_merge.c) */

struct ksm_merge_index {
	struct ksm_merge_slot *slot;
	size_t cap, used; /* cap a power of two, or 0 */
};

struct ksm_merge {
	struct ksm_merge_ops ops;
	struct ksm_merge_vm *vm;
	unsigned nvms;
	struct ksm_merge_index stable, unstable;
	unsigned passes;
	double t0;                       /* monotonic time when the first pass began */
	double t_pass[KSM_MERGE_SERIES]; /* seconds from t0 to the end of each pass */
	/* The pass under way (ksm_merge_begin .. ksm_merge_end): */
	unsigned cur_vm;
	uint64_t cur_frame;
	double c0;                       /* the thread's CPU time at its beginning */
	int64_t merged;
	struct ksm_merge_todo todo[KSM_MERGE_BATCH];
	unsigned ntodo;
};

/* 0, -ENOMEM. */
int ksm_merge_init(struct ksm_merge *m, const struct ksm_merge_ops *ops);
void ksm_merge_fini(struct ksm_merge *m);
/* A VM of `frames` 4 KiB frames in sharing domain `domain`: its index (>= 0) or -ENOMEM. */
int ksm_merge_add_vm(struct ksm_merge *m, uint64_t frames, unsigned domain);
/* VM `vm` leaves (it ends while others go on): its frames are forgotten and no longer merge
 * targets — an index entry naming one is replaced by the next frame of that content. Its
 * figures stay readable (ksm_merge_figures). */
void ksm_merge_remove_vm(struct ksm_merge *m, unsigned vm);
/* One pass over every frame of every VM. Returns the merges it made, or a negative errno. */
int64_t ksm_merge_pass(struct ksm_merge *m);
/* The same pass in steps, from one thread: begin; then scan and commit until scan returns 0
 * (commit whenever m->ntodo > 0, with the VMs held; a scan step visits at most max_frames
 * frames, and stops early with a full queue); then end, which returns the pass's merges.
 * scan: 1 (more to visit), 0 (the pass visited every frame), -errno. commit: the merges made,
 * or -errno (the pass should end). drop: forget the queue (no hold could be had); the frames
 * are found again next pass. VMs may be added and removed between steps, never during one. */
void ksm_merge_begin(struct ksm_merge *m);
int ksm_merge_scan(struct ksm_merge *m, uint64_t max_frames);
int64_t ksm_merge_commit(struct ksm_merge *m);
void ksm_merge_drop(struct ksm_merge *m);
int64_t ksm_merge_end(struct ksm_merge *m);
/* Passes until one merges nothing (at most max_passes). Returns the passes made or -errno. */
int ksm_merge_until_stable(struct ksm_merge *m, unsigned max_passes);
/* Frames saved: sharing + zero (what merging freed). */
static inline uint64_t ksm_merge_saved(const struct ksm_merge_figures *f) { return f->sharing + f->zero; }
/* The figures of one VM, or of all (vm < 0), time_to_90pct_s computed. */
void ksm_merge_figures(const struct ksm_merge *m, int vm, struct ksm_merge_figures *out);
/* results' sharing{engine, scanned, shared, sharing, zero, volatile, cow_breaks, saved_bytes,
 * scan_cpu_s, time_to_90pct_s}. */
json_t *ksm_merge_figures_json(const struct ksm_merge_figures *f);

#endif
