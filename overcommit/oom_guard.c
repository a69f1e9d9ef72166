/* oom_guard.c — the budget's OOM guard (see oom_guard.h for why it is a process). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "overcommit/oom_guard.h"
#include "vmm/host/sysfs.h"
#include "vmm/util/clock.h"

static int open_in(const struct memcg *cg, const char *file, int flags)
{
	char path[640];
	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return open(path, flags | O_CLOEXEC);
}

/* memory.oom_control reads "oom_kill_disable 1\nunder_oom 0\n..." */
static bool under_oom(int control_fd)
{
	char buf[256];
	ssize_t r = pread(control_fd, buf, sizeof(buf) - 1, 0);
	if (r <= 0)
		return false;
	buf[r] = 0;
	const char *p = strstr(buf, "under_oom ");
	return p && p[10] == '1';
}

static void raise_limit(struct oom_guard *g)
{
	char v[32];
	uint64_t limit = atomic_load(&g->sh->limit_bytes) + g->step_bytes;
	int len = snprintf(v, sizeof(v), "%llu", (unsigned long long)limit);
	if (pwrite(g->limit_fd, v, (size_t)len, 0) != len)
		return;
	atomic_store(&g->sh->limit_bytes, limit);
	atomic_fetch_add(&g->sh->raises, 1);
	atomic_fetch_add(&g->sh->raised_bytes, g->step_bytes);
	if (!atomic_load(&g->sh->first_s))
		atomic_store(&g->sh->first_s, monotonic_seconds());
}

/* Touches GUARD_STACK bytes of stack below the caller's frame and locks them with the frame:
 * the guard's stack stays resident (see guard_main). */
#define GUARD_STACK (64 * 1024)
static __attribute__((noinline)) void lock_stack(void)
{
	volatile char pad[GUARD_STACK];
	for (size_t i = 0; i < sizeof(pad); i += 1024)
		pad[i] = 0;
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)pad & ~(uintptr_t)(pg - 1);
	(void)mlock((void *)lo, GUARD_STACK + 4 * (size_t)pg); /* the pad and the frames above it */
}

/* The guard process: out of the group first, then wait for OOM notifications (and look every
 * 100 ms: one can come before a raise took effect) until told to stop or the VMM dies.
 *
 * It must never wait on the group itself. Memory the guard reads that is charged to the group
 * — stack pages it copied on write before it left, the VMM's `struct oom_guard` — can be
 * swapped out by the group's reclaim while the guard sleeps, and a swap-in is charged to the
 * group the page came from: under OOM the guard then waits with the others and nobody raises
 * the limit (it happened: oc-coop.ini, esx, the guard in mem_cgroup_oom_synchronize). So it
 * works on a copy of `g` on its stack, locks that stack, and the shared page is locked by the
 * VMM (oom_guard_start). */
static void guard_main(struct oom_guard *gp, pid_t parent, int ready_fd)
{
	struct oom_guard copy = *gp, *g = &copy;
	char pid[24];
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	char procs[600];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", g->cg->home);
	if (sysfs_write(procs, pid) < 0)
		_exit(3);
	lock_stack();
	char ok = 1;
	if (write(ready_fd, &ok, 1) != 1)
		_exit(5);
	close(ready_fd);
	struct pollfd p[2] = { { .fd = g->event_fd, .events = POLLIN }, { .fd = g->stop_fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			_exit(4);
		if (p[1].revents)
			_exit(0);
		uint64_t n;
		if (p[0].revents)
			(void)!read(g->event_fd, &n, sizeof(n));
		for (unsigned i = 0; under_oom(g->control_fd) && i < 1000; i++) {
			raise_limit(g);
			usleep(2000); /* the waiting tasks retry their charge */
		}
	}
}

static int fail(struct oom_guard *g, int rc, const char *what)
{
	snprintf(g->why, sizeof(g->why), "%s: %s", what, strerror(-rc));
	oom_guard_stop(g);
	return rc;
}

int oom_guard_start(struct oom_guard *g, struct memcg *cg, uint64_t limit_bytes, uint64_t step_bytes)
{
	*g = (struct oom_guard){ .cg = cg, .step_bytes = step_bytes, .event_fd = -1, .control_fd = -1, .stop_fd = -1,
				 .limit_fd = -1 };
	atomic_store(&g->last.limit_bytes, limit_bytes);
	if (cg->version != 1) {
		snprintf(g->why, sizeof(g->why), "cgroup v2 cannot hold tasks instead of killing them");
		return -EOPNOTSUPP;
	}
	void *page = mmap(NULL, sizeof(*g->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return fail(g, -errno, "cannot map the guard's shared page");
	g->sh = page;
	(void)mlock(page, sizeof(*g->sh)); /* never swapped: the guard must not fault on it (guard_main) */
	memset(g->sh, 0, sizeof(*g->sh)); /* touched now, while the group has room */
	atomic_store(&g->sh->limit_bytes, limit_bytes);
	char reg[64];
	int ctl = -1, rc = 0;
	if ((g->control_fd = open_in(cg, "memory.oom_control", O_RDWR)) < 0 ||
	    (g->limit_fd = open_in(cg, "memory.limit_in_bytes", O_WRONLY)) < 0 ||
	    (g->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 || (g->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    (ctl = open_in(cg, "cgroup.event_control", O_WRONLY)) < 0)
		return fail(g, -errno, "cannot open the group's OOM control");
	snprintf(reg, sizeof(reg), "%d %d", g->event_fd, g->control_fd);
	rc = write(ctl, reg, strlen(reg)) < 0 ? -errno : 0;
	close(ctl);
	if (rc < 0)
		return fail(g, rc, "cannot register for the group's OOM notifications");
	/* The killer goes off only once the guard has left the group and locked its stack: until
	 * then the guard's own first faults are charged to the group, and a group already at its
	 * limit with the killer off would hold the guard with everyone else (it happened under
	 * load: the VMM touched its budget before the freshly forked guard had run at all). */
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return fail(g, -errno, "cannot start the OOM guard process");
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(ready[0]);
		close(ready[1]);
		return fail(g, rc, "cannot start the OOM guard process");
	}
	if (pid == 0) {
		close(ready[0]);
		guard_main(g, parent, ready[1]);
	}
	g->pid = pid;
	close(ready[1]);
	char ok = 0;
	ssize_t got;
	while ((got = read(ready[0], &ok, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (got != 1) /* it exited first: it could not leave the group */
		return fail(g, -ECHILD, "the OOM guard process could not leave the group");
	if (pwrite(g->control_fd, "1", 1, 0) < 0)
		return fail(g, -errno, "cannot switch the group's OOM killer off");
	return 0;
}

void oom_guard_limit_set(struct oom_guard *g, uint64_t limit_bytes)
{
	if (g->sh)
		atomic_store(&g->sh->limit_bytes, limit_bytes);
}

void oom_guard_stop(struct oom_guard *g)
{
	if (g->control_fd >= 0)
		(void)!pwrite(g->control_fd, "0", 1, 0); /* the killer back before the guard goes */
	if (g->pid > 0) {
		uint64_t one = 1;
		if (write(g->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			kill(g->pid, SIGKILL);
		waitpid(g->pid, NULL, 0);
		g->pid = 0;
	}
	if (g->sh) {
		atomic_store(&g->last.raises, atomic_load(&g->sh->raises));
		atomic_store(&g->last.raised_bytes, atomic_load(&g->sh->raised_bytes));
		atomic_store(&g->last.limit_bytes, atomic_load(&g->sh->limit_bytes));
		atomic_store(&g->last.first_s, atomic_load(&g->sh->first_s));
		munmap(g->sh, sizeof(*g->sh));
		g->sh = NULL;
	}
	int *fds[] = { &g->event_fd, &g->control_fd, &g->stop_fd, &g->limit_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

json_t *oom_guard_json(const struct oom_guard *g, double t0)
{
	const struct oom_guard_shared *s = g->sh ? g->sh : &g->last;
	double first = atomic_load(&s->first_s);
	return json_pack("{s:b, s:s?, s:I, s:I, s:I, s:o}", "on", g->why[0] == 0, "why", g->why[0] ? g->why : NULL,
			 "raises", (json_int_t)atomic_load(&s->raises), "raised_bytes", (json_int_t)atomic_load(&s->raised_bytes),
			 "limit_bytes", (json_int_t)atomic_load(&s->limit_bytes), "first_s",
			 first ? json_real(first - t0) : json_null());
}
