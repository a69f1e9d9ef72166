/* janitor.c — the process that restores host state if the VMM cannot (see janitor.h).
 * Messages are lines: "zram", "cgroup PATH LIMITFILE UNLIMITED", "sysfs PATH VALUE", "done".
 * The child uses only plain system calls and stack buffers: it was forked from a process that
 * may hold locks. sysfs lines are restored in the order they came (the sender orders them: KSM
 * sends `run` first, so ksmd stops before its other knobs change).
 *
 * Whatever ends the VMM, the janitor outlives it: it ignores the signals that reach a whole
 * process group or session (Ctrl-C, Ctrl-\, a closed terminal's SIGHUP, a batch system's
 * SIGTERM) and SIGPIPE, and it notices the VMM's death twice over — end of file on the pipe,
 * and PR_SET_PDEATHSIG for the case where the pipe's write end lives on in another process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/host/janitor.h"
#include "vmm/host/sysfs.h"

#define JANITOR_MAX_FILES 24

struct undo {
	bool zram, cgroup;
	char path[600], limit_file[64], unlimited[8];
	size_t nfiles;
	struct {
		char path[128], value[32];
	} file[JANITOR_MAX_FILES];
};

static void apply_line(struct undo *u, char *line, bool *done)
{
	if (strcmp(line, "done") == 0)
		*done = true;
	else if (strcmp(line, "zram") == 0)
		u->zram = true;
	else if (sscanf(line, "cgroup %599s %63s %7s", u->path, u->limit_file, u->unlimited) == 3)
		u->cgroup = true;
	else if (u->nfiles < JANITOR_MAX_FILES &&
		 sscanf(line, "sysfs %127s %31s", u->file[u->nfiles].path, u->file[u->nfiles].value) == 2)
		u->nfiles++;
}

static void undo_all(const struct undo *u)
{
	char p[700];
	for (size_t i = 0; i < u->nfiles; i++)
		(void)sysfs_write(u->file[i].path, u->file[i].value);
	if (u->cgroup) {
		snprintf(p, sizeof(p), "%s/%s", u->path, u->limit_file);
		(void)sysfs_write(p, u->unlimited);
		for (int i = 0; i < 500 && rmdir(u->path) < 0 && errno == EBUSY; i++)
			usleep(20000); /* until the dead VMM has left the group */
	}
	if (u->zram) {
		for (int i = 0; i < 50 && swapoff("/dev/zram0") < 0 && errno != EINVAL; i++)
			usleep(100000);
		(void)sysfs_write("/sys/block/zram0/reset", "1");
	}
}

/* PR_SET_PDEATHSIG's signal: the VMM (our parent) is gone. Its handler does nothing; its
 * delivery interrupts the wait below, which then sees the new parent. */
#define JANITOR_PARENT_DIED SIGUSR1

static void on_parent_died(int sig) { (void)sig; }

/* Signals: the VMM handles the ones that end a run; the janitor stays to see the VMM out. Its
 * mask is cleared (it was forked with the run's signals blocked). */
static void janitor_signals(void)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	struct sigaction sa = { .sa_handler = on_parent_died }; /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(JANITOR_PARENT_DIED, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_PDEATHSIG, JANITOR_PARENT_DIED);
}

/* Waits for the pipe to be readable. Once the VMM is gone (adopted by another parent), makes
 * it non-blocking instead, so that what the VMM said before is read and nothing more waited
 * for: the pipe's write end may live on in a process the VMM forked. The poll's timeout
 * closes the window in which the signal could come between the check and the wait. */
static void wait_readable(int fd, pid_t vmm)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		if (getppid() != vmm) {
			(void)fcntl(fd, F_SETFL, O_NONBLOCK);
			return;
		}
		if (poll(&p, 1, 1000) > 0)
			return;
	}
}

static void janitor_main(int fd, pid_t vmm)
{
	struct undo u = { 0 };
	char buf[2048];
	size_t len = 0;
	bool done = false;
	janitor_signals();
	while (!done) {
		wait_readable(fd, vmm);
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break; /* EAGAIN: the VMM is gone and said all it had */
		len += (size_t)r;
		buf[len] = 0;
		char *nl;
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = 0;
			apply_line(&u, buf, &done);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* a line longer than any message: not ours, dropped */
	}
	if (!done)
		undo_all(&u);
	_exit(0);
}

int janitor_start(struct janitor *j)
{
	int p[2];
	*j = (struct janitor){ .fd = -1 };
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t vmm = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		janitor_main(p[0], vmm);
	}
	close(p[0]);
	*j = (struct janitor){ .pid = pid, .fd = p[1] };
	return 0;
}

static void say(struct janitor *j, const char *line)
{
	if (j->fd >= 0)
		(void)!write(j->fd, line, strlen(line));
}

void janitor_note_zram(struct janitor *j) { say(j, "zram\n"); }

void janitor_note_cgroup(struct janitor *j, const char *path, const char *limit_file, const char *unlimited)
{
	char line[800];
	snprintf(line, sizeof(line), "cgroup %s %s %s\n", path, limit_file, unlimited);
	say(j, line);
}

void janitor_note_sysfs(struct janitor *j, const char *path, const char *value)
{
	char line[200];
	snprintf(line, sizeof(line), "sysfs %s %s\n", path, value);
	say(j, line);
}

void janitor_done(struct janitor *j)
{
	if (!j->pid)
		return;
	say(j, "done\n");
	close(j->fd);
	waitpid(j->pid, NULL, 0);
	*j = (struct janitor){ .fd = -1 };
}

void janitor_abandon(struct janitor *j)
{
	if (!j->pid)
		return;
	close(j->fd);
	*j = (struct janitor){ .fd = -1 };
}
