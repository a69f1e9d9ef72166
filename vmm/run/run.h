/* run.h — the run driver: runs one or several VMs, each configuration on its platform in a
 * worker thread of its own (the vCPU thread on kvm), shows progress, handles Ctrl-C (results
 * are written as "interrupted") and builds each VM's result document.
 *
 * Every VM's state lives in its struct run_vm: its workload context, its guest-RAM handle and
 * its experiment session (reclaim, telemetry target). Nothing about a run is process-wide, so
 * `memvirt run` is a set of one and a host scenario (host.h) a set of several. With several
 * VMs, one monitor thread samples all of them on one clock. */
#ifndef MEMVIRT_RUN_H
#define MEMVIRT_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <jansson.h>

#include "balloon/balloon.h"
#include "results/result.h"
#include "vmm/mem/guest_ram.h"
#include "vmm/reclaim/experiment.h"
#include "vmm/reclaim/telemetry.h"
#include "workloads/wl.h"

/* The most guest RAM a VM takes (the guest kernel's GK_MAX_RAM_BYTES; platform_sim.c checks
 * they are equal), for the command line to refuse more before anything runs. */
#define RUN_MAX_GUEST_RAM_BYTES (64ULL << 30)
/* The longest --runtime or --ramp (a day). */
#define RUN_MAX_RUNTIME_US (86400ULL * 1000000ULL)

struct platform;
struct ksm_opts;
struct ksm_session;

struct run_vm {
	const char *name;               /* the VM's name in a host scenario; NULL for memvirt run */
	const struct run_config *cfg;   /* the caller's, read-only during the run */
	struct run_result res;
	double start_s;                 /* worker start, on the run clock */
	double end_s;                   /* worker end (or interruption), on the run clock */
	double t0;                      /* the run clock's zero (the set's) */
	double worker_end_s;            /* the worker's own end, written before `done` is set */
	const struct platform *plat;    /* NULL: cfg->platform's (a test may give its own) */
	/* The driver's. */
	struct wl_ctx ctx;
	struct guest_ram_handle ram;
	/* The VM's balloon device when cfg->balloon asks for one; policies set its target with
	 * balloon_set_target(&vm->balloon, bytes) (balloon/balloon.h). */
	struct balloon balloon;
	bool have_balloon;
	struct experiment_session exp;
	const struct experiment_keep *keep; /* lent to the session (run_record.h), or NULL */
	bool began;                     /* experiment session begun (end it) */
	bool thread_started;
	pthread_t thread;
	int rc;
	atomic_bool done;
	/* A time-based run (run_timed.c): when the driver saw the ramp and the measured phase
	 * begin, on the monotonic clock (0 = not yet). */
	double ramp_seen, measure_seen, measure_noticed;
};


/* VMs that run together: one clock zero, and (host, or n > 1) one shared monitor. */
struct run_set {
	size_t n;
	struct run_vm *vm;              /* n of them; must stay put while the run goes on */
	double t0;                      /* the run clock's zero (monotonic seconds) */
	uint64_t sample_us;             /* shared monitor's period: 0 = the smallest VM period */
	bool host;                      /* a host's set: one shared monitor even for one VM (the host's
					 * memory series); memvirt run's set of one keeps its own */
	const char *progress_label;     /* shown before the progress line of several VMs */
	bool progress;                  /* draw progress on a terminal */
	struct telemetry monitor;       /* shared: samples every VM with telemetry on */
	bool shared_monitor;
	/* Page sharing (a host's [host] ksm* keys): KSM knobs set before any VM begins and restored
	 * after every VM ended, on every path; the session is the caller's storage. NULL: none. */
	const struct ksm_opts *ksm_opts;
	struct ksm_session *ksm;
	bool ksm_began;
	/* A host's memory budget and policy (vmm/run/host_policy.h): the budget cgroup whose usage
	 * the monitor samples (NULL: none); `host_begin` after page sharing began and before any
	 * VM (a failure fails every VM, with its reason), `host_end` after every VM ended and
	 * before page sharing is restored — so KSM's janitor is forked outside the budget's
	 * cgroup, whose OOM killer could otherwise take it too; `started` once every worker
	 * started, `stopping` as soon as they ended or the run was interrupted (before the monitor
	 * stops). All with the stop signals blocked. NULL: none. */
	const struct memcg *usage_cg;
	int (*host_begin)(struct run_set *set, void *arg, char *why, size_t n);
	void (*host_end)(struct run_set *set, void *arg);
	void (*started)(struct run_set *set, void *arg);
	void (*stopping)(struct run_set *set, void *arg);
	void *hook_arg;
	struct run_set *abandoned_next; /* interrupted sets, kept reachable (run.c) */
};
/* The driver's side of a time-based run (--runtime, --ramp; workloads/wl.h): raises the
 * workload's WL_CTL_MEASURE when the ramp has lasted its time and WL_CTL_STOP when the measured
 * phase has, as the driver sees them at `now` (monotonic seconds). Nothing for a fixed run. */
void run_timed_tick(struct run_vm *vm, double now);
/* How long the driver may wait between two ticks: short while a time-based VM runs, so that
 * its measured phase ends within a few milliseconds of its time. */
double run_timed_period(const struct run_set *set);


/* The signals that end a run early — SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE: a Ctrl-C, a
 * kill, a closed terminal, Ctrl-\, a closed output pipe — as a set. */
void run_stop_signals(sigset_t *set);
/* A stop signal caught after an interrupted run (0: none); see run.c. */
extern volatile sig_atomic_t run_late_signal;

/* Runs every VM of the set to its end (or until a stop signal); fills each vm->res. The
 * VMs must be zeroed but for name and cfg. Returns the worst state (interrupted first, then
 * failed). An interrupted run's workers are left to die with the process, so the set must
 * outlive the call in that case (allocate it, do not free it). */
enum run_state run_set_execute(struct run_set *set);
/* Frees what run_set_execute kept for the documents (call after them). */
void run_set_fini(struct run_set *set);

/* One VM's schema-1 result document (host context `context` stolen; NULL probes the host).
 * Adds the experiment's telemetry, reclaim and dips and writes its time series file. Call
 * once per VM, after run_set_execute. */
json_t *run_vm_doc(struct run_vm *vm, json_t *context);

/* What a VM kept after its document was built (its guest-RAM handle, its balloon); not for a
 * VM of an interrupted set, whose worker may still use them. */
void run_vm_fini(struct run_vm *vm);

/* `memvirt run`: runs `cfg` as a set of one; fills `res`; writes cfg->json_path when set. If
 * doc_out is not NULL it receives the result document (caller json_decref's it). Returns the
 * run state. */
enum run_state run_execute(const struct run_config *cfg, struct run_result *res, json_t **doc_out);

/* Process exit status for a run state: 0 ok, 1 failed, 130 interrupted. */
int run_exit_status(enum run_state s);

#endif
