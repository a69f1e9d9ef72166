/* balloon.h — the VMM side of ballooning: one balloon device per VM. It carries the VM's target
 * to the guest (the control area of guest/balloon_abi.h), checks every message the guest's
 * driver sends, and for each accepted entry has the platform release the host backing and mark
 * the frames ballooned in the VM's frame book (or, on deflate, usable again). It counts what
 * happened for the result and applies the targets of the command line (`--balloon`) on time.
 *
 * The checks and the counting are here, once; what "release" means is the platform's
 * (struct balloon_backend): on kvm (balloon_kvm.h) a discard of guest RAM through the VM's
 * guest-RAM handle and a move in its book, on sim (vmm/run/platform_sim.c) p2m_unback, which
 * frees the simulated host frame. The guest is not trusted: a message is copied once by the
 * caller, every entry is range-checked against guest RAM and against the balloon's own map of
 * ballooned frames, and a bad one is refused with a message naming it (the VM stops; other VMs
 * are not affected: every piece of state here is the VM's own).
 *
 * Statistics (stats=PERIOD) and free page reporting (report=on) are driven from the same
 * thread as the at= schedule: every PERIOD it copies the guest's statistics out of the control
 * area (under the guest's seqlock, guest/balloon_abi.h), checks them (free <= total <= guest
 * RAM, available <= total, counters that never go back) and asks for fresh ones; every
 * report_delay / 2 it advances the report epoch. A guest value that fails a check is counted
 * (stats.refused) and dropped, never used.
 *
 * Thread safety: the vCPU (or sim worker) thread sends messages; any thread — the balloon's
 * own, or a policy's through balloon_set_target — may change the target; the lock covers all. */
#ifndef MEMVIRT_BALLOON_BALLOON_H
#define MEMVIRT_BALLOON_BALLOON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/balloon_abi.h"
#include "results/result.h"

/* ---- Configuration: --balloon target=SIZE[,at=TIME][,deflate_on_oom=on|off][,protect=on|off]
 *      [,stats=PERIOD][,report=on|off][,report_delay=TIME] ------------------------------------ */

#define BALLOON_MAX_STEPS 16

struct balloon_step {
	uint64_t target_bytes;
	double at_s;   /* seconds from the start of the measured phase */
	bool has_at;   /* without at=, the target holds from boot */
};

/* Free page reporting's default delay: Linux's page_reporting waits 2 s too. */
#define BALLOON_REPORT_DELAY_US 2000000ULL

struct balloon_config {
	unsigned n;                   /* targets (0: none, a balloon a policy drives) */
	struct balloon_step step[BALLOON_MAX_STEPS];
	bool defaults_set;            /* the VM-wide switches below hold their defaults or a value */
	bool deflate_on_oom;          /* default on */
	bool no_protect;              /* protect=off: kvm leaves released ranges accessible (a touch
				       * is then refaulted, not caught); default: protected */
	uint64_t stats_us;            /* stats=PERIOD: poll the guest's statistics; 0: only at rounds' ends */
	bool report;                  /* report=on: free page reporting */
	uint64_t report_delay_us;     /* report_delay=TIME: a free chunk is reported after 1-1.5x this */
};

/* The help of --balloon, for the option table. */
#define BALLOON_OPT_HELP                                                                                   \
	"balloon target (repeatable): the guest gives SIZE of its RAM back,\n"                             \
	"from boot, or TIME after the measured phase starts (at=); deflate_on_oom\n"                       \
	"(default on) lets the guest take frames back when an allocation fails;\n"                         \
	"stats=PERIOD polls the guest's statistics; report=on reports free 2 MiB\n"                        \
	"chunks unused for report_delay (default 2s) to the host, which drops them.\n"                     \
	"protect (default on; kvm) makes released memory inaccessible, so a guest\n"                       \
	"touching a frame it gave away is stopped.\n"                                                    \
	"A value without target= only sets these switches (for the whole VM)"
#define BALLOON_OPT_METAVAR                                                                                  \
	"[target=SIZE[,at=TIME]][,deflate_on_oom=on|off][,protect=on|off][,stats=PERIOD][,report=on|off[,report_delay=TIME]]"

/* Adds one --balloon value to c. 0, or -EINVAL with a one-line reason. */
int balloon_config_add(struct balloon_config *c, const char *spec, char *why, size_t whylen);

/* ---- The device ---------------------------------------------------------------------------- */

/* What the platform does with accepted entries. off/bytes: from the start of guest RAM. */
struct balloon_backend {
	/* Release the host backing of the range and mark its frames P2M_BALLOONED. 0 or -errno
	 * (a host failure; why says what). */
	int (*release)(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t whylen);
	/* Mark the range's frames usable again (P2M_BALLOONED -> P2M_UNBACKED). */
	int (*reuse)(void *ctx, uint64_t off, uint64_t bytes);
	/* Optional: the name of the area a guest-physical address outside RAM lies in ("the
	 * page-table pool", ...), for refusal messages. */
	const char *(*area)(void *ctx, uint64_t gpa);
	/* Free page reporting (optional; REPORT messages are refused without it): release the
	 * host backing of a free range the guest keeps, its frames P2M_UNBACKED in the book (the
	 * next touch backs them with zeroes). 0 or -errno (why says what). */
	int (*report)(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t whylen);
	void *ctx;
};

struct balloon {
	pthread_mutex_t lock;
	struct balloon_config cfg;
	bool attached;
	uint64_t ram_gpa, ram_bytes;  /* guest RAM in the guest-physical space */
	struct balloon_backend be;
	uint64_t *map;                /* a bit per 4 KiB frame of RAM: ballooned */
	volatile struct gk_balloon_shared *shared; /* the guest's view: guest memory on kvm, `own` on sim */
	struct gk_balloon_shared own;
	uint32_t flags;               /* GK_BALLOON_* as written to the control area: the VMM's own copy,
				       * since the guest can rewrite the area's */
	uint64_t target_bytes;
	/* Counted from accepted entries (the guest's own figures are only its statistics). */
	uint64_t frames;              /* ballooned now */
	uint64_t inflated_frames, deflated_frames, oom_deflates, messages;
	double round_t0[GK_BALLOON_OPS]; /* per op: when the current round's first message arrived */
	bool in_round[GK_BALLOON_OPS];
	double op_s[GK_BALLOON_OPS];  /* per op: seconds in finished rounds */
	/* per op: the VMM process's resident bytes as its first round began and as its last
	 * round so far ended (read outside the timed rounds; 0: no such round), as the current
	 * round began, and the sum over rounds of (start - end): what the rounds themselves gave
	 * back, apart from what the guest's work between rounds added */
	uint64_t rss_before[GK_BALLOON_OPS], rss_after[GK_BALLOON_OPS], round_rss[GK_BALLOON_OPS];
	int64_t rss_drop[GK_BALLOON_OPS];
	uint64_t reported_frames, report_messages; /* free page reporting, accepted entries */
	/* The guest's statistics: the last that passed the checks (at a round's end, or polled). */
	struct gk_balloon_stats stats;
	bool have_stats;
	uint64_t stats_polls, stats_taken, stats_refused, stats_busy;
	uint64_t stats_seq_taken;     /* the guest's stats_seq of the last copy taken */
	uint64_t stats_request;       /* the last request written */
	uint64_t report_epoch;        /* the last epoch written */
	/* The thread: the at= schedule, the stats poll, the report epoch. */
	pthread_cond_t cond;
	pthread_t thread;
	bool thread_started, stopping;
	double measure_t0;            /* when the measured phase started; < 0 before */
	bool step_done[BALLOON_MAX_STEPS]; /* at= steps applied */
};

/* b for cfg (copied); cfg->n == 0 is allowed (no targets: a balloon a policy drives). */
int balloon_init(struct balloon *b, const struct balloon_config *cfg);
void balloon_fini(struct balloon *b);

/* The platform connects the balloon to its VM before the guest boots: guest RAM at
 * [ram_gpa, +ram_bytes), the control area the guest reads (NULL: the balloon's own, for sim),
 * and what to do with entries. Writes the control area (version, flags, the boot target).
 * 0, -EINVAL, -ENOMEM. */
int balloon_attach(struct balloon *b, uint64_t ram_gpa, uint64_t ram_bytes, volatile struct gk_balloon_shared *shared,
		   const struct balloon_backend *be);
/* Before the VM's memory goes: stops the schedule and forgets the control area. */
void balloon_detach(struct balloon *b);
/* The control area the guest reads (for the sim HAL). */
volatile struct gk_balloon_shared *balloon_shared(struct balloon *b);

/* One message from the guest: op (enum gk_balloon_op), the n entries (already copied out of
 * guest memory), flags (GK_BALLOON_MSG_*), and at a round's end the guest's statistics (or
 * NULL). Entries before a bad one are applied. 0, or -EINVAL/-EFAULT with `why` naming the
 * entry and the reason (refuse the message: stop the VM), or -errno of a host failure. */
int balloon_message(struct balloon *b, unsigned op, const uint64_t *entries, uint32_t n, uint32_t flags,
		    const struct gk_balloon_stats *stats, char *why, size_t whylen);

/* The call policies use (overcommit/): from now on, the guest should hold `bytes` (rounded down
 * to 4 KiB) in its balloon. Any thread. 0, or -ERANGE beyond guest RAM, -ENODEV when not
 * attached. */
int balloon_set_target(struct balloon *b, uint64_t bytes);
/* The target the guest was last given, in bytes. */
uint64_t balloon_target_bytes(struct balloon *b);
/* Bytes the balloon holds now (accepted entries). */
uint64_t balloon_actual_bytes(struct balloon *b);

/* The measured phase started: the at= schedule begins (a thread of this balloon's own, also
 * the stats poll's and the report epoch's, which run from attach). */
void balloon_measure_started(struct balloon *b);

/* For the monitor, at each tick: the bytes the balloon holds, the guest's free bytes from its
 * last accepted statistics (UINT64_MAX before any) and the bytes reported so far. */
struct balloon_sample {
	uint64_t balloon_bytes, guest_free_bytes, reported_bytes;
};
void balloon_sample(struct balloon *b, struct balloon_sample *out);

/* Checks guest statistics against guest RAM (ram_bytes) and the last accepted (prev, or NULL):
 * NULL when they are plausible, else what is wrong. Exposed for tests. */
const char *balloon_stats_check(const struct gk_balloon_stats *s, const struct gk_balloon_stats *prev,
				uint64_t ram_bytes);

/* balloon{} of the result. */
void balloon_result(struct balloon *b, struct result_balloon *out);

#endif
