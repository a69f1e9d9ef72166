/* test_kvm_control.c — controlling running VMs: a control thread kicking the vCPU out of
 * KVM_RUN loses no guest state (the checksum is unchanged), a kick with stop ends the run as
 * interrupted, and several VMs run side by side in one process. */
#include <pthread.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "tests/kvm/kvm_test.h"
#include "vmm/run/kvm_platform.h"
#include "vmm/run/run.h"

struct kicker {
	pthread_t th;
	struct kvm_vm *vm;
	atomic_bool running;
	bool stop;           /* kick with stop (once), else keep kicking */
	unsigned sent;
};

static void *kicker_main(void *arg)
{
	struct kicker *k = arg;
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	while (atomic_load(&k->running)) {
		nanosleep(&pause, NULL);
		if (!atomic_load(&k->running))
			break;
		kvm_vm_kick(k->vm, k->stop);
		k->sent++;
		if (k->stop)
			break;
	}
	return NULL;
}

static void kicker_start(struct kvm_vm *vm, void *arg)
{
	struct kicker *k = arg;
	k->vm = vm;
	atomic_store(&k->running, true);
	pthread_create(&k->th, NULL, kicker_main, k);
}

static void kicker_stop(struct kvm_vm *vm, void *arg)
{
	struct kicker *k = arg;
	(void)vm;
	atomic_store(&k->running, false);
	pthread_join(k->th, NULL);
}

static uint64_t native_checksum(const char *wl, uint64_t mem, uint64_t seed, uint64_t ops)
{
	static struct run_result r;
	struct run_config c = kvm_test_config(wl, "native", mem, seed, ops);
	assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	return r.checksum;
}

static void test_kicks_lose_no_state(void **st)
{
	(void)st;
	static struct run_result r;
	struct kicker k = { .stop = false };
	struct run_config c = kvm_test_config("churn", "kvm", 1 << 20, 9, 1500);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .started = kicker_start, .stopping = kicker_stop, .arg = &k };
	assert_int_equal(kvm_platform_run(&c, &ctx, NULL, &r, &h), 0);
	assert_true(k.sent > 0);
	assert_true(r.have_checksum);
	assert_true(r.checksum == native_checksum("churn", 1 << 20, 9, 1500));
}

static void test_kick_with_stop_interrupts(void **st)
{
	(void)st;
	static struct run_result r;
	struct kicker k = { .stop = true };
	struct run_config c = kvm_test_config("churn", "kvm", 1 << 20, 9, 1000000); /* minutes if not stopped */
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .started = kicker_start, .stopping = kicker_stop, .arg = &k };
	assert_int_equal(kvm_platform_run(&c, &ctx, NULL, &r, &h), -EINTR);
	assert_false(r.have_checksum);
	assert_non_null(strstr(r.message, "stopped on request"));
}

struct parallel_vm {
	pthread_t th;
	const char *wl;
	uint64_t seed;
	int rc;
	struct run_result res;
};

static void *parallel_main(void *arg)
{
	struct parallel_vm *p = arg;
	struct run_config c = kvm_test_config(p->wl, "kvm", 512 << 10, p->seed, 20000);
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { 0 };
	p->rc = kvm_platform_run(&c, &ctx, NULL, &p->res, &h);
	return NULL;
}

static void test_several_vms_side_by_side(void **st)
{
	(void)st;
	static struct parallel_vm vms[3] = { { .wl = "gups", .seed = 1 }, { .wl = "pchase", .seed = 2 },
					     { .wl = "ctxsw", .seed = 3 } };
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&vms[i].th, NULL, parallel_main, &vms[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(vms[i].th, NULL);
		assert_int_equal(vms[i].rc, 0);
		assert_true(vms[i].res.checksum == native_checksum(vms[i].wl, 512 << 10, vms[i].seed, 20000));
	}
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_control");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kicks_lose_no_state),
		cmocka_unit_test(test_kick_with_stop_interrupts),
		cmocka_unit_test(test_several_vms_side_by_side),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
