/* report_rates.c — rates over time for the report's plots: the cumulative counters of the
 * telemetry series differenced over bins (at most max_points of them, at least one sample
 * interval wide), between the samples nearest each bin's edges. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/util.h"
#include "results/report.h"

static double *alloc_col(size_t n) { return calloc(n ? n : 1, sizeof(double)); }

/* Every column of r, for allocating and freeing them together. */
#define RATE_COLUMNS(r)                                                                                          \
	{ &(r)->t_ms, &(r)->ops_per_s, &(r)->minflt_per_ms, &(r)->majflt_per_ms, &(r)->swapin_per_ms,            \
	  &(r)->swapout_per_ms, &(r)->uffd_per_ms, &(r)->resident_mib, &(r)->mapped_mib, &(r)->wait_frac,        \
	  &(r)->used_mib, &(r)->balloon_mib, &(r)->guest_free_mib, &(r)->reported_mib }

void report_rates_free(struct report_rates *r)
{
	double **cols[] = RATE_COLUMNS(r);
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		free(*cols[i]);
		*cols[i] = NULL;
	}
	r->n = 0;
}

static int alloc_all(struct report_rates *r, size_t n)
{
	double **cols[] = RATE_COLUMNS(r);
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		if (!(*cols[i] = alloc_col(n))) {
			report_rates_free(r);
			return -ENOMEM;
		}
	r->n = n;
	return 0;
}

/* Index of the last sample at or before t, starting from *i (edges come in order). */
static size_t advance(const struct tel_series *ts, size_t i, double t)
{
	while (i + 1 < ts->n && ts->s[i + 1].time_ms <= t)
		i++;
	return i;
}

static double counter_rate(uint64_t a, uint64_t b, double dt)
{
	return b == TEL_ABSENT ? NAN : (double)tel_counter_delta(a, b) / dt;
}

/* A level column in MiB; NaN where the series does not have it. */
static double level_mib(uint64_t v) { return v == TEL_ABSENT ? NAN : (double)v / (1 << 20); }

static void fill_bin(struct report_rates *r, size_t k, const struct tel_sample *a, const struct tel_sample *b)
{
	double dt = b->time_ms - a->time_ms;
	r->t_ms[k] = (a->time_ms + b->time_ms) / 2;
	if (dt <= 0) {
		r->ops_per_s[k] = r->minflt_per_ms[k] = r->majflt_per_ms[k] = NAN;
		r->swapin_per_ms[k] = r->swapout_per_ms[k] = r->uffd_per_ms[k] = r->wait_frac[k] = NAN;
	} else {
		r->ops_per_s[k] = (double)(b->progress - a->progress) / dt * 1e3;
		r->minflt_per_ms[k] = (double)(b->minflt - a->minflt) / dt;
		r->majflt_per_ms[k] = (double)(b->majflt - a->majflt) / dt;
		r->swapin_per_ms[k] = (double)(b->pswpin - a->pswpin) / dt;
		r->swapout_per_ms[k] = (double)(b->pswpout - a->pswpout) / dt;
		r->uffd_per_ms[k] = counter_rate(a->uffd_faults, b->uffd_faults, dt);
		r->wait_frac[k] = (double)(b->worker_wait_us - a->worker_wait_us) / 1e3 / dt;
	}
	r->resident_mib[k] = (double)b->guest_resident_bytes / (1 << 20);
	r->mapped_mib[k] = (double)b->guest_mapped_bytes / (1 << 20);
	r->used_mib[k] = level_mib(b->guest_used_bytes);
	r->balloon_mib[k] = level_mib(b->balloon_bytes);
	r->guest_free_mib[k] = level_mib(b->guest_free_bytes);
	r->reported_mib[k] = level_mib(b->balloon_reported_bytes);
}

int report_rates_compute(const struct tel_series *ts, double t0, double t1, size_t max_points, struct report_rates *out)
{
	*out = (struct report_rates){ 0 };
	if (ts->n < 2 || t1 <= t0 || !max_points)
		return -EINVAL;
	double spacing = (ts->s[ts->n - 1].time_ms - ts->s[0].time_ms) / (double)(ts->n - 1);
	double bin = fmax(spacing, (t1 - t0) / (double)max_points);
	size_t n = (size_t)ceil((t1 - t0) / bin);
	int rc = alloc_all(out, n);
	if (rc < 0)
		return rc;
	out->bin_ms = bin;
	size_t i = advance(ts, 0, t0);
	for (size_t k = 0; k < n; k++) {
		size_t j = advance(ts, i, t0 + (double)(k + 1) * bin);
		fill_bin(out, k, &ts->s[i], &ts->s[j]);
		i = j;
	}
	return 0;
}

static void moving_average(double *v, size_t n, size_t w)
{
	double *out = malloc(n * sizeof(*out));
	if (!out)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t a = i >= w / 2 ? i - w / 2 : 0, b = i + w / 2 + 1 < n ? i + w / 2 + 1 : n, k = 0;
		double sum = 0;
		for (size_t j = a; j < b; j++)
			if (isfinite(v[j])) {
				sum += v[j];
				k++;
			}
		out[i] = k ? sum / (double)k : NAN;
	}
	memcpy(v, out, n * sizeof(*out));
	free(out);
}

void report_rates_smooth_host(struct report_rates *r, double period_ms)
{
	size_t w = r->bin_ms > 0 ? (size_t)ceil(period_ms / r->bin_ms) : 1;
	if (w <= 1 || !r->n)
		return;
	moving_average(r->swapin_per_ms, r->n, w);
	moving_average(r->swapout_per_ms, r->n, w);
}

void report_rates_smooth_wait(struct report_rates *r)
{
	size_t w = r->bin_ms > 0 ? (size_t)ceil(REPORT_WAIT_WINDOW_MS / r->bin_ms) : 1;
	if (w > 1 && r->n)
		moving_average(r->wait_frac, r->n, w);
}
