/* uffd_track.h — first-touch tracking of guest RAM with userfaultfd (--uffd): the range is
 * registered for missing-page faults and a handler thread resolves each one itself (a zero
 * page, or a copy of zeroes for hugetlb), counting them. On kvm every guest first touch of a
 * host page then passes through the VMM: memvirt's "EPT violation". */
#ifndef MEMVIRT_VMM_UFFD_TRACK_H
#define MEMVIRT_VMM_UFFD_TRACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

/* Registers [base, base + bytes) and starts the handler. 0, or -errno with a reason. */
int uffd_track_start(struct uffd_track *t, void *base, uint64_t bytes, uint64_t page, bool copy_zeroes,
		     char *why, size_t whylen);
/* Stops the handler and closes the descriptors (the range is unregistered by the close). */
void uffd_track_stop(struct uffd_track *t);

#endif
