/* uffd_track.c — the userfaultfd handler behind --uffd (see uffd_track.h). One thread polls the
 * userfaultfd and an eventfd; each missing-page fault is resolved with UFFDIO_ZEROPAGE (or
 * UFFDIO_COPY of zeroes on hugetlb), which also wakes the faulting thread — on kvm, the vCPU
 * blocked in KVM_RUN. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/util/clock.h"
#include "vmm/mem/uffd_track.h"

/* Resolves the fault at addr; a page already there (EEXIST) counts as resolved, since either
 * way the page is now mapped. */
static int resolve(struct uffd_track *t, uint64_t addr)
{
	addr &= ~(t->page - 1);
	int rc;
	if (t->copy_zeroes) {
		struct uffdio_copy c = { .dst = addr, .src = (uint64_t)(uintptr_t)t->zero_buf, .len = t->page };
		rc = ioctl(t->fd, UFFDIO_COPY, &c);
	} else {
		struct uffdio_zeropage z = { .range = { .start = addr, .len = t->page } };
		rc = ioctl(t->fd, UFFDIO_ZEROPAGE, &z);
	}
	/* EEXIST: resolved meanwhile (another thread touched it too); not an error */
	if (rc < 0 && errno != EEXIST)
		return -errno;
	if (t->resolved)
		t->resolved(t->resolved_arg, addr - t->base, t->page);
	return 0;
}

static void handle_one(struct uffd_track *t)
{
	struct uffd_msg msg;
	if (read(t->fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		return;
	uint64_t t0 = monotonic_ns();
	int rc = resolve(t, msg.arg.pagefault.address);
	atomic_fetch_add(&t->handler_ns, monotonic_ns() - t0);
	if (rc < 0) {
		int none = 0;
		atomic_compare_exchange_strong(&t->error, &none, -rc);
		return;
	}
	atomic_fetch_add(&t->faults, 1);
}

static void *handler_main(void *arg)
{
	struct uffd_track *t = arg;
	struct pollfd p[2] = { { .fd = t->fd, .events = POLLIN }, { .fd = t->stop_fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			handle_one(t);
	}
	return NULL;
}

static int fail(char *why, size_t len, int err, const char *what)
{
	snprintf(why, len, "--uffd: %s: %s", what, strerror(err));
	return -err;
}

static int uffd_open(struct uffd_track *t, void *base, uint64_t bytes, char *why, size_t len)
{
	t->fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0)
		return fail(why, len, errno, "userfaultfd (root, or vm.unprivileged_userfaultfd=1)");
	struct uffdio_api api = { .api = UFFD_API };
	if (ioctl(t->fd, UFFDIO_API, &api) < 0)
		return fail(why, len, errno, "UFFDIO_API");
	struct uffdio_register reg = { .range = { .start = (uint64_t)(uintptr_t)base, .len = bytes },
				       .mode = UFFDIO_REGISTER_MODE_MISSING };
	if (ioctl(t->fd, UFFDIO_REGISTER, &reg) < 0)
		return fail(why, len, errno, "UFFDIO_REGISTER of guest RAM");
	if ((t->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0)
		return fail(why, len, errno, "eventfd");
	return 0;
}

int uffd_track_start(struct uffd_track *t, void *base, uint64_t bytes, uint64_t page, bool copy_zeroes,
		     uffd_resolved_fn resolved, void *arg, char *why, size_t whylen)
{
	memset(t, 0, sizeof(*t));
	t->fd = t->stop_fd = -1;
	t->base = (uint64_t)(uintptr_t)base;
	t->resolved = resolved;
	t->resolved_arg = arg;
	t->page = page;
	t->copy_zeroes = copy_zeroes;
	int rc = uffd_open(t, base, bytes, why, whylen);
	if (rc == 0 && copy_zeroes && !(t->zero_buf = aligned_alloc(page, page)))
		rc = fail(why, whylen, ENOMEM, "zero buffer");
	if (rc == 0 && copy_zeroes)
		memset(t->zero_buf, 0, page);
	if (rc == 0 && (rc = -pthread_create(&t->thread, NULL, handler_main, t)) < 0)
		fail(why, whylen, -rc, "handler thread");
	t->running = rc == 0;
	if (rc < 0)
		uffd_track_stop(t);
	return rc;
}

void uffd_track_stop(struct uffd_track *t)
{
	if (t->running) {
		uint64_t one = 1;
		if (write(t->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(t->thread, NULL);
		t->running = false;
	}
	if (t->fd >= 0)
		close(t->fd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	free(t->zero_buf);
	t->fd = t->stop_fd = -1;
	t->zero_buf = NULL;
}
