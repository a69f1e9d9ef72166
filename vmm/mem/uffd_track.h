/* uffd_track.h — first-touch tracking of guest RAM with userfaultfd (--uffd): the range is
 * registered for missing-page faults and a handler thread resolves each one itself (zero
 * pages, or a copy of zeroes for hugetlb), counting them. On kvm every guest first touch of a
 * host page that is still missing then passes through the VMM: memvirt's "EPT violation".
 * Each resolved range is reported to a callback (the VMM's p2m book marks it resident).
 *
 * What is counted, exactly (docs/kvm-platform.md, "First touches through userfaultfd"):
 *  - a *violation* is one missing-page fault the handler read from the userfaultfd and
 *    resolved: one guest access that found its host page missing and waited for the VMM;
 *  - with fault-around (opts.around > the host page) the handler resolves the whole aligned
 *    block holding the faulting page: the faulting page is a *touched* page, the others it
 *    made resident are *around* pages, which the guest then reaches without a violation;
 *  - pages made resident by the handler = touched + around, exactly; a page already present
 *    (another thread, or a refault race) is neither.
 * Without fault-around touched = violations (one vCPU: faults never race). */
#ifndef MEMVIRT_VMM_UFFD_TRACK_H
#define MEMVIRT_VMM_UFFD_TRACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called on the handler thread after [off, off + len) of the range (offsets from its base)
 * was resolved; it must be cheap and thread-safe. */
typedef void (*uffd_resolved_fn)(void *arg, uint64_t off, uint64_t len);

/* How the handler waits for the next fault: in poll() (sleep, no CPU while idle) or spinning
 * on a non-blocking read (busy: the fault is seen at once, one host CPU is spent for the
 * whole time the handler runs). */
enum uffd_poll { UFFD_POLL_SLEEP = 0, UFFD_POLL_BUSY };

#define UFFD_AROUND_DEFAULT (64ULL << 10)

/* How a fault is resolved: UFFDIO_COPY from a buffer of zeroes (real, writable pages: the
 * default), or UFFDIO_ZEROPAGE (anonymous memory gets the shared zero page, read-only, so the
 * guest's first write then takes a second, copy-on-write host fault; hugetlb always copies). */
enum uffd_resolve { UFFD_RESOLVE_COPY = 0, UFFD_RESOLVE_ZEROPAGE };

struct uffd_track_opts {
	uint64_t around;            /* bytes resolved per fault (aligned block, power of two,
				     * 4 KiB..2 MiB; at most the host page: that page only, no
				     * fault-around); 0: the default, UFFD_AROUND_DEFAULT */
	enum uffd_poll poll;
	enum uffd_resolve resolve;
};

/* One fault as the handler saw it (CLOCK_MONOTONIC ns), for latency probes. */
struct uffd_fault_trace {
	uint64_t addr;
	uint64_t msg_ns;            /* the fault's message was read (handler awake and told) */
	uint64_t resolve_ns;        /* the resolving ioctls started */
	uint64_t done_ns;           /* they returned: the faulting thread has been woken */
};

/* The handler's counters at one instant (uffd_track_stats). */
struct uffd_track_stats {
	uint64_t violations;        /* missing-page faults resolved */
	uint64_t pages_touched;     /* faulting pages the handler made resident */
	uint64_t pages_around;      /* other pages of their blocks it made resident */
	uint64_t page_bytes;        /* host page of the backing (the unit of the pages above) */
	uint64_t around_bytes;      /* block resolved per fault (page_bytes without fault-around) */
	enum uffd_poll poll;
	enum uffd_resolve resolve;
	uint64_t resolve_ns;        /* time in the resolving ioctls, all faults */
	uint64_t gap_ns, gaps;      /* previous fault resolved -> next fault's message read, for
				     * gaps under 1 ms (back-to-back faults): vCPU wake-up, guest
				     * re-entry, the next fault's delivery and the handler's wake-up */
	uint64_t cpu_ns;            /* the handler thread's CPU time so far */
};

struct uffd_track {
	int fd, stop_fd;            /* userfaultfd, eventfd that ends a sleeping handler */
	atomic_bool stop;           /* ends a busy handler */
	pthread_t thread;
	bool running;
	uint64_t page;              /* resolution granule: host page of the backing */
	uint64_t around;            /* block resolved per fault, >= page */
	enum uffd_poll poll;
	enum uffd_resolve resolve;  /* hugetlb has no UFFDIO_ZEROPAGE: always copy */
	void *zero_buf;             /* `around` bytes of zeroes (copy) */
	atomic_uint_fast64_t faults;    /* violations: missing-page faults resolved */
	atomic_uint_fast64_t pages_touched, pages_around;
	atomic_uint_fast64_t handler_ns;/* time spent resolving them (ioctls) */
	atomic_uint_fast64_t gap_ns, gaps;
	atomic_uint_fast64_t cpu_ns;    /* handler thread CPU time, stored when it ends */
	atomic_int error;           /* first errno the handler met, 0 when none */
	uint64_t base, bytes;       /* the registered range */
	uffd_resolved_fn resolved;  /* NULL: nobody is told */
	void *resolved_arg;
	struct uffd_fault_trace *trace; /* NULL, or trace_cap entries the handler fills */
	size_t trace_cap;
	atomic_size_t trace_n;
};

/* Checks opts for a backing with host page `page`: 0, or -EINVAL with a reason. */
int uffd_track_opts_check(const struct uffd_track_opts *o, uint64_t page, char *why, size_t whylen);

/* Registers [base, base + bytes) and starts the handler, which calls resolved(arg, ...) (may
 * be NULL) for each range it resolves. no_zeropage: the backing has no UFFDIO_ZEROPAGE
 * (hugetlb), so faults are always resolved by copy. opts NULL: the defaults
 * (uffd_track_defaults). trace (may be NULL) receives the first trace_cap faults. 0, or
 * -errno with a reason. */
int uffd_track_start(struct uffd_track *t, void *base, uint64_t bytes, uint64_t page, bool no_zeropage,
		     const struct uffd_track_opts *opts, uffd_resolved_fn resolved, void *arg,
		     struct uffd_fault_trace *trace, size_t trace_cap, char *why, size_t whylen);
/* Stops the handler and closes the descriptors (the range is unregistered by the close). */
void uffd_track_stop(struct uffd_track *t);
/* The counters now (safe from any thread while the handler runs, and after it stopped). A
 * fault is counted just after its ioctl returned, and the ioctl wakes the faulting thread, so
 * that thread may run before its fault is counted: exact totals once the touching is over
 * (the vCPU stopped) or the handler stopped. */
void uffd_track_stats(const struct uffd_track *t, struct uffd_track_stats *out);

extern const struct uffd_track_opts uffd_track_defaults;
const char *uffd_poll_name(enum uffd_poll p);
const char *uffd_resolve_name(enum uffd_resolve r);

#endif
