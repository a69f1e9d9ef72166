/* wss.h — working-set estimation of one VM's guest RAM, by invalidation as VMware ESX does it
 * (Waldspurger, "Memory Resource Management in VMware ESX Server", OSDI 2002, §5.3): at each
 * step, look at the pages invalidated at the previous step — the ones the guest touched since
 * have been faulted back in — and invalidate a new set. The fraction found touched is the
 * fraction of guest RAM the guest used over one period.
 *
 * Why this mechanism and not accessed bits: it is one mechanism for both platforms, with
 * nothing mocked. MADV_DONTNEED on a shared memfd mapping drops the VMM's page-table entries
 * but keeps the contents in the memfd (the page is the same page; a frame book's state does
 * not change); on kvm the kernel's MMU notifier zaps the guest's mapping of it too (EPT, or a
 * shadow MMU's sptes), so the guest's next touch faults through the host and sets the VMM's
 * entry present again, which /proc/self/pagemap's bit 63 shows (no root needed for that bit).
 * On sim every guest access is a host access to the simulator's host memory (also a shared
 * memfd), so the same pass sees the same thing. `sampled` invalidates `sample_pages` random
 * 4 KiB pages per step (ESX's default: 100); `exact` invalidates every page, so its figure is
 * the number of pages touched in the period, exactly, at page granularity: comparing the two
 * on the same workload measures sampling error alone (docs/working-set.md).
 *
 * What cannot be sampled so: anonymous private guest RAM (MADV_DONTNEED would zero it) and
 * hugetlb-backed RAM (a 4 KiB mapping of a huge page cannot be dropped alone): -EOPNOTSUPP,
 * with the option that gives memfd backing named in the reason.
 *
 * Every invalidation and every pagemap read is done under the guest-RAM handle's lock
 * (guest_ram_with), so the RAM cannot be withdrawn and freed in the middle. One estimator per
 * VM; it is stepped from one thread (the monitor) and holds no process-wide state. */
#ifndef MEMVIRT_VMM_MEM_WSS_H
#define MEMVIRT_VMM_MEM_WSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/mem/guest_ram.h"

#define WSS_DEFAULT_SAMPLE_PAGES 100u    /* ESX's sample per VM */
#define WSS_DEFAULT_PERIOD_US 100000u    /* 100 ms: our runs last seconds (ESX: 30-60 s) */
#define WSS_DEFAULT_SEED 1u
#define WSS_MAX_SAMPLE_PAGES 1000000u

struct wss_opts {
	bool exact;            /* every page each step (else sample_pages random pages) */
	unsigned sample_pages; /* sampled: pages invalidated per step (0: WSS_DEFAULT_SAMPLE_PAGES) */
	uint64_t seed;         /* the sample's random sequence */
	uint64_t period_us;    /* how often the caller steps it (kept for the record; 0: the default) */
};

/* One step's figure: over the period since the previous step. */
struct wss_estimate {
	uint64_t wss_bytes;     /* exact: touched pages x 4 KiB; sampled: touched_frac x guest RAM bytes */
	double touched_frac;    /* touched / checked */
	uint64_t checked_pages; /* pages invalidated at the previous step and looked at now */
	uint64_t touched_pages; /* of those, found mapped again */
	double cpu_us;          /* this step's CPU time in the calling thread (pagemap reads, madvise) */
};

struct wss {
	struct guest_ram_handle *ram;
	struct wss_opts o;
	uint64_t rng;
	int pagemap_fd;
	const void *base;      /* the guest RAM the pending invalidation belongs to (NULL: none pending) */
	uint64_t bytes;
	uint64_t *pending;     /* sampled: the page indices invalidated at the last step */
	unsigned npending;
	/* totals over the steps that gave an estimate */
	uint64_t steps, checked_total;
	double cpu_sum_us, cpu_max_us;
	char why[200];         /* the reason of the last -EOPNOTSUPP or other failure */
};

/* An estimator of the guest RAM behind `ram` (it may be published later). Checks o, opens
 * /proc/self/pagemap and, when guest RAM is already published, that it can be sampled. 0, or
 * -EINVAL (bad options), -EOPNOTSUPP (anonymous or hugetlb RAM), -errno, with why. */
int wss_init(struct wss *w, struct guest_ram_handle *ram, const struct wss_opts *o, char *why, size_t n);
/* One step: looks at the pages invalidated last time, then invalidates the next set.
 * 0 with *out filled; -EAGAIN when there is no figure this time (the first step, guest RAM not
 * or no longer published, or published anew: the step only invalidated, or did nothing);
 * -EOPNOTSUPP (published RAM cannot be sampled; reason in w->why) or another -errno. Never
 * changes guest RAM's contents or a frame book. */
int wss_step(struct wss *w, struct wss_estimate *out);
void wss_fini(struct wss *w);

/* "exact" or "sampled". */
const char *wss_mode_name(const struct wss_opts *o);

#endif
