/* test_kvm_devices.c — devices register with a VM; the exit dispatcher is never edited for them:
 *   - a device defined here, in a test file, and handed to the VM through the platform hooks
 *     receives the guest's hypercall (its arguments, the per-VM state its init made) and its
 *     return value reaches the guest; the run then finishes normally;
 *   - the same for an MMIO range in the window: the guest's store reaches the test device;
 *   - a hypercall number no device of the VM registered stops that VM with a message naming
 *     the number, and the VMM survives: the next VM runs to the end. Shadow paging's numbers
 *     are unknown to an ept VM (its strategy registers no device);
 *   - attaching is checked: a taken number, a number beyond the table, an MMIO range outside
 *     the window or overlapping another are refused before anything changes (no KVM needed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/run/kvm_platform.h"

#define TEST_HC_NR 40u /* a free number of the ABI, for this test only */
#define TEST_HC_REPLY 0x600dULL

/* ---- A device that lives only in this file ----------------------------------------------- */

struct test_dev_state {
	unsigned calls, mmio_writes;
	uint64_t first_args[4], second_arg0, mmio_offset, mmio_value;
};

static int test_dev_init(struct kvm_vm *vm, void **state, char *msg, size_t msglen)
{
	(void)vm, (void)msg, (void)msglen;
	*state = calloc(1, sizeof(struct test_dev_state));
	return *state ? 0 : -ENOMEM;
}

static void test_dev_fini(struct kvm_vm *vm, void *state)
{
	(void)vm;
	free(state);
}

/* First call: remember the arguments, answer TEST_HC_REPLY; the guest calls again with it. */
static bool test_hc(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	struct test_dev_state *s = state;
	if (s->calls >= 2)
		return kvm_hc_refuse(vm, hc, "called more than twice");
	if (s->calls++ == 0) {
		memcpy(s->first_args, hc->arg, sizeof(s->first_args));
		*ret = (int64_t)TEST_HC_REPLY;
	} else {
		s->second_arg0 = hc->arg[0];
	}
	return true;
}

static bool test_mmio(struct kvm_vm *vm, void *state, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)vm;
	struct test_dev_state *s = state;
	if (!is_write || len != 8)
		return false;
	s->mmio_writes++;
	s->mmio_offset = offset;
	memcpy(&s->mmio_value, data, 8);
	return true;
}

static const struct kvm_hypercall test_calls[] = { { TEST_HC_NR, "TEST_ECHO", test_hc, false } };

static const struct kvm_device test_device = {
	.name = "test",
	.calls = test_calls,
	.ncalls = 1,
	.mmio_offset = 0x800, /* where GK_SELFTEST_MMIO_POKE stores */
	.mmio_bytes = 0x100,
	.mmio = test_mmio,
	.init = test_dev_init,
	.fini = test_dev_fini,
};

static const struct kvm_device *const test_devices[] = { &test_device, NULL };

/* ---- Runs ---------------------------------------------------------------------------------- */

static struct run_result res;
static struct test_dev_state seen; /* the device's state, copied before the VM goes */
static bool attached;

static void keep_state(struct kvm_vm *vm, void *arg)
{
	(void)arg;
	const struct test_dev_state *s = kvm_device_state(vm, &test_device);
	attached = s != NULL;
	if (s)
		seen = *s;
}

static int run(const char *mmu, unsigned selftest, uint32_t nr, bool with_device)
{
	struct run_config c = kvm_test_config("seq", "kvm", 256 << 10, 1, 1000);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .image = &kvm_selftest_image, .selftest = selftest, .selftest_arg = nr, .stopping = keep_state,
					.devices = with_device ? test_devices : NULL };
	c.mmu = mmu;
	memset(&res, 0, sizeof(res));
	memset(&seen, 0, sizeof(seen));
	attached = false;
	int rc = kvm_platform_run(&c, &ctx, NULL, &res, &h);
	if (rc != 0)
		fprintf(stderr, "selftest %u (nr %u) under %s: %s\n", selftest, nr, mmu, res.message);
	return rc;
}

static void test_device_from_a_test_file_receives_its_hypercall(void **st)
{
	(void)st;
	const char *mmus[] = { "ept", "shadow" };
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(run(mmus[i], GK_SELFTEST_HCALL, TEST_HC_NR, true), 0);
		assert_true(res.have_checksum);
		assert_true(attached);
		assert_int_equal(seen.calls, 2);
		assert_true(seen.first_args[0] == 0x11 && seen.first_args[1] == 0x22 && seen.first_args[2] == 0x33 &&
			    seen.first_args[3] == 0x44);
		assert_true(seen.second_arg0 == TEST_HC_REPLY); /* the return value reached the guest */
	}
}

static void test_device_mmio_range_receives_the_store(void **st)
{
	(void)st;
	assert_int_equal(run("ept", GK_SELFTEST_MMIO_POKE, 0, true), 0);
	assert_true(res.have_checksum);
	assert_int_equal(seen.mmio_writes, 1);
	assert_true(seen.mmio_offset == 0 && seen.mmio_value == 0xbad);
	assert_int_equal(whole_run(&res)->exits.mmio, 1);
}

static void expect_unknown(const char *mmu, uint32_t nr, const char *named)
{
	assert_true(run(mmu, GK_SELFTEST_HCALL, nr, false) < 0);
	assert_false(res.have_checksum);
	assert_false(attached);
	if (!strstr(res.message, named))
		fprintf(stderr, "message '%s' lacks '%s'\n", res.message, named);
	assert_non_null(strstr(res.message, named));
	assert_non_null(strstr(res.message, "refused: unknown hypercall number"));
	/* the VMM survives: the next VM runs to the end */
	assert_int_equal(run(mmu, GK_SELFTEST_NONE, 0, false), 0);
	assert_true(res.have_checksum);
}

static void test_unknown_hypercall_names_the_number_and_the_vmm_survives(void **st)
{
	(void)st;
	expect_unknown("ept", TEST_HC_NR, "guest hypercall 40 (0x28) refused"); /* not attached here */
	expect_unknown("ept", 0xdeadbeef, "guest hypercall 3735928559 (0xdeadbeef) refused");
	expect_unknown("ept", KVM_HC_MAX, "guest hypercall 64 (0x40) refused");
	expect_unknown("ept", GK_HC_CR3_LOAD, "guest hypercall 8 (0x8) refused"); /* shadow's, not ept's */
}

/* ---- Attaching, without KVM ---------------------------------------------------------------- */

static bool never(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)vm, (void)state, (void)hc, (void)ret;
	return false;
}

static bool no_mmio(struct kvm_vm *vm, void *state, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)vm, (void)state, (void)offset, (void)data, (void)len, (void)is_write;
	return false;
}

static void test_attach_refuses_clashes(void **st)
{
	(void)st;
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	char msg[128];
	assert_non_null(vm);
	vm->layout.mmio_bytes = 2 << 20;
	assert_int_equal(kvm_device_attach(vm, &kvm_dev_core, msg, sizeof(msg)), 0);

	const struct kvm_hypercall done_again[] = { { GK_HC_DONE, "DONE2", never, false } };
	const struct kvm_device taken = { .name = "taken", .calls = done_again, .ncalls = 1 };
	assert_int_equal(kvm_device_attach(vm, &taken, msg, sizeof(msg)), -EEXIST);
	assert_non_null(strstr(msg, "hypercall number 3 already taken"));

	const struct kvm_hypercall too_big[] = { { KVM_HC_MAX, "BIG", never, false } };
	const struct kvm_device big = { .name = "big", .calls = too_big, .ncalls = 1 };
	assert_int_equal(kvm_device_attach(vm, &big, msg, sizeof(msg)), -ERANGE);

	const struct kvm_hypercall twice[] = { { 50, "A", never, false }, { 50, "B", never, false } };
	const struct kvm_device dup = { .name = "dup", .calls = twice, .ncalls = 2 };
	assert_int_equal(kvm_device_attach(vm, &dup, msg, sizeof(msg)), -EEXIST);

	const struct kvm_device outside = { .name = "outside", .mmio_offset = (2 << 20) - 8, .mmio_bytes = 16, .mmio = no_mmio };
	assert_int_equal(kvm_device_attach(vm, &outside, msg, sizeof(msg)), -ERANGE);
	const struct kvm_device a = { .name = "a", .mmio_offset = 0x1000, .mmio_bytes = 0x1000, .mmio = no_mmio };
	const struct kvm_device b = { .name = "b", .mmio_offset = 0x1ff8, .mmio_bytes = 8, .mmio = no_mmio };
	assert_int_equal(kvm_device_attach(vm, &a, msg, sizeof(msg)), 0);
	assert_int_equal(kvm_device_attach(vm, &b, msg, sizeof(msg)), -EEXIST);

	/* nothing refused was half-attached: core and a, and 50 is still free */
	assert_int_equal(vm->devices.ndev, 2);
	assert_null(vm->devices.hc[50].call);
	assert_string_equal(vm->devices.hc[GK_HC_DONE].call->name, "DONE");
	kvm_device_detach_all(vm);
	free(vm);
}

int main(void)
{
	const struct CMUnitTest offline[] = { cmocka_unit_test(test_attach_refuses_clashes) };
	int failed = cmocka_run_group_tests_name("kvm_devices_attach", offline, NULL, NULL);
	kvm_test_skip_unless_usable("kvm_devices");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_from_a_test_file_receives_its_hypercall),
		cmocka_unit_test(test_device_mmio_range_receives_the_store),
		cmocka_unit_test(test_unknown_hypercall_names_the_number_and_the_vmm_survives),
	};
	return failed | cmocka_run_group_tests_name("kvm_devices", tests, NULL, NULL);
}
