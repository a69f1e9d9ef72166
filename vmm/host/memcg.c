/* memcg.c — the run's own memory cgroup (see memcg.h). v1 and v2 differ only in file names
 * and in how "unlimited" is spelt; the helpers below hide that. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/host/memcg.h"
#include "vmm/util/clock.h"
#include "vmm/host/sysfs.h"

/* Whether a v2 cgroup.controllers file lists the memory controller (a word of its line). */
static bool controllers_have_memory(const char *file)
{
	char buf[512], *save = NULL;
	if (sysfs_read(file, buf, sizeof(buf)) < 0)
		return false;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (strcmp(w, "memory") == 0)
			return true;
	return false;
}

/* v1 first: on hybrid hosts the v1 hierarchy is the one that owns the memory controller. */
int memcg_host_find(char *root, size_t n)
{
	static const struct { int version; const char *root, *probe; } places[] = {
		{ 1, "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/memory.limit_in_bytes" },
		{ 2, "/sys/fs/cgroup", "/sys/fs/cgroup/cgroup.controllers" },
		{ 2, "/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/cgroup.controllers" },
	};
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		bool found = places[i].version == 1 ? sysfs_exists(places[i].probe) : controllers_have_memory(places[i].probe);
		if (found) {
			if (root)
				snprintf(root, n, "%s", places[i].root);
			return places[i].version;
		}
	}
	if (root && n)
		root[0] = 0;
	return 0;
}

int memcg_host_version(void)
{
	return memcg_host_find(NULL, 0);
}

/* The process's cgroup path for the memory controller under root, from /proc/self/cgroup
 * ("N:memory:/path" on v1, "0::/path" on v2). */
static int own_cgroup(int version, const char *root, char *out, size_t n)
{
	char line[1024];
	int rc = -ENOENT;
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = 0;
		bool match = version == 1 ? strcmp(ctl + 1, "memory") == 0 : line[0] == '0' && ctl[1] == 0;
		if (match) {
			snprintf(out, n, "%s%s", root, strcmp(path, "/") == 0 ? "" : path);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

static int write_in(const char *dir, const char *file, const char *value)
{
	char p[640];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return sysfs_write(p, value);
}

static int move_self(const char *dir)
{
	char pid[24];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	return write_in(dir, "cgroup.procs", pid);
}

static int enter_fail(struct memcg *m, int rc, char *why, size_t n, const char *what)
{
	snprintf(why, n, "memory cgroup %s: %s: %s", m->path, what, strerror(-rc));
	memcg_leave(m);
	return rc;
}

int memcg_enter(struct memcg *m, char *why, size_t whylen)
{
	*m = (struct memcg){ 0 };
	m->version = memcg_host_find(m->root, sizeof(m->root));
	if (geteuid() != 0) {
		snprintf(why, whylen, "limit needs root (it creates a memory cgroup and moves the VMM into it)");
		return -EPERM;
	}
	if (!m->version) {
		snprintf(why, whylen, "limit needs the memory cgroup controller (neither v1 nor v2 found)");
		return -ENODEV;
	}
	int rc = own_cgroup(m->version, m->root, m->home, sizeof(m->home));
	if (rc < 0) {
		snprintf(why, whylen, "cannot find this process's memory cgroup: %s", strerror(-rc));
		return rc;
	}
	snprintf(m->path, sizeof(m->path), "%s/memvirt-%ld", m->home, (long)getpid());
	if (mkdir(m->path, 0755) < 0)
		return enter_fail(m, -errno, why, whylen, "mkdir");
	m->created = true;
	if (m->version == 1) /* charges made so far follow the process (best effort) */
		(void)write_in(m->path, "memory.move_charge_at_immigrate", "3");
	if ((rc = move_self(m->path)) < 0)
		return enter_fail(m, rc, why, whylen, "cannot move the process in");
	m->moved = true;
	return 0;
}

int memcg_set_limit(struct memcg *m, uint64_t bytes)
{
	char v[32];
	if (bytes)
		snprintf(v, sizeof(v), "%llu", (unsigned long long)bytes);
	else
		snprintf(v, sizeof(v), "%s", m->version == 1 ? "-1" : "max");
	return write_in(m->path, m->version == 1 ? "memory.limit_in_bytes" : "memory.max", v);
}

#define STEP_BYTES (4ULL << 20)

static double now_ms(void) { return monotonic_seconds() * 1e3; } /* the clock deadline_s is on */

int memcg_lower_limit(struct memcg *m, uint64_t target, unsigned patience_ms, double deadline_s, uint64_t *reached)
{
	uint64_t limit = 0;
	int rc = memcg_usage(m, &limit);
	double deadline_ms = deadline_s > 0 ? deadline_s * 1e3 : 1e300;
	*reached = 0;
	if (rc < 0)
		return rc;
	for (double last_step = now_ms(); limit > target && now_ms() - last_step < patience_ms && now_ms() < deadline_ms;) {
		uint64_t next = limit - target > STEP_BYTES ? limit - STEP_BYTES : target;
		rc = memcg_set_limit(m, next);
		if (rc == -EBUSY) {
			usleep(1000); /* let the guest run: the pages it is not touching now are the ones to go */
			continue;
		}
		if (rc < 0)
			return rc;
		last_step = now_ms();
		limit = *reached = next;
	}
	if (limit > target)
		return -EBUSY;
	*reached = target;
	return memcg_set_limit(m, target); /* usage may have been below target all along */
}

int memcg_usage(const struct memcg *m, uint64_t *bytes)
{
	char p[640];
	snprintf(p, sizeof(p), "%s/%s", m->path, m->version == 1 ? "memory.usage_in_bytes" : "memory.current");
	return sysfs_read_u64(p, bytes);
}

/* rmdir, retried for up to half a second while it is EBUSY: v1 moves charges lazily, and an
 * rmdir right after the move can see EBUSY briefly. 0 when removed, already gone or still busy
 * (the caller looks), else a negative errno. */
static int rmdir_patiently(const char *path)
{
	for (int i = 0; i < 50 && rmdir(path) < 0; i++) {
		if (errno != EBUSY)
			return errno == ENOENT ? 0 : -errno;
		usleep(10000);
	}
	return 0;
}

int memcg_leave(struct memcg *m)
{
	int rc = 0, r;
	if (m->created && (r = memcg_set_limit(m, 0)) < 0)
		rc = r;
	if (m->moved) {
		if ((r = move_self(m->home)) < 0 && rc == 0)
			rc = r;
		m->moved = r < 0;
	}
	if (m->created && !m->moved) {
		if ((r = rmdir_patiently(m->path)) < 0 && rc == 0)
			rc = r;
		m->created = access(m->path, F_OK) == 0;
		if (m->created && rc == 0)
			rc = -EBUSY;
	}
	return rc;
}
