/* test_dips.c — the dip detector on synthetic progress series: a flat rate with noise has no
 * dip; known dips are found with the right start, end, depth and ops lost; short ones are
 * ignored; a one-bin recovery does not split a dip; the baseline can be taken before the
 * first event; coarse progress updates do not make false dips. No timing involved. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "results/dips.h"

#define N 2001 /* samples, one per ms: 0..2000 ms */

static double t[N];
static uint64_t prog[N];

/* rate(ms) in ops per ms, with +-noise relative jitter from a fixed LCG. */
static void build(double (*rate)(double), double noise, uint64_t quantum)
{
	uint64_t rng = 42;
	double acc = 0;
	for (size_t i = 0; i < N; i++) {
		t[i] = (double)i;
		prog[i] = quantum ? (uint64_t)acc / quantum * quantum : (uint64_t)acc;
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		double j = ((double)(rng >> 11) / 9007199254740992.0 - 0.5) * 2 * noise;
		acc += rate((double)i) * (1 + j);
	}
}

static const struct dip_params defaults = { .threshold = 0.5, .min_ms = 5, .quantum = 1 };

static double flat(double ms) { (void)ms; return 10000; }
static double one_dip(double ms) { return ms >= 800 && ms < 830 ? 2000 : 10000; }
static double short_dip(double ms) { return ms >= 800 && ms < 803 ? 0 : 10000; }
static double bumpy_dip(double ms) { return (ms >= 800 && ms < 820) || (ms >= 821 && ms < 840) ? 1000 : 10000; }
static double long_slow(double ms) { return ms >= 500 ? 3000 : 10000; } /* 75% of the phase slowed */
static double slow_workload(double ms) { (void)ms; return 200; } /* 1024-op quanta every ~5 ms */

static void test_flat_noise_has_no_dip(void **st)
{
	(void)st;
	struct dip_result r;
	build(flat, 0.3, 0);
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &defaults, &r), 0);
	assert_int_equal(r.n, 0);
	assert_true(fabs(r.baseline_ops_per_s - 1e7) < 0.05e7);
	dips_free(&r);
}

static void test_known_dip(void **st)
{
	(void)st;
	struct dip_result r;
	build(one_dip, 0.05, 0);
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &defaults, &r), 0);
	assert_int_equal(r.n, 1);
	assert_true(fabs(r.dips[0].start_ms - 800) <= 1.01);
	assert_true(fabs(r.dips[0].end_ms - 830) <= 1.01);
	assert_true(fabs(r.dips[0].depth - 0.8) < 0.05);
	assert_true(fabs(r.dips[0].ops_lost - 30 * 8000) < 0.1 * 30 * 8000);
	assert_true(r.dips[0].min_frac < 0.3);
	dips_free(&r);
}

static void test_short_dip_ignored(void **st)
{
	(void)st;
	struct dip_result r;
	build(short_dip, 0.0, 0);
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &defaults, &r), 0);
	assert_int_equal(r.n, 0);
	struct dip_params p = defaults;
	p.min_ms = 2;
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &p, &r), 0);
	assert_int_equal(r.n, 1);
	dips_free(&r);
}

static void test_one_bin_recovery_does_not_split(void **st)
{
	(void)st;
	struct dip_result r;
	build(bumpy_dip, 0.0, 0);
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &defaults, &r), 0);
	assert_int_equal(r.n, 1);
	assert_true(fabs(r.dips[0].end_ms - r.dips[0].start_ms - 40) <= 2.01);
	dips_free(&r);
}

static void test_baseline_before_first_event(void **st)
{
	(void)st;
	struct dip_result r;
	build(long_slow, 0.0, 0);
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &defaults, &r), 0);
	assert_int_equal(r.n, 0); /* the slow state is the median: no dip */
	struct dip_params p = defaults;
	p.baseline_until_ms = 450;
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &p, &r), 0);
	assert_int_equal(r.n, 1);
	assert_true(fabs(r.dips[0].start_ms - 500) <= 1.01);
	assert_true(fabs(r.baseline_ops_per_s - 1e7) < 1e5);
	dips_free(&r);
}

static void test_coarse_progress_no_false_dips(void **st)
{
	(void)st;
	struct dip_result r;
	build(slow_workload, 0.1, 1024);
	struct dip_params p = defaults;
	p.quantum = 1024;
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &p, &r), 0);
	assert_int_equal(r.n, 0);
	assert_true(r.bin_ms >= 8 * 1024 / 200.0 - 1);
	dips_free(&r);
}

static void test_bad_input(void **st)
{
	(void)st;
	struct dip_result r;
	struct dip_params p = defaults;
	p.threshold = 0;
	assert_int_equal(dips_find(t, prog, N, 0, 2000, &p, &r), -EINVAL);
	assert_int_equal(dips_find(t, prog, 1, 0, 2000, &defaults, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(dips_find(t, prog, N, 100, 100, &defaults, &r), 0);
	assert_int_equal(r.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_noise_has_no_dip), cmocka_unit_test(test_known_dip),
		cmocka_unit_test(test_short_dip_ignored), cmocka_unit_test(test_one_bin_recovery_does_not_split),
		cmocka_unit_test(test_baseline_before_first_event), cmocka_unit_test(test_coarse_progress_no_false_dips),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
