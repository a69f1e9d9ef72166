/* uffd_track.c — the userfaultfd handler behind --uffd (see uffd_track.h). One thread waits on
 * the userfaultfd (in poll() with an eventfd that ends it, or spinning on a non-blocking
 * read); each missing-page fault is resolved with UFFDIO_COPY from a buffer of zeroes (or
 * UFFDIO_ZEROPAGE) over the aligned fault-around block holding it, which also wakes the faulting
 * thread — on kvm, the vCPU blocked in KVM_RUN. Pages already present in the block are
 * skipped, and only pages the handler mapped are counted and reported. */
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
#include <time.h>
#include <unistd.h>

#include "vmm/util/clock.h"
#include "vmm/mem/uffd_track.h"

#define SZ_2M (2ULL << 20)
#define GAP_MAX_NS 1000000ULL /* longer gaps: the guest was doing something else */

const struct uffd_track_opts uffd_track_defaults = { .around = UFFD_AROUND_DEFAULT, .poll = UFFD_POLL_SLEEP };

const char *uffd_poll_name(enum uffd_poll p)
{
	return p == UFFD_POLL_BUSY ? "busy" : "sleep";
}

const char *uffd_resolve_name(enum uffd_resolve r)
{
	return r == UFFD_RESOLVE_ZEROPAGE ? "zeropage" : "copy";
}

int uffd_track_opts_check(const struct uffd_track_opts *o, uint64_t page, char *why, size_t whylen)
{
	uint64_t a = o->around;
	if (a != 0 && ((a & (a - 1)) != 0 || a < 4096 || a > SZ_2M)) {
		snprintf(why, whylen, "--uffd-around %llu: a power of two from 4k (no fault-around) to 2m",
			 (unsigned long long)a);
		return -EINVAL;
	}
	(void)page; /* a block smaller than the host page is the page itself */
	return 0;
}

/* One ioctl over [start, start + len): bytes it mapped (> 0), or -errno (EEXIST: the first
 * page is there already). Wakes the threads waiting on what it mapped. */
static int64_t fill_once(struct uffd_track *t, uint64_t start, uint64_t len)
{
	if (t->resolve == UFFD_RESOLVE_COPY) {
		struct uffdio_copy c = { .dst = start, .src = (uint64_t)(uintptr_t)t->zero_buf, .len = len };
		if (ioctl(t->fd, UFFDIO_COPY, &c) == 0)
			return (int64_t)len;
		return c.copy > 0 ? c.copy : -errno;
	}
	struct uffdio_zeropage z = { .range = { .start = start, .len = len } };
	if (ioctl(t->fd, UFFDIO_ZEROPAGE, &z) == 0)
		return (int64_t)len;
	return z.zeropage > 0 ? z.zeropage : -errno;
}

/* Made [a, a + n) resident: count it (the faulting page as touched, the rest as around) and
 * tell the book. */
static void account(struct uffd_track *t, uint64_t a, uint64_t n, uint64_t fault_page)
{
	uint64_t pages = n / t->page, touched = fault_page >= a && fault_page < a + n;
	atomic_fetch_add(&t->pages_touched, touched);
	atomic_fetch_add(&t->pages_around, pages - touched);
	if (t->resolved)
		t->resolved(t->resolved_arg, a - t->base, n);
}

/* Resolves the fault at addr: every missing page of its block, skipping pages already there
 * (EEXIST: resolved meanwhile, or never missing; either way mapped, so not an error). */
static int resolve(struct uffd_track *t, uint64_t addr)
{
	uint64_t fault_page = addr & ~(t->page - 1);
	uint64_t start = addr & ~(t->around - 1), end = start + t->around;
	if (start < t->base)
		start = t->base;
	if (end > t->base + t->bytes)
		end = t->base + t->bytes;
	while (start < end) {
		int64_t n = fill_once(t, start, end - start);
		if (n == -EEXIST) {
			start += t->page;
			continue;
		}
		if (n == -EAGAIN) /* the address space was changing (mremap, fork): try again */
			continue;
		if (n < 0)
			return (int)n;
		account(t, start, (uint64_t)n, fault_page);
		start += (uint64_t)n;
	}
	return 0;
}

static void handle(struct uffd_track *t, const struct uffd_msg *msg, uint64_t msg_ns, uint64_t *last_done)
{
	if (msg->event != UFFD_EVENT_PAGEFAULT)
		return;
	uint64_t t0 = monotonic_ns();
	int rc = resolve(t, msg->arg.pagefault.address);
	uint64_t t1 = monotonic_ns();
	atomic_fetch_add(&t->handler_ns, t1 - t0);
	if (*last_done && msg_ns > *last_done && msg_ns - *last_done < GAP_MAX_NS) {
		atomic_fetch_add(&t->gap_ns, msg_ns - *last_done);
		atomic_fetch_add(&t->gaps, 1);
	}
	*last_done = t1;
	size_t i = atomic_load(&t->trace_n);
	if (i < t->trace_cap) {
		t->trace[i] = (struct uffd_fault_trace){ .addr = msg->arg.pagefault.address, .msg_ns = msg_ns,
							 .resolve_ns = t0, .done_ns = t1 };
		atomic_store(&t->trace_n, i + 1);
	}
	if (rc < 0) {
		int none = 0;
		atomic_compare_exchange_strong(&t->error, &none, -rc);
		return;
	}
	atomic_fetch_add(&t->faults, 1);
}

/* Reads what messages are queued (the fd is non-blocking) and handles them; false when none. */
static bool drain(struct uffd_track *t, uint64_t *last_done)
{
	struct uffd_msg msg[16];
	ssize_t n = read(t->fd, msg, sizeof(msg));
	if (n <= 0)
		return false;
	uint64_t now = monotonic_ns();
	for (size_t i = 0; i < (size_t)n / sizeof(msg[0]); i++)
		handle(t, &msg[i], now, last_done);
	return true;
}

static void handler_sleep(struct uffd_track *t)
{
	struct pollfd p[2] = { { .fd = t->fd, .events = POLLIN }, { .fd = t->stop_fd, .events = POLLIN } };
	uint64_t last_done = 0;
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			(void)drain(t, &last_done);
	}
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void handler_busy(struct uffd_track *t)
{
	uint64_t last_done = 0;
	while (!atomic_load_explicit(&t->stop, memory_order_relaxed))
		if (!drain(t, &last_done))
			cpu_relax();
}

static void *handler_main(void *arg)
{
	struct uffd_track *t = arg;
	if (t->poll == UFFD_POLL_BUSY)
		handler_busy(t);
	else
		handler_sleep(t);
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		atomic_store(&t->cpu_ns, (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
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

int uffd_track_start(struct uffd_track *t, void *base, uint64_t bytes, uint64_t page, bool no_zeropage,
		     const struct uffd_track_opts *opts, uffd_resolved_fn resolved, void *arg,
		     struct uffd_fault_trace *trace, size_t trace_cap, char *why, size_t whylen)
{
	if (!opts)
		opts = &uffd_track_defaults;
	memset(t, 0, sizeof(*t));
	t->fd = t->stop_fd = -1;
	int rc = uffd_track_opts_check(opts, page, why, whylen);
	if (rc < 0)
		return rc;
	t->base = (uint64_t)(uintptr_t)base;
	t->bytes = bytes;
	t->resolved = resolved;
	t->resolved_arg = arg;
	t->page = page;
	uint64_t around = opts->around ? opts->around : UFFD_AROUND_DEFAULT;
	t->around = around > page ? around : page;
	t->poll = opts->poll;
	t->resolve = no_zeropage ? UFFD_RESOLVE_COPY : opts->resolve;
	t->trace = trace;
	t->trace_cap = trace ? trace_cap : 0;
	rc = uffd_open(t, base, bytes, why, whylen);
	bool copy = t->resolve == UFFD_RESOLVE_COPY;
	if (rc == 0 && copy && !(t->zero_buf = aligned_alloc(page, t->around)))
		rc = fail(why, whylen, ENOMEM, "zero buffer");
	if (rc == 0 && copy)
		memset(t->zero_buf, 0, t->around);
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
		atomic_store(&t->stop, true);
		if (write(t->stop_fd, &one, sizeof(one)) == sizeof(one) || t->poll == UFFD_POLL_BUSY)
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

void uffd_track_stats(const struct uffd_track *t, struct uffd_track_stats *out)
{
	*out = (struct uffd_track_stats){
		.violations = atomic_load(&t->faults), .pages_touched = atomic_load(&t->pages_touched),
		.pages_around = atomic_load(&t->pages_around), .page_bytes = t->page, .around_bytes = t->around,
		.poll = t->poll, .resolve = t->resolve, .resolve_ns = atomic_load(&t->handler_ns), .gap_ns = atomic_load(&t->gap_ns),
		.gaps = atomic_load(&t->gaps), .cpu_ns = atomic_load(&t->cpu_ns),
	};
	clockid_t cid;
	struct timespec ts;
	if (t->running && pthread_getcpuclockid(t->thread, &cid) == 0 && clock_gettime(cid, &ts) == 0)
		out->cpu_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
