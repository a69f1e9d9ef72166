/* merge_gaps.c — what a sweep's results lack (see merge.h): the points that have no result at
 * all, the repetitions not written yet, and those that did not finish ok. A job array on a
 * cluster leaves such gaps when a task fails, is cancelled or never ran; naming them point by
 * point tells the user what to re-run (`memvirt sweep FILE --resume`), and a partial merge
 * carries the same list in its summary so that a published table says what it lacks. */
#include <stdio.h>

#include "results/merge.h"

static const struct merge_point *find(const struct merge *m, long index)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->points[i].index == index)
			return &m->points[i];
	return NULL;
}

static unsigned missing_reps(const struct merge_point *p)
{
	return p->repeat > p->runs ? p->repeat - p->runs : 0;
}

static bool has_gap(const struct merge_point *p)
{
	return missing_reps(p) || p->failed || p->interrupted || p->skipped;
}

bool merge_complete(const struct merge *m)
{
	if (m->npoints > (long)m->n)
		return false;
	for (size_t i = 0; i < m->n; i++)
		if (has_gap(&m->points[i]))
			return false;
	return true;
}

/* Calls fn for every point with a gap, in index order; p NULL for a point with no result. */
static void for_each_gap(const struct merge *m, void (*fn)(long index, const struct merge_point *p, void *arg),
			 void *arg)
{
	long last = m->npoints > 0 ? m->npoints : 0;
	if (m->n && m->points[m->n - 1].index + 1 > last)
		last = m->points[m->n - 1].index + 1;
	for (long i = 0; i < last; i++) {
		const struct merge_point *p = find(m, i);
		if (!p || has_gap(p))
			fn(i, p, arg);
	}
}

static void print_one(long index, const struct merge_point *p, void *arg)
{
	FILE *f = arg;
	if (!p) {
		fprintf(f, "  point %ld: missing (no result in points/)\n", index);
		return;
	}
	fprintf(f, "  point %ld (job %s):", index, p->job);
	if (missing_reps(p))
		fprintf(f, " %u of %u repetitions missing;", missing_reps(p), p->repeat);
	if (p->failed)
		fprintf(f, " %u failed;", p->failed);
	if (p->interrupted)
		fprintf(f, " %u interrupted;", p->interrupted);
	if (p->skipped)
		fprintf(f, " %u skipped;", p->skipped);
	fprintf(f, "%s%s\n", p->message[0] ? " first: " : "", p->message);
}

void merge_print_gaps(const struct merge *m, FILE *f)
{
	if (merge_complete(m))
		return;
	fprintf(f, "gaps (%s):\n", m->npoints >= 0 ? "against sweep.points" : "in the points found");
	for_each_gap(m, print_one, f);
}

static void json_one(long index, const struct merge_point *p, void *arg)
{
	json_t *a = arg;
	if (!p) {
		json_array_append_new(a, json_pack("{s:I, s:n, s:s}", "point", (json_int_t)index, "job", "state", "missing"));
		return;
	}
	json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:s}", "point", (json_int_t)index, "job",
					   p->job, "state", missing_reps(p) ? "incomplete" : "failed",
					   "missing", (int)missing_reps(p), "failed", (int)p->failed, "interrupted",
					   (int)p->interrupted, "skipped", (int)p->skipped, "message", p->message));
}

json_t *merge_gaps_json(const struct merge *m)
{
	json_t *a = json_array();
	for_each_gap(m, json_one, a);
	return a;
}
