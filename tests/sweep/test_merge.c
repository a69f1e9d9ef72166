/* test_merge.c — the merge's statistics on synthetic point documents whose mean, sd and
 * t-test outcome are known: mean/sd/min/max, the difference against the baseline, Welch's
 * test checked against Student's t tables (not against the code's own formula), checksum
 * agreement, and failed or interrupted repetitions kept out of the means. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "results/merge.h"
#include "results/result.h"

static char why[512];

/* A point document as memvirt sweep writes it, with only the fields the merge reads. */
static json_t *doc(long point, const char *job, const char *state, double run_s, double ops_per_s,
		   const char *checksum, const char *workload, const char *baseline)
{
	return json_pack("{s:{s:s, s:s}, s:{s:s, s:i, s:i, s:i, s:{}}, s:{s:s?, s:f, s:f}, "
			 "s:{s:s, s:s, s:i, s:i, s:s?, s:{s:s}}}",
			 "status", "state", state, "message", strcmp(state, "ok") ? "it broke" : "",
			 "config", "workload", workload, "seed", 1, "mem_bytes", 1 << 20, "ops", 100, "params",
			 "result", "checksum", checksum, "run_s", run_s, "ops_per_s", ops_per_s,
			 "sweep", "file", "t.ini", "job", job, "point", (json_int_t)point, "points", 6, "baseline", baseline,
			 "settings", "workload", workload);
}

static void add(struct merge *m, json_t *d)
{
	assert_int_equal(merge_add_doc(m, d, "synthetic", why, sizeof(why)), 0);
	json_decref(d);
}

static void add_series(struct merge *m, long point, const char *job, const double *run_s, size_t n,
		       const char *checksum, const char *workload)
{
	for (size_t i = 0; i < n; i++)
		add(m, doc(point, job, "ok", run_s[i], 100.0 / run_s[i], checksum, workload, NULL));
}

/* Student's t critical values, two-sided 95 % (from tables). */
#define T_CRIT_DF4 2.776445
#define T_CRIT_DF3 3.182446

static void test_mean_sd_and_welch(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	add_series(&m, 0, "a", (double[]){ 1, 2, 3 }, 3, "0x1", "gups");          /* baseline */
	add_series(&m, 1, "a", (double[]){ 4, 5, 6 }, 3, "0x1", "gups");          /* clearly slower */
	add_series(&m, 2, "a", (double[]){ 1.5, 2.5, 3.5 }, 3, "0x1", "gups");    /* overlaps */
	add_series(&m, 3, "a", (double[]){ 1, 2, 3, 4, 5 }, 5, "0x2", "churn");   /* other workload */
	add_series(&m, 4, "b", (double[]){ 2 }, 1, "0x1", "gups");                /* one repetition */
	merge_compute(&m);
	assert_int_equal(m.n, 5);
	assert_int_equal(m.baseline, 0);

	const struct merge_point *p = &m.points[1];
	assert_int_equal(p->metric[0].s.n, 3);
	assert_float_equal(p->metric[0].s.mean, 5.0, 1e-12);
	assert_float_equal(p->metric[0].s.sd, 1.0, 1e-12);
	assert_float_equal(p->metric[0].s.min, 4.0, 1e-12);
	assert_float_equal(p->metric[0].s.max, 6.0, 1e-12);
	assert_float_equal(p->metric[0].diff_pct, 150.0, 1e-9); /* (5 - 2) / 2 */
	char text[32];
	merge_diff_text(text, sizeof(text), &p->metric[0]);
	assert_string_equal(text, "+150.0%");
	/* a difference of orders of magnitude reads as the ratio of the means */
	struct merge_metric big = { .have_diff = true, .diff_pct = 1639695000.0 };
	merge_diff_text(text, sizeof(text), &big);
	assert_string_equal(text, "x1.64e+07");

	/* Independently: means 5 and 2, variances 1 and 1, n 3 and 3: t = 3 / sqrt(2/3), Welch
	 * df = (2/3)^2 / (2 (1/3)^2 / 2) = 4. */
	double t = 3.0 / sqrt(2.0 / 3.0);
	assert_true(t > T_CRIT_DF4);
	assert_int_equal(p->metric[0].sig, MERGE_SIG_YES);
	assert_true(p->metric[0].p < 0.05 && p->metric[0].p > 0.02); /* 3.674 lies between the 0.05 and 0.02 columns */

	/* 2.5 vs 2: t = 0.5 / sqrt(2/3) = 0.61, far below the critical value */
	assert_true(0.5 / sqrt(2.0 / 3.0) < T_CRIT_DF4);
	assert_int_equal(m.points[2].metric[0].sig, MERGE_SIG_NO);

	/* 5 values (mean 3, var 2.5) vs the baseline: t = 1 / sqrt(2.5/5 + 1/3) = 1.095, df = 5.9 */
	assert_int_equal(m.points[3].metric[0].sig, MERGE_SIG_NO);
	/* one repetition: no variance to test */
	assert_int_equal(m.points[4].metric[0].sig, MERGE_SIG_NA);
	assert_true(m.points[4].metric[0].have_diff);
	assert_float_equal(m.points[4].metric[0].diff_pct, 0.0, 1e-12);

	/* checksums: same workload and seed compared, another workload is not comparable */
	assert_string_equal(m.points[0].vs_baseline, "baseline");
	assert_string_equal(m.points[1].vs_baseline, "equal");
	assert_string_equal(m.points[3].vs_baseline, "n/a");
	/* the label shows what varies: the workload */
	assert_string_equal(m.points[3].label, "workload=churn");
	merge_free(&m);
}

static void test_student_t_tables(void **st)
{
	(void)st;
	/* two-sided p at tabulated critical values */
	assert_float_equal(student_t_two_sided_p(12.706205, 1), 0.05, 1e-5);
	assert_float_equal(student_t_two_sided_p(T_CRIT_DF3, 3), 0.05, 1e-5);
	assert_float_equal(student_t_two_sided_p(T_CRIT_DF4, 4), 0.05, 1e-5);
	assert_float_equal(student_t_two_sided_p(3.746947, 4), 0.02, 1e-5);
	assert_float_equal(student_t_two_sided_p(2.228139, 10), 0.05, 1e-5);
	assert_float_equal(student_t_two_sided_p(2.576, 1e7), 0.01, 1e-4); /* the normal limit */
	assert_float_equal(student_t_two_sided_p(0, 5), 1.0, 1e-12);
}

static void test_welch_unequal_variances(void **st)
{
	(void)st;
	struct mstat a, b;
	double t, df, p;
	mstat_of((double[]){ 1, 2, 3, 4, 5 }, 5, &a);
	mstat_of((double[]){ 10, 20, 30 }, 3, &b);
	assert_int_equal(welch_test(&a, &b, &t, &df, &p), 0);
	/* by hand: va = 2.5/5 = 0.5, vb = 100/3; t = -17 / sqrt(33.833) = -2.9227;
	 * df = 33.833^2 / (0.5^2/4 + 33.333^2/2) = 2.0604 */
	assert_float_equal(t, -2.9227, 1e-3);
	assert_float_equal(df, 2.0604, 1e-3);
	/* |t| is below the df = 3 critical value, so certainly below df = 2.06's: not significant */
	assert_true(fabs(t) < T_CRIT_DF3);
	assert_true(p > 0.05);
	/* fewer than two on a side: refused */
	mstat_of((double[]){ 1 }, 1, &b);
	assert_int_not_equal(welch_test(&a, &b, &t, &df, &p), 0);
}

static void test_failed_points_excluded(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	add(&m, doc(3, "b", "ok", 1.0, 10, "0x1", "gups", "b"));
	add(&m, doc(3, "b", "ok", 3.0, 30, "0x1", "gups", "b"));
	add(&m, doc(3, "b", "failed", 100.0, 1e9, NULL, "gups", "b"));
	add(&m, doc(3, "b", "interrupted", 50.0, 1e9, NULL, "gups", "b"));
	add(&m, doc(0, "a", "ok", 1.0, 10, "0x1", "gups", "b"));
	add(&m, doc(0, "a", "ok", 1.0, 10, "0x2", "gups", "b")); /* repetitions disagree */
	add(&m, doc(5, "c", "failed", 7.0, 7, NULL, "gups", "b"));
	merge_compute(&m);
	assert_int_equal(m.n, 3);
	/* baseline = b: the first point of job b */
	assert_int_equal(m.points[m.baseline].index, 3);
	const struct merge_point *p = &m.points[1];
	assert_int_equal(p->index, 3);
	assert_int_equal(p->runs, 4);
	assert_int_equal(p->ok, 2);
	assert_int_equal(p->failed, 1);
	assert_int_equal(p->interrupted, 1);
	assert_float_equal(p->metric[0].s.mean, 2.0, 1e-12);
	assert_float_equal(p->metric[1].s.max, 30.0, 1e-12);
	assert_false(m.points[0].checksums_agree);
	assert_string_equal(m.points[0].vs_baseline, "n/a");
	/* all failed: listed, no statistics, no difference */
	assert_int_equal(m.points[2].ok, 0);
	assert_false(m.points[2].metric[0].have_diff);
	assert_string_equal(m.points[2].message, "it broke");
	json_t *j = merge_to_json(&m);
	json_t *pj = json_array_get(json_object_get(j, "points"), 2);
	assert_int_equal(json_integer_value(json_object_get(pj, "failed")), 1);
	assert_null(json_object_get(json_object_get(json_object_get(pj, "metrics"), "result.run_s"), "mean"));
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(pj, "metrics"), "result.run_s"), "significant")));
	json_decref(j);
	merge_free(&m);
}

/* baseline = mmu=ept: each workload's shadow point against the same workload's ept point */
static void test_baseline_by_setting(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	static const struct { const char *wl, *mmu, *checksum; double run_s; } runs[] = {
		{ "gups", "ept", "0x1", 2 }, { "gups", "shadow", "0x1", 1 },
		{ "churn", "ept", "0x2", 4 }, { "churn", "shadow", "0x3", 5 }, /* a broken strategy */
	};
	for (long i = 0; i < 4; i++) {
		json_t *d = doc(i, "j", "ok", runs[i].run_s, 1, runs[i].checksum, runs[i].wl, "mmu=ept");
		json_object_set_new(json_object_get(json_object_get(d, "sweep"), "settings"), "mmu", json_string(runs[i].mmu));
		add(&m, d);
	}
	merge_compute(&m);
	assert_int_equal(m.baseline, -1); /* no single baseline */
	assert_true(m.points[0].is_base);
	assert_true(m.points[2].is_base);
	assert_int_equal(m.points[1].base, 0);
	assert_int_equal(m.points[3].base, 2);
	assert_float_equal(m.points[1].metric[0].diff_pct, -50.0, 1e-9); /* 1 against gups/ept's 2 */
	assert_float_equal(m.points[3].metric[0].diff_pct, 25.0, 1e-9);  /* 5 against churn/ept's 4 */
	assert_string_equal(m.points[1].vs_baseline, "equal");
	assert_string_equal(m.points[3].vs_baseline, "differ");
	merge_free(&m);
}

/* A repetition its janitor recorded as killed (docs/result-schema.md) is counted with the
 * failed ones: in the runs, out of the statistics, its message kept. */
static void test_killed_counts_as_failed(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	add(&m, doc(0, "a", "ok", 1.0, 10, "0x1", "gups", NULL));
	add(&m, doc(0, "a", "killed", 0.0, 0, NULL, "gups", NULL));
	merge_compute(&m);
	assert_int_equal(m.points[0].runs, 2);
	assert_int_equal(m.points[0].ok, 1);
	assert_int_equal(m.points[0].failed, 1);
	assert_int_equal(m.points[0].interrupted, 0);
	assert_float_equal(m.points[0].metric[0].s.mean, 1.0, 1e-12);
	assert_string_equal(m.points[0].message, "it broke");
	assert_false(merge_complete(&m)); /* a sweep resumed reruns it */
	assert_string_equal(run_state_name(RUN_KILLED), "killed");
	merge_free(&m);
}

static void test_not_a_point_document(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	json_t *d = json_pack("{s:{s:s}}", "status", "state", "ok");
	assert_int_not_equal(merge_add_doc(&m, d, "plain.json", why, sizeof(why)), 0);
	assert_non_null(strstr(why, "plain.json"));
	json_decref(d);
	merge_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_sd_and_welch),
		cmocka_unit_test(test_student_t_tables),
		cmocka_unit_test(test_welch_unequal_variances),
		cmocka_unit_test(test_failed_points_excluded),
		cmocka_unit_test(test_baseline_by_setting),
		cmocka_unit_test(test_not_a_point_document),
		cmocka_unit_test(test_killed_counts_as_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
