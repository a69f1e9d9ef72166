/* test_guest_used.c — telemetry's guest_used_bytes follows the `phases` schedule down as well as
 * up: a real `memvirt run` of phases 8m:N,32m:N,4m:N with --timeseries, whose series shows the
 * guest using about 32 MiB during the second step and about 4 MiB during the third (the
 * guest's own view; the host's residency columns stay high), and whose document has the
 * column's range. Built twice from this file: reclaim_guest_used on native and sim, and
 * kvm_guest_used (GUEST_USED_KVM, tests/kvm) on a real VM with 2 MiB guest pages, skipped
 * (77) where /dev/kvm cannot run one. Steps are told apart by the progress column, not time. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"
#include "vmm/reclaim/telemetry.h"
#ifdef GUEST_USED_KVM
#include "tests/kvm/kvm_test.h"
#endif

#define MiB (1ULL << 20)
#define STEP_OPS 400000ULL /* touches per step: every page of the 32 MiB step is touched */
/* Samples every 250 µs: a native 4 MiB step of STEP_OPS lasts only a few ms. */


/* Progress is published every 1024 touches (WL_PROGRESS_EVERY), so a sample showing progress
 * p was taken when between p and p + 1023 touches were done. */
#define PROGRESS_SLACK 1024ULL

/* The largest value and the samples within [lo, hi] of the measured-phase samples taken
 * certainly within touches [from, to): progress in [from, to - PROGRESS_SLACK). */
struct step_view {
	size_t n, in_range;
	uint64_t max;
};

static struct step_view step_view(const struct tel_series *ts, uint64_t from, uint64_t to, uint64_t lo, uint64_t hi)
{
	struct step_view v = { 0 };
	for (size_t i = 0; i < ts->n; i++) {
		const struct tel_sample *s = &ts->s[i];
		if (s->phase != 1 || s->progress < from || s->progress + PROGRESS_SLACK > to)
			continue;
		assert_true(s->guest_used_bytes != TEL_ABSENT);
		v.n++;
		bool ok = s->guest_used_bytes >= lo && s->guest_used_bytes <= hi;
		if (!ok)
			printf("  at %.3f ms, progress %llu: %llu bytes, outside %llu-%llu\n", s->time_ms,
			       (unsigned long long)s->progress, (unsigned long long)s->guest_used_bytes,
			       (unsigned long long)lo, (unsigned long long)hi);
		v.in_range += ok;
		v.max = s->guest_used_bytes > v.max ? s->guest_used_bytes : v.max;
	}
	return v;
}

static void check_platform(const char *platform, const char *extra)
{
	char csv[128], json_path[128];
	struct memvirt_cmd c = { .bin = MEMVIRT_BIN, .dir = test_dir };
	snprintf(csv, sizeof(csv), "%s/%s.csv", test_dir, platform);
	snprintf(json_path, sizeof(json_path), "%s/%s.json", test_dir, platform);
	int rc = memvirt_cmd_run(&c, "run --platform %s --workload phases --mem 32m %s --ws 8m:%llu,32m:%llu,4m:%llu "
				    "--sample-us 250 --timeseries %s --json %s --no-progress",
				 platform, extra, (unsigned long long)STEP_OPS, (unsigned long long)STEP_OPS,
				 (unsigned long long)STEP_OPS, csv, json_path);
	if (rc != 0)
		fail_msg("memvirt run on %s: exit %d: %s", platform, rc, c.err);
	struct tel_series ts;
	assert_int_equal(tel_series_read_csv(csv, &ts), 0);
	/* Step 2 (32 MiB), past its first quarter: the working set mapped and, by its end, all
	 * touched. Nothing above 32 MiB: the first step's chunks are part of the 32 MiB. */
	struct step_view grow = step_view(&ts, STEP_OPS + STEP_OPS / 4, 2 * STEP_OPS, 8 * MiB, 32 * MiB);
	printf("%s: step 2: %zu samples, max %.2f MiB\n", platform, grow.n, (double)grow.max / MiB);
	assert_true(grow.n > 0 && grow.in_range == grow.n);
	assert_true(grow.max >= 31 * MiB);
	/* Step 3 (4 MiB): the first step's chunks, still mapped. Most samples, not all: a
	 * monitor preempted between its reads may pair this step's progress with the end of the
	 * run (memory freed). */
	struct step_view shrink = step_view(&ts, 2 * STEP_OPS, 3 * STEP_OPS, 4 * MiB, 4 * MiB + MiB / 2);
	printf("%s: step 3: %zu samples, %zu at 4-4.5 MiB, max %.2f MiB\n", platform, shrink.n, shrink.in_range,
	       (double)shrink.max / MiB);
	if (shrink.n == 0) {
		/* no sample fell inside the step: the monitor did not run for its whole length (a
		 * starved thread on a loaded machine) — nothing was observed, so nothing is claimed */
		printf("%s: the monitor took no sample during step 3: not observed\n", platform);
		tel_series_free(&ts);
		skip();
	}
	assert_true(shrink.in_range * 10 >= shrink.n * 9);
	assert_true(shrink.max <= 4 * MiB + MiB / 2);
	tel_series_free(&ts);
	json_error_t err;
	json_t *doc = json_load_file(json_path, 0, &err);
	assert_non_null(doc);
	json_t *range = json_object_get(json_object_get(doc, "telemetry"), "guest_used_bytes");
	assert_true((uint64_t)json_integer_value(json_object_get(range, "max")) >= 31 * MiB);
	assert_true((uint64_t)json_integer_value(json_object_get(range, "max")) <= 32 * MiB);
	json_decref(doc);
}

#ifdef GUEST_USED_KVM
static void test_kvm(void **st)
{
	(void)st;
	check_platform("kvm", "--guest-page 2m");
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_guest_used");
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_kvm) };
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
#else
static void test_native(void **st)
{
	(void)st;
	check_platform("native", "");
}

static void test_sim(void **st)
{
	(void)st;
	check_platform("sim", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_native), cmocka_unit_test(test_sim) };
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
#endif
