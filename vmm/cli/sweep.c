/* sweep.c — expands an experiment file into points (see sweep.h) and turns a point into a
 * run configuration through the command line's own parser, naming the file line at fault
 * when a value is refused. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/util/parse.h"
#include "results/merge.h"
#include "results/trend_plot.h"
#include "vmm/cli/sweep.h"

/* memvirt merge reads back every point a sweep writes. */
_Static_assert(SWEEP_MAX_POINTS <= MERGE_MAX_POINTS, "memvirt merge would refuse a sweep's last points");

/* A job's settings after [global]'s, without the file's own keys. */
struct merged {
	size_t n;
	const struct xf_setting *set[SWEEP_MAX_SETTINGS];
	unsigned ncomb[SWEEP_MAX_SETTINGS];              /* items in each value's comma list */
	size_t lead[SWEEP_MAX_SETTINGS];                 /* the setting whose item this one takes: itself,
							  * or its zip group's first (zip_groups) */
};

static int fail_at(const struct experiment_file *xf, const struct xf_setting *s, char *why, size_t n,
		   const char *what)
{
	snprintf(why, n, "%s:%d: key '%s' = '%s': %s", xf->path, s->line, s->key, s->value, what);
	return -EINVAL;
}

/* Reclaim, balloon and working-set specs have commas of their own (discard:at=300ms,frac=0.5;
 * target=1g,at=2s; sampled:200,period=50ms): they are never an axis. */
static bool is_axis_key(const char *key)
{
	return strcmp(key, "reclaim") != 0 && strcmp(key, "balloon") != 0 && strcmp(key, "wss") != 0;
}

bool sweep_item(const struct xf_setting *s, unsigned k, struct sweep_value *out)
{
	const char *p = s->value, *end;
	for (unsigned i = 0;; i++) {
		end = is_axis_key(s->key) ? strchr(p, ',') : NULL;
		if (!end)
			end = p + strlen(p);
		if (i == k)
			break;
		if (!*end)
			return false;
		p = end + 1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*out = (struct sweep_value){ .src = s, .off = (unsigned short)(p - s->value), .len = (unsigned short)(end - p) };
	return true;
}

int sweep_count_items(const struct experiment_file *xf, const struct xf_setting *s, unsigned *count, char *why,
		      size_t n)
{
	struct sweep_value v;
	unsigned k = 0;
	for (; sweep_item(s, k, &v); k++)
		if (v.len == 0)
			return fail_at(xf, s, why, n, "empty item in the comma list");
	*count = k;
	return 0;
}

static int merge_job(const struct experiment_file *xf, const struct xf_section *job, struct merged *m, char *why,
		     size_t n)
{
	const struct xf_section *secs[2] = { &xf->global, job };
	m->n = 0;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < secs[k]->n; i++) {
			const struct xf_setting *s = &secs[k]->set[i];
			if (xf_is_file_key(s->key) || (k == 0 && xf_get(job, s->key)))
				continue; /* the job's own value replaces [global]'s */
			if (m->n == SWEEP_MAX_SETTINGS) {
				snprintf(why, n, "%s:%d: job [%s]: more than %d settings with those of [global]", xf->path,
					 job->line, job->name, SWEEP_MAX_SETTINGS);
				return -E2BIG;
			}
			m->set[m->n] = s;
			m->lead[m->n] = m->n;
			int rc = sweep_count_items(xf, s, &m->ncomb[m->n], why, n);
			if (rc < 0)
				return rc;
			m->n++;
		}
	return 0;
}

/* The setting of m named key, or -1 (a repeatable key, which is never an axis of its own, too). */
static long setting_index(const struct merged *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->set[i]->key, key) == 0)
			return xf_key_repeatable(key) || !is_axis_key(key) ? -2 : (long)i;
	return -1;
}

/* zip = A+B, C+D+E (the job's, else [global]'s): each group's keys advance together — one axis
 * whose k-th point takes item k of every key's list — so the lists must be as long; a key in
 * no group is an axis of its own as before. A group is one axis at the place of its first key
 * in the merged order. Why a file key naming keys, rather than a new value syntax: every value
 * stays what the command line takes, and the pairing is written once, beside the lists. */
static int zip_groups(const struct experiment_file *xf, const struct xf_section *job, struct merged *m, char *why,
		      size_t n)
{
	const struct xf_setting *z = xf_get(job, XF_KEY_ZIP);
	if (!z)
		z = xf_get(&xf->global, XF_KEY_ZIP);
	if (!z)
		return 0;
	char buf[XF_VALUE_MAX], *gsave = NULL, msg[256];
	bool zipped[SWEEP_MAX_SETTINGS] = { false };
	snprintf(buf, sizeof(buf), "%s", z->value);
	for (char *g = strtok_r(buf, ",", &gsave); g; g = strtok_r(NULL, ",", &gsave)) {
		char *ksave = NULL;
		size_t group[SWEEP_MAX_SETTINGS], keys = 0, first = SIZE_MAX;
		for (char *k = strtok_r(g, "+", &ksave); k; k = strtok_r(NULL, "+", &ksave)) {
			k += strspn(k, " \t");
			for (size_t e = strlen(k); e && (k[e - 1] == ' ' || k[e - 1] == '\t');)
				k[--e] = 0;
			long i = setting_index(m, k);
			msg[0] = 0;
			if (i == -1)
				snprintf(msg, sizeof(msg), "'%s' is not set in job [%s] (nor in [global])", k, job->name);
			else if (i == -2)
				snprintf(msg, sizeof(msg), "'%s' is never a sweep axis", k);
			else if (zipped[i])
				snprintf(msg, sizeof(msg), "'%s' is zipped twice", k);
			else if (keys && m->ncomb[i] != m->ncomb[group[0]])
				snprintf(msg, sizeof(msg), "'%s' has %u value%s and '%s' %u: zipped keys need as many", k,
					 m->ncomb[i], m->ncomb[i] == 1 ? "" : "s", m->set[group[0]]->key, m->ncomb[group[0]]);
			if (msg[0])
				return fail_at(xf, z, why, n, msg);
			zipped[i] = true;
			group[keys++] = (size_t)i;
			if ((size_t)i < first)
				first = (size_t)i; /* the group's first key in the merged order leads it */
		}
		if (keys < 2)
			return fail_at(xf, z, why, n, "a zip group names two keys or more, joined by '+' (zip = guest-page+host-page)");
		for (size_t k = 0; k < keys; k++)
			m->lead[group[k]] = first;
	}
	return 0;
}

static int job_repeat(const struct experiment_file *xf, const struct xf_section *job, unsigned *repeat, char *why,
		      size_t n)
{
	const struct xf_setting *s = xf_get(job, XF_KEY_REPEAT);
	uint64_t v = 1;
	if (!s)
		s = xf_get(&xf->global, XF_KEY_REPEAT);
	if (s && (parse_u64(s->value, &v) < 0 || v < 1 || v > SWEEP_MAX_REPEAT))
		return fail_at(xf, s, why, n, "expected a number of repetitions from 1 to 100 (not a sweep axis)");
	*repeat = (unsigned)v;
	return 0;
}

static int add_points(struct sweep *s, const struct xf_section *job, const struct merged *m, unsigned repeat,
		      char *why, size_t n)
{
	size_t total = 1;
	for (size_t i = 0; i < m->n; i++)
		if (m->lead[i] == i && (total *= m->ncomb[i]) > SWEEP_MAX_POINTS)
			break;
	if (s->npoints + total > SWEEP_MAX_POINTS) {
		snprintf(why, n, "%s:%d: job [%s]: the sweep has more than %d points", s->xf->path, job->line, job->name,
			 SWEEP_MAX_POINTS);
		return -E2BIG;
	}
	for (size_t c = 0; c < total; c++) {
		struct sweep_point *p = &s->points[s->npoints];
		*p = (struct sweep_point){ .index = s->npoints, .job = job, .repeat = repeat, .n = m->n };
		size_t rest = c;
		unsigned item[SWEEP_MAX_SETTINGS];
		for (size_t i = m->n; i-- > 0;) /* the last axis varies fastest; a zip group is one axis */
			if (m->lead[i] == i) {
				item[i] = (unsigned)(rest % m->ncomb[i]);
				rest /= m->ncomb[i];
			}
		for (size_t i = 0; i < m->n; i++)
			sweep_item(m->set[i], item[m->lead[i]], &p->set[i]);
		s->npoints++;
	}
	return 0;
}

/* Whether some point has the setting "key=value" (baseline = KEY=VALUE). */
static bool some_point_has(const struct sweep *s, const char *kv)
{
	char text[XF_NAME_MAX + XF_VALUE_MAX + 2];
	for (size_t i = 0; i < s->npoints; i++)
		for (size_t k = 0; k < s->points[i].n; k++) {
			sweep_value_text(&s->points[i].set[k], text, sizeof(text));
			if (strcmp(text, kv) == 0)
				return true;
		}
	return false;
}

/* baseline = JOB (its first point is everyone's baseline) or KEY=VALUE (each point's baseline
 * is the point with that setting and its other settings: see merge.c). */
static int check_baseline(struct sweep *s, char *why, size_t n)
{
	const struct xf_setting *b = xf_get(&s->xf->global, XF_KEY_BASELINE);
	if (!b)
		return 0;
	s->baseline = b->value;
	if (strchr(b->value, '='))
		return some_point_has(s, b->value) ? 0 : fail_at(s->xf, b, why, n, "no point has this setting");
	for (size_t i = 0; i < s->xf->njobs; i++)
		if (strcmp(s->xf->jobs[i].name, b->value) == 0)
			return 0;
	return fail_at(s->xf, b, why, n, "no job of that name, and not KEY=VALUE");
}

/* metrics = a, b (xf_load has checked its syntax; checked again since a caller may build an
 * experiment_file by other means). */
static int read_metrics(struct sweep *s, char *why, size_t n)
{
	const struct xf_setting *m = xf_get(&s->xf->global, XF_KEY_METRICS);
	char err[256];
	if (!m || metric_list_parse(m->value, &s->metrics, err, sizeof(err)) == 0)
		return 0;
	return fail_at(s->xf, m, why, n, err);
}

int sweep_charts(const struct experiment_file *xf, json_t **out, char *why, size_t n)
{
	const struct xf_section *g = &xf->global;
	const struct xf_setting *e = xf_get(g, XF_KEY_ERROR);
	json_t *plots = json_array();
	struct trend_plot p;
	enum trend_error err;
	char msg[512];
	*out = NULL;
	for (size_t i = 0; i < g->n; i++) {
		const struct xf_setting *s = &g->set[i];
		if (strcmp(s->key, XF_KEY_PLOT) != 0)
			continue;
		if (json_array_size(plots) == TREND_MAX_PLOTS)
			snprintf(msg, sizeof(msg), "more than %d plots", TREND_MAX_PLOTS);
		else if (trend_plot_parse(s->value, &p, msg, sizeof(msg)) == 0) {
			json_array_append_new(plots, json_string(s->value));
			continue;
		}
		json_decref(plots);
		return fail_at(xf, s, why, n, msg);
	}
	if (e && trend_error_parse(e->value, &err) < 0) {
		json_decref(plots);
		return fail_at(xf, e, why, n, "expected sd, iqr or none");
	}
	if (!e && json_array_size(plots) == 0) {
		json_decref(plots);
		return 0;
	}
	*out = json_object();
	if (json_array_size(plots))
		json_object_set(*out, "plots", plots);
	if (e)
		json_object_set_new(*out, "error", json_string(e->value));
	json_decref(plots);
	return 0;
}

int sweep_build(struct sweep *s, const struct experiment_file *xf, char *why, size_t n)
{
	*s = (struct sweep){ .xf = xf, .points = calloc(SWEEP_MAX_POINTS, sizeof(struct sweep_point)) };
	if (!s->points) {
		snprintf(why, n, "%s: out of memory", xf->path);
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t j = 0; rc == 0 && j < xf->njobs; j++) {
		struct merged m;
		unsigned repeat;
		if ((rc = merge_job(xf, &xf->jobs[j], &m, why, n)) == 0 && (rc = zip_groups(xf, &xf->jobs[j], &m, why, n)) == 0 &&
		    (rc = job_repeat(xf, &xf->jobs[j], &repeat, why, n)) == 0)
			rc = add_points(s, &xf->jobs[j], &m, repeat, why, n);
	}
	if (rc == 0)
		rc = check_baseline(s, why, n);
	if (rc == 0)
		rc = read_metrics(s, why, n);
	if (rc == 0)
		rc = sweep_charts(xf, &s->charts, why, n);
	if (rc < 0)
		sweep_free(s);
	return rc;
}

void sweep_free(struct sweep *s)
{
	free(s->points);
	json_decref(s->charts);
	s->charts = NULL;
	s->points = NULL;
	s->npoints = 0;
}

void sweep_value_text(const struct sweep_value *v, char *buf, size_t n)
{
	snprintf(buf, n, "%s=%.*s", v->src->key, (int)v->len, v->src->value + v->off);
}

void sweep_point_text(const struct sweep_point *p, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < p->n && used + 1 < n; i++) {
		char kv[XF_NAME_MAX + XF_VALUE_MAX + 2];
		sweep_value_text(&p->set[i], kv, sizeof(kv));
		used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " " : "", kv);
	}
}

/* "--key=value"; a flag (no_argument option) is "--key" when its value is on, nothing when
 * off. Returns 0, 1 for nothing, or -EINVAL for a flag whose value is not on/off. */
static int arg_text(const struct sweep_value *v, char *buf, size_t n)
{
	char val[XF_VALUE_MAX];
	bool on;
	snprintf(val, sizeof(val), "%.*s", (int)v->len, v->src->value + v->off);
	if (cli_run_option_arg(v->src->key) == no_argument) {
		if (parse_bool(val, &on) < 0)
			return -EINVAL;
		snprintf(buf, n, "--%s", v->src->key);
		return on ? 0 : 1;
	}
	snprintf(buf, n, "--%s=%s", v->src->key, val);
	return 0;
}

/* Platform and workload first: whether a workload parameter applies depends on them. */
static int order_rank(const struct sweep_value *v)
{
	return strcmp(v->src->key, "platform") == 0 ? 0 : strcmp(v->src->key, "workload") == 0 ? 1 : 2;
}

/* Fills a->argv from the point; order[i] is the setting behind argv[i + 1]. */
static int build_args(const struct sweep_point *p, struct sweep_args *a, const struct sweep_value **order,
		      const struct sweep_value **bad)
{
	a->argc = 1;
	a->argv[0] = "sweep";
	for (int rank = 0; rank < 3; rank++)
		for (size_t i = 0; i < p->n; i++) {
			if (order_rank(&p->set[i]) != rank)
				continue;
			int rc = arg_text(&p->set[i], a->text[a->argc - 1], sizeof(a->text[0]));
			if (rc < 0) {
				*bad = &p->set[i];
				return rc;
			}
			if (rc == 0) {
				order[a->argc - 1] = &p->set[i];
				a->argv[a->argc] = a->text[a->argc - 1];
				a->argc++;
			}
		}
	a->argv[a->argc] = NULL;
	return 0;
}

static int parse_quiet(int argc, char **argv, struct cli_run *run, char *msg, size_t n)
{
	cli_run_init(run);
	cli_error_capture(msg, n);
	int rc = cli_parse_run_options(argc, argv, run);
	cli_error_capture(NULL, 0);
	return rc;
}

static int fail_value(const char *path, const struct sweep_value *v, const char *msg, char *why, size_t n)
{
	snprintf(why, n, "%s:%d: key '%s' = '%.*s': %s", path, v->src->line, v->src->key, (int)v->len,
		 v->src->value + v->off, msg);
	return EXIT_USAGE;
}

int sweep_point_config(const struct sweep_point *p, const char *path, struct sweep_args *a, struct cli_run *run,
		       char *why, size_t n)
{
	const struct sweep_value *order[SWEEP_MAX_SETTINGS], *bad = NULL;
	char msg[512] = "";
	if (build_args(p, a, order, &bad) < 0)
		return fail_value(path, bad, "expected on or off", why, n);
	if (parse_quiet(a->argc, a->argv, run, msg, sizeof(msg)) == 0)
		return 0;
	/* The setting at fault is the last of the shortest failing prefix: options are checked
	 * in order, and a combination is refused at its later half. run is spoilt anyway. */
	for (int k = 1; k < a->argc; k++) {
		if (parse_quiet(k + 1, a->argv, run, msg, sizeof(msg)) != 0)
			return fail_value(path, order[k - 1], msg, why, n);
	}
	snprintf(why, n, "%s: job [%s]: %s", path, p->job->name, msg);
	return EXIT_USAGE;
}

json_t *sweep_point_json(const struct sweep *s, const struct sweep_point *p, unsigned repetition)
{
	json_t *set = json_object();
	for (size_t i = 0; i < p->n; i++) {
		const struct sweep_value *v = &p->set[i];
		char val[XF_VALUE_MAX];
		snprintf(val, sizeof(val), "%.*s", (int)v->len, v->src->value + v->off);
		json_t *old = json_object_get(set, v->src->key);
		if (old) /* a repeatable option given more than once: "a; b" */
			json_object_set_new(set, v->src->key, json_sprintf("%s; %s", json_string_value(old), val));
		else
			json_object_set_new(set, v->src->key, json_string(val));
	}
	json_t *metrics = NULL;
	if (s->metrics.n) {
		metrics = json_array();
		for (size_t i = 0; i < s->metrics.n; i++)
			json_array_append_new(metrics, json_string(s->metrics.path[i]));
	}
	json_t *sw = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s?, s:o?, s:o}", "file", s->xf->path, "job",
			       p->job->name, "point", (json_int_t)p->index, "points", (json_int_t)s->npoints,
			       "repetition", (json_int_t)repetition, "repeat", (json_int_t)p->repeat, "baseline",
			       s->baseline, "metrics", metrics, "settings", set);
	/* absent, not null, without charts: a document written before files chose charts stays
	 * the same sweep's (--resume compares the whole object) */
	if (sw && s->charts)
		json_object_set(sw, "charts", s->charts);
	return sw;
}
