/* test_phase_clock.c — the phase marks a guest's workload sends (the sim and native HAL's
 * phase call; on kvm behind the device's own check) are taken once and in order by the phase
 * clock every platform shares (vmm/run/phase_clock.c): a repeated MEASURE, a MEASURE after
 * DONE or a value that is no phase is refused and changes nothing, so setup_s and run_s stay
 * the VMM's clock's and never go negative. This failed before: a second MEASURE moved the
 * measured phase's start, and MEASURE after DONE made run_s negative. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/run/platform.h"

static void test_in_order_accepted(void **st)
{
	(void)st;
	struct phase_clock pc;
	struct run_result res = { 0 };
	phase_clock_start(&pc);
	assert_true(phase_clock_mark(&pc, WL_PHASE_MEASURE, NULL));
	assert_true(phase_clock_mark(&pc, WL_PHASE_DONE, NULL));
	phase_clock_finish(&pc, &res);
	assert_true(res.setup_s >= 0 && res.run_s >= 0);
}

static void test_repeat_and_out_of_order_refused(void **st)
{
	(void)st;
	struct phase_clock pc;
	struct run_result res = { 0 };
	phase_clock_start(&pc);
	assert_true(phase_clock_mark(&pc, WL_PHASE_MEASURE, NULL));
	double measure = pc.t_measure;
	usleep(2000);
	assert_false(phase_clock_mark(&pc, WL_PHASE_MEASURE, NULL)); /* again: the phase's start stays */
	assert_true(pc.t_measure == measure);
	assert_false(phase_clock_mark(&pc, WL_PHASE_SETUP, NULL));
	assert_false(phase_clock_mark(&pc, (enum wl_phase)7, NULL)); /* not a phase */
	assert_false(phase_clock_mark(&pc, (enum wl_phase)-1, NULL));
	assert_true(phase_clock_mark(&pc, WL_PHASE_DONE, NULL));
	double done = pc.t_done;
	usleep(2000);
	assert_false(phase_clock_mark(&pc, WL_PHASE_DONE, NULL));
	assert_false(phase_clock_mark(&pc, WL_PHASE_MEASURE, NULL)); /* after DONE: run_s would go negative */
	assert_true(pc.t_done == done && pc.t_measure == measure);
	phase_clock_finish(&pc, &res);
	assert_true(res.run_s >= 0);
	assert_true(res.run_s == done - measure);
}

static void test_done_without_measure(void **st)
{
	(void)st;
	struct phase_clock pc;
	struct run_result res = { 0 };
	phase_clock_start(&pc);
	assert_true(phase_clock_mark(&pc, WL_PHASE_DONE, NULL));
	assert_false(phase_clock_mark(&pc, WL_PHASE_MEASURE, NULL));
	phase_clock_finish(&pc, &res);
	assert_true(res.run_s == 0); /* no measured phase: no run time, not a negative one */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_accepted),
		cmocka_unit_test(test_repeat_and_out_of_order_refused),
		cmocka_unit_test(test_done_without_measure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
