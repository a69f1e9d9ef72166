/* wl.h — the one header a workload sees.
 *
 * A workload is written once against this API and runs unchanged on every platform:
 *  - loads and stores go through wl_load64/wl_store64, which are plain pointer accesses on
 *    `native` (and in a guest on `kvm`) and calls into the software MMU on `sim`
 *    (compiled with WL_SIM defined);
 *  - memory and address spaces come from a few system calls (wl_map, wl_unmap,
 *    wl_as_create, wl_as_switch) that each platform implements behind struct wl_sys, and
 *    wl_sleep_us gives up the CPU for a while (nanosleep on native and sim, a paravirtual
 *    sleep hypercall on kvm: the VMM sleeps the vCPU thread);
 *  - wl_phase marks the boundary between the setup phase and the measured phase, and
 *    wl_progress publishes an operation counter for telemetry;
 *  - the measured loop is one *pass*, wrapped in `do { ... } while (wl_next_pass(c, ops))`:
 *    a fixed run makes `loops` passes (default one); a time-based run (--runtime) repeats
 *    passes until the host says the time is up (see "Time-based runs" below).
 *
 * Workload code is freestanding: no libc, no allocation other than wl_map, and results that
 * do not depend on the addresses it is given, so its checksum is identical everywhere.
 */
#ifndef MEMVIRT_WL_H
#define MEMVIRT_WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t wl_addr_t; /* a workload (guest-virtual) address; 0 means "none" */

enum wl_phase { WL_PHASE_SETUP = 0, WL_PHASE_MEASURE = 1, WL_PHASE_DONE = 2 };

/* The system calls a platform provides. Return values: addresses (0 = failure) or
 * negative errno codes. */
struct wl_ctx;
struct wl_sys {
	wl_addr_t (*map)(struct wl_ctx *c, uint64_t bytes);
	int (*unmap)(struct wl_ctx *c, wl_addr_t addr, uint64_t bytes);
	int (*as_create)(struct wl_ctx *c);        /* new empty address space, returns its id */
	int (*as_switch)(struct wl_ctx *c, int as); /* make `as` current */
	void (*phase)(struct wl_ctx *c, enum wl_phase p);
	/* Sleep for `us` microseconds (0 < us <= WL_SLEEP_MAX_US, else -EINVAL): 0 or -errno.
	 * Wall-clock time only: nothing a workload computes may depend on how long it took. */
	int (*sleep_us)(struct wl_ctx *c, uint64_t us);
	/* sim only: a load or store the fast path below (the last page used) cannot serve — the
	 * full TLB lookup, page walk and faults. Through the table rather than a named function,
	 * so that the workloads built for sim need nothing from the platform that runs them. */
	uint64_t (*load64_slow)(struct wl_ctx *c, wl_addr_t va);
	void (*store64_slow)(struct wl_ctx *c, wl_addr_t va, uint64_t v);
};

/* The longest single sleep a platform accepts (the kvm hypercall's range check). */
#define WL_SLEEP_MAX_US 10000000ULL

/* The last translation used for reads and for writes, kept by the sim platform so that a
 * repeated access to the most recently used page costs a compare. It is exact: touching the
 * most-recently-used entry of an LRU TLB changes no TLB state, so the hit is simply counted.
 * The sim MMU invalidates these on every flush, invlpg and page-table change. */
struct wl_xlat_cache {
	uint64_t vpage;    /* va >> 12 of the cached page, or UINT64_MAX when empty */
	intptr_t delta;    /* host address - guest-virtual address for that page */
	uint64_t hits;     /* TLB hits taken on this fast path */
};

/* Per-run context, shared by the workload and its platform. */
struct wl_ctx {
	const struct wl_sys *sys;
	void *platform;               /* the platform's own state */
	volatile uint64_t progress;   /* measured-phase operations so far, published for telemetry */
	volatile uint32_t phase;      /* enum wl_phase, published for telemetry (wl_phase sets it) */
	/* Time-based runs (wl_run copies timed, ramp and loops from the parameters). The host
	 * writes ctl (WL_CTL_*) and reads ramping; on kvm the VMM mirrors both between this
	 * struct in guest memory and its own (kvm_progress.c), so they stay plain words. */
	volatile uint32_t ctl;        /* host -> workload: WL_CTL_MEASURE, WL_CTL_STOP */
	volatile uint32_t ramping;    /* workload -> host: in the ramp (the host times it) */
	bool timed, ramp;
	uint64_t loops;               /* fixed run: passes to make (0 = 1) */
	uint64_t pass_base;           /* operations of the passes before the current one */
	uint64_t measure_from;        /* operations done when the measured phase began */
	uint64_t passes;              /* passes completed (ramp and finishing pass included) */
	uint64_t ops_measured;        /* time-based: measured-phase operations, set at the stop */
	volatile uint64_t measure_ns; /* host side only: the host's CLOCK_MONOTONIC at the MEASURE
				       * mark, written by the platform, for the driver to time from */
	/* Memory the guest kernel has handed out to the workload (frames in use; natively the
	 * mapped bytes), published for telemetry by the platform, never by the workload: on map,
	 * unmap and fault paths only (kvm: copied from guest memory with the progress counter). */
	volatile uint64_t used_bytes;
	struct wl_xlat_cache rd, wr;  /* sim only */
};

#ifdef WL_SIM

static inline uint64_t wl_load64(struct wl_ctx *c, wl_addr_t va)
{
	if ((va >> 12) == c->rd.vpage) {
		c->rd.hits++;
		return *(const uint64_t *)(uintptr_t)(va + (uint64_t)c->rd.delta);
	}
	return c->sys->load64_slow(c, va);
}

static inline void wl_store64(struct wl_ctx *c, wl_addr_t va, uint64_t v)
{
	if ((va >> 12) == c->wr.vpage) {
		c->wr.hits++;
		*(uint64_t *)(uintptr_t)(va + (uint64_t)c->wr.delta) = v;
		return;
	}
	c->sys->store64_slow(c, va, v);
}
#else
static inline uint64_t wl_load64(struct wl_ctx *c, wl_addr_t va)
{
	(void)c;
	return *(const uint64_t *)(uintptr_t)va;
}

static inline void wl_store64(struct wl_ctx *c, wl_addr_t va, uint64_t v)
{
	(void)c;
	*(uint64_t *)(uintptr_t)va = v;
}
#endif

static inline wl_addr_t wl_map(struct wl_ctx *c, uint64_t bytes) { return c->sys->map(c, bytes); }
static inline int wl_unmap(struct wl_ctx *c, wl_addr_t a, uint64_t bytes) { return c->sys->unmap(c, a, bytes); }
static inline int wl_as_create(struct wl_ctx *c) { return c->sys->as_create(c); }
static inline int wl_as_switch(struct wl_ctx *c, int as) { return c->sys->as_switch(c, as); }
/* ---- Time-based runs ---------------------------------------------------------------------
 * With --runtime the measured phase is a span of time, not a count: the workload repeats its
 * pass (the measured loop of a fixed run, state carried over) and the host raises WL_CTL_STOP
 * when the time is up; the next progress point marks DONE, so the measured phase ends within
 * one progress step (WL_PROGRESS_EVERY operations, or one cycle or wake) of the time. The
 * pass under way is then finished outside the measured phase (its work counts in the checksum
 * pass's phase), so the checksum covers whole passes only: it equals that of a fixed run with
 * --loops set to the run's result.passes, on every platform and strategy. With --ramp, the
 * first passes run with the MEASURE mark held back (ramping) until the host raises
 * WL_CTL_MEASURE: the ramp is setup as far as every statistic is concerned. */
#define WL_CTL_MEASURE 1u /* the ramp is over: mark the measured phase */
#define WL_CTL_STOP    2u /* the time is up: end the measured phase */

static inline void wl_phase(struct wl_ctx *c, enum wl_phase p)
{
	if (p == WL_PHASE_MEASURE && c->ramp) { /* marked by wl_progress when the ramp is over */
		c->ramping = 1;
		return;
	}
	if (p == WL_PHASE_DONE && c->phase == WL_PHASE_DONE) /* a time-based run's stop marked it */
		return;
	if (p == WL_PHASE_MEASURE)
		c->measure_from = c->pass_base;
	c->phase = p;
	c->sys->phase(c, p);
}

/* A time-based run's progress point: acts on the host's word. */
static inline void wl_timed_point(struct wl_ctx *c, uint64_t done)
{
	uint32_t ctl = c->ctl;
	if (c->ramping) {
		if (!(ctl & WL_CTL_MEASURE))
			return;
		c->ramping = 0;
		c->ramp = false;
		c->measure_from = done;
		c->phase = WL_PHASE_MEASURE;
		c->sys->phase(c, WL_PHASE_MEASURE);
	}
	if (c->phase != WL_PHASE_MEASURE)
		return;
	c->progress = done - c->measure_from;
	if (ctl & WL_CTL_STOP) {
		c->ops_measured = done - c->measure_from;
		c->phase = WL_PHASE_DONE;
		c->sys->phase(c, WL_PHASE_DONE);
	}
}

/* Publishes the operations done in the current pass (every WL_PROGRESS_EVERY, and at the end
 * of the pass); in a time-based run, also where the ramp and the measured phase end. */
static inline void wl_progress(struct wl_ctx *c, uint64_t ops)
{
	if (c->timed)
		wl_timed_point(c, c->pass_base + ops);
	else
		c->progress = c->pass_base + ops;
}

/* At the end of a pass of `ops` operations: true when another pass follows (a fixed run's
 * --loops, or a time-based run whose measured phase has not ended). */
static inline bool wl_next_pass(struct wl_ctx *c, uint64_t ops)
{
	c->passes++;
	c->pass_base += ops;
	return c->timed ? c->phase != WL_PHASE_DONE : c->passes < (c->loops ? c->loops : 1);
}
static inline int wl_sleep_us(struct wl_ctx *c, uint64_t us) { return c->sys->sleep_us(c, us); }

/* ---- Workload parameters and descriptors ------------------------------------------------ */

#define WL_PAGE_SIZE 4096ULL

/* One step of a working-set schedule (phases: --ws SIZE:OPS,...); bytes 0 ends the list. */
#define WL_WS_STEPS 8
struct wl_ws_step {
	uint64_t bytes; /* working set during the step */
	uint64_t ops;   /* operations in the step */
};

/* Fractions are stored in parts per million (WL_FRAC_ONE = 1.0), so params stay integers. */
#define WL_FRAC_ONE 1000000ULL

/* Every parameter a workload may take; the generic ones are always set by the platform
 * (defaults filled in by wl_params_defaults), the per-workload ones only where documented. */
struct wl_params {
	uint64_t mem_bytes;    /* footprint */
	uint64_t ops;          /* measured-phase operations; 0 = workload default */
	uint64_t seed;
	uint64_t procs;        /* ctxsw: address spaces */
	uint64_t switch_every; /* ctxsw: operations between switches */
	uint64_t region_bytes; /* churn: size of each mapped region */
	uint64_t passes;       /* seq: sweeps over the buffer when ops is 0 */
	uint64_t wake_every_us;/* idle: sleep between two wakes */
	uint64_t touch_bytes;  /* idle: bytes touched per wake */
	uint64_t dup_frac;     /* dup: fraction (ppm) of pages that copy a shared pool content */
	uint64_t zero_frac;    /* dup: fraction (ppm) of pages that are all zero */
	uint64_t dup_pool;     /* dup: distinct shared page contents */
	uint64_t rewrite_every;/* dup: one page in this many visits is rewritten */
	uint64_t sys_every;    /* phases: a system call every this many operations (0 = none): the
				* guest kernel's only chance to run in a steady state, as a timer tick */
	struct wl_ws_step ws[WL_WS_STEPS]; /* phases: the schedule; ws[0].bytes 0 = derived */
	/* Generic, set by the run options (not a workload's descriptor): */
	uint64_t runtime_us;   /* --runtime: the measured phase lasts this long (0 = fixed run) */
	uint64_t ramp_us;      /* --ramp: passes before the measured phase (time-based runs) */
	uint64_t loops;        /* --loops: passes of a fixed run (0 = 1) */
};

/* How a parameter's value is written on the command line (the field is a uint64_t except
 * for WL_PARAM_SCHEDULE, which is the struct wl_ws_step array). */
enum wl_param_kind {
	WL_PARAM_NUMBER = 0, /* an integer, or a size with k/m/g when is_size */
	WL_PARAM_FRAC,       /* a fraction such as 0.25, stored in ppm; min/max in ppm */
	WL_PARAM_TIME,       /* a duration such as 10ms or 1.5s, stored in µs; min/max in µs */
	WL_PARAM_SCHEDULE,   /* SIZE:OPS[,SIZE:OPS...], at most WL_WS_STEPS steps; min/max bound SIZE */
};

struct wl_param_desc {
	const char *name;    /* option name without dashes, e.g. "switch-every" */
	const char *help;
	size_t offset;       /* offsetof(struct wl_params, field) */
	bool is_size;        /* accepts k/m/g suffixes */
	uint64_t def;        /* default, 0 = derived (see help) */
	uint64_t min, max;
	enum wl_param_kind kind;
};

struct wl_workload {
	const char *name;
	const char *summary;
	const struct wl_param_desc *params; /* workload-specific, terminated by {0} */
	/* Runs setup, then wl_phase(MEASURE), the measured loop, then wl_phase(DONE).
	 * Returns 0 and the checksum, or a negative errno (for example -ENOMEM from wl_map). */
	int (*main)(struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum);
	/* Measured-phase operation count for these parameters (ops, or the derived default). */
	uint64_t (*ops)(const struct wl_params *p);
	/* Optional: parameters that are each in range but do not work together (the CLI
	 * refuses them before the run). NULL when they do, else the reason, with the option to
	 * blame (a descriptor name) in *param. */
	const char *(*check)(const struct wl_params *p, const char **param);
	/* Written for hosts of several VMs (memory over time, sharing) rather than for comparing
	 * paging strategies: `memvirt compare` and the demo leave it out unless it is named. */
	bool overcommit;
};

/* Each workload source is compiled twice (direct accesses, and through the sim MMU); the
 * exported descriptor's name says which flavour it belongs to. */
#ifdef WL_SIM
#define WL_EXPORT(name) const struct wl_workload wl_##name##_sim
#else
#define WL_EXPORT(name) const struct wl_workload wl_##name##_direct
#endif

/* Runs a workload: the time-based settings go into the context the helpers read. Platforms
 * call this rather than w->main. */
static inline int wl_run(const struct wl_workload *w, struct wl_ctx *c, const struct wl_params *p, uint64_t *checksum)
{
	c->timed = p->runtime_us != 0;
	c->ramp = c->timed && p->ramp_us != 0;
	c->loops = p->loops;
	return w->main(c, p, checksum);
}

/* How often (in operations) workloads publish progress: cheap, and fine-grained enough for
 * 1 kHz telemetry. */
#define WL_PROGRESS_EVERY 1024u

/* The registry; one table per build flavour (direct pointers, or through the sim MMU). */
extern const struct wl_workload *const wl_registry_direct[];
extern const struct wl_workload *const wl_registry_sim[];
const struct wl_workload *wl_find(const struct wl_workload *const *reg, const char *name);
/* Sets every workload-specific parameter of w to its documented default. */
void wl_params_defaults(const struct wl_workload *w, struct wl_params *p);

/* ---- Deterministic helpers every workload shares ------------------------------------------ */

/* splitmix64: tiny, well-mixed and identical on every platform. */
static inline uint64_t wl_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Order-dependent checksum step (FNV-1a over 64-bit words, then a final avalanche). */
#define WL_CSUM_INIT 0xcbf29ce484222325ULL
static inline uint64_t wl_csum_step(uint64_t h, uint64_t v)
{
	h ^= v;
	return h * 0x100000001b3ULL;
}

#endif
