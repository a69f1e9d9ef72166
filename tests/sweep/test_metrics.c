/* test_metrics.c — the merge's metrics: dotted paths resolved in a synthetic document (nested
 * keys, keys with dots, missing, null, not a number), the path and list syntax, constant
 * samples (equal: not significant; different: significant, "exact"), a summary JSON free of
 * NaN, and a merge of two chosen metrics whose means are computed here independently. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "results/merge.h"

static char why[512];

static void test_resolve(void **st)
{
	(void)st;
	json_t *doc = json_pack("{s:{s:i, s:f}, s:{s:i, s:i, s:{s:i}}, s:{s:n, s:s, s:b, s:[i]}}", "mmu",
				"modeled_cycles", 146000071, "ratio", 0.5, "kvm_stats", "vcpu.pf_taken", 17, "vcpu", 99,
				"vcpu.x", "y", 5, "odd", "gone", "name", "gups", "flag", 1, "list", 3);
	double v = 0;
	assert_int_equal(metric_resolve(doc, "mmu.modeled_cycles", &v), METRIC_NUMBER);
	assert_float_equal(v, 146000071.0, 0);
	assert_int_equal(metric_resolve(doc, "mmu.ratio", &v), METRIC_NUMBER);
	assert_float_equal(v, 0.5, 0);
	/* a key with a dot in it, found before "vcpu" (a number, no deeper) */
	assert_int_equal(metric_resolve(doc, "kvm_stats.vcpu.pf_taken", &v), METRIC_NUMBER);
	assert_float_equal(v, 17.0, 0);
	/* "vcpu.x" is a key, but leads nowhere with ".z": shorter keys are tried, and lead nowhere too */
	assert_int_equal(metric_resolve(doc, "kvm_stats.vcpu.x.z", &v), METRIC_MISSING);
	/* the longest key that leads somewhere: "vcpu.x" then "y" */
	assert_int_equal(metric_resolve(doc, "kvm_stats.vcpu.x.y", &v), METRIC_NUMBER);
	assert_float_equal(v, 5.0, 0);
	assert_int_equal(metric_resolve(doc, "kvm_stats.vcpu", &v), METRIC_NUMBER);
	assert_float_equal(v, 99.0, 0);
	assert_int_equal(metric_resolve(doc, "mmu.walks", &v), METRIC_MISSING);
	assert_int_equal(metric_resolve(doc, "nothing.here", &v), METRIC_MISSING);
	assert_int_equal(metric_resolve(doc, "mmu.modeled_cycles.deeper", &v), METRIC_MISSING);
	assert_int_equal(metric_resolve(doc, "odd.gone", &v), METRIC_NULL);
	assert_int_equal(metric_resolve(doc, "odd.name", &v), METRIC_NOT_NUMBER);
	assert_int_equal(metric_resolve(doc, "odd.flag", &v), METRIC_NOT_NUMBER); /* a boolean is not a count */
	assert_int_equal(metric_resolve(doc, "odd.list", &v), METRIC_NOT_NUMBER);
	assert_int_equal(metric_resolve(doc, "mmu", &v), METRIC_NOT_NUMBER);
	json_decref(doc);
}

static void expect_bad_list(const char *text, const char *names)
{
	struct metric_list l;
	why[0] = 0;
	assert_int_equal(metric_list_parse(text, &l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, names));
	assert_null(strchr(why, '\n'));
}

static void test_list_syntax(void **st)
{
	(void)st;
	struct metric_list l;
	assert_int_equal(metric_list_parse(" mmu.modeled_cycles ,exits.total,kvm_stats.vcpu.pf_taken", &l, why,
					   sizeof(why)), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.path[0], "mmu.modeled_cycles");
	assert_string_equal(l.path[2], "kvm_stats.vcpu.pf_taken");
	expect_bad_list("mmu..walks", "'mmu..walks'");
	expect_bad_list("result.run_s, .x", "'.x'");
	expect_bad_list("exits.", "'exits.'");
	expect_bad_list("a,,b", "empty");
	expect_bad_list("mmu.walk refs", "'mmu.walk refs'");
	expect_bad_list("exits.total, exits.total", "given twice");
	expect_bad_list("a,b,c,d,e,f,g,h,i", "'i': too many");
	expect_bad_list("", "empty");
}

/* A point document with two counters; exits.pt_write is left out when pt_write < 0. */
static json_t *doc(long point, const char *mmu, double cycles, double pt_write)
{
	json_t *d = json_pack("{s:{s:s}, s:{s:s, s:s, s:i}, s:{s:s, s:f, s:f}, s:{s:f}, s:{s:s, s:i, s:s, s:{s:s}}}",
			      "status", "state", "ok", "config", "platform", "sim", "workload", "gups", "seed", 1, "result",
			      "checksum", "0x1", "run_s", 1.0, "ops_per_s", 1.0, "mmu", "modeled_cycles", cycles, "sweep",
			      "job", "j", "point", (json_int_t)point, "baseline", "mmu=ept", "settings", "mmu", mmu);
	json_t *ex = json_object();
	if (pt_write >= 0)
		json_object_set_new(ex, "pt_write", json_real(pt_write));
	json_object_set_new(d, "exits", ex);
	return d;
}

static void add(struct merge *m, json_t *d)
{
	assert_int_equal(merge_add_doc(m, d, "synthetic", why, sizeof(why)), 0);
	json_decref(d);
}

static void chosen(struct metric_list *l, const char *text)
{
	assert_int_equal(metric_list_parse(text, l, why, sizeof(why)), 0);
}

static double mean_of(const double *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

/* Two metrics chosen; means computed here; a deterministic metric compared exactly. */
static void test_two_metrics(void **st)
{
	(void)st;
	static struct merge m;
	struct metric_list l;
	static const double base_cyc[] = { 100, 100, 100 }, pt_cyc[] = { 50, 50, 50 };
	static const double base_pt[] = { 3, 5, 10 }, pt_pt[] = { 40, 44, 51 };
	chosen(&l, "mmu.modeled_cycles, exits.pt_write");
	merge_init(&m, NULL, &l);
	for (int r = 0; r < 3; r++) {
		add(&m, doc(0, "ept", base_cyc[r], base_pt[r]));
		add(&m, doc(1, "shadow", pt_cyc[r], pt_pt[r]));
	}
	merge_compute(&m);
	assert_int_equal(m.metrics.n, 2);
	const struct merge_point *p = &m.points[1];
	assert_float_equal(m.points[0].metric[0].s.mean, mean_of(base_cyc, 3), 1e-12);
	assert_float_equal(p->metric[0].s.mean, mean_of(pt_cyc, 3), 1e-12);
	assert_float_equal(m.points[0].metric[1].s.mean, mean_of(base_pt, 3), 1e-12);
	assert_float_equal(p->metric[1].s.mean, mean_of(pt_pt, 3), 1e-12);
	assert_float_equal(p->metric[1].diff_pct, (mean_of(pt_pt, 3) / mean_of(base_pt, 3) - 1) * 100, 1e-9);
	/* cycles: constant on both sides and different: significant, exact */
	assert_int_equal(p->metric[0].sig, MERGE_SIG_YES);
	assert_true(p->metric[0].exact);
	assert_string_equal(merge_sig_text(&p->metric[0]), "exact");
	assert_float_equal(p->metric[0].diff_pct, -50.0, 1e-12);
	/* pt_write varies: an ordinary test (means 6 and 45, far apart: significant, not exact) */
	assert_int_equal(p->metric[1].sig, MERGE_SIG_YES);
	assert_false(p->metric[1].exact);
	assert_string_equal(merge_sig_text(&p->metric[1]), "yes");
	json_t *j = merge_to_json(&m);
	assert_non_null(j);
	json_t *names = json_object_get(j, "metrics");
	assert_string_equal(json_string_value(json_array_get(names, 1)), "exits.pt_write");
	json_t *pm = json_object_get(json_object_get(json_array_get(json_object_get(j, "points"), 1), "metrics"),
				     "exits.pt_write");
	assert_float_equal(json_real_value(json_object_get(pm, "mean")), mean_of(pt_pt, 3), 1e-12);
	json_decref(j);
	merge_free(&m);
}

/* Constant samples with equal means: not significant, no NaN or infinity anywhere in the JSON
 * (a zero baseline mean gives no percentage rather than a division by zero). */
static void test_constant_equal_and_zero(void **st)
{
	(void)st;
	static struct merge m;
	struct metric_list l;
	chosen(&l, "mmu.modeled_cycles, exits.pt_write");
	merge_init(&m, NULL, &l);
	for (int r = 0; r < 3; r++) {
		add(&m, doc(0, "ept", 7, 0));
		add(&m, doc(1, "shadow", 7, 0));
	}
	merge_compute(&m);
	const struct merge_metric *x = &m.points[1].metric[0];
	assert_int_equal(x->sig, MERGE_SIG_NO);
	assert_true(x->have_diff);
	assert_float_equal(x->diff_pct, 0.0, 0);
	assert_string_equal(merge_sig_text(x), "no");
	x = &m.points[1].metric[1]; /* 0 against 0: equal, and no percentage of a zero */
	assert_int_equal(x->sig, MERGE_SIG_NO);
	assert_false(x->have_diff);
	json_t *j = merge_to_json(&m);
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	assert_null(strstr(text, "NaN"));
	assert_null(strstr(text, "nan"));
	assert_null(strstr(text, "inf"));
	json_error_t err;
	json_t *back = json_loads(text, 0, &err); /* what is written reads back */
	assert_non_null(back);
	json_decref(back);
	free(text);
	json_decref(j);
	merge_free(&m);
}

/* A metric absent from a point is counted as missing there and named once; one that is null
 * is counted as null; neither is averaged as 0. */
static void test_missing_and_null(void **st)
{
	(void)st;
	static struct merge m;
	struct metric_list l;
	chosen(&l, "exits.pt_write, mmu.modeled_cycles");
	merge_init(&m, NULL, &l);
	add(&m, doc(0, "ept", 10, 4));
	add(&m, doc(0, "ept", 10, 6));
	add(&m, doc(1, "shadow", 10, -1)); /* no exits.pt_write */
	add(&m, doc(1, "shadow", 10, 8));
	add(&m, doc(2, "x", 10, -1));
	json_t *d = doc(3, "y", 10, 1);
	json_object_set_new(json_object_get(d, "mmu"), "modeled_cycles", json_null());
	add(&m, d);
	merge_compute(&m);
	const struct merge_metric *x = &m.points[1].metric[0];
	assert_int_equal(x->s.n, 1);
	assert_int_equal(x->missing, 1);
	assert_float_equal(x->s.mean, 8.0, 0); /* not (0 + 8) / 2 */
	assert_int_equal(m.points[2].metric[0].s.n, 0);
	assert_string_equal(merge_absent_text(&m.points[2].metric[0]), "missing");
	assert_int_equal(m.points[3].metric[1].nulls, 1);
	assert_int_equal(m.points[3].metric[1].s.n, 0);
	assert_string_equal(merge_absent_text(&m.points[3].metric[1]), "null");
	char note[256];
	merge_absent_note(&m, 0, note, sizeof(note));
	assert_string_equal(note, "metric exits.pt_write: not in point 1's results"); /* the first, once */
	merge_absent_note(&m, 1, note, sizeof(note));
	assert_string_equal(note, ""); /* null is reported per point, not as absent */
	json_t *j = merge_to_json(&m);
	json_t *notes = json_object_get(j, "notes");
	assert_int_equal(json_array_size(notes), 1);
	json_t *pm = json_object_get(json_object_get(json_array_get(json_object_get(j, "points"), 2), "metrics"),
				     "exits.pt_write");
	assert_null(json_object_get(pm, "mean"));
	assert_int_equal(json_integer_value(json_object_get(pm, "missing")), 1);
	json_decref(j);
	merge_free(&m);
}

/* Nothing chosen: the first document's sweep.metrics, else the default, with modeled cycles
 * on sim. */
static void test_metrics_chosen_by_documents(void **st)
{
	(void)st;
	static struct merge m;
	merge_init(&m, NULL, NULL);
	add(&m, doc(0, "ept", 1, 1));
	assert_int_equal(m.metrics.n, 3);
	assert_string_equal(m.metrics.path[0], "result.run_s");
	assert_string_equal(m.metrics.path[2], "mmu.modeled_cycles");
	merge_free(&m);

	merge_init(&m, NULL, NULL);
	json_t *d = doc(0, "ept", 1, 1);
	json_object_set_new(json_object_get(d, "config"), "platform", json_string("kvm"));
	add(&m, d);
	assert_int_equal(m.metrics.n, 2);
	merge_free(&m);

	merge_init(&m, NULL, NULL);
	d = doc(0, "ept", 1, 1);
	json_object_set_new(json_object_get(d, "sweep"), "metrics", json_pack("[s]", "exits.pt_write"));
	add(&m, d);
	assert_int_equal(m.metrics.n, 1);
	assert_string_equal(m.metrics.path[0], "exits.pt_write");
	merge_free(&m);

	/* --metrics overrides the file's choice */
	struct metric_list l;
	chosen(&l, "mmu.modeled_cycles");
	merge_init(&m, NULL, &l);
	d = doc(0, "ept", 1, 1);
	json_object_set_new(json_object_get(d, "sweep"), "metrics", json_pack("[s]", "exits.pt_write"));
	add(&m, d);
	assert_int_equal(m.metrics.n, 1);
	assert_string_equal(m.metrics.path[0], "mmu.modeled_cycles");
	merge_free(&m);

	/* a hand-edited, malformed sweep.metrics is refused naming the document */
	merge_init(&m, NULL, NULL);
	d = doc(0, "ept", 1, 1);
	json_object_set_new(json_object_get(d, "sweep"), "metrics", json_pack("[s]", "a..b"));
	assert_int_equal(merge_add_doc(&m, d, "edited.json", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "edited.json"));
	assert_non_null(strstr(why, "'a..b'"));
	json_decref(d);
	merge_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_list_syntax),
		cmocka_unit_test(test_two_metrics),
		cmocka_unit_test(test_constant_equal_and_zero),
		cmocka_unit_test(test_missing_and_null),
		cmocka_unit_test(test_metrics_chosen_by_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
