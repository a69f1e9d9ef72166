/* janitor.c — the process that restores host state if the VMM cannot (see janitor.h).
 * Messages are lines: "zram", "cgroup PATH LIMITFILE UNLIMITED", "sysfs PATH VALUE", "restored"
 * (forget those), "record-path PATH", "record-live PATH", "record-csv PATH", "record LEN" then
 * LEN bytes of document, "recorded" (forget the record), "done".
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
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results/result.h"
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

/* The document to write should the VMM die (janitor.h). doc is mmap'd: room for the text and
 * the reason spliced into it. */
struct record {
	char path[4096], live[4096], csv[4096];
	char *doc;
	size_t len, cap, got;
	bool armed;
};

static void record_drop(struct record *r)
{
	if (r->doc)
		munmap(r->doc, r->cap);
	*r = (struct record){ 0 };
}

static void record_begin(struct record *r, const char *arg)
{
	char *end;
	unsigned long long len = strtoull(arg, &end, 10);
	if (r->doc)
		munmap(r->doc, r->cap);
	r->doc = NULL;
	r->cap = r->got = 0;
	r->len = *end ? 0 : (size_t)len; /* (the paths noted before stay) */
	r->armed = false;
	if (*end || len == 0 || len > JANITOR_RECORD_MAX)
		return; /* its bytes are skipped */
	r->doc = mmap(NULL, (size_t)len + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->doc == MAP_FAILED)
		r->doc = NULL;
	r->cap = r->doc ? (size_t)len + 4096 : 0;
	r->armed = r->doc != NULL;
}

static void copy_arg(char *dst, size_t n, const char *line, const char *key)
{
	size_t k = strlen(key);
	if (strncmp(line, key, k) == 0 && strlen(line + k) < n)
		memcpy(dst, line + k, strlen(line + k) + 1);
}

static void apply_line(struct undo *u, struct record *rec, char *line, bool *done)
{
	if (strcmp(line, "done") == 0)
		*done = true;
	else if (strcmp(line, "restored") == 0)
		*u = (struct undo){ 0 };
	else if (strcmp(line, "recorded") == 0)
		record_drop(rec);
	else if (strncmp(line, "record-", 7) == 0) {
		copy_arg(rec->path, sizeof(rec->path), line, "record-path ");
		copy_arg(rec->live, sizeof(rec->live), line, "record-live ");
		copy_arg(rec->csv, sizeof(rec->csv), line, "record-csv ");
	} else if (strncmp(line, "record ", 7) == 0)
		record_begin(rec, line + 7);
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

/* ---- The death record ------------------------------------------------------------------- */

/* A file's first bytes, NUL-terminated; 0 or -errno. */
static int read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	buf[r > 0 ? r : 0] = 0;
	return r < 0 ? -errno : 0;
}

/* The number after "key " at a line's start in a small file (memory.events, /proc/vmstat's
 * head is too far: see host_oom_kills); -1 when absent. */
static long long keyed_value(const char *text, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == ' ')
			return strtoll(p + k + 1, NULL, 10);
	return -1;
}

/* /proc/vmstat's oom_kill: processes the host's OOM killers (any cgroup's, or the global one)
 * have killed since boot; -1 where the kernel does not count them. */
static long long host_oom_kills(void)
{
	static char buf[16384]; /* the janitor's own copy: it is a process of its own */
	return read_small("/proc/vmstat", buf, sizeof(buf)) < 0 ? -1 : keyed_value(buf, "oom_kill");
}

static const char *signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = { { SIGKILL, "SIGKILL" }, { SIGSEGV, "SIGSEGV" }, { SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" },
		      { SIGTERM, "SIGTERM" }, { SIGINT, "SIGINT" },   { SIGHUP, "SIGHUP" },   { SIGQUIT, "SIGQUIT" },
		      { SIGPIPE, "SIGPIPE" }, { SIGILL, "SIGILL" },   { SIGFPE, "SIGFPE" },   { SIGXCPU, "SIGXCPU" },
		      { SIGXFSZ, "SIGXFSZ" }, { SIGSYS, "SIGSYS" },   { SIGTRAP, "SIGTRAP" }, { SIGUSR1, "SIGUSR1" },
		      { SIGUSR2, "SIGUSR2" } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

/* The dead VMM's exit status from /proc/PID/stat (field 52, exit_code), readable while it is
 * a zombie its parent has not reaped yet; -1 when it is gone. */
static int exit_code_of(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	for (int field = 2; p && field < 52; field++)
		p = strchr(p + 1, ' ');
	return p ? (int)strtol(p + 1, NULL, 10) : -1;
}

/* Why the VMM died, in words, from what the kernel still says. */
static void death_reason(const struct undo *u, pid_t vmm, long long oom_before, char *out, size_t n)
{
	char buf[4096], p[700];
	int code = exit_code_of(vmm);
	int sig = code > 0 ? code & 0x7f : 0;
	const char *name = signal_name(sig);
	size_t used = 0;
	if (sig && name)
		used = (size_t)snprintf(out, n, "killed by %s", name);
	else if (sig)
		used = (size_t)snprintf(out, n, "killed by signal %d", sig);
	else if (code >= 0)
		used = (size_t)snprintf(out, n, "ended with status %d without writing its result", (code >> 8) & 0xff);
	else
		used = (size_t)snprintf(out, n, "ended without writing its result (its exit status was already collected: "
						"SIGKILL or another signal it cannot catch)");
	long long cg = -1;
	if (u->cgroup) {
		bool v1 = strcmp(u->limit_file, "memory.max") != 0;
		snprintf(p, sizeof(p), "%s/%s", u->path, v1 ? "memory.oom_control" : "memory.events");
		if (read_small(p, buf, sizeof(buf)) == 0)
			cg = keyed_value(buf, "oom_kill");
	}
	long long host = host_oom_kills();
	if (used < n && cg > 0)
		snprintf(out + used, n - used, "; the memory cgroup's OOM killer killed %lld process%s in %s (oom_kill)", cg,
			 cg == 1 ? "" : "es", u->path);
	else if (used < n && oom_before >= 0 && host > oom_before)
		snprintf(out + used, n - used, "; the host's OOM killer killed %lld process%s during the run (/proc/vmstat oom_kill)",
			 host - oom_before, host - oom_before == 1 ? "" : "es");
	else if (used < n)
		snprintf(out + used, n - used, "; no OOM kill counted (%s/proc/vmstat oom_kill)",
			 u->cgroup ? "memory cgroup oom_kill, " : "");
}

/* The series so far, whole lines only (a write cut by the kill may end mid-line), under its
 * final name. */
static void record_series(const struct record *r)
{
	struct stat st;
	if (!r->live[0] || !r->csv[0] || lstat(r->live, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	int fd = open(r->live, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	char tail[4096];
	off_t end = st.st_size, at = end > (off_t)sizeof(tail) ? end - (off_t)sizeof(tail) : 0;
	ssize_t got = pread(fd, tail, (size_t)(end - at), at);
	while (got > 0 && tail[got - 1] != '\n')
		got--;
	if (got >= 0 && at + got < end)
		(void)!ftruncate(fd, at + got);
	fsync(fd);
	close(fd);
	(void)rename(r->live, r->csv);
}

/* The document with the reason in place of its mark, written atomically at the result path. */
static void record_write(struct record *r, const char *reason)
{
	if (!r->armed || r->got != r->len)
		return; /* the VMM died while it was still handing the document over */
	record_series(r);
	char quoted[1024];
	size_t q = 0;
	quoted[q++] = '"';
	for (const char *c = reason; *c && q < sizeof(quoted) - 3; c++) {
		if (*c == '"' || *c == '\\')
			quoted[q++] = '\\';
		quoted[q++] = (unsigned char)*c < 0x20 ? ' ' : *c;
	}
	quoted[q++] = '"';
	size_t mlen = strlen(JANITOR_REASON_MARK);
	char *mark = memmem(r->doc, r->len, JANITOR_REASON_MARK, mlen);
	if (mark && r->len - mlen + q <= r->cap) {
		size_t after = r->len - (size_t)(mark - r->doc) - mlen;
		memmove(mark + q, mark + mlen, after);
		memcpy(mark, quoted, q);
		r->len = r->len - mlen + q;
	}
	(void)atomic_write_file(r->path, r->doc, r->len);
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

/* Consumes what buf holds: document bytes the record still expects, then whole lines. */
static void consume(struct undo *u, struct record *rec, char *buf, size_t *len, bool *done)
{
	for (;;) {
		size_t used;
		if (rec->got < rec->len) { /* (skipped, not read as lines, when there was no room for it) */
			used = rec->len - rec->got < *len ? rec->len - rec->got : *len;
			if (rec->doc)
				memcpy(rec->doc + rec->got, buf, used);
			rec->got += used;
		} else {
			char *nl = memchr(buf, '\n', *len);
			if (!nl)
				return;
			*nl = 0;
			apply_line(u, rec, buf, done);
			used = (size_t)(nl + 1 - buf);
		}
		if (used == 0)
			return;
		*len -= used;
		memmove(buf, buf + used, *len);
	}
}

static void janitor_main(int fd, pid_t vmm)
{
	static struct undo u;
	static struct record rec;
	static char buf[16384];
	size_t len = 0;
	bool done = false;
	janitor_signals();
	long long oom_before = host_oom_kills();
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
		consume(&u, &rec, buf, &len, &done);
		if (len == sizeof(buf) - 1)
			len = 0; /* a line longer than any message: not ours, dropped */
	}
	if (!done) {
		char reason[800] = "";
		if (rec.armed)
			death_reason(&u, vmm, oom_before, reason, sizeof(reason)); /* before the cgroup goes */
		undo_all(&u);
		record_write(&rec, reason);
	}
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

int janitor_note_record(struct janitor *j, const char *result_path, const char *series_live, const char *series_path,
			const char *doc, size_t len)
{
	char line[4200];
	if (strchr(result_path, '\n') || (series_live && (strchr(series_live, '\n') || strchr(series_path, '\n'))) ||
	    len == 0 || len > JANITOR_RECORD_MAX || strlen(result_path) >= 4096 ||
	    (series_live && (strlen(series_live) >= 4096 || strlen(series_path) >= 4096)))
		return -EINVAL;
	snprintf(line, sizeof(line), "record-path %s\n", result_path);
	say(j, line);
	if (series_live) {
		snprintf(line, sizeof(line), "record-live %s\n", series_live);
		say(j, line);
		snprintf(line, sizeof(line), "record-csv %s\n", series_path);
		say(j, line);
	}
	snprintf(line, sizeof(line), "record %zu\n", len);
	say(j, line);
	for (size_t off = 0; j->fd >= 0 && off < len;) {
		ssize_t w = write(j->fd, doc + off, len - off);
		if (w < 0 && errno != EINTR)
			return -errno;
		off += w > 0 ? (size_t)w : 0;
	}
	return 0;
}

void janitor_note_recorded(struct janitor *j) { say(j, "recorded\n"); }

void janitor_note_restored(struct janitor *j) { say(j, "restored\n"); }

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
