/* merge_paired.c — paired comparison by an axis (merge.h, `memvirt merge --paired seed`). Why:
 * a sweep over seeds (seed = 1, 2, 3, 4, 5) measures each strategy on the same five inputs; the
 * differences between inputs (one seed's access pattern is simply slower) are shared by both
 * sides, and comparing the two sides seed by seed removes them, where an unpaired test counts
 * them as noise. A group is the points that differ only in the axis; each member is paired with
 * the point that has its baseline's settings and the member's own axis value (with
 * `baseline = mmu=ept` that is its baseline point itself). The unit of a pair is a point's
 * mean over its repetitions: repetitions of one seed are replicates, the seeds are the sample.
 * A member with no partner (the baseline lacks that axis value, or a side has no value) is
 * counted as unpaired, never guessed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/merge.h"

/* The point with `like`'s settings but axis = value, or -1. */
static long point_like(const struct merge *m, const json_t *like, const char *axis, const json_t *value)
{
	for (size_t i = 0; i < m->n; i++) {
		const json_t *s = m->points[i].settings;
		if (json_equal(json_object_get(s, axis), value) && merge_same_but(s, like, axis))
			return (long)i;
	}
	return -1;
}

/* Member q's partner: its baseline's settings with q's axis value. */
static long partner_of(const struct merge *m, const struct merge_point *q)
{
	if (q->base < 0)
		return -1;
	return point_like(m, m->points[q->base].settings, m->paired, json_object_get(q->settings, m->paired));
}

static void pair_metric(const struct merge *m, const struct merge_pair *g, size_t k, struct merge_pair_metric *r)
{
	double d[MERGE_MAX_REPS * 4] = { 0 }, rel = 0, t, df;
	size_t nd = 0, nrel = 0;
	*r = (struct merge_pair_metric){ .sig = MERGE_SIG_NA };
	for (size_t i = g->first; i < m->n && nd < sizeof(d) / sizeof(d[0]); i++) {
		const struct merge_point *q = &m->points[i];
		if (!merge_same_but(q->settings, m->points[g->first].settings, m->paired))
			continue;
		long r_at = partner_of(m, q);
		if (r_at < 0 || r_at == (long)i)
			continue;
		const struct mstat *a = &q->metric[k].s, *b = &m->points[r_at].metric[k].s;
		if (!a->n || !b->n)
			continue;
		d[nd++] = a->mean - b->mean;
		if (b->mean != 0) {
			rel += (a->mean - b->mean) / b->mean * 100;
			nrel++;
		}
	}
	struct mstat s;
	mstat_of(d, nd, &s);
	r->n = (unsigned)nd;
	r->mean_diff = s.mean;
	r->sd_diff = s.sd;
	r->have_rel = nrel == nd && nd > 0;
	r->mean_rel_pct = nrel ? rel / (double)nrel : 0;
	if (paired_t_test(d, nd, &t, &df, &r->p) == 0) {
		r->sig = r->p < MERGE_ALPHA ? MERGE_SIG_YES : MERGE_SIG_NO;
		r->exact = s.sd == 0;
	}
}

/* The group of point i: a new one when no earlier point differs from it only in the axis. */
static void add_group(struct merge *m, size_t i)
{
	const struct merge_point *p = &m->points[i];
	for (size_t g = 0; g < m->npairs; g++)
		if (merge_same_but(p->settings, m->points[m->pairs[g].first].settings, m->paired))
			return;
	struct merge_pair *g = &m->pairs[m->npairs++];
	*g = (struct merge_pair){ .first = i, .is_base = true };
	merge_label(m, p->settings, m->paired, g->label, sizeof(g->label));
	if (!g->label[0])
		snprintf(g->label, sizeof(g->label), "%s", p->job);
	for (size_t j = i; j < m->n; j++) {
		const struct merge_point *q = &m->points[j];
		if (!merge_same_but(q->settings, p->settings, m->paired))
			continue;
		long r = partner_of(m, q);
		g->members++;
		g->unpaired += r < 0;
		g->is_base &= r == (long)j;
	}
	for (size_t k = 0; k < m->metrics.n; k++)
		pair_metric(m, g, k, &g->metric[k]);
}

int merge_pair_compute(struct merge *m)
{
	free(m->pairs);
	m->npairs = 0;
	m->pairs = calloc(m->n ? m->n : 1, sizeof(*m->pairs));
	if (!m->pairs)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		add_group(m, i);
	return 0;
}

static void print_pair_row(FILE *f, const struct merge_pair *g, const struct merge_pair_metric *x)
{
	char mean[32], sd[32];
	fprintf(f, "  %-40s %5u", g->label, x->n);
	if (g->is_base) {
		fprintf(f, " %14s\n", "base");
		return;
	}
	if (!x->n) {
		fprintf(f, " %14s\n", "-");
		return;
	}
	merge_number_text(mean, sizeof(mean), x->mean_diff);
	merge_number_text(sd, sizeof(sd), x->sd_diff);
	fprintf(f, " %14s %10s", mean, sd);
	char rel[32] = "-";
	if (x->have_rel)
		merge_pct_text(rel, sizeof(rel), x->mean_rel_pct);
	fprintf(f, " %10s", rel);
	fprintf(f, " %5s", merge_sig_word(x->sig, x->exact));
	if (x->sig != MERGE_SIG_NA)
		fprintf(f, " %8.3g", x->p);
	fputc('\n', f);
}

void merge_pair_print(const struct merge *m, FILE *f)
{
	if (!m->paired[0])
		return;
	for (size_t k = 0; k < m->metrics.n; k++) {
		fprintf(f, "\n%s, paired by %s (point - its baseline, %s by %s)\n  %-40s %5s %14s %10s %10s %5s %8s\n",
			m->metrics.path[k], m->paired, m->paired, m->paired, "settings (all values of the axis)", "pairs",
			"mean diff", "sd", "mean rel", "sig", "p");
		for (size_t g = 0; g < m->npairs; g++)
			print_pair_row(f, &m->pairs[g], &m->pairs[g].metric[k]);
	}
	fprintf(f, "paired: t-test of the differences of the points' means, pair by pair (n/a below 2 pairs)\n");
}

static json_t *num_or_null(bool have, double v)
{
	return have ? merge_json_num(v) : json_null();
}

static json_t *pair_metric_json(const struct merge_pair_metric *x)
{
	bool tested = x->sig != MERGE_SIG_NA;
	return json_pack("{s:i, s:o, s:o, s:o, s:o, s:b, s:o}", "pairs", (json_int_t)x->n, "mean_diff",
			 num_or_null(x->n > 0, x->mean_diff), "sd_diff", num_or_null(x->n > 0, x->sd_diff), "mean_rel_pct",
			 num_or_null(x->have_rel, x->mean_rel_pct), "significant", tested ? json_boolean(x->sig) : json_null(),
			 "exact", tested && x->exact, "p_value", num_or_null(tested, x->p));
}

json_t *merge_pair_json(const struct merge *m)
{
	if (!m->paired[0])
		return json_null();
	json_t *groups = json_array();
	for (size_t g = 0; g < m->npairs; g++) {
		const struct merge_pair *p = &m->pairs[g];
		json_t *metrics = json_object();
		for (size_t k = 0; k < m->metrics.n; k++)
			json_object_set_new(metrics, m->metrics.path[k], pair_metric_json(&p->metric[k]));
		json_array_append_new(groups, json_pack("{s:i, s:s, s:b, s:i, s:i, s:o}", "first_point",
							(json_int_t)m->points[p->first].index, "label", p->label,
							"baseline", p->is_base, "members", (json_int_t)p->members,
							"unpaired", (json_int_t)p->unpaired, "metrics", metrics));
	}
	return json_pack("{s:s, s:o}", "axis", m->paired, "groups", groups);
}
