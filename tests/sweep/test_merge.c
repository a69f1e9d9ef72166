/* test_merge.c — the merge's statistics on synthetic point documents whose mean, sd and
 * t-test outcome are known: mean/sd/min/max, the difference against the baseline, Welch's
 * test checked against Student's t tables (not against the code's own formula), checksum
 * agreement, and failed or interrupted repetitions kept out of the means; the robust figures
 * (quartiles as numpy/R compute them, 1.5 IQR outliers), the Mann–Whitney U test against R's
 * documented example and counts by hand, the paired t-test, the host-interference flag read
 * from a repetition's telemetry, superseded attempts counted and not averaged, and pairing by
 * an axis. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void test_quartiles_and_outliers(void **st)
{
	(void)st;
	struct mstat s;
	/* numpy.percentile([1..9, 100], [25, 50, 75]) = 3.25, 5.5, 7.75 (linear, type 7) */
	mstat_of((double[]){ 100, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 10, &s);
	assert_float_equal(s.q1, 3.25, 1e-12);
	assert_float_equal(s.median, 5.5, 1e-12);
	assert_float_equal(s.q3, 7.75, 1e-12);
	/* fences 3.25 - 6.75 and 7.75 + 6.75 = 14.5 */
	assert_true(mstat_outlier(&s, 100));
	assert_false(mstat_outlier(&s, 14.5));
	assert_true(mstat_outlier(&s, -3.6));
	mstat_of((double[]){ 2, 4, 9 }, 3, &s); /* odd n: the middle value; too few for fences */
	assert_float_equal(s.median, 4, 1e-12);
	assert_false(mstat_outlier(&s, 1000));
}

static void test_mann_whitney_known_values(void **st)
{
	(void)st;
	struct mwu r;
	/* R's ?wilcox.test example: W = 35, one-sided exact p = 0.1272, so two-sided 0.2544 */
	double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 }, y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	assert_int_equal(mann_whitney(x, 10, y, 5, &r), 0);
	assert_true(r.exact);
	assert_float_equal(r.u, 35, 1e-12);
	assert_float_equal(r.p, 0.2544, 1e-4);
	/* fully separated 3 against 3: 1 ordering of C(6,3) = 20 in each tail, p = 2/20 — never
	 * below 0.05, whatever the difference */
	assert_int_equal(mann_whitney((double[]){ 1, 2, 3 }, 3, (double[]){ 40, 50, 60 }, 3, &r), 0);
	assert_float_equal(r.u, 0, 1e-12);
	assert_float_equal(r.p, 0.1, 1e-12);
	/* 5 against 5: 2/252 */
	assert_int_equal(mann_whitney((double[]){ 6, 7, 8, 9, 10 }, 5, (double[]){ 1, 2, 3, 4, 5 }, 5, &r), 0);
	assert_float_equal(r.u, 25, 1e-12);
	assert_float_equal(r.p, 2.0 / 252, 1e-12);
	/* ties: normal approximation. By hand: a = 1 2 2 3 5, b = 2 3 4 4 6 7; U = 6.5 (2 pairs
	 * won, 3 ties... counted pair by pair), tie groups of sizes 3 (2s), 2 (3s), 2 (4s):
	 * sum(t^3 - t) = 24 + 6 + 6 = 36; var = 30/12 (12 - 36/110) = 29.1818; z = (|6.5 - 15| -
	 * 0.5) / sqrt(var) = 1.48093; p = erfc(z / sqrt 2) = 0.138626 */
	assert_int_equal(mann_whitney((double[]){ 1, 2, 2, 3, 5 }, 5, (double[]){ 2, 3, 4, 4, 6, 7 }, 6, &r), 0);
	assert_false(r.exact);
	assert_float_equal(r.u, 6.5, 1e-12);
	assert_float_equal(r.z, -1.48093, 1e-5);
	assert_float_equal(r.p, 0.138626, 1e-6);
	/* every value equal: no evidence */
	assert_int_equal(mann_whitney((double[]){ 3, 3 }, 2, (double[]){ 3, 3, 3 }, 3, &r), 0);
	assert_float_equal(r.p, 1, 1e-12);
	/* beyond MWU_EXACT_MAX values the normal approximation, even without ties: 21 against 21
	 * fully separated is far beyond any level */
	double lo[21], hi[21];
	for (int i = 0; i < 21; i++)
		lo[i] = i, hi[i] = 100 + i;
	assert_int_equal(mann_whitney(lo, 21, hi, 21, &r), 0);
	assert_false(r.exact);
	assert_true(r.p < 1e-6);
	assert_int_not_equal(mann_whitney(lo, 0, hi, 21, &r), 0);
}

static void test_paired_t(void **st)
{
	(void)st;
	double t, df, p;
	/* d = 0.5 1.5 1 2: mean 1.25, sd sqrt(1.25/3) = 0.6455, t = 1.25 / (0.6455 / 2) = 3.873,
	 * between the df 3 critical values for 0.05 (3.182) and 0.02 (4.541) */
	assert_int_equal(paired_t_test((double[]){ 0.5, 1.5, 1, 2 }, 4, &t, &df, &p), 0);
	assert_float_equal(t, 3.873, 1e-3);
	assert_float_equal(df, 3, 1e-12);
	assert_true(p < 0.05 && p > 0.02);
	assert_int_equal(paired_t_test((double[]){ 2, 2, 2 }, 3, &t, &df, &p), 0);
	assert_float_equal(p, 0, 1e-12); /* the same difference every time: exact */
	assert_int_not_equal(paired_t_test((double[]){ 2 }, 1, &t, &df, &p), 0);
}

/* doc() with repetition r and the telemetry of a measured phase of 1 s: the worker waited
 * wait_ms for a CPU, the host swapped `swapped` pages. */
static json_t *doc_tel(long point, int r, double run_s, double wait_ms, double swapped, bool reclaim)
{
	json_t *d = doc(point, "a", "ok", run_s, 1 / run_s, "0x1", "gups", NULL);
	json_object_set_new(json_object_get(d, "sweep"), "repetition", json_integer(r));
	json_object_set_new(d, "telemetry",
			    json_pack("{s:{s:f, s:f}, s:{s:f, s:f, s:f, s:f}}", "measure", "start_ms", 100.0, "end_ms",
				      1100.0, "host", "worker_wait_us", wait_ms * 1000, "pswpin", swapped, "pswpout", 0.0,
				      "psi_some_us", 0.0));
	if (reclaim)
		json_object_set_new(json_object_get(d, "config"), "reclaim", json_pack("[{s:s}]", "kind", "discard"));
	return d;
}

/* One repetition slowed tenfold by another process: it is the outlier and the one flagged;
 * the medians barely move where the mean moves by half; its earlier attempt, superseded, is
 * counted and not averaged. */
static void test_flags_and_robust_comparison(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	for (int r = 1; r <= 5; r++)
		add(&m, doc_tel(0, r, 1.0 + r * 0.01, 20, 0, false));
	for (int r = 1; r <= 5; r++) /* r3: the hog took the CPU 70 % of the phase */
		add(&m, doc_tel(1, r, r == 3 ? 10.0 : 1.0 + r * 0.01, r == 3 ? 700 : 20, 0, false));
	add(&m, doc_tel(2, 1, 1.0, 10, 5000, false)); /* another process swapped 5000 pages/s */
	add(&m, doc_tel(2, 2, 1.0, 10, 5000, true));  /* ... but this run reclaimed itself */
	json_t *old = doc_tel(1, 3, 99.0, 900, 0, false);
	json_object_set_new(old, MERGE_SUPERSEDED_KEY, json_pack("{s:s}", "reason", "cpu wait 90%"));
	add(&m, old);
	merge_compute(&m);
	const struct merge_point *p = &m.points[1];
	assert_int_equal(p->ok, 5);
	assert_int_equal(p->runs, 5);
	assert_int_equal(p->superseded, 1);
	assert_int_equal(p->flagged, 1);
	for (unsigned i = 0; i < p->nrep; i++) {
		const struct merge_rep *x = &p->rep[i];
		assert_int_equal(x->host.flagged, x->repetition == 3);
		assert_int_equal(x->outlier, x->repetition == 3);
		assert_int_equal(x->superseded, x->repetition == 3);
	}
	assert_true(p->rep[2].host.cpu);
	assert_float_equal(p->rep[2].host.cpu_wait_frac, 0.7, 1e-12);
	assert_int_equal(p->metric[0].outliers, 1);
	assert_float_equal(p->metric[0].s.max, 10.0, 1e-12); /* the superseded 99 s is not there */
	/* mean +175 %, median +1 % (1.04 against 1.03: the slow one shifts the middle by one place) */
	assert_true(p->metric[0].diff_pct > 150);
	assert_float_equal(p->metric[0].mdiff_pct, (1.04 - 1.03) / 1.03 * 100, 1e-9);
	assert_int_equal(m.points[0].flagged, 0);
	/* host swap flags a run without reclaim of its own only */
	assert_true(m.points[2].rep[0].host.swap);
	assert_false(m.points[2].rep[1].host.flagged);
	assert_true(m.points[2].rep[1].host.own_reclaim);
	json_t *j = merge_to_json(&m);
	json_t *reps = json_object_get(json_array_get(json_object_get(j, "points"), 1), "repetitions");
	json_t *r3 = json_array_get(reps, 2);
	assert_int_equal(json_integer_value(json_object_get(r3, "repetition")), 3);
	assert_true(json_is_true(json_object_get(json_object_get(r3, "interference"), "flagged")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(r3, "outlier"), 0)), "result.run_s");
	json_t *mt = json_object_get(json_object_get(json_array_get(json_object_get(j, "points"), 1), "metrics"), "result.run_s");
	assert_non_null(json_object_get(mt, "median"));
	assert_non_null(json_object_get(json_object_get(mt, "mann_whitney"), "p_value"));
	/* the page marks them in markup, not as escaped text ("&lt;b&gt;host&lt;/b&gt;" it was) */
	char path[] = "/tmp/memvirt-merge-page-XXXXXX", page[1 << 16];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(merge_write_html(&m, j, path), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	page[fread(page, 1, sizeof(page) - 1, f)] = 0;
	fclose(f);
	unlink(path);
	assert_non_null(strstr(page, " <b>host</b></td>"));
	assert_non_null(strstr(page, " <b>(out)</b></td>"));
	assert_null(strstr(page, "&lt;b&gt;"));
	json_decref(j);
	merge_free(&m);
}

/* --paired seed: shadow against ept seed by seed; a seed the baseline lacks is unpaired. */
static void test_paired_by_seed(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	snprintf(m.baseline_spec, sizeof(m.baseline_spec), "mmu=ept");
	m.baseline_given = true;
	snprintf(m.paired, sizeof(m.paired), "seed");
	/* ept 10, 20, 30 by seed; shadow 11, 22, 33 (+10 % each): a paired test sees it, the seeds'
	 * own spread hides it from an unpaired one */
	static const struct { const char *mmu, *seed; double v; } pts[] = {
		{ "ept", "1", 10 }, { "ept", "2", 20 }, { "ept", "3", 30 },
		{ "shadow", "1", 11 }, { "shadow", "2", 22.2 }, { "shadow", "3", 33.3 }, { "shadow", "4", 40 },
	};
	for (long i = 0; i < 7; i++) {
		json_t *d = doc(i, "j", "ok", pts[i].v, 1, "0x1", "gups", NULL);
		json_object_set_new(json_object_get(d, "sweep"), "points", json_integer(7));
		json_t *set = json_object_get(json_object_get(d, "sweep"), "settings");
		json_object_set_new(set, "mmu", json_string(pts[i].mmu));
		json_object_set_new(set, "seed", json_string(pts[i].seed));
		add(&m, d);
	}
	char why2[256];
	assert_int_equal(merge_check_opts(&m, why2, sizeof(why2)), 0);
	merge_compute(&m);
	assert_int_equal(merge_pair_compute(&m), 0);
	assert_int_equal(m.npairs, 2);
	assert_true(m.pairs[0].is_base);
	const struct merge_pair *g = &m.pairs[1];
	assert_false(g->is_base);
	assert_int_equal(g->members, 4);
	assert_int_equal(g->unpaired, 1); /* seed 4 */
	assert_int_equal(g->metric[0].n, 3);
	/* differences 1, 2.2, 3.3: mean 2.1667, relative 10 %, 11 %, 11 % */
	assert_float_equal(g->metric[0].mean_diff, 6.5 / 3, 1e-9);
	assert_float_equal(g->metric[0].mean_rel_pct, 32.0 / 3, 1e-9);
	assert_int_not_equal(g->metric[0].sig, MERGE_SIG_NA);
	assert_string_equal(g->label, "mmu=shadow");
	json_t *j = merge_to_json(&m);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "paired"), "axis")), "seed");
	json_decref(j);
	/* the table says a relative difference of orders of magnitude as a factor, as the
	 * unpaired one does (it printed "+16396950.0%") */
	m.pairs[1].metric[0].mean_rel_pct = 16396950.0;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	merge_pair_print(&m, f);
	fclose(f);
	assert_non_null(strstr(out, "x1.64e+05"));
	assert_null(strstr(out, "16396950"));
	free(out);
	/* an axis that does not vary, and the baseline's own key, are refused naming the value */
	snprintf(m.paired, sizeof(m.paired), "workload");
	assert_int_equal(merge_check_opts(&m, why2, sizeof(why2)), -EDOM);
	assert_non_null(strstr(why2, "'workload'"));
	snprintf(m.paired, sizeof(m.paired), "mmu");
	assert_int_equal(merge_check_opts(&m, why2, sizeof(why2)), -EDOM);
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

/* A point index past the sweep's points (or any sweep's) is refused: the gap listing walks
 * every index up to the largest, and a fuzzed sweep.point of 1048576 took seconds and 1 GiB. */
static void test_point_out_of_range(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	json_t *d = doc(6, "a", "ok", 1.0, 100.0, "c1", "seq", NULL); /* points = 6 */
	assert_int_equal(merge_add_doc(&m, d, "far.json", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "sweep.point 6 is outside 0..5"));
	json_object_del(json_object_get(d, "sweep"), "points");
	json_object_set_new(json_object_get(d, "sweep"), "point", json_integer(1048576));
	assert_int_equal(merge_add_doc(&m, d, "far.json", why, sizeof(why)), -EINVAL);
	json_object_set_new(json_object_get(d, "sweep"), "point", json_integer(-1));
	assert_int_equal(merge_add_doc(&m, d, "far.json", why, sizeof(why)), -EINVAL);
	json_object_set_new(json_object_get(d, "sweep"), "point", json_integer(1));
	json_object_set_new(json_object_get(d, "sweep"), "points", json_integer(MERGE_MAX_POINTS + 1));
	assert_int_equal(merge_add_doc(&m, d, "far.json", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "sweep.points"));
	json_object_set_new(json_object_get(d, "sweep"), "points", json_integer(2));
	assert_int_equal(merge_add_doc(&m, d, "far.json", why, sizeof(why)), 0);
	assert_int_equal(m.n, 1);
	json_decref(d);
	merge_free(&m);
}

/* summary.csv: a column per swept axis after the settings string, sizes in bytes, durations in
 * seconds, other values as written (quoted when they hold a comma); a setting every point
 * shares is no column. */
static void test_csv_axis_columns(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	static const struct { const char *wl, *mem, *runtime, *reclaim; } pts[] = {
		{ "gups", "1m", "250ms", "none" }, { "gups", "16m", "2s", "none" },
		{ "churn", "512k", "1500", "discard:at=1s,frac=0.5" },
	};
	for (long i = 0; i < 3; i++) {
		json_t *d = doc(i, "j", "ok", 1.0 + (double)i, 10, "0x1", pts[i].wl, NULL);
		json_t *set = json_object_get(json_object_get(d, "sweep"), "settings");
		json_object_set_new(set, "mem", json_string(pts[i].mem));
		json_object_set_new(set, "runtime", json_string(pts[i].runtime));
		json_object_set_new(set, "reclaim", json_string(pts[i].reclaim));
		json_object_set_new(set, "platform", json_string("sim")); /* the same everywhere: no column */
		add(&m, d);
	}
	merge_compute(&m);
	json_t *sum = merge_to_json(&m);
	char path[] = "/tmp/memvirt-csv-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(merge_write_csv(&m, sum, path), 0);
	char text[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	unlink(path);
	assert_non_null(strstr(text, "point,job,settings,workload,mem_bytes,runtime_s,reclaim,runs,"));
	assert_null(strstr(text, "platform"));
	assert_non_null(strstr(text, "\n0,j,\"") && strstr(text, "\",gups,1048576,0.25,none,1,"));
	assert_non_null(strstr(text, "\",gups,16777216,2,none,1,"));
	/* a plain duration is milliseconds (parse_duration_us's rule) */
	assert_non_null(strstr(text, "\",churn,524288,1.5,\"discard:at=1s,frac=0.5\",1,"));
	json_decref(sum);
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
		cmocka_unit_test(test_quartiles_and_outliers),
		cmocka_unit_test(test_mann_whitney_known_values),
		cmocka_unit_test(test_paired_t),
		cmocka_unit_test(test_flags_and_robust_comparison),
		cmocka_unit_test(test_paired_by_seed),
		cmocka_unit_test(test_point_out_of_range),
		cmocka_unit_test(test_csv_axis_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
