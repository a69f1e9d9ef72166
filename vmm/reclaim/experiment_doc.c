/* experiment_doc.c — what a run's telemetry and reclaim add to its result document:
 * config.telemetry / config.reclaim / config.swap, telemetry{} (measured-phase summary and,
 * when no CSV is written, the series itself), reclaim{} (events, swap, cgroup) and dips[]
 * with their attribution. Field meanings: docs/result-schema.md. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/dip_cause.h"
#include "results/dips.h"
#include "results/result.h"
#include "vmm/reclaim/experiment.h"

#define EMBED_MAX_ROWS 4000

static json_t *u64j(uint64_t v) { return json_integer((json_int_t)v); }

/* The measured phase on the run clock: from the first sample in it (phase, or progress for a
 * platform that does not publish the phase) to the last one in it — samples on both sides of a
 * boundary would put setup or checksum time, with no progress, into the first or last bin. */
static void measured_window(const struct tel_series *ts, double *m0, double *m1)
{
	size_t i = 0;
	*m0 = *m1 = 0;
	while (i < ts->n && ts->s[i].phase < WL_PHASE_MEASURE && ts->s[i].progress == 0)
		i++;
	if (i == ts->n)
		return;
	*m0 = ts->s[i].time_ms;
	while (i < ts->n && ts->s[i].phase != WL_PHASE_DONE)
		i++;
	*m1 = ts->s[i > 0 ? i - 1 : 0].time_ms;
}

/* The sample at or just before t (the first one when t precedes them all). */
static const struct tel_sample *sample_at(const struct tel_series *ts, double t)
{
	size_t lo = 0, hi = ts->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (ts->s[mid].time_ms <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &ts->s[lo];
}

/* A counter the run may not have: null when it has not. */
static json_t *optional_delta(uint64_t a, uint64_t b)
{
	return b == TEL_ABSENT ? json_null() : u64j(tel_counter_delta(a, b));
}

static json_t *host_deltas(const struct tel_series *ts, double t0, double t1)
{
	const struct tel_sample *a = sample_at(ts, t0), *b = sample_at(ts, t1);
	if (b->time_ms < t1 && b + 1 < ts->s + ts->n)
		b++; /* include the sample that closes the window */
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "minor_faults", u64j(b->minflt - a->minflt), "major_faults", u64j(b->majflt - a->majflt),
			 "pswpin", u64j(b->pswpin - a->pswpin), "pswpout", u64j(b->pswpout - a->pswpout),
			 "pgmajfault", u64j(b->pgmajfault - a->pgmajfault),
			 "workingset_refault", u64j(b->workingset_refault - a->workingset_refault),
			 "psi_some_us", u64j(b->psi_some_us - a->psi_some_us),
			 "psi_full_us", u64j(b->psi_full_us - a->psi_full_us),
			 "worker_wait_us", u64j(b->worker_wait_us - a->worker_wait_us),
			 "uffd_faults", optional_delta(a->uffd_faults, b->uffd_faults),
			 "steal_us", optional_delta(a->steal_us, b->steal_us),
			 "damon_applied_bytes", optional_delta(a->damon_applied_bytes, b->damon_applied_bytes));
}

/* When the action's effect ends: a limit lasts until its unlimit (or the run's end). */
static double effect_end(const struct reclaimer *r, size_t i, double run_end)
{
	const struct reclaim_action *a = &r->act[i];
	if (strcmp(a->action, "limit") != 0)
		return a->end_ms;
	for (size_t j = i + 1; j < r->n; j++)
		if (r->act[j].spec == a->spec && strcmp(r->act[j].action, "unlimit") == 0 && r->act[j].status != RECLAIM_PENDING)
			return r->act[j].end_ms;
	return run_end;
}

/* Attribution: the actions begun within ATTRIB_HORIZON_MS before the dip or during it, and any
 * limit still in force during it. The horizon exists because a discarded or paged-out page
 * hurts only when the guest next touches it: a sweeping workload meets it within one sweep
 * (tens of ms here), so a dip may start well after its event, and may come back in pieces. */
#define ATTRIB_HORIZON_MS 250.0

static json_t *dip_events(const struct reclaimer *r, const struct dip *d, double run_end, double *lag_ms)
{
	json_t *ev = json_array();
	*lag_ms = NAN;
	for (size_t i = 0; i < r->n; i++) {
		const struct reclaim_action *a = &r->act[i];
		if (a->status == RECLAIM_PENDING || a->status == RECLAIM_REFUSED)
			continue; /* a failed action may still have reclaimed (a limit that was not reached) */
		bool began = a->start_ms >= d->start_ms - ATTRIB_HORIZON_MS && a->start_ms < d->end_ms;
		/* a limit that failed to reach its target still left a lower limit in force */
		bool in_force = a->start_ms < d->end_ms && effect_end(r, i, run_end) > d->start_ms &&
				strcmp(a->action, "limit") == 0;
		if (!began && !in_force)
			continue;
		json_array_append_new(ev, json_integer((json_int_t)i));
		/* lag from the latest event that began before the dip, else from the first after it */
		if (isnan(*lag_ms) || a->start_ms <= d->start_ms)
			*lag_ms = d->start_ms - a->start_ms;
	}
	return ev;
}

/* A dip at the very start of the measured phase is the workload warming up (caches, TLB,
 * the host's page tables after setup), not something the host did. */
#define WARMUP_BINS 2

static double delta_ms(const json_t *host, const char *key)
{
	const json_t *v = json_object_get(host, key);
	return json_is_integer(v) ? (double)json_integer_value(v) / 1e3 : NAN;
}

static uint64_t delta_count(const json_t *host, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(host, key));
}

/* The cause (results/dip_cause.h) from the dip's host deltas; "checked" on an unknown one. */
static void dip_cause(json_t *o, size_t nevents, const json_t *host, const struct dip *d, const struct dip_result *dr)
{
	struct dip_evidence e = {
		.duration_ms = d->end_ms - d->start_ms,
		.events = nevents,
		.worker_wait_ms = delta_ms(host, "worker_wait_us"),
		.steal_ms = delta_ms(host, "steal_us"),
		.damon_bytes = json_is_integer(json_object_get(host, "damon_applied_bytes"))
				       ? (double)json_integer_value(json_object_get(host, "damon_applied_bytes"))
				       : NAN,
		.host_swap_pages = delta_count(host, "pswpin") + delta_count(host, "pswpout"),
		.host_refaults = delta_count(host, "workingset_refault"),
		.psi_some_ms = delta_ms(host, "psi_some_us"),
		.own_major_faults = delta_count(host, "major_faults"),
		.at_phase_start = d->start_ms < dr->measure_start_ms + WARMUP_BINS * dr->bin_ms,
	};
	const char *checked;
	json_object_set_new(o, "cause", json_string(dip_classify(&e, &checked)));
	if (*checked)
		json_object_set_new(o, "checked", json_string(checked));
}

/* The kernel adds a thread's run-queue wait to its schedstat when the thread runs again — at
 * the end of a dip caused by CPU contention, often just after the last slow bin. So a dip's
 * worker_wait_us is counted until WAIT_SETTLE_BINS bins (at least WAIT_SETTLE_MS) after it. */
#define WAIT_SETTLE_BINS 3
#define WAIT_SETTLE_MS 5.0

static uint64_t wait_until_settled(const struct tel_series *ts, const struct dip *d, double bin_ms)
{
	double end = d->end_ms + fmax(WAIT_SETTLE_MS, WAIT_SETTLE_BINS * bin_ms);
	const struct tel_sample *a = sample_at(ts, d->start_ms), *b = sample_at(ts, end);
	return b->worker_wait_us - a->worker_wait_us;
}

static json_t *dip_json(const struct experiment_session *s, const struct tel_series *ts, const struct dip *d,
			const struct dip_result *dr, double run_end)
{
	double bin_ms = dr->bin_ms;
	double lag;
	json_t *ev = dip_events(&s->rec, d, run_end, &lag);
	json_t *host = host_deltas(ts, d->start_ms, d->end_ms);
	json_object_set_new(host, "worker_wait_us", u64j(wait_until_settled(ts, d, bin_ms)));
	json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "start_ms", d->start_ms, "end_ms", d->end_ms,
			      "duration_ms", d->end_ms - d->start_ms, "depth", d->depth, "min_frac", d->min_frac,
			      "ops_lost", d->ops_lost);
	dip_cause(o, json_array_size(ev), host, d, dr);
	json_object_set_new(o, "events", ev);
	json_object_set_new(o, "lag_ms", isnan(lag) ? json_null() : json_real(lag));
	json_object_set_new(o, "host", host);
	return o;
}

static json_t *dips_json(const struct experiment_session *s, const struct tel_series *ts, const struct dip_result *dr)
{
	json_t *a = json_array();
	double run_end = ts->n ? ts->s[ts->n - 1].time_ms : 0;
	for (size_t i = 0; i < dr->n; i++)
		json_array_append_new(a, dip_json(s, ts, &dr->dips[i], dr, run_end));
	return a;
}

/* Dips closer than dip_episode_gap_ms are one episode (results/dip_cause.h): its cause is
 * the cause of its costliest dip. */
static json_t *episodes_json(const struct dip_result *dr, const json_t *dips)
{
	struct dip_episode *ep;
	size_t n;
	json_t *a = json_array();
	if (dip_episodes(dr, dip_episode_gap_ms(dr), &ep, &n) < 0)
		return a;
	for (size_t k = 0; k < n; k++) {
		json_t *idx = json_array();
		for (size_t i = ep[k].first; i < ep[k].first + ep[k].n; i++)
			json_array_append_new(idx, json_integer((json_int_t)i));
		const json_t *main = json_array_get(dips, ep[k].main);
		json_array_append_new(a, json_pack("{s:f, s:f, s:f, s:f, s:f, s:o, s:I, s:O}", "start_ms", ep[k].start_ms,
						   "end_ms", ep[k].end_ms, "duration_ms", ep[k].end_ms - ep[k].start_ms,
						   "ops_lost", ep[k].ops_lost, "depth", ep[k].depth, "dips", idx, "main",
						   (json_int_t)ep[k].main, "cause", json_object_get(main, "cause")));
	}
	free(ep);
	return a;
}

static double first_event_ms(const struct reclaimer *r)
{
	double first = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->act[i].status != RECLAIM_PENDING && (first == 0 || r->act[i].start_ms < first))
			first = r->act[i].start_ms;
	return first;
}

static int find_dips(const struct experiment *e, const struct reclaimer *rec, const struct tel_series *ts,
		     struct dip_result *dr)
{
	double m0, m1;
	measured_window(ts, &m0, &m1);
	double *t = malloc((ts->n + 1) * sizeof(*t));
	uint64_t *p = malloc((ts->n + 1) * sizeof(*p));
	int rc = t && p ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < ts->n; i++) {
		t[i] = ts->s[i].time_ms;
		p[i] = ts->s[i].progress;
	}
	struct dip_params dp = { .threshold = e->dip_threshold, .min_ms = e->dip_min_ms, .quantum = WL_PROGRESS_EVERY,
				 .baseline_until_ms = first_event_ms(rec) };
	if (rc == 0)
		rc = dips_find(t, p, ts->n, m0, m1, &dp, dr);
	else
		*dr = (struct dip_result){ 0 };
	free(t);
	free(p);
	return rc;
}

/* The series inside the document, when no CSV file carries it (at most EMBED_MAX_ROWS rows:
 * every k-th sample). */
static json_t *series_json(const struct tel_series *ts)
{
	json_t *cols = json_array(), *rows = json_array();
	json_array_append_new(cols, json_string("time_ms"));
#define TEL_COLNAME(f) json_array_append_new(cols, json_string(#f));
	TEL_COLUMNS(TEL_COLNAME)
#undef TEL_COLNAME
	size_t step = ts->n > EMBED_MAX_ROWS ? (ts->n + EMBED_MAX_ROWS - 1) / EMBED_MAX_ROWS : 1;
	for (size_t i = 0; i < ts->n; i += step) {
		const struct tel_sample *s = &ts->s[i];
		json_t *row = json_array();
		json_array_append_new(row, json_real(s->time_ms));
#define TEL_ROWVAL(f) json_array_append_new(row, tel_value_json(s->f));
		TEL_COLUMNS(TEL_ROWVAL)
#undef TEL_ROWVAL
		json_array_append_new(rows, row);
	}
	return json_pack("{s:o, s:o, s:I}", "columns", cols, "rows", rows, "every", (json_int_t)step);
}

static json_t *level_range(const struct tel_series *ts, size_t offset)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < ts->n; i++) {
		uint64_t v = *(const uint64_t *)((const char *)&ts->s[i] + offset);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	return json_pack("{s:o, s:o}", "min", u64j(ts->n ? lo : 0), "max", u64j(hi));
}

static json_t *telemetry_json(const struct experiment_session *s, const struct dip_result *dr, bool embed)
{
	const struct telemetry *t = s->monitor;
	const struct tel_series *ts = &s->target.series;
	json_t *o = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I}", "sample_us", (json_int_t)t->sample_us,
			      "samples", (json_int_t)ts->n, "overruns", (json_int_t)t->overruns,
			      "cost_us_per_sample", ts->n ? t->cost_us / (double)ts->n : 0.0,
			      "vmstat_every", (json_int_t)TEL_VMSTAT_EVERY, "scan_pages_per_sample", (json_int_t)TEL_SCAN_PAGES);
	json_object_set_new(o, "timeseries", s->opts->timeseries_path ? json_string(s->opts->timeseries_path) : json_null());
	json_object_set_new(o, "measure", json_pack("{s:f, s:f}", "start_ms", dr->measure_start_ms, "end_ms", dr->measure_end_ms));
	json_object_set_new(o, "host", host_deltas(ts, dr->measure_start_ms, dr->measure_end_ms));
	json_object_set_new(o, "guest_resident_bytes", level_range(ts, offsetof(struct tel_sample, guest_resident_bytes)));
	json_object_set_new(o, "guest_mapped_bytes", level_range(ts, offsetof(struct tel_sample, guest_mapped_bytes)));
	json_object_set_new(o, "guest_used_bytes", level_range(ts, offsetof(struct tel_sample, guest_used_bytes)));
	json_object_set_new(o, "baseline_ops_per_s", json_real(dr->baseline_ops_per_s));
	json_object_set_new(o, "baseline_bins", json_integer((json_int_t)dr->baseline_bins));
	json_object_set_new(o, "dip_bin_ms", json_real(dr->bin_ms));
	json_object_set_new(o, "dip_threshold", json_real(s->opts->dip_threshold));
	json_object_set_new(o, "dip_min_ms", json_real(s->opts->dip_min_ms));
	if (s->opts->overhead_window_us)
		json_object_set_new(o, "overhead", telemetry_overhead_json(ts, dr->measure_start_ms, dr->measure_end_ms,
									   (double)s->opts->overhead_window_us / 1e3)
							   ?: json_null());
	if (embed)
		json_object_set_new(o, "series", series_json(ts));
	return o;
}

/* wss{}: the estimator's settings, its cost per step and its figures over the run (a level per
 * sample, so the mean is over time), or null with the estimator off. */
static json_t *wss_json(const struct experiment_session *s)
{
	const struct tel_target *tg = &s->target;
	if (!s->opts->wss_on || !s->monitor)
		return json_null();
	const struct wss *w = &tg->wss;
	uint64_t lo = UINT64_MAX, hi = 0, n = 0;
	double sum = 0;
	for (size_t i = 0; i < tg->series.n; i++) {
		uint64_t v = tg->series.s[i].wss_bytes;
		if (v == TEL_ABSENT)
			continue;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += (double)v;
		n++;
	}
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "mode", wss_mode_name(&w->o), "period_us",
			      (json_int_t)w->o.period_us, "seed", (json_int_t)w->o.seed, "steps", (json_int_t)w->steps,
			      "checked_pages", (json_int_t)w->checked_total);
	json_object_set_new(o, "sample_pages", w->o.exact ? json_null() : json_integer(w->o.sample_pages));
	json_object_set_new(o, "guest_ram_bytes", u64j(w->bytes)); /* what a sampled fraction multiplies */
	json_object_set_new(o, "cpu_us", json_pack("{s:f, s:f}", "mean", w->steps ? w->cpu_sum_us / (double)w->steps : 0.0,
						   "max", w->cpu_max_us));
	json_object_set_new(o, "wss_bytes", n ? json_pack("{s:o, s:o, s:f}", "min", u64j(lo), "max", u64j(hi), "mean",
							 sum / (double)n)
					      : json_null());
	json_object_set_new(o, "error", tg->wss_err ? json_string(w->why) : json_null());
	return o;
}

static json_t *reclaim_json(const struct experiment_session *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "events", reclaimer_events_json(&s->rec));
	json_object_set_new(o, "swap", s->opts->zram_bytes
		? json_pack("{s:s, s:I, s:b}", "kind", "zram", "bytes", (json_int_t)s->opts->zram_bytes,
			    "restored", !s->host.zram.swap_on && !s->host.zram.sized)
		: json_null());
	json_object_set_new(o, "cgroup", s->host.memcg.version && s->host.memcg.path[0]
		? json_pack("{s:i, s:s, s:b}", "version", s->host.memcg.version, "path", s->host.memcg.path,
			    "removed", !s->host.memcg.created)
		: json_null());
	return o;
}

json_t *experiment_config_json(const struct experiment *e)
{
	json_t *specs = json_array();
	for (size_t i = 0; i < e->n_reclaim; i++)
		json_array_append_new(specs, reclaim_spec_json(&e->reclaim[i]));
	return json_pack("{s:{s:I, s:o, s:f, s:f}, s:o, s:o}", "telemetry", "sample_us", (json_int_t)e->sample_us,
			 "timeseries", e->timeseries_path ? json_string(e->timeseries_path) : json_null(),
			 "dip_threshold", e->dip_threshold, "dip_min_ms", e->dip_min_ms, "reclaim", specs,
			 "swap", e->zram_bytes ? json_pack("{s:s, s:I}", "kind", "zram", "bytes", (json_int_t)e->zram_bytes)
					       : json_null());
}

static void write_series(const struct experiment_session *s)
{
	if (!s->opts->timeseries_path)
		return;
	int rc = tel_series_write_csv(&s->target.series, s->opts->timeseries_path);
	if (rc < 0)
		fprintf(stderr, "memvirt: cannot write %s: %s\n", s->opts->timeseries_path, result_file_strerror(rc));
}

void experiment_finish_doc(struct experiment_session *s, json_t *doc)
{
	json_t *cfg = experiment_config_json(s->opts);
	json_object_update(json_object_get(doc, "config"), cfg);
	json_decref(cfg);
	struct dip_result dr = { 0 };
	if (s->monitor && s->target.series.n) {
		find_dips(s->opts, &s->rec, &s->target.series, &dr);
		json_object_set_new(doc, "telemetry", telemetry_json(s, &dr, !s->opts->timeseries_path));
		json_t *dips = dips_json(s, &s->target.series, &dr);
		json_object_set_new(doc, "dip_episodes", episodes_json(&dr, dips));
		json_object_set_new(doc, "dips", dips);
		write_series(s);
	} else {
		json_object_set_new(doc, "telemetry", json_null());
		json_object_set_new(doc, "dips", json_null()); /* not looked for: no series */
		json_object_set_new(doc, "dip_episodes", json_null());
	}
	json_object_set_new(doc, "reclaim", reclaim_json(s));
	json_object_set_new(doc, "wss", wss_json(s));
	dips_free(&dr);
	if (s->monitor)
		tel_target_fini(&s->target);
	if (s->monitor == &s->own_monitor)
		telemetry_fini(&s->own_monitor);
}
