/* test_host_state.c — host state that reclaim experiments change is restored: zram swap is
 * switched on and fully reset afterwards; the run's memory cgroup holds the process and is
 * removed with the process moved home; and the memvirt binary, given --swap zram and a limit,
 * leaves neither behind when it finishes or is interrupted by SIGINT or SIGTERM, nor when it is
 * killed outright (its janitor process restores the host); SIGHUP and SIGQUIT to its process
 * group and a second Ctrl-C during the teardown still end in an interrupted result and a
 * clean host; a killed run's janitor writes its document marked "killed". Root only, and
 * only where /dev/zram0 is free and the memory controller exists
 * (exit 77 otherwise). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "vmm/host/memcg.h"
#include "vmm/host/sysfs.h"
#include "vmm/host/swap.h"
#include "vmm/host/zram.h"

static char why[256];

static bool zram_clean(void)
{
	uint64_t size = 1;
	sysfs_read_u64("/sys/block/zram0/disksize", &size);
	return !host_swap_device_on("/dev/zram0") && size == 0;
}

/* No memvirt-* group anywhere under the memory controller's root. */
static bool no_memvirt_cgroup(void)
{
	int rc = system("test -z \"$(find /sys/fs/cgroup/memory /sys/fs/cgroup -maxdepth 4 -type d -name 'memvirt-*' "
			"2>/dev/null)\"");
	return rc == 0;
}

static bool in_cgroup_named(const char *needle)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

static void test_zram_setup_teardown(void **st)
{
	(void)st;
	struct zram_swap z;
	if (zram_swap_setup(&z, 64ULL << 20, why, sizeof(why)) < 0)
		fail_msg("zram setup: %s", why);
	assert_true(host_has_swap());
	assert_false(zram_clean());
	assert_int_equal(zram_swap_teardown(&z), 0);
	assert_true(zram_clean());
	assert_int_equal(zram_swap_teardown(&z), 0); /* twice is harmless */
}

static void test_zram_refuses_busy_device(void **st)
{
	(void)st;
	struct zram_swap a, b;
	if (zram_swap_setup(&a, 64ULL << 20, why, sizeof(why)) < 0)
		fail_msg("zram setup: %s", why);
	assert_int_equal(zram_swap_setup(&b, 64ULL << 20, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "already in use"));
	assert_int_equal(zram_swap_teardown(&b), 0); /* did nothing, undoes nothing */
	assert_false(zram_clean());
	assert_int_equal(zram_swap_teardown(&a), 0);
	assert_true(zram_clean());
}

static void test_memcg_enter_leave(void **st)
{
	(void)st;
	struct memcg m;
	char name[64];
	snprintf(name, sizeof(name), "memvirt-%ld", (long)getpid());
	if (memcg_enter(&m, why, sizeof(why)) < 0)
		fail_msg("memcg: %s", why);
	assert_true(in_cgroup_named(name));
	assert_int_equal(memcg_set_limit(&m, 512ULL << 20), 0);
	uint64_t usage = 0;
	assert_int_equal(memcg_usage(&m, &usage), 0);
	assert_int_equal(memcg_set_limit(&m, 0), 0);
	assert_int_equal(memcg_leave(&m), 0);
	assert_false(in_cgroup_named(name));
	assert_true(no_memvirt_cgroup());
	assert_int_equal(memcg_leave(&m), 0);
}

static bool pid_in_run_cgroup(pid_t pid)
{
	char path[64], line[1024];
	bool found = false;
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, ":memory:") && strstr(line, "/memvirt-");
	if (f)
		fclose(f);
	return found;
}

/* How run_and_signal delivers its signal. */
struct delivery {
	bool to_group;     /* to memvirt's whole process group (its janitor too), as a terminal does */
	int again_after_us; /* > 0: the same signal once more this long after the first (teardown) */
};

/* Runs memvirt in the background (its own process group); once its cgroup exists (the run is
 * under way), sends sig as d says. The limit is above what the run uses: the group and the
 * limit are what there is to undo, and a real squeeze could end in the cgroup's OOM killer,
 * which is a different test. Returns the exit status, or -1 when a signal ended memvirt. */
static int run_and_deliver(const char *json, int sig, struct delivery d)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		execl(MEMVIRT_BIN, "memvirt", "run", "--platform", "sim", "--workload", "seq", "--mem", "64m", "--passes",
		      sig ? "2000" : "20", "--no-progress", "--swap", "zram:256m", "--reclaim",
		      "limit:at=50ms,bytes=1g,until=200ms", "--reclaim", "pageout:at=100ms,frac=0.5", "--json", json,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; sig && i < 3000 && !pid_in_run_cgroup(pid); i++)
		usleep(10000);
	if (sig) {
		usleep(300000); /* let the reclaim events happen: they are what there is to undo */
		kill(d.to_group ? -pid : pid, sig);
		if (d.again_after_us > 0) {
			usleep((useconds_t)d.again_after_us);
			kill(d.to_group ? -pid : pid, sig);
		}
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_and_signal(const char *json, int sig)
{
	return run_and_deliver(json, sig, (struct delivery){ 0 });
}

/* The janitor may still be restoring after a killed run: wait for it (bounded), then report. */
static bool host_clean(void)
{
	for (int i = 0; i < 1000 && !(zram_clean() && no_memvirt_cgroup()); i++)
		usleep(20000);
	return zram_clean() && no_memvirt_cgroup();
}

static void check_run_document(const char *json, const char *state)
{
	json_error_t e;
	json_t *doc = json_load_file(json, 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "status"), "state")), state);
	json_t *rec = json_object_get(doc, "reclaim");
	assert_true(json_is_true(json_object_get(json_object_get(rec, "swap"), "restored")));
	assert_true(json_is_true(json_object_get(json_object_get(rec, "cgroup"), "removed")));
	json_decref(doc);
}

static void test_run_restores_host(void **st)
{
	(void)st;
	int rc = run_and_signal("/tmp/memvirt-hoststate.json", 0);
	assert_true(host_clean());
	assert_int_equal(rc, 0);
	check_run_document("/tmp/memvirt-hoststate.json", "ok");
}

static void test_interrupted_run_restores_host(void **st)
{
	(void)st;
	int rc = run_and_signal("/tmp/memvirt-hoststate.json", SIGINT);
	assert_true(host_clean());
	assert_int_equal(rc, 130);
	check_run_document("/tmp/memvirt-hoststate.json", "interrupted");
	rc = run_and_signal("/tmp/memvirt-hoststate.json", SIGTERM);
	assert_true(host_clean());
	assert_int_equal(rc, 130);
	unlink("/tmp/memvirt-hoststate.json");
}

/* A closed terminal (SIGHUP) or Ctrl-\ (SIGQUIT) reaches the whole process group, janitor
 * included: the run is written as interrupted, the VMM restores the host itself, and the
 * janitor, which ignores them, is still there had it not. */
static void test_group_signals_restore_host(void **st)
{
	(void)st;
	static const int sigs[] = { SIGHUP, SIGQUIT };
	for (size_t i = 0; i < 2; i++) {
		int rc = run_and_deliver("/tmp/memvirt-hoststate.json", sigs[i], (struct delivery){ .to_group = true });
		assert_true(host_clean());
		assert_int_equal(rc, 130);
		check_run_document("/tmp/memvirt-hoststate.json", "interrupted");
		unlink("/tmp/memvirt-hoststate.json");
	}
}

/* A second Ctrl-C while the first one's teardown restores the host (swapoff takes a while)
 * must not end the process before the interrupted run's document is written. */
static void test_second_interrupt_during_teardown(void **st)
{
	(void)st;
	static const int gaps_us[] = { 2000, 20000, 100000 };
	for (size_t i = 0; i < 3; i++) {
		int rc = run_and_deliver("/tmp/memvirt-hoststate.json", SIGINT,
					 (struct delivery){ .to_group = true, .again_after_us = gaps_us[i] });
		assert_true(host_clean());
		assert_int_equal(rc, 130);
		check_run_document("/tmp/memvirt-hoststate.json", "interrupted");
		unlink("/tmp/memvirt-hoststate.json");
	}
}

/* SIGKILL (or the cgroup's OOM killer) leaves no chance to clean up: the janitor does it. */
static void test_killed_run_restored_by_janitor(void **st)
{
	(void)st;
	unlink("/tmp/memvirt-hoststate.json");
	int rc = run_and_signal("/tmp/memvirt-hoststate.json", SIGKILL);
	assert_true(host_clean()); /* the janitor works after the VMM is gone */
	assert_int_equal(rc, -1);
	/* and records the death once the host is restored (vmm/run/run_record.h) */
	for (int i = 0; i < 500 && access("/tmp/memvirt-hoststate.json", F_OK) != 0; i++)
		usleep(20000);
	json_error_t e;
	json_t *doc = json_load_file("/tmp/memvirt-hoststate.json", 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "status"), "state")), "killed");
	json_decref(doc);
	unlink("/tmp/memvirt-hoststate.json");
	unlink("/tmp/memvirt-hoststate.series.csv");
}

int main(void)
{
	if (geteuid() != 0) {
		printf("reclaim_host_state: skipped: needs root (zram swap and memory cgroups)\n");
		return 77;
	}
	if (access("/sys/block/zram0/disksize", W_OK) != 0 || !zram_clean()) {
		printf("reclaim_host_state: skipped: /dev/zram0 is absent or in use\n");
		return 77;
	}
	if (memcg_host_version() != 1) {
		printf("reclaim_host_state: skipped: needs the cgroup v1 memory controller at /sys/fs/cgroup/memory\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zram_setup_teardown), cmocka_unit_test(test_zram_refuses_busy_device),
		cmocka_unit_test(test_memcg_enter_leave), cmocka_unit_test(test_run_restores_host),
		cmocka_unit_test(test_interrupted_run_restores_host), cmocka_unit_test(test_group_signals_restore_host),
		cmocka_unit_test(test_second_interrupt_during_teardown), cmocka_unit_test(test_killed_run_restored_by_janitor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
