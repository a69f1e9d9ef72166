/* reclaim.h — host reclaim injected into a running guest: a thread that waits for the
 * workload's measured phase, then at each scheduled time discards (MADV_DONTNEED) or pages out
 * (MADV_PAGEOUT) part of guest RAM, or lowers / raises the run's memory cgroup limit, and
 * records what it did and what it changed (mapped and resident pages before and after).
 *
 * Guest RAM is acted on under its handle's lock (guest_ram_with, vmm/mem/guest_ram.h), so a
 * platform cannot free the memory while an madvise is in flight; each advised range is told to
 * the platform (guest_ram.reclaimed) so its p2m book marks the frames reclaimed. Discard is refused on
 * private anonymous memory: there MADV_DONTNEED does not reclaim, it destroys (the guest would
 * read zeroes). On a shared memfd mapping it only drops the mappings; the pages stay in the
 * page cache and a refault is a minor fault. */
#ifndef MEMVIRT_RECLAIM_H
#define MEMVIRT_RECLAIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vmm/host/memcg.h"
#include "vmm/mem/guest_ram.h"
#include "vmm/reclaim/reclaim_spec.h"
#include "workloads/wl.h"

#define RECLAIM_MAX_ACTIONS 32

enum reclaim_status { RECLAIM_PENDING, RECLAIM_DONE, RECLAIM_REFUSED, RECLAIM_FAILED };

/* One thing done to the host at one time (a limit spec with until= makes two actions). */
struct reclaim_action {
	const struct reclaim_spec *spec;
	const char *action;          /* discard, pageout, limit, unlimit */
	uint64_t at_us;              /* after the measured phase starts */
	enum reclaim_status status;
	char message[200];
	double start_ms, end_ms;     /* on the run clock */
	uint64_t bytes_requested;    /* region acted on (limit: the new limit, 0 = unlimited) */
	uint64_t mapped_before, mapped_after;     /* guest RAM pages mapped in the VMM */
	uint64_t resident_before, resident_after; /* guest RAM pages in host memory */
	uint64_t cgroup_usage_before, cgroup_usage_after; /* limit: bytes */
	uint64_t raised_from;        /* limit: the bytes asked, when below the floor (0: not raised) */
};

/* A limit's floor (docs/reclaim.md): the VMM's own memory is charged to the same cgroup as
 * guest RAM — its heap and telemetry series, the guest image, KVM's page tables — and a limit
 * below it plus this headroom leaves the guest nothing to run in: it is raised to the floor,
 * with one line saying so. */
#define RECLAIM_LIMIT_HEADROOM (8ULL << 20)
/* The floor for a group holding `usage` bytes with `guest_bytes` of guest RAM: what it holds
 * beyond all of guest RAM (so an estimate from below of the VMM's own), plus the headroom. */
uint64_t reclaim_limit_floor(uint64_t usage, uint64_t guest_bytes);

struct reclaimer {
	struct wl_ctx *ctx;
	struct guest_ram_handle *ram;
	struct memcg *memcg;         /* NULL when no limit is scheduled */
	double t0;
	double measure_start_ms;     /* -1 until the measured phase has begun */
	size_t n;
	struct reclaim_action act[RECLAIM_MAX_ACTIONS];
	atomic_uint_fast64_t started; /* actions begun so far (sampled by telemetry) */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, running;
	pthread_t thread;
};

/* Orders the actions by time; does not start anything. Returns 0 or -E2BIG. */
int reclaimer_init(struct reclaimer *r, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		   const struct reclaim_spec *specs, size_t n,
		   struct memcg *memcg, double t0);
int reclaimer_start(struct reclaimer *r);
/* Wakes and joins the thread; actions not yet due stay pending (reported as such). */
void reclaimer_stop(struct reclaimer *r);
/* reclaim.events[] for the result document. */
json_t *reclaimer_events_json(const struct reclaimer *r);

/* Acts on [base, base+bytes): the pages chosen by spec (frac/range, pattern) get `advice`.
 * Exposed for tests. Returns bytes advised, or a negative errno. */
int64_t reclaim_advise_region(void *base, uint64_t bytes, const struct reclaim_spec *spec, int advice);
/* The same on published guest RAM, telling ram->reclaimed (when set) each range advised. */
int64_t reclaim_advise_ram(const struct guest_ram *ram, const struct reclaim_spec *spec, int advice);

#endif
