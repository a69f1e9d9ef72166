/* uffd_track.h — first-touch tracking of guest RAM with userfaultfd (--uffd): the range is
 * registered for missing-page faults and a handler thread resolves each one itself (a zero
 * page, or a copy of zeroes for hugetlb), counting them. On kvm every guest first touch of a
 * host page then passes through the VMM: memvirt's "EPT violation". Each resolved range is
 * reported to a callback (the VMM's p2m book marks it resident). */
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

struct uffd_track {
	int fd, stop_fd;            /* userfaultfd, eventfd that ends the handler */
	pthread_t thread;
	bool running;
	uint64_t page;              /* resolution granule: host page of the backing */
	bool copy_zeroes;           /* hugetlb has no UFFDIO_ZEROPAGE: copy from zero_buf */
	void *zero_buf;
	atomic_uint_fast64_t faults;    /* missing-page faults resolved */
	atomic_uint_fast64_t handler_ns;/* time spent resolving them */
	atomic_int error;           /* first errno the handler met, 0 when none */
	uint64_t base;              /* start of the registered range */
	uffd_resolved_fn resolved;  /* NULL: nobody is told */
	void *resolved_arg;
};

/* Registers [base, base + bytes) and starts the handler, which calls resolved(arg, ...) (may
 * be NULL) for each fault it resolves. 0, or -errno with a reason. */
int uffd_track_start(struct uffd_track *t, void *base, uint64_t bytes, uint64_t page, bool copy_zeroes,
		     uffd_resolved_fn resolved, void *arg, char *why, size_t whylen);
/* Stops the handler and closes the descriptors (the range is unregistered by the close). */
void uffd_track_stop(struct uffd_track *t);

#endif
