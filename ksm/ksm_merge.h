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
 * (VMware's salting). No process-wide state; not thread-safe (one scanner thread). */
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
	void *ctx;
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
