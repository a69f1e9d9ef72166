/* result.h — one run's configuration and outcome, and its JSON document (schema_version 2,
 * documented in docs/result-schema.md). Every platform fills the same struct; fields that
 * do not apply stay zero (or are written as null where zero would lie). */
#ifndef MEMVIRT_RESULT_H
#define MEMVIRT_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ept/p2m_book.h"
#include "mmu/counters.h"
#include "mmu/strategy.h"
#include "workloads/wl.h"

#define RESULT_SCHEMA_VERSION 2
/* The oldest result document the readers (report, merge, compare) still take: version 1
 * counted mmu{}, exits{} and faults.guest over the whole run; version 2 over the measured
 * phase, with the other phases under phases{}. */
#define RESULT_SCHEMA_OLDEST 1

/* KVM binary statistics over the measured phase (kvm platform): "vm.<name>" / "vcpu.<name>"
 * and how much the counter grew. Written as kvm_stats{} (null when there are none). */
#define RESULT_KVM_STATS_MAX 192
struct result_kvm_stat {
	char name[64];
	int64_t delta;
};

struct guest_mem_opts;

/* RUN_KILLED is never returned by a run: it is what the janitor writes for a run that died
 * without writing its own document (SIGKILL, the OOM killer; vmm/run/run_record.h). */
enum run_state { RUN_OK = 0, RUN_FAILED, RUN_INTERRUPTED, RUN_SKIPPED, RUN_KILLED };

struct experiment; /* vmm/reclaim/experiment.h: telemetry, reclaim, swap, dip detection */

struct balloon_config; /* balloon/balloon.h: only pointed at */

struct share_host;

struct run_config {
	const char *platform;            /* native | sim | kvm */
	const char *mmu;                 /* ept | shadow (native: "none") */
	const struct wl_workload *workload;
	struct wl_params params;
	struct mmu_config sim;           /* sim: paging geometry, TLB, caches, costs */
	const char *json_path;           /* NULL: no result file */
	const json_t *doc_extra;         /* members added to its document, killed or not (a sweep point's
					  * "sweep"), or NULL */
	void (*finish_doc)(json_t *doc); /* last touch to the finished document before it is written
					  * (a sweep names its series relative to the point), or NULL */
	bool progress;                   /* show progress on the terminal */
	const struct experiment *experiment; /* NULL: the defaults (1 kHz telemetry, no reclaim) */
	const struct guest_mem_opts *memory; /* kvm guest RAM backend, THP, NUMA, uffd; NULL: defaults */
	const struct balloon_config *balloon; /* --balloon (balloon/balloon.h); NULL: no balloon */
	/* Page sharing on sim (--share on, vmm/run/share_host.h): the host's engine and this VM's
	 * slot in it (NULL: a VM run alone gets an engine of its own), and the VM's sharing domain
	 * (NULL: a domain of its own). */
	struct share_host *share_host;
	int share_slot;
	const char *share_domain;
};

/* The measured cost of one exit reason on kvm: handled = exits the VMM timed, handler_ns =
 * mean time in the VMM's handler (from KVM_RUN's return to the next KVM_RUN); roundtrips =
 * exits the guest timed, roundtrip_ns = their mean, from just before the exiting instruction
 * to just after it, as the guest's TSC saw it (exit, handler, re-entry, emulation). */
struct result_exit_cost {
	uint64_t handled, roundtrips;
	double handler_ns, roundtrip_ns;
};

/* kvm --uffd: what the VMM's userfaultfd handler did (vmm/mem/uffd_track.h). violations =
 * exits.ept_violation (faults resolved); pages_touched + pages_around = pages it made
 * resident (in page_bytes units); resolve_us = mean time in the resolving ioctls per
 * violation; gap_us = mean time from one fault resolved to the next one read, over
 * back-to-back faults (under 1 ms apart); handler_cpu_s = the handler thread's CPU time. */
struct result_uffd {
	uint64_t violations, pages_touched, pages_around, page_bytes, around_bytes, gaps;
	const char *poll, *resolve;
	double resolve_us, gap_us, handler_cpu_s;
};

/* What a VM's balloon did (balloon/balloon.h), in bytes; balloon{} in the JSON, null when
 * have is false (the VM has no balloon). inflate_s / deflate_s: seconds from the first
 * message of each round to the end of its last (the guest's work between messages and the
 * VMM's releases), summed over rounds. guest_*: the driver's last statistics. */
struct result_balloon {
	bool have;
	uint64_t target, actual, inflated, deflated;
	double inflate_s, deflate_s;
	uint64_t oom_deflates, messages;
	uint64_t reported, report_messages; /* free page reporting: bytes (cumulative), messages */
	double report_s;
	/* The guest's statistics that last passed the VMM's checks (have_stats), in virtio's terms;
	 * stats_polls: the VMM's polls (stats=PERIOD), stats_refused: copies that failed a check. */
	bool have_stats;
	uint64_t guest_free, guest_total, guest_available, guest_major_faults, guest_minor_faults, guest_oom_events,
		guest_alloc_stalls;
	uint64_t stats_polls, stats_refused;
	/* The VMM process's resident bytes as the first inflate (deflate) round began and as the
	 * last one ended; 0 when there was none. *_rss_drop: summed over rounds, the RSS at a
	 * round's start less at its end (what the rounds gave back; negative if it grew). */
	uint64_t inflate_rss_before, inflate_rss_after, deflate_rss_before, deflate_rss_after;
	int64_t inflate_rss_drop, deflate_rss_drop;
};

/* What the own merge engine did to a sim VM's guest RAM (--share on; ksm/ksm_merge.h);
 * sharing{} in the JSON, null when have is false. Frames of 4 KiB; cow_breaks are the guest's
 * writes that broke a shared frame over the whole run (exits.cow_break counts the measured
 * phase's only). */
struct result_sharing {
	bool have;
	uint64_t scanned, shared, sharing, zero, volatile_pages, merges, cow_breaks, saved_bytes;
	uint64_t made_shared; /* frames moved to state shared over the run (the book's resident ->
			       * shared moves): each one a write later broke (cow_breaks) or still
			       * shared at the end */
	unsigned passes;
	double scan_cpu_s, time_to_90pct_s;
	uint64_t pool_pss_bytes; /* the part of host_resident_bytes that is its 1/refs of each pool
				  * frame it mapped at its end (a host counts pool frames once
				  * instead: host.totals.host_resident_bytes) */
};

/* The counters of one phase that is not the measured one (phases.setup, phases.check in the
 * JSON; docs/result-schema.md "Phases"): the same blocks the measured phase has at the top of
 * the document. Every field is that phase's change only; sum the phases for the whole run. */
enum result_phase { RESULT_PHASE_SETUP = 0, RESULT_PHASE_CHECK, RESULT_PHASES };
struct result_counters {
	bool have;                       /* false: the phase was not recorded (null) */
	bool have_mmu;                   /* sim: mmu{} (null otherwise) */
	struct mmu_counters mmu_user, mmu_kernel;
	uint64_t modeled_cycles, modeled_cycles_kernel;
	struct exit_counters exits;
	bool have_exit_costs;            /* kvm: exit_costs{} (null otherwise) */
	struct result_exit_cost exit_costs[MMU_EXIT_REASON_COUNT];
	uint64_t host_mmu_flushes;
	double host_mmu_flush_ns;
	uint64_t host_minor_faults, host_major_faults, guest_faults;
	unsigned n_kvm_stats;
	struct result_kvm_stat kvm_stats[RESULT_KVM_STATS_MAX];
};

struct run_result {
	enum run_state state;
	char message[1024];
	uint64_t checksum;
	bool have_checksum;
	double setup_s, run_s;
	/* Time to create the machine before the workload starts: on kvm the VM, its memslots,
	 * image and vCPU (kvm_vm_create); on sim the simulated machine and the guest kernel's boot.
	 * result.create_s; null when have_create is false (native has no machine). */
	bool have_create;
	double create_s;
	uint64_t ops;
	bool have_mmu;                   /* false on native: mmu{} counters are null */
	struct mmu_counters mmu_user, mmu_kernel;
	uint64_t modeled_cycles, modeled_cycles_kernel;
	struct exit_counters exits;
	/* kvm: what each exit reason cost, measured (indexed by enum mmu_exit_reason). */
	bool have_exit_costs;
	struct result_exit_cost exit_costs[MMU_EXIT_REASON_COUNT];
	/* sim shadow: write-flooding detection (--shadow-flood); shadow{} in the JSON, null
	 * when have_shadow is false (not shadow paging on sim). */
	bool have_shadow;
	uint64_t shadow_flood_unprotects;   /* guest tables unshadowed after repeated writes */
	uint64_t shadow_unprotected_writes; /* guest PTE writes that did not trap because of it */
	uint64_t host_mmu_flushes;       /* kvm shadow: KVM MMU flushes after shadow removals */
	double host_mmu_flush_ns;        /*   their mean time (inside the handlers' time) */
	uint64_t host_minor_faults, host_major_faults; /* measured phase, whole process */
	uint64_t guest_faults;           /* #PF handled by the guest kernel */
	uint64_t guest_bytes;            /* guest RAM (sim, kvm) or footprint (native) */
	uint64_t host_resident_bytes;    /* host memory actually backing the run */
	uint64_t host_rss_peak_bytes;
	const char *backend;             /* "anon" ... */
	/* The p2m book: 4 KiB guest frames per state (indexed by enum p2m_state; sim: the p2m's
	 * range, guest RAM + page-table pool; kvm: guest RAM), and frames moved RESIDENT ->
	 * RECLAIMED by host reclaim and back by a later touch. memory.frames{} and
	 * memory.frame_moves{}; null when have_frames is false (native). */
	bool have_frames;
	uint64_t frames[P2M_STATES];
	uint64_t frames_reclaimed, frames_refaulted;
	bool have_uffd;                  /* uffd{} in the JSON; null when false */
	struct result_uffd uffd;
	unsigned n_kvm_stats;
	struct result_kvm_stat kvm_stats[RESULT_KVM_STATS_MAX];
	struct result_balloon balloon;
	struct result_sharing sharing;
	/* The phases around the measured one (whose counters are the fields above). */
	struct result_counters phases[RESULT_PHASES];
	/* Time-based runs (--runtime): passes of the measured work done in all (ramp, measured
	 * phase, and the rest of the last pass finished after it), ramp time excluded. */
	uint64_t passes;
};

/* The measured phase's counters as a result_counters (a copy of the fields above). */
void result_counters_measured(const struct run_result *r, struct result_counters *out);
/* out = to - from, counter by counter (phase bookkeeping: snapshots at phase marks). */
void mmu_counters_diff(struct mmu_counters *out, const struct mmu_counters *to, const struct mmu_counters *from);
void exit_counters_diff(struct exit_counters *out, const struct exit_counters *to, const struct exit_counters *from);
/* The whole run: setup + measured + check, counter by counter (means of exit costs weighted). */
void result_counters_total(const struct run_result *r, struct result_counters *out);

const char *run_state_name(enum run_state s);

/* The exit_costs object of a result (null when nothing was timed): also used by compare. */
json_t *result_exit_costs_json(const struct run_result *r);

/* Builds the whole result document. `context` (host information) is stolen. */
/* sharing{} of one VM (null unless have). */
json_t *result_sharing_json(const struct result_sharing *s);
json_t *result_to_json(const struct run_config *cfg, const struct run_result *r, json_t *context);

/* Writes `doc` to `path` atomically (a new temporary in the same directory, created with
 * O_EXCL|O_NOFOLLOW; fsync; rename; fsync of the directory), so a reader never sees a
 * half-written file. Only a regular file at path is replaced: a symlink, device or FIFO there
 * gives -EMEDIUMTYPE. Returns 0 or a negative errno (result_file_strerror says it in words). */
int result_write_atomic(const char *path, const json_t *doc);

/* The same for any bytes, and for text produced by `emit` into a stream. */
int atomic_write_file(const char *path, const char *data, size_t len);
int atomic_write_stream(const char *path, void (*emit)(FILE *f, const void *arg), const void *arg);

/* Opens path for reading only when it is a regular file (a FIFO, device or directory would
 * block or never end): opened non-blocking, checked with fstat, then made blocking. Returns 0
 * with *f set, or a negative errno: -EMEDIUMTYPE for a file that is not regular. */
int regular_fopen(const char *path, FILE **f);
/* strerror for the errors of this file's functions: -EMEDIUMTYPE is "not a regular file". */
const char *result_file_strerror(int rc);
/* json_load_file through regular_fopen; on failure err->text says why (err->line -1 when the
 * file could not be opened). */
json_t *result_load_file(const char *path, json_error_t *err);

/* mkdir -p: creates dir and its missing parents. Returns 0 or a negative errno. */
int result_make_dirs(const char *dir);

/* Checks up front that `path` can be written (its directory exists and is writable, and what
 * is at path, if anything, is a regular file), so a bad --json is a usage error before any
 * work is done. Returns 0 or a negative errno. */
int result_path_check(const char *path);

#endif
