/* test_wss_phases.c — the working-set estimator on a real `memvirt run` of `phases` stepping
 * 1m -> 6m -> 1m, whose working set is known: the figures of `--wss exact` taken over
 * periods that lie inside a step are the step's size (every page of it touched, none other but
 * a few of the guest's own: page tables, and the kernel's fault-around at the edge), the
 * result's wss{} block says what ran, and the checksum is the one of a run without the
 * estimator (invalidation loses no data). Built twice from this file: reclaim_wss_phases on sim,
 * and kvm_wss_phases (WSS_KVM, tests/kvm) on a real VM with memfd guest RAM, which is also the
 * check that the mechanism works there: after MADV_DONTNEED the guest's touch faults through
 * KVM (its MMU notifier zapped the guest's mapping) and sets the VMM's page-table entry present
 * again, or exact mode would read less than the step's size. On kvm the sampled mode runs
 * too, and the mean of its figures in the 6m step must be within four standard errors of the
 * binomial sampling (plus the slack) of 6 MiB. Skipped (77) where /dev/kvm cannot run a VM.
 *
 * Which periods count: the estimator steps at the first monitor sample at least one period
 * after its last step, so the step samples are found again from the CSV (scripts/
 * wss-accuracy.py does the same). A period counts for a schedule step when its operations lie
 * inside the step, past its first 5% (the guest maps and zeroes new memory there) and with at
 * least 10 touches per page of the step, counting the progress counter's lag at both ends
 * (touches are random: then each page is missed with probability e^-10; a period in which a
 * loaded host starved the workload shows less, truly, and says nothing about the schedule).
 * Steps are told apart by progress, not time; on a loaded host the thread that publishes
 * progress can itself be delayed (kvm copies it every 500 us when it runs), which puts a
 * period's touches in the wrong period now and then: 90% of the kept periods must be within
 * the bounds (or all but one, for a step with few kept periods), not all. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"
#include "vmm/reclaim/telemetry.h"
#ifdef WSS_KVM
#include "tests/kvm/kvm_test.h"
#endif

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define PERIOD_MS 25.0 /* short, so that even a step the loaded host slows has periods to keep */
#define SLACK (1 * MiB) /* guest page tables, p2m tables (sim), kernel pages (kvm), fault-around */
#define MISSED (16 * KiB) /* pages a kept period may miss by chance (e^-10 each) */

/* Touches per step: several periods of each step on sim (~2 M touches/s here); kvm touches
 * about ten times faster. */
#ifdef WSS_KVM
#define OPS_SCALE 10
#define PROGRESS_LAG 20000 /* kvm's progress is copied every 500 us: up to ~20000 touches behind */
#else
#define OPS_SCALE 4 /* sim runs a step of 3 M touches in ~0.1 s: too few 25 ms periods on a loaded host */
#define PROGRESS_LAG 1024  /* sim publishes progress every 1024 touches */
#endif
static const struct {
	uint64_t bytes, ops;
} steps[3] = { { 1 * MiB, 3000000 * OPS_SCALE }, { 6 * MiB, 3000000 * OPS_SCALE }, { 1 * MiB, 3000000 * OPS_SCALE } };


/* The figures of the periods that count for each step (see the top). */
struct kept {
	size_t n[3], in_range[3]; /* in_range: within [bytes - MISSED, bytes + SLACK] */
	double sum[3];
	uint64_t lo[3], hi[3];
};

static struct kept kept_figures(const struct tel_series *ts)
{
	struct kept k = { .lo = { UINT64_MAX, UINT64_MAX, UINT64_MAX } };
	size_t first = 0;
	while (first < ts->n && ts->s[first].wss_bytes == TEL_ABSENT)
		first++;
	assert_true(first < ts->n);
	size_t prev = first;
	double next = ts->s[first].time_ms + PERIOD_MS;
	for (size_t i = first + 1; i < ts->n; i++) {
		if (ts->s[i].time_ms < next)
			continue;
		next = ts->s[i].time_ms + PERIOD_MS;
		uint64_t p0 = ts->s[prev].progress, p1 = ts->s[i].progress, v = ts->s[i].wss_bytes;
		prev = i;
		if (ts->s[i].phase != 1 || v == TEL_ABSENT)
			continue;
		uint64_t start = 0;
		for (int j = 0; j < 3; start += steps[j].ops, j++) {
			uint64_t end = start + steps[j].ops;
			if (p0 < start + steps[j].ops / 20 || p1 + PROGRESS_LAG > end ||
			    p1 - p0 < 10 * steps[j].bytes / 4096 + 2 * PROGRESS_LAG)
				continue;
			k.n[j]++;
			k.in_range[j] += v + MISSED >= steps[j].bytes && v <= steps[j].bytes + SLACK;
			k.sum[j] += (double)v;
			k.lo[j] = v < k.lo[j] ? v : k.lo[j];
			k.hi[j] = v > k.hi[j] ? v : k.hi[j];
		}
	}
	return k;
}

/* Runs phases with --wss `wss` (NULL: without) and returns the document; the series in *ts. */
static json_t *run_phases(const char *platform, const char *extra, const char *wss, const char *tag,
			  struct tel_series *ts)
{
	char csv[128], json_path[128];
	struct memvirt_cmd c = { .bin = MEMVIRT_BIN, .dir = test_dir };
	snprintf(csv, sizeof(csv), "%s/%s-%s.csv", test_dir, platform, tag);
	snprintf(json_path, sizeof(json_path), "%s/%s-%s.json", test_dir, platform, tag);
	char wss_opt[64] = "";
	if (wss)
		snprintf(wss_opt, sizeof(wss_opt), "--wss %s,period=25ms", wss);
	int rc = memvirt_cmd_run(&c, "run --platform %s --workload phases --mem 8m %s --ws 1m:%llu,6m:%llu,1m:%llu "
				    "%s --timeseries %s --json %s --no-progress",
				 platform, extra, (unsigned long long)steps[0].ops, (unsigned long long)steps[1].ops,
				 (unsigned long long)steps[2].ops, wss_opt, csv, json_path);
	if (rc != 0)
		fail_msg("memvirt run on %s: exit %d: %s", platform, rc, c.err);
	assert_int_equal(tel_series_read_csv(csv, ts), 0);
	json_error_t err;
	json_t *doc = json_load_file(json_path, 0, &err);
	assert_non_null(doc);
	return doc;
}

static const char *checksum(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "result"), "checksum"));
}

/* The workload's checksum without the estimator: invalidation must lose no data. */
static json_t *plain_run(const char *platform, const char *extra)
{
	struct tel_series ts;
	json_t *doc = run_phases(platform, extra, NULL, "plain", &ts);
	assert_non_null(checksum(doc));
	assert_true(ts.n > 0 && ts.s[ts.n - 1].wss_bytes == TEL_ABSENT);
	assert_true(json_is_null(json_object_get(doc, "wss")));
	tel_series_free(&ts);
	return doc;
}

static void check_exact(const char *platform, const char *extra, json_t *plain)
{
	struct tel_series ts;
	json_t *doc = run_phases(platform, extra, "exact", "exact", &ts);
	assert_string_equal(checksum(doc), checksum(plain));
	struct kept k = kept_figures(&ts);
	for (int j = 0; j < 3; j++) {
		printf("%s exact: step %d (%llu MiB): %zu periods kept, %zu of them within %.3f-%.3f MiB; figures "
		       "%.3f-%.3f MiB\n", platform, j + 1, (unsigned long long)(steps[j].bytes / MiB), k.n[j],
		       k.in_range[j], (double)(steps[j].bytes - MISSED) / MiB, (double)(steps[j].bytes + SLACK) / MiB,
		       (double)k.lo[j] / MiB, (double)k.hi[j] / MiB);
		assert_true(k.n[j] > 0);
		assert_true(k.in_range[j] * 10 >= k.n[j] * 9 || k.in_range[j] + 1 >= k.n[j]);
	}
	json_t *w = json_object_get(doc, "wss");
	assert_string_equal(json_string_value(json_object_get(w, "mode")), "exact");
	assert_true(json_is_null(json_object_get(w, "error")));
	assert_int_equal(json_integer_value(json_object_get(w, "period_us")), 25000);
	json_int_t steps_done = json_integer_value(json_object_get(w, "steps"));
	json_int_t ram = json_integer_value(json_object_get(w, "guest_ram_bytes"));
	assert_true(steps_done > 3 && ram >= (json_int_t)(8 * MiB));
	assert_int_equal(json_integer_value(json_object_get(w, "checked_pages")), steps_done * (ram / 4096));
	assert_true(json_real_value(json_object_get(json_object_get(w, "cpu_us"), "max")) > 0);
	tel_series_free(&ts);
	json_decref(doc);
}

#ifdef WSS_KVM
/* Sampled: the mean of the kept figures of the 6 MiB step. Each figure is a binomial fraction
 * of n pages times guest RAM R; the mean of m figures has standard error
 * R sqrt(p (1 - p) / (n m)). */
static void check_sampled(const char *platform, const char *extra, json_t *plain)
{
	struct tel_series ts;
	const unsigned n = 1000;
	json_t *doc = run_phases(platform, extra, "sampled:1000,seed=5", "sampled", &ts);
	assert_string_equal(checksum(doc), checksum(plain));
	struct kept k = kept_figures(&ts);
	double ram = (double)json_integer_value(json_object_get(json_object_get(doc, "wss"), "guest_ram_bytes"));
	assert_true(k.n[1] > 0 && ram > 0);
	double mean = k.sum[1] / (double)k.n[1], p = (double)steps[1].bytes / ram;
	double se = ram * sqrt(p * (1 - p) / ((double)n * (double)k.n[1]));
	printf("%s sampled:%u: 6 MiB step: %zu periods kept, mean %.2f MiB, standard error %.2f MiB\n", platform, n,
	       k.n[1], mean / MiB, se / MiB);
	assert_true(fabs(mean - (double)steps[1].bytes) <= 4 * se + (double)SLACK);
	tel_series_free(&ts);
	json_decref(doc);
}

static void test_kvm(void **st)
{
	(void)st;
	const char *extra = "--backend memfd --guest-page 2m";
	json_t *plain = plain_run("kvm", extra);
	check_exact("kvm", extra, plain);
	check_sampled("kvm", extra, plain);
	json_decref(plain);
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_wss_phases");
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_kvm) };
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
#else
static void test_sim(void **st)
{
	(void)st;
	json_t *plain = plain_run("sim", "");
	check_exact("sim", "", plain);
	json_decref(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_sim) };
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
#endif
