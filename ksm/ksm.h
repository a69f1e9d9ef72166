/* ksm.h — page sharing for a host of VMs: Linux KSM driven and measured, and memvirt's own
 * content scanner as an estimator of what could be shared (ksm/README.md, docs/page-sharing.md).
 *
 * Why the host and not the VM owns this: /sys/kernel/mm/ksm is one set of knobs and one ksmd
 * for the whole machine, and the pages worth sharing are those *between* VMs. So one
 * struct ksm_session belongs to a run set (vmm/run/run.h); it reaches each VM's guest RAM only
 * through that VM's guest-RAM handle, and keeps no process-wide state.
 *
 * The session's life, in the run driver's order (signals blocked throughout, so a Ctrl-C or a
 * SIGTERM cannot skip the restore):
 *   ksm_session_begin   before any thread: fork the janitor, save every knob, set the asked
 *                       ones, run = 1;
 *   ksm_session_start   once the VMs began: a sampler thread marks each VM's guest RAM
 *                       MADV_MERGEABLE as it is published, samples KSM's counters into a host
 *                       series, and hashes each VM's guest RAM with the own scanner when that
 *                       VM enters its measured phase (its memory is written by then; VMs reach
 *                       it at different times, and a VM may end before another begins);
 *   ksm_session_stop    after the workers: the thread ends (one last sample);
 *   ksm_session_restore every knob back to its saved value (run first), the janitor released;
 *   ksm_session_json    the host document's `ksm{}`. */
#ifndef MEMVIRT_KSM_H
#define MEMVIRT_KSM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ksm/ksm_knobs.h"
#include "ksm/ksm_scan.h"
#include "vmm/host/janitor.h"
#include "vmm/mem/guest_ram.h"
#include "workloads/wl.h"

#define KSM_MAX_VMS 64
#define KSM_DEFAULT_SAMPLE_MS 100
#define KSM_ABSENT UINT64_MAX   /* a counter this kernel lacks: null in the document */

/* What a host asks of page sharing ([host] ksm* keys of a scenario). */
struct ksm_opts {
	bool on;                        /* drive Linux KSM */
	bool scan;                      /* run the own scanner (estimate) */
	uint64_t sample_ms;             /* the sampler's period; 0 = KSM_DEFAULT_SAMPLE_MS */
	uint64_t scan_every_ms;         /* 0: hash each VM once; else a pass over every VM this often */
	/* The own merge engine on sim (share = on VMs; vmm/run/share_host.h): a pass over every
	 * sharing VM this often (share-period = TIME; 0: passes when each VM's measured phase
	 * begins). Unset: SHARE_DEFAULT_PERIOD_US. */
	uint64_t share_period_us;
	bool share_period_set;
	struct ksm_knob_values set;     /* knobs to set; the others keep their value */
};

/* Parses one [host] key: 0, -ENOENT (not a ksm key) or -EINVAL (why says what is wrong). */
int ksm_opt_set(struct ksm_opts *o, const char *key, const char *value, char *why, size_t n);
/* Is key one of ksm_opt_set's? */
bool ksm_opt_known(const char *key);
/* The keys, for messages and help: "ksm, ksm-scan, ksm-pages-to-scan, ...". */
const char *ksm_opt_names(void);

/* The counters sampled each tick: name and struct ksm_sample field. Host-wide ones from
 * /sys/kernel/mm/ksm, the process's own from /proc/self/ksm_stat (proc_*), ksmd's CPU time
 * from its /proc/PID/stat, pages_to_scan (the scan advisor moves it), and the guest RAM marked
 * mergeable so far. */
#define KSM_COLUMNS(X)                                                                          \
	X(pages_shared) X(pages_sharing) X(pages_unshared) X(pages_volatile) X(pages_scanned)  \
	X(full_scans) X(general_profit) X(ksm_zero_pages) X(proc_rmap_items)                   \
	X(proc_merging_pages) X(proc_zero_pages) X(proc_profit) X(ksmd_cpu_ms) X(pages_to_scan)   \
	X(marked_bytes)

struct ksm_sample {
	double time_ms;                 /* on the run clock */
#define KSM_FIELD(n) uint64_t n;
	KSM_COLUMNS(KSM_FIELD)
#undef KSM_FIELD
};

/* Reads one sample now (ksmd_pid 0: no CPU column). */
void ksm_sample_read(struct ksm_sample *s, int ksmd_pid);
/* ksmd's pid (a kernel thread named ksmd), or 0. */
int ksm_find_ksmd(void);

/* One VM as the session sees it. */
struct ksm_vm {
	const char *name;
	struct guest_ram_handle *ram;
	const struct wl_ctx *ctx;       /* its phase says when the workload's memory is written */
	void *marked_base;              /* the mapping last marked mergeable (the sampler's) */
	uint64_t marked_bytes;
	int mark_rc;                    /* 0, or the madvise errno */
	bool shared_mapping;            /* a memfd mapping: KSM merges private anonymous memory only */
	bool scanned;                   /* the own scanner hashed it */
	uint64_t *prev;                 /* its last pass's word per page (periodic passes) */
	uint64_t prev_pages;
};

/* One periodic pass of the own scanner over every measuring VM. */
struct ksm_pass {
	double time_ms;
	uint64_t scanned, volatile_pages, saved_within, saved_across;
	double hash_cpu_ms;
};

struct ksm_session {
	struct ksm_opts opts;
	double t0;                      /* the run clock's zero */
	bool began;
	struct ksm_knob_values saved;   /* every knob as found */
	struct ksm_knob_values applied; /* what begin wrote */
	bool found_clean;               /* KSM was off with nothing merged: unmerge at the end */
	bool restored;
	int restore_rc;
	char restore_msg[256];
	struct janitor janitor;
	int ksmd_pid;
	double on_ms;                   /* when run = 1 was written, on the run clock */
	struct ksm_sample before, after;
	size_t n;
	struct ksm_vm vm[KSM_MAX_VMS];
	/* the sampler */
	pthread_t thread;
	bool running;
	atomic_bool stop;
	struct ksm_sample *series;
	size_t ns, cap;
	struct ksm_scanner scanner;     /* the own scanner (opts.scan), VM by VM */
	bool scanner_open;
	struct ksm_estimate est;        /* its counts, once every VM was hashed or ended */
	bool scanned;
	double last_pass_ms;            /* periodic passes (opts.scan_every_ms) */
	struct ksm_pass *passes;
	size_t npass, cap_pass;
};

/* Is Linux KSM usable here? NULL, or why not (not root, no /sys/kernel/mm/ksm). */
const char *ksm_unavailable(void);
/* Saves every knob, starts the janitor, sets opts' knobs and run = 1 (when opts->on). Call
 * before any thread starts. Returns 0, or -errno with why (nothing left changed). */
int ksm_session_begin(struct ksm_session *s, const struct ksm_opts *opts, double t0, char *why, size_t n);
/* Adds a VM (before start). */
int ksm_session_add(struct ksm_session *s, const char *name, struct guest_ram_handle *ram, const struct wl_ctx *ctx);
/* Starts the sampler thread. Returns 0 or -errno. */
int ksm_session_start(struct ksm_session *s);
/* A policy's switch (overcommit/): ksmd runs or pauses (run = 1 or 0; merged pages stay
 * merged while paused). Only a session begun with `on`; the saved run value is restored at
 * the end as always. 0, -ENODEV without such a session, or -errno of the write. */
int ksm_session_run(struct ksm_session *s, bool on);
/* Stops the sampler (one last sample). */
void ksm_session_stop(struct ksm_session *s);
/* Puts every knob back (run first); errors are printed and left to the janitor. */
void ksm_session_restore(struct ksm_session *s);
/* The host document's ksm{} (knobs, before/after, saved_bytes, time_to_savings_s, ksmd_cpu_s,
 * the series, the estimate). */
json_t *ksm_session_json(const struct ksm_session *s);
void ksm_session_fini(struct ksm_session *s);

#endif
