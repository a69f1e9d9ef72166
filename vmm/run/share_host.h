/* share_host.h — a host's page-sharing engine for its sim VMs (--share on / share = on): one
 * merge engine (ksm/ksm_merge.h) over the guest RAM of every sharing VM, one shared-frame pool
 * (ept/p2m_pool.h) whose frames any of them can map read-only, sharing domains, and a scanner
 * thread making a pass every period while the VMs run.
 *
 * Why the host owns it: the pages worth sharing are those *between* VMs, so the engine must see
 * all of them and the shared frames must outlive any one VM (a VM that finishes drops its
 * references; the others keep the frame). Each VM keeps its own host memory, allocator and
 * counters (mmu/hostmem.h); only the pool is common, mapped into each VM's host memory as a
 * window — the smaller design than one host memory for all VMs, which would put a lock on every
 * fault and every page-table allocation of every VM.
 *
 * Why the VMs are held, and only to merge: a merge rewrites p2m leaves of several VMs, each run
 * by its own worker thread that walks its p2m and keeps fast-path pointers into host frames
 * without a lock. So the merges are made with every VM in the engine parked (`stop`) — at its
 * next safe point (share_host_safepoint, at the top of every slow-path translation, where the
 * VM holds nothing) or while it sleeps (share_host_idle_*). A parked VM drops its fast-path
 * pointers when it resumes; the p2m's generation makes its TLB re-walk. Hashing, the bulk of a
 * pass, needs no hold, as in Linux KSM: the engine (ksm/ksm_merge.h) hashes frames while the
 * VMs run (op_peek in share_host.c says why a racy read is safe here), queues the merges it
 * finds, and the VMs are held only while a batch of at most KSM_MERGE_BATCH is committed:
 * each p2m entry re-read, both frames compared in full, the leaf remapped read-only. A pass
 * that finds nothing to merge holds nobody (host.sharing.stops counts the holds). A VM that
 * reaches no safe point within SHARE_STOP_TIMEOUT_S makes that batch dropped and counted
 * (passes_skipped), never a hang. What the VMs do to shared frames meanwhile (copy-on-write
 * breaks) goes through the pool's own lock.
 *
 * Locks: engine_lock is the engine's (its VMs, indexes and the pass under way): a pass holds
 * it from start to end, and a VM joins or leaves under it — so no VM's p2m goes away while it
 * is hashed. lock guards the rest (the stop, the counts, the rows). Order: engine_lock, then
 * lock. A VM waiting for engine_lock to leave counts as parked, so a commit is not held up.
 *
 * Sharing domains: VMs merge only with VMs of their domain (VMware's salting): the engine keys
 * its indexes by domain and the pool refuses a frame of another domain. Default: one domain
 * per VM (its name), which no other VM can join — not by naming a domain after the VM, nor by
 * a name that agrees with it in the first 31 characters.
 *
 * Period 0: no scanner thread; instead, when a VM enters its measured phase, passes over every
 * VM then in the engine until one merges nothing (memvirt run --share on: a host of one VM). */
#ifndef MEMVIRT_RUN_SHARE_HOST_H
#define MEMVIRT_RUN_SHARE_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ept/p2m_pool.h"
#include "ksm/ksm_merge.h"
#include "mmu/strategy.h"

#define SHARE_MAX_VMS 64u
#define SHARE_DOMAIN_MAX_LEN 31u
#define SHARE_DEFAULT_PERIOD_US 1000000ULL /* a pass a second */
#define SHARE_MIN_PERIOD_US 10000ULL
#define SHARE_MAX_PERIOD_US 3600000000ULL
#define SHARE_STOP_TIMEOUT_S 2.0
#define SHARE_SCAN_CHUNK 4096u             /* frames hashed between checks for quitting */
#define SHARE_JOIN_MAX_PASSES 8u           /* period 0: passes at each join, at most */
#define SHARE_SERIES_MAX_ROWS 2000u        /* host.sharing.series is thinned to this */

/* One pass's row of host.sharing.series (its columns, in order). */
struct share_row {
	double time_ms; /* from the engine's creation (the host's start) */
	uint64_t scanned, shared, sharing, zero, volatile_pages, cow_breaks, saved_bytes;
	double scan_cpu_s;
};

struct share_domain_figures {
	uint64_t shared, sharing, zero, saved_bytes;
};

struct share_slot {
	char name[64];
	unsigned domain;
	struct mmu_vm *vm;          /* while joined */
	int engine_vm;              /* -1 until it joined */
	bool left;
	struct ksm_merge_figures fig; /* as it left */
	unsigned passes;            /* engine passes until it left */
};

struct share_host {
	pthread_mutex_t lock;
	pthread_mutex_t engine_lock; /* the engine and the pass under way (see above) */
	pthread_cond_t cv;          /* parks, passes' ends, joins, the scanner's period */
	atomic_int stop;            /* a pass wants every VM parked */
	bool pass_running, quit;
	unsigned active, parked;    /* VMs in the engine; of them, parked or idle */
	struct ksm_merge engine;
	struct p2m_pool pool;
	uint64_t period_us;         /* 0: passes at joins only */
	double t0;
	struct share_slot slot[SHARE_MAX_VMS];
	unsigned nslots;
	int engine_slot[SHARE_MAX_VMS]; /* engine VM index -> slot */
	char domain[SHARE_MAX_VMS][64]; /* a named domain (<= 31 characters), or a VM's own: its name */
	bool domain_own[SHARE_MAX_VMS]; /* a VM's own domain: never found by name, so never joined */
	unsigned ndomains;
	struct share_row *rows;
	size_t nrows, cap;
	uint64_t passes_skipped;
	uint64_t stops;             /* times the VMs were held (to commit a batch of merges) */
	double stopped_s, stopped_max_s; /* wall time the VMs were held: total, longest hold */
	double first_pass_ms;       /* time_ms of the first pass's start (-1: none) */
	uint64_t pool_end_frames;   /* pool frames in use, the most at any VM's end (note_end) */
	uint64_t peak_saved_bytes;
	struct share_row at_peak;
	struct share_domain_figures dom_at_peak[SHARE_MAX_VMS];
	int error;                  /* a pass failed: no more passes */
	char why[256];
	pthread_t thread;
	bool thread_on;
};

/* 0, -EINVAL (pool_bytes 0 or not 4 KiB-aligned, period outside [10 ms, 1 h] and not 0), -ENOMEM. */
int share_host_init(struct share_host *sh, uint64_t pool_bytes, uint64_t period_us);
/* A sharing domain's name: 1 to 31 of [A-Za-z0-9_.-]. */
bool share_domain_name_ok(const char *name);
/* Names VM `name` in domain `domain` (NULL or "": a domain of its own, named as the VM) before
 * it runs: its slot (>= 0), -EINVAL (a bad domain name), -E2BIG (too many VMs or domains). */
int share_host_add(struct share_host *sh, const char *name, const char *domain);
/* The scanner thread (period > 0; nothing otherwise). 0 or -errno. */
int share_host_start(struct share_host *sh);
/* Stops the scanner thread (after the VMs ended, or on an interruption). */
void share_host_stop(struct share_host *sh);
void share_host_fini(struct share_host *sh);

/* The pool's window for a VM's machine (mmu/hostmem.h): sets cfg->share_fd, share_bytes. */
void share_host_window(const struct share_host *sh, struct mmu_config *cfg);

/* From the VM's own thread. join: slot's VM enters the engine (its measured phase begins);
 * with period 0 the passes run now. 0 or -errno (why in msg). leave: it stops taking part (its
 * measured phase ended, or the run ends): its figures are kept in its slot; idempotent. */
int share_host_join(struct share_host *sh, int slot, struct mmu_vm *vm, char *msg, size_t msglen);
void share_host_leave(struct share_host *sh, int slot);
/* A VM ends (before it drops its pool frames): keeps the pool's frames in use if the most yet.
 * host.totals.host_resident_bytes counts each pool frame once with it: the VMs' own frames plus
 * pool_end_frames, not the sum of the VMs' 1/refs shares read at different ends (a VM ending
 * first charges itself 1/4 of a frame four map, the last one 1/1: about twice the pool). */
void share_host_note_end(struct share_host *sh);
/* The host memory behind the pool for host.totals (pool_end_frames × 4 KiB). */
uint64_t share_host_pool_end_bytes(struct share_host *sh);
/* Park until the pass that asked for it ran. */
void share_host_park(struct share_host *sh);
static inline void share_host_safepoint(struct share_host *sh)
{
	if (atomic_load_explicit(&sh->stop, memory_order_acquire))
		share_host_park(sh);
}
/* Around a sleep: the VM counts as parked meanwhile. */
void share_host_idle_begin(struct share_host *sh);
void share_host_idle_end(struct share_host *sh);

/* host.sharing: the totals, time_to_90pct_s, per-domain figures and the series. */
json_t *share_host_json(struct share_host *sh);

#endif
