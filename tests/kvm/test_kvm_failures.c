/* test_kvm_failures.c — the kvm platform's failure paths: a guest that misbehaves on purpose
 * (guest self-tests: out-of-range hypercall arguments, an unknown hypercall, a wild MMIO
 * write, a triple fault, a wild ring-3 store, ring 3 reading the kernel's pages or writing
 * its own code; the self-test image only) is stopped with a message saying what was
 * refused, the VMM carries on and the next VM runs fine; the production image refuses
 * self-tests; configurations kvm cannot run are
 * refused up front; without permission on /dev/kvm, `memvirt run --platform kvm` prints one
 * clear line and exits 1. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/kvm/kvm_test.h"
#include "vmm/run/kvm_platform.h"

static struct run_result res;

static int run_selftest(unsigned selftest, const char *wl)
{
	struct run_config c = kvm_test_config(wl, "kvm", 256 << 10, 1, 1000);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .image = &kvm_selftest_image, .selftest = selftest, .selftest_arg = 0x7777 };
	memset(&res, 0, sizeof(res));
	return kvm_platform_run(&c, &ctx, NULL, &res, &h);
}

static void expect_refused(unsigned selftest, const char *needle)
{
	int rc = run_selftest(selftest, "seq");
	if (!strstr(res.message, needle))
		fprintf(stderr, "selftest %u: message '%s' lacks '%s'\n", selftest, res.message, needle);
	assert_true(rc < 0);
	assert_false(res.have_checksum);
	assert_non_null(strstr(res.message, needle));
	assert_non_null(strstr(res.message, "rip=")); /* the register dump */
	/* the VMM is intact: a well-behaved guest runs right after */
	assert_int_equal(run_selftest(GK_SELFTEST_NONE, "seq"), 0);
	assert_true(res.have_checksum);
}

static void test_bad_zero_range_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_BAD_ZERO, "ZERO (4) refused: range outside guest RAM");
}

static void test_bad_console_length_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_BAD_CONSOLE, "CONSOLE (1) refused: length beyond the console buffer");
}

static void test_overlong_sleep_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_BAD_SLEEP, "SLEEP (11) refused: sleep length outside (0, 10 s]");
}

static void test_unknown_hypercall_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_HCALL, "refused: unknown hypercall number");
}

static void test_mmio_poke_refused(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_MMIO_POKE, "MMIO write of 8 bytes");
}

static void test_triple_fault_stops_the_vm(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_TRIPLE_FAULT, "triple fault");
}

static void test_wild_user_store_kills_the_workload(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_WILD_STORE, "page fault at 0x7ff000000000");
}

static void test_user_read_of_kernel_page_kills_the_workload(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_READ_KERNEL, "page fault at 0x200000 (error 0x5");
}

static void test_user_write_of_its_code_kills_the_workload(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_WRITE_USER_TEXT, "(error 0x7");
}

static void test_privileged_user_instruction_kills_the_workload(void **st)
{
	(void)st;
	expect_refused(GK_SELFTEST_USER_HLT, "workload killed: #GP (vector 13)");
}

/* The production image has no misbehaving guest: asking it for one is refused up front. */
static void test_production_image_refuses_selftests(void **st)
{
	(void)st;
	struct run_config c = kvm_test_config("seq", "kvm", 256 << 10, 1, 1000);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .selftest = GK_SELFTEST_BAD_ZERO };
	memset(&res, 0, sizeof(res));
	assert_int_equal(kvm_platform_run(&c, &ctx, NULL, &res, &h), -ENOTSUP);
	assert_non_null(strstr(res.message, "needs the self-test image"));
	assert_false(res.have_checksum);
}

static void test_unsupported_configs_refused(void **st)
{
	(void)st;
	struct run_config c = kvm_test_config("seq", "kvm", 256 << 10, 1, 1000);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { 0 };
	c.mmu = "none";
	assert_int_equal(kvm_platform_run(&c, &ctx, NULL, &res, &h), -ENOTSUP);
	assert_non_null(strstr(res.message, "--mmu none"));
	c.mmu = "ept";
	c.sim.levels = 5;
	assert_int_equal(kvm_platform_run(&c, &ctx, NULL, &res, &h), -ENOTSUP);
	assert_non_null(strstr(res.message, "--levels 5"));
	c.sim.levels = 4;
	c.mmu = "shadow";
	c.sim.shadow_write_flood = true;
	assert_int_equal(kvm_platform_run(&c, &ctx, NULL, &res, &h), -ENOTSUP);
	assert_non_null(strstr(res.message, "--shadow-flood"));
}

/* As an unprivileged user /dev/kvm (0600 root) cannot be opened: one line, exit status 1. */
static void test_no_permission_is_one_clear_line(void **st)
{
	(void)st;
	if (geteuid() != 0 || access(MEMVIRT_BIN, X_OK) != 0)
		skip();
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(99);
		execl(MEMVIRT_BIN, "memvirt", "run", "--platform", "kvm", "--mem", "64k", "--no-progress", (char *)NULL);
		_exit(98);
	}
	close(fds[1]);
	char out[1024] = { 0 };
	ssize_t n = 0, r;
	while ((r = read(fds[0], out + n, sizeof(out) - 1 - (size_t)n)) > 0)
		n += r;
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(out, "permission denied on /dev/kvm"));
	assert_non_null(strchr(out, '\n'));
	assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* exactly one line */
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_failures");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_zero_range_refused),
		cmocka_unit_test(test_bad_console_length_refused),
		cmocka_unit_test(test_unknown_hypercall_refused),
		cmocka_unit_test(test_overlong_sleep_refused),
		cmocka_unit_test(test_mmio_poke_refused),
		cmocka_unit_test(test_triple_fault_stops_the_vm),
		cmocka_unit_test(test_wild_user_store_kills_the_workload),
		cmocka_unit_test(test_user_read_of_kernel_page_kills_the_workload),
		cmocka_unit_test(test_user_write_of_its_code_kills_the_workload),
		cmocka_unit_test(test_privileged_user_instruction_kills_the_workload),
		cmocka_unit_test(test_production_image_refuses_selftests),
		cmocka_unit_test(test_unsupported_configs_refused),
		cmocka_unit_test(test_no_permission_is_one_clear_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
