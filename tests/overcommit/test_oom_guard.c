/* test_oom_guard.c — the budget's OOM guard (overcommit/oom_guard.h): a child process in a
 * memory cgroup of its own, limited to 16 MiB with no swap, touches 48 MiB of anonymous
 * memory. Unguarded the OOM killer kills it; guarded it finishes, the guard having raised the
 * limit, and says by how much. Root and the cgroup v1 memory controller (exit 77 otherwise). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "overcommit/oom_guard.h"
#include "vmm/host/memcg.h"

#define LIMIT (16ULL << 20)
#define TOUCH (48ULL << 20)

/* Whether pid is a task of the group (its cgroup.procs). */
static bool in_group(const struct memcg *cg, pid_t pid)
{
	char path[640], line[32];
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	FILE *f = fopen(path, "r");
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f))
		found = atol(line) == (long)pid;
	if (f)
		fclose(f);
	return found;
}

/* In the child: its own group, limited, optionally guarded; then touch TOUCH bytes. Exit 0
 * when it got through (3: set-up failed; 4: the guard was still in the group when
 * oom_guard_start returned — it could then be held by the group's OOM with everyone else),
 * after writing the guard's raises to fd. */
static void child(bool guarded, int fd)
{
	struct memcg cg = { 0 };
	char why[256];
	struct oom_guard g;
	if (memcg_enter(&cg, why, sizeof(why)) < 0 || memcg_set_limit(&cg, LIMIT) < 0)
		_exit(3);
	if (guarded && oom_guard_start(&g, &cg, LIMIT, 4ULL << 20) < 0)
		_exit(3);
	if (guarded && in_group(&cg, g.pid))
		_exit(4);
	volatile char *p = mmap(NULL, TOUCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (size_t off = 0; off < TOUCH; off += 4096)
		p[off] = 1;
	if (guarded)
		oom_guard_stop(&g);
	uint64_t raises = guarded ? atomic_load(&g.last.raises) : 0;
	if (write(fd, &raises, sizeof(raises)) != sizeof(raises))
		_exit(3);
	munmap((void *)p, TOUCH);
	memcg_leave(&cg);
	_exit(0);
}

static int run_child(bool guarded, uint64_t *raises)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(guarded, fds[1]);
	}
	close(fds[1]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*raises = 0;
	if (read(fds[0], raises, sizeof(*raises)) != sizeof(*raises))
		*raises = UINT64_MAX;
	close(fds[0]);
	/* a killed child leaves its group behind (memcg_leave never ran): remove it */
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "find /sys/fs/cgroup/memory -maxdepth 4 -type d -name memvirt-%d -exec rmdir {} + ; true",
		 (int)pid);
	assert_int_equal(system(cmd), 0);
	return st;
}

static void test_unguarded_is_killed_guarded_finishes(void **st)
{
	(void)st;
	uint64_t raises;
	int s = run_child(false, &raises);
	printf("# unguarded: %s %d\n", WIFSIGNALED(s) ? "killed by signal" : "exit", WIFSIGNALED(s) ? WTERMSIG(s) : WEXITSTATUS(s));
	assert_true(WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL); /* the OOM killer */
	s = run_child(true, &raises);
	printf("# guarded: exit %d, %llu raises\n", WIFEXITED(s) ? WEXITSTATUS(s) : -1, (unsigned long long)raises);
	assert_true(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	assert_true(raises >= (TOUCH - LIMIT) / (4ULL << 20) / 2); /* it had to raise the limit */
}

int main(void)
{
	if (geteuid() != 0) {
		printf("overcommit_oom_guard: skipped: needs root (a memory cgroup)\n");
		return 77;
	}
	if (memcg_host_version() != 1) {
		printf("overcommit_oom_guard: skipped: needs the cgroup v1 memory controller\n");
		return 77;
	}
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines++;
	if (f)
		fclose(f);
	if (lines > 1) {
		printf("overcommit_oom_guard: skipped: the host has swap now, so the unguarded child would swap, not die\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unguarded_is_killed_guarded_finishes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
