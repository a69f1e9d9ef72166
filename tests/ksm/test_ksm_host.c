/* test_ksm_host.c — page sharing as a user runs it (the real binary, MEMVIRT_BIN): a host of
 * three identical `dup` VMs on sim with ksm = on and an aggressive ksmd (10,000 pages every
 * 5 ms) gets pages merged within a few seconds, keeps every checksum equal to the same VM's
 * single run, and its own scanner's estimate matches dup's configured duplicate and zero
 * fractions (on kvm too, when /dev/kvm is usable: slower, since guest memory faults in
 * through the VMM); and every KSM knob is back to its old value after a normal run, a failed one (a
 * VM that cannot get its memory), a SIGTERM mid-run and a SIGKILL (the janitor). Needs root
 * and /sys/kernel/mm/ksm (exit 77 naming what is missing). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "ksm/ksm.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/test_json.h"
#include "tests/common/run_cmd.h"
#include "tests/common/tmpdir.h"

#define DUP_FRAC 0.85
#define ZERO_FRAC 0.05
#define MEM_PAGES 4096 /* mem = 16m */

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };
static struct ksm_knob_values found;
static char why[512];

static const char *scenario =
	"[host]\n"
	"ksm = on\n"
	"ksm-scan = on\n"
	"ksm-pages-to-scan = 10000\n"
	"ksm-sleep-ms = 5\n"
	"ksm-sample-ms = 50\n"
	"[vm d]\n"
	"count = 3\n"
	"platform = %s\n"
	"workload = dup\n"
	"mem = 16m\n"
	"dup-frac = 0.85\n"
	"zero-frac = 0.05\n"
	"dup-pool = 8\n"
	"rewrite-every = 1000000000\n"
	"ops = %s\n"
	"seed = 11\n";

/* Every knob as found before the tests (bounded wait: a janitor may still be at it). */
static void assert_knobs_restored(void)
{
	for (int i = 0; i < 500 && !ksm_knobs_equal_now(&found, why, sizeof(why)); i++)
		usleep(10000);
	if (!ksm_knobs_equal_now(&found, why, sizeof(why)))
		fail_msg("KSM knob not restored: %s", why);
}

static const char *write_scenario(const char *name, const char *platform, const char *ops, char *path, size_t n)
{
	char text[2048];
	snprintf(text, sizeof(text), scenario, platform, ops);
	test_write_file(test_dir, name, text, path, n);
	return path;
}

static void check_estimate(json_t *est)
{
	const char *name;
	json_t *vm;
	json_object_foreach(json_object_get(est, "vms"), name, vm) {
		double zero = (double)json_integer_value(json_object_get(vm, "zero")) / MEM_PAGES;
		double dup = (double)json_integer_value(json_object_get(vm, "dup")) / MEM_PAGES;
		printf("# estimate %s: zero %.4f (configured %.2f), dup %.4f (configured %.2f)\n", name, zero, ZERO_FRAC,
		       dup, DUP_FRAC);
		assert_false(json_is_true(json_object_get(vm, "missed")));
		/* binomial noise over 4096 pages is ~0.006; guest page tables add a few pages */
		assert_true(zero > ZERO_FRAC - 0.02 && zero < ZERO_FRAC + 0.02);
		assert_true(dup > DUP_FRAC - 0.03 && dup < DUP_FRAC + 0.03);
	}
}

static void host_merges_and_restores(const char *platform, const char *ops)
{
	char ini[512], json[512];
	snprintf(json, sizeof(json), "%s/ksm.json", test_dir);
	int rc = memvirt_cmd_run(&cmd, "host %s --json %s --no-progress",
				 write_scenario("ksm.ini", platform, ops, ini, sizeof(ini)), json);
	if (rc != 0)
		fail_msg("memvirt host: %d\n%s%s", rc, cmd.out, cmd.err);
	assert_knobs_restored();
	json_error_t e;
	json_t *doc = json_load_file(json, 0, &e);
	assert_non_null(doc);
	json_t *k = test_json_at(doc, "host.ksm");
	assert_true(json_is_true(test_json_at(k, "knobs.restored")));
	assert_string_equal(json_string_value(test_json_at(k, "knobs.set.pages_to_scan")), "10000");
	json_int_t saved = json_integer_value(test_json_at(k, "saved_bytes"));
	json_int_t sharable = json_integer_value(test_json_at(k, "estimate.saved_across_vms_bytes"));
	double t90 = json_number_value(test_json_at(k, "time_to_savings_s"));
	printf("# %s: KSM saved %lld of %lld sharable bytes, 90%% after %.2f s, ksmd %.2f s CPU\n", platform, (long long)saved,
	       (long long)sharable, t90, json_number_value(test_json_at(k, "ksmd_cpu_s")));
	assert_true(saved > 0);
	assert_true(json_is_number(test_json_at(k, "time_to_savings_s")) && t90 < 10);
	assert_true(json_array_size(test_json_at(k, "series.rows")) > 10);
	check_estimate(test_json_at(k, "estimate"));

	/* every VM's checksum is the one dup has alone, without KSM */
	rc = memvirt_cmd_run(&cmd, "run --platform %s --workload dup --mem 16m --dup-frac 0.85 --zero-frac 0.05 "
			     "--dup-pool 8 --rewrite-every 1000000000 --ops %s --seed 11 --no-progress", platform, ops);
	assert_int_equal(rc, 0);
	const char *name;
	json_t *vm;
	json_object_foreach(json_object_get(doc, "vms"), name, vm) {
		const char *sum = json_string_value(test_json_at(vm, "result.checksum"));
		assert_non_null(sum);
		if (!strstr(cmd.out, sum))
			fail_msg("vm %s checksum %s differs from the single run: %s", name, sum, cmd.out);
	}
	json_decref(doc);
}

static void test_sim_host_merges_and_restores(void **st)
{
	(void)st;
	host_merges_and_restores("sim", "8000000"); /* ~1 s a VM: ksmd and the sampler get time even on a loaded host */
}

/* kvm guests fault their memory in slowly (seconds for 16 MiB on a PVM host): a longer
 * measured phase gives ksmd the time to merge while the VMs still run. */
static void test_kvm_host_merges_and_restores(void **st)
{
	(void)st;
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		skip();
	host_merges_and_restores("kvm", "30000000");
}

/* A host whose second VM cannot get its memory (hugetlb with no huge pages reserved, or no
 * /dev/kvm at all) fails; the knobs are restored all the same. */
static void test_failed_host_restores(void **st)
{
	(void)st;
	char ini[512], text[1024];
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	long huge = 0;
	if (f) {
		if (fscanf(f, "%ld", &huge) != 1)
			huge = 0;
		fclose(f);
	}
	if (huge > 0)
		skip(); /* the VM might get its huge pages and not fail */
	snprintf(text, sizeof(text),
		 "[host]\nksm = on\nksm-pages-to-scan = 5000\n[vm a]\nplatform = sim\nworkload = dup\nmem = 8m\n"
		 "[vm bad]\nplatform = kvm\nworkload = dup\nmem = 8m\nbackend = hugetlb\n");
	test_write_file(test_dir, "fail.ini", text, ini, sizeof(ini));
	int rc = memvirt_cmd_run(&cmd, "host %s --no-progress", ini);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(cmd.out, "knobs restored"));
	assert_knobs_restored();
}

/* Starts a long host run, waits until KSM is on (its run knob reads 1) and a little more,
 * then sends sig. Returns the exit status as a shell gives it. */
static int run_and_signal(int sig)
{
	char ini[512], json[512], out[600], err[600];
	write_scenario("long.ini", "sim", "1000000000", ini, sizeof(ini));
	snprintf(json, sizeof(json), "%s/long.json", test_dir);
	snprintf(out, sizeof(out), "%s/long.out", test_dir);
	snprintf(err, sizeof(err), "%s/long.err", test_dir);
	pid_t pid = fork();
	if (pid == 0) {
		execl(MEMVIRT_BIN, "memvirt", "host", ini, "--json", json, "--no-progress", (char *)NULL);
		_exit(127);
	}
	char run[8] = "";
	for (int i = 0; i < 1000 && strcmp(run, "1") != 0; i++) {
		usleep(10000);
		ksm_knob_read(KSM_RUN, run, sizeof(run));
	}
	usleep(1500000); /* guest RAM published and marked, ksmd merging */
	kill(pid, sig);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_sigterm_restores(void **st)
{
	(void)st;
	assert_int_equal(run_and_signal(SIGTERM), 130);
	assert_knobs_restored();
	char json[512];
	snprintf(json, sizeof(json), "%s/long.json", test_dir);
	json_error_t e;
	json_t *doc = json_load_file(json, 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(test_json_at(doc, "status.state")), "interrupted");
	assert_true(json_is_true(test_json_at(doc, "host.ksm.knobs.restored")));
	json_decref(doc);
}

static void test_sigkill_restored_by_janitor(void **st)
{
	(void)st;
	assert_int_equal(run_and_signal(SIGKILL), 128 + SIGKILL);
	assert_knobs_restored();
}

int main(void)
{
	const char *un = ksm_unavailable();
	if (un) {
		printf("ksm_host: skipped: %s\n", un);
		return 77;
	}
	ksm_knobs_save(&found);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_host_merges_and_restores),
		cmocka_unit_test(test_kvm_host_merges_and_restores),
		cmocka_unit_test(test_failed_host_restores),
		cmocka_unit_test(test_sigterm_restores),
		cmocka_unit_test(test_sigkill_restored_by_janitor),
	};
	int rc = cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
	if (!ksm_knobs_equal_now(&found, why, sizeof(why))) {
		fprintf(stderr, "ksm_host: host left changed: %s; restoring\n", why);
		ksm_knobs_restore(&found, why, sizeof(why));
		return 1;
	}
	return rc;
}
