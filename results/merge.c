/* merge.c — groups a sweep's point documents by point and computes the summary (merge.h):
 * statistics over the repetitions that finished ok (failed, interrupted and skipped ones are
 * counted and named, never averaged), the baseline comparison and checksum agreement. The
 * outputs are merge_out.c's (table, JSON, CSV) and merge_html.c's. */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "results/merge.h"
#include "results/point_files.h"
#include "results/trend.h"

void merge_init(struct merge *m, const char *dir, const struct metric_list *metrics)
{
	*m = (struct merge){ .baseline = -1, .npoints = -1 };
	snprintf(m->dir, sizeof(m->dir), "%s", dir ? dir : "");
	if (metrics)
		m->metrics = *metrics;
	for (size_t i = 0; i < METRIC_MAX; i++)
		m->absent_point[i] = -1;
}

void merge_free(struct merge *m)
{
	for (size_t i = 0; i < m->n; i++) {
		json_decref(m->points[i].settings);
		json_decref(m->points[i].same_checksum_key);
	}
	free(m->points);
	free(m->pairs);
	m->points = NULL;
	m->pairs = NULL;
	m->n = m->cap = m->npairs = 0;
}

/* The point with this index, added (in index order) when new; NULL when out of memory. */
static struct merge_point *point_for(struct merge *m, long index)
{
	size_t at = 0;
	while (at < m->n && m->points[at].index < index)
		at++;
	if (at < m->n && m->points[at].index == index)
		return &m->points[at];
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct merge_point *p = realloc(m->points, cap * sizeof(*p));
		if (!p)
			return NULL;
		m->points = p;
		m->cap = cap;
	}
	memmove(&m->points[at + 1], &m->points[at], (m->n - at) * sizeof(*m->points));
	m->n++;
	m->points[at] = (struct merge_point){ .index = index, .checksums_agree = true, .vs_baseline = "n/a", .base = -1 };
	return &m->points[at];
}

/* What must be equal for two runs' checksums to be comparable (platform and strategy not:
 * the checksum is the same on all of them). */
static json_t *checksum_key(const json_t *config)
{
	json_t *k = json_object();
	static const char *const fields[] = { "workload", "seed", "mem_bytes", "ops", "params", NULL };
	for (const char *const *f = fields; *f; f++) {
		json_t *v = json_object_get(config, *f);
		json_object_set_new(k, *f, v ? json_deep_copy(v) : json_null());
	}
	return k;
}

/* The record of repetition `r` (sweep.repetition; 0 when a document lacks it: a record of its
 * own), added when new; NULL when the point has MERGE_MAX_REPS already. */
static struct merge_rep *rep_for(struct merge_point *p, unsigned r)
{
	for (unsigned i = 0; r && i < p->nrep; i++)
		if (p->rep[i].repetition == r)
			return &p->rep[i];
	if (p->nrep == MERGE_MAX_REPS)
		return NULL;
	p->rep[p->nrep] = (struct merge_rep){ .repetition = r };
	return &p->rep[p->nrep++];
}

static void add_ok(struct merge *m, struct merge_point *p, const json_t *doc, unsigned rep)
{
	const char *ck = json_string_value(json_object_get(json_object_get(doc, "result"), "checksum"));
	p->ok++;
	merge_metrics_add(m, p, doc, rep);
	if (!p->same_checksum_key)
		p->same_checksum_key = checksum_key(json_object_get(doc, "config"));
	/* A time-based run's checksum covers the passes it completed, which differ from one
	 * repetition to the next: not compared (docs/result-schema.md, "Time-based runs"). */
	if (!ck || json_is_number(json_object_get(json_object_get(doc, "config"), "runtime_s")))
		return;
	if (!p->checksum[0])
		snprintf(p->checksum, sizeof(p->checksum), "%s", ck);
	else if (strcmp(p->checksum, ck) != 0)
		p->checksums_agree = false;
}

static void add_not_ok(struct merge_point *p, const char *state, const char *message)
{
	if (strcmp(state, "interrupted") == 0)
		p->interrupted++;
	else if (strcmp(state, "skipped") == 0)
		p->skipped++;
	else
		p->failed++; /* "failed", and "killed" (a document its janitor wrote: the run died) */
	if (!p->message[0])
		snprintf(p->message, sizeof(p->message), "%s", message ? message : state);
}

static void note_sweep(struct merge *m, const json_t *sw)
{
	const char *file = json_string_value(json_object_get(sw, "file"));
	const char *base = json_string_value(json_object_get(sw, "baseline"));
	if (file && !m->file[0])
		snprintf(m->file, sizeof(m->file), "%s", file);
	if (base && !m->baseline_spec[0] && !m->baseline_given)
		snprintf(m->baseline_spec, sizeof(m->baseline_spec), "%s", base);
	if (json_is_integer(json_object_get(sw, "points")))
		m->npoints = (long)json_integer_value(json_object_get(sw, "points"));
}

/* An earlier attempt that --rerun-flagged replaced: counted, never averaged. */
static void add_superseded(struct merge_point *p, unsigned repetition)
{
	struct merge_rep *r = rep_for(p, repetition);
	p->superseded++;
	if (r)
		r->superseded++;
}

int merge_add_doc(struct merge *m, const json_t *doc, const char *name, char *why, size_t n)
{
	const json_t *sw = json_object_get(doc, "sweep");
	json_int_t repetition = json_integer_value(json_object_get(sw, "repetition"));
	unsigned rep_no = repetition > 0 && repetition <= MERGE_MAX_REPS ? (unsigned)repetition : 0;
	const char *job = json_string_value(json_object_get(sw, "job"));
	const char *state = json_string_value(json_object_get(json_object_get(doc, "status"), "state"));
	if (!json_is_integer(json_object_get(sw, "point")) || !job || !state) {
		snprintf(why, n, "%s: not a sweep point document (no sweep.point, sweep.job or status.state)", name);
		return -EINVAL;
	}
	json_int_t index = json_integer_value(json_object_get(sw, "point"));
	const json_t *points = json_object_get(sw, "points");
	if (points && (!json_is_integer(points) || json_integer_value(points) < 1 ||
		       json_integer_value(points) > MERGE_MAX_POINTS)) {
		snprintf(why, n, "%s: sweep.points is not a number of points from 1 to %d", name, MERGE_MAX_POINTS);
		return -EINVAL;
	}
	json_int_t limit = points ? json_integer_value(points) : MERGE_MAX_POINTS;
	if (index < 0 || index >= limit) {
		snprintf(why, n, "%s: sweep.point %lld is outside 0..%lld", name, (long long)index, (long long)limit - 1);
		return -EINVAL;
	}
	int rc = merge_metrics_for(m, doc, name, why, n);
	if (rc)
		return rc;
	struct merge_point *p = point_for(m, (long)index);
	if (!p) {
		snprintf(why, n, "%s: out of memory", name);
		return -ENOMEM;
	}
	snprintf(p->job, sizeof(p->job), "%s", job);
	if (!p->settings)
		p->settings = json_incref(json_object_get(sw, "settings"));
	if (json_object_get(doc, MERGE_SUPERSEDED_KEY)) {
		add_superseded(p, rep_no);
		return 0;
	}
	struct merge_rep *r = p->runs < MERGE_MAX_REPS ? rep_for(p, rep_no) : NULL;
	if (!r) {
		snprintf(why, n, "%s: more than %d repetitions of point %ld", name, MERGE_MAX_REPS, p->index);
		return -E2BIG;
	}
	r->current = true;
	note_sweep(m, sw);
	if ((rc = merge_charts_note(m, sw, name, why, n)) != 0)
		return rc;
	p->runs++;
	json_int_t repeat = json_integer_value(json_object_get(sw, "repeat"));
	if (repeat > 0 && repeat <= MERGE_MAX_REPS && (unsigned)repeat > p->repeat)
		p->repeat = (unsigned)repeat;
	if (strcmp(state, "ok") == 0) {
		r->ok = true;
		merge_interference_of(doc, &r->host);
		add_ok(m, p, doc, (unsigned)(r - p->rep));
	} else
		add_not_ok(p, state, json_string_value(json_object_get(json_object_get(doc, "status"), "message")));
	return 0;
}

static int is_point_file(const struct dirent *e)
{
	size_t len = strlen(e->d_name);
	return len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 && e->d_name[0] != '.';
}

/* Every *.json of dir; a missing dir is an error only when `needed`. */
static int load_from(struct merge *m, const char *dir, bool needed, char *why, size_t n)
{
	char path[8400];
	struct dirent **names;
	int count = scandir(dir, &names, is_point_file, alphasort), rc = 0;
	if (count < 0) {
		rc = -errno;
		if (!needed && rc == -ENOENT)
			return 0;
		snprintf(why, n, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	for (int i = 0; i < count; i++) {
		json_error_t err;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		json_t *doc = rc ? NULL : result_load_file(path, &err);
		if (!rc && !doc) {
			snprintf(why, n, "%s:%d: %s", path, err.line, err.text);
			rc = -EINVAL;
		} else if (!rc)
			rc = merge_add_doc(m, doc, path, why, n);
		json_decref(doc);
		free(names[i]);
	}
	free(names);
	return rc;
}

int merge_load(struct merge *m, char *why, size_t n)
{
	char dir[4200], old[4300];
	snprintf(dir, sizeof(dir), "%s/points", m->dir);
	snprintf(old, sizeof(old), "%s/superseded", dir);
	int rc = load_from(m, dir, true, why, n);
	if (rc == 0)
		rc = load_from(m, old, false, why, n);
	if (rc == 0 && m->n == 0) {
		snprintf(why, n, "%s: no point results (NNNN-<job>-rK.json) to merge", dir);
		rc = -ENOENT;
	}
	return rc;
}

void merge_label(const struct merge *m, const json_t *settings, const char *skip, char *buf, size_t n)
{
	const char *key;
	json_t *val;
	size_t used = 0;
	buf[0] = 0;
	json_object_foreach((json_t *)settings, key, val) {
		bool varies = false;
		if (skip && strcmp(key, skip) == 0)
			continue;
		for (size_t j = 0; j < m->n && !varies; j++)
			varies = !json_equal(val, json_object_get(m->points[j].settings, key));
		if (varies && used + 1 < n)
			used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", used ? " " : "", key, json_string_value(val));
	}
}

/* The settings whose value is not the same at every point, as "key=value ...". */
static void make_labels(struct merge *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct merge_point *p = &m->points[i];
		merge_label(m, p->settings, NULL, p->label, sizeof(p->label));
		if (!p->label[0])
			snprintf(p->label, sizeof(p->label), "%s", p->job);
	}
}

/* baseline = JOB (its first point) or none (the first point): one baseline for all. */
static long find_baseline(const struct merge *m)
{
	if (strchr(m->baseline_spec, '='))
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (!m->baseline_spec[0] || strcmp(m->points[i].job, m->baseline_spec) == 0)
			return (long)i;
	return -1;
}

bool merge_same_but(const json_t *a, const json_t *b, const char *key)
{
	const char *k;
	json_t *v;
	if (json_object_size(a) != json_object_size(b))
		return false;
	json_object_foreach((json_t *)a, k, v)
		if (strcmp(k, key) != 0 && !json_equal(v, json_object_get(b, k)))
			return false;
	return true;
}

/* baseline = KEY=VALUE: each point is compared with the point that has KEY=VALUE and all its
 * other settings (mmu=ept: every workload's shadow point against the same workload's ept). */
static long find_base_of(const struct merge *m, const struct merge_point *p)
{
	const char *eq = strchr(m->baseline_spec, '=');
	if (!eq)
		return m->baseline;
	char key[64];
	snprintf(key, sizeof(key), "%.*s", (int)(eq - m->baseline_spec), m->baseline_spec);
	for (size_t i = 0; i < m->n; i++) {
		const char *v = json_string_value(json_object_get(m->points[i].settings, key));
		if (v && strcmp(v, eq + 1) == 0 && merge_same_but(p->settings, m->points[i].settings, key))
			return (long)i;
	}
	return -1;
}

/* Deterministic metrics (simulator counters) have sd 0 on both sides: welch_test then calls
 * equal means not significant and different means significant (p 0), marked exact. The
 * medians' difference and the rank test beside them are what one disturbed repetition does
 * not move much. */
static void compare_metric(struct merge_metric *x, const struct merge_metric *base)
{
	double t, df;
	x->have_diff = x->s.n > 0 && base->s.n > 0 && base->s.mean != 0;
	x->diff_pct = x->have_diff ? (x->s.mean - base->s.mean) / base->s.mean * 100.0 : 0;
	x->have_mdiff = x->s.n > 0 && base->s.n > 0 && base->s.median != 0;
	x->mdiff_pct = x->have_mdiff ? (x->s.median - base->s.median) / base->s.median * 100.0 : 0;
	x->sig = x->mwu_sig = MERGE_SIG_NA;
	if (welch_test(&x->s, &base->s, &t, &df, &x->p) == 0) {
		x->sig = x->p < MERGE_ALPHA ? MERGE_SIG_YES : MERGE_SIG_NO;
		x->exact = x->s.sd == 0 && base->s.sd == 0;
	}
	if (x->s.n >= 2 && base->s.n >= 2 && mann_whitney(x->x, x->s.n, base->x, base->s.n, &x->mwu) == 0)
		x->mwu_sig = x->mwu.p < MERGE_ALPHA ? MERGE_SIG_YES : MERGE_SIG_NO;
	if (x->mwu_sig != MERGE_SIG_NA && x->exact) { /* two constants: as Welch's, not a sample's ranks */
		x->mwu_sig = x->sig;
		x->mwu.p = x->p;
	}
}

/* Per repetition: outside some metric's fences, flagged for host interference. */
static void flag_reps(struct merge *m, struct merge_point *p)
{
	for (size_t k = 0; k < m->metrics.n; k++) {
		struct merge_metric *x = &p->metric[k];
		for (size_t i = 0; i < x->s.n; i++)
			if (mstat_outlier(&x->s, x->x[i])) {
				x->outliers++;
				p->rep[x->rep_of[i]].outlier = true;
			}
	}
	for (unsigned i = 0; i < p->nrep; i++)
		p->flagged += p->rep[i].current && p->rep[i].ok && p->rep[i].host.flagged;
}

static const char *checksum_vs(const struct merge_point *p, const struct merge_point *base)
{
	if (!p->checksum[0] || !base->checksum[0] || !p->checksums_agree || !base->checksums_agree ||
	    !json_equal(p->same_checksum_key, base->same_checksum_key))
		return "n/a";
	return strcmp(p->checksum, base->checksum) == 0 ? "equal" : "differ";
}

void merge_compute(struct merge *m)
{
	for (size_t i = 0; i < m->n; i++) {
		for (size_t k = 0; k < m->metrics.n; k++) /* s.n holds how many values were added */
			mstat_of(m->points[i].metric[k].x, m->points[i].metric[k].s.n, &m->points[i].metric[k].s);
		flag_reps(m, &m->points[i]);
	}
	make_labels(m);
	m->baseline = find_baseline(m);
	for (size_t i = 0; i < m->n; i++) {
		struct merge_point *p = &m->points[i];
		p->base = find_base_of(m, p);
		p->is_base = p->base == (long)i;
		for (size_t k = 0; k < m->metrics.n; k++)
			p->metric[k].sig = MERGE_SIG_NA;
		if (p->is_base)
			p->vs_baseline = "baseline";
		if (p->base < 0 || p->is_base)
			continue; /* nothing to compare with, or itself: no difference, no test */
		const struct merge_point *base = &m->points[p->base];
		for (size_t k = 0; k < m->metrics.n; k++)
			compare_metric(&p->metric[k], &base->metric[k]);
		p->vs_baseline = checksum_vs(p, base);
	}
}

/* Whether some point has setting key=value. */
static bool some_point_has(const struct merge *m, const char *key, const char *value)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *v = json_string_value(json_object_get(m->points[i].settings, key));
		if (v && (!value || strcmp(v, value) == 0))
			return true;
	}
	return false;
}

static int check_baseline(const struct merge *m, char *why, size_t n)
{
	const char *spec = m->baseline_spec, *eq = strchr(spec, '=');
	char key[64];
	if (!m->baseline_given)
		return 0;
	if (eq) {
		snprintf(key, sizeof(key), "%.*s", (int)(eq - spec), spec);
		if (some_point_has(m, key, eq + 1))
			return 0;
		snprintf(why, n, "invalid --baseline value '%s': no point has the setting %s", spec, spec);
		return -EDOM;
	}
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->points[i].job, spec) == 0)
			return 0;
	snprintf(why, n, "invalid --baseline value '%s': no job of that name, and not KEY=VALUE (a setting)", spec);
	return -EDOM;
}

static int check_paired(const struct merge *m, char *why, size_t n)
{
	const char *axis = m->paired, *eq = strchr(m->baseline_spec, '=');
	if (!axis[0])
		return 0;
	if (!some_point_has(m, axis, NULL)) {
		snprintf(why, n, "invalid --paired value '%s': no point has that setting", axis);
		return -EDOM;
	}
	const json_t *first = json_object_get(m->points[0].settings, axis);
	bool varies = false;
	for (size_t i = 1; i < m->n && !varies; i++)
		varies = !json_equal(first, json_object_get(m->points[i].settings, axis));
	if (!varies) {
		snprintf(why, n, "invalid --paired value '%s': it does not vary across the sweep (nothing to pair by)", axis);
		return -EDOM;
	}
	if (eq && strlen(axis) == (size_t)(eq - m->baseline_spec) && strncmp(axis, m->baseline_spec, strlen(axis)) == 0) {
		snprintf(why, n, "invalid --paired value '%s': it is the baseline's key (%s): pairs would compare a "
			 "point with itself", axis, m->baseline_spec);
		return -EDOM;
	}
	return 0;
}

int merge_check_opts(const struct merge *m, char *why, size_t n)
{
	int rc = check_baseline(m, why, n);
	return rc ? rc : check_paired(m, why, n);
}

/* The summary document with how its charts are drawn (charts: the error bars and the --plot
 * choices), each plot checked against it; NULL with -EDOM in *rc and why naming a plot the
 * summary cannot draw. */
static json_t *summary_doc(const struct merge *m, const struct merge_opts *o, int *rc, char *why, size_t n)
{
	json_t *doc = merge_to_json(m);
	char err[700];
	/* the command line's choice, else the experiment file's (each of the two on its own) */
	bool given = o->nplots > 0;
	const struct trend_plot *plots = given ? o->plots : m->plots;
	size_t nplots = given ? o->nplots : m->nplots;
	enum trend_error error = o->error_given ? (enum trend_error)o->error_bars
			       : m->error_given ? m->error_bars
						: TREND_ERROR_SD;
	*rc = 0;
	json_object_set_new(doc, "charts", trend_charts_json(error, plots, nplots));
	for (size_t i = 0; i < nplots; i++)
		if (trend_plot_check(doc, &plots[i], err, sizeof(err)) < 0) {
			if (given)
				snprintf(why, n, "invalid --plot value %s", err);
			else
				snprintf(why, n, "invalid plot = value of %s %s", m->file[0] ? m->file : "the experiment file",
					 err);
			json_decref(doc);
			*rc = -EDOM;
			return NULL;
		}
	return doc;
}

/* summary.json (with each repetition's files, relative to out), summary.csv, report.html, the
 * trend charts' and the chosen plots' SVG files, all from the one summary document. */
static int write_outputs(struct merge *m, json_t *doc, const char *out, char *why, size_t n)
{
	char path[4200];
	int rc = point_files_add(doc, m->dir, out, why, n);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/summary.json", out);
		rc = result_write_atomic(path, doc);
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/summary.csv", out);
			rc = merge_write_csv(m, doc, path);
		}
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/report.html", out);
			rc = merge_write_html(m, doc, path);
		}
		if (rc < 0)
			snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc));
		else
			rc = trend_write_files(doc, out, why, n);
		if (rc == 0)
			rc = trend_plots_write_files(doc, out, why, n);
	}
	return rc;
}

int merge_dir(const struct merge_opts *o, FILE *table, char *why, size_t n)
{
	struct merge *m = malloc(sizeof(*m)); /* large: the points' repetitions */
	const char *out = o->out ? o->out : o->dir;
	if (!m) {
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	merge_init(m, o->dir, o->metrics && o->metrics->n ? o->metrics : NULL);
	if (o->baseline) {
		snprintf(m->baseline_spec, sizeof(m->baseline_spec), "%s", o->baseline);
		m->baseline_given = true;
	}
	snprintf(m->paired, sizeof(m->paired), "%s", o->paired ? o->paired : "");
	int rc = merge_load(m, why, n);
	if (rc == 0)
		rc = merge_check_opts(m, why, n);
	if (rc == 0 && !o->partial && !merge_complete(m)) {
		if (table)
			merge_print_gaps(m, table);
		snprintf(why, n, "%s: the sweep is not complete (above); merge what is there with --partial, or run "
			 "the missing points (memvirt sweep FILE --resume)", o->dir);
		rc = -EAGAIN;
	} else if (rc == 0) {
		json_t *doc = NULL;
		merge_compute(m);
		rc = m->paired[0] ? merge_pair_compute(m) : 0;
		if (rc < 0)
			snprintf(why, n, "out of memory");
		if (rc == 0)
			doc = summary_doc(m, o, &rc, why, n);
		if (rc == 0 && table)
			merge_print(m, table);
		if (rc == 0)
			rc = write_outputs(m, doc, out, why, n);
		if (rc == 0 && table)
			fprintf(table, "\nsummary: %s/report.html (also summary.json, summary.csv, trend-*.svg%s)\n", out,
				o->nplots || m->nplots ? ", plot-*.svg" : "");
		json_decref(doc);
	}
	merge_free(m);
	free(m);
	return rc;
}
