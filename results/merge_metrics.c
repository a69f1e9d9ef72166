/* merge_metrics.c — which metrics a merge summarises and their values in each ok repetition
 * (merge.h): --metrics if given, else the experiment file's choice recorded in each point's
 * sweep.metrics, else the default (with mmu.modeled_cycles on sim). A metric a document lacks
 * is counted as null or missing for its point, never averaged as 0, and named once. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "results/merge.h"

/* sweep.metrics (an array of paths) as one "a, b" list, checked like --metrics. */
static int recorded_metrics(const json_t *list, struct metric_list *l, char *why, size_t n)
{
	char text[METRIC_MAX * (METRIC_PATH_MAX + 2) + 1] = "";
	size_t i, used = 0;
	json_t *v;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", i ? "," : "", s ? s : "");
		if (used >= sizeof(text) || i >= METRIC_MAX) {
			snprintf(why, n, "sweep.metrics: more than %d metrics", METRIC_MAX);
			return -EINVAL;
		}
	}
	return metric_list_parse(text, l, why, n);
}

/* The first document decides when nothing was given: a sweep's points all carry the same
 * sweep.metrics, and a sweep that mixes platforms should name its metrics. */
static int choose_metrics(struct merge *m, const json_t *doc, const char *name, char *why, size_t n)
{
	const json_t *rec = json_object_get(json_object_get(doc, "sweep"), "metrics");
	const char *platform = json_string_value(json_object_get(json_object_get(doc, "config"), "platform"));
	char err[256];
	int rc;
	if (json_is_array(rec) && json_array_size(rec) > 0)
		rc = recorded_metrics(rec, &m->metrics, err, sizeof(err));
	else if (platform && strcmp(platform, "sim") == 0)
		rc = metric_list_parse(MERGE_DEFAULT_METRICS ", " MERGE_SIM_METRIC, &m->metrics, err, sizeof(err));
	else
		rc = metric_list_parse(MERGE_DEFAULT_METRICS, &m->metrics, err, sizeof(err));
	if (rc)
		snprintf(why, n, "%s: %s", name, err);
	return rc;
}

int merge_metrics_for(struct merge *m, const json_t *doc, const char *name, char *why, size_t n)
{
	return m->metrics.n ? 0 : choose_metrics(m, doc, name, why, n);
}

static void note_absent(struct merge *m, size_t i, long point, enum metric_found how)
{
	if (m->absent_point[i] < 0) {
		m->absent_point[i] = point;
		m->absent_how[i] = how;
	}
}

void merge_metrics_add(struct merge *m, struct merge_point *p, const json_t *doc, unsigned rep)
{
	for (size_t i = 0; i < m->metrics.n; i++) {
		struct merge_metric *x = &p->metric[i];
		double v;
		enum metric_found f = metric_resolve(doc, m->metrics.path[i], &v);
		if (f == METRIC_NUMBER) {
			x->rep_of[x->s.n] = (unsigned char)rep;
			x->x[x->s.n++] = v; /* s.n counts the values until merge_compute's mstat_of */
		}
		else if (f == METRIC_NULL)
			x->nulls++;
		else {
			x->missing++;
			note_absent(m, i, p->index, f);
		}
	}
}

void merge_absent_note(const struct merge *m, size_t i, char *buf, size_t n)
{
	buf[0] = 0;
	if (m->absent_point[i] >= 0)
		snprintf(buf, n, "metric %s: %s in point %ld's results", m->metrics.path[i],
			 m->absent_how[i] == METRIC_MISSING ? "not" : "not a number", m->absent_point[i]);
}
