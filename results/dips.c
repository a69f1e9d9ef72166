/* dips.c — throughput dips in a progress series (see dips.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "results/dips.h"

/* Progress at time t: linear between the samples around t (walks forward from *hint, since
 * bin edges are visited in order). */
static double progress_at(const double *t, const uint64_t *p, size_t n, double at, size_t *hint)
{
	size_t i = *hint;
	while (i + 1 < n && t[i + 1] <= at)
		i++;
	*hint = i;
	if (at <= t[0])
		return (double)p[0];
	if (i + 1 >= n || t[i + 1] == t[i])
		return (double)p[i];
	double f = (at - t[i]) / (t[i + 1] - t[i]);
	return (double)p[i] + f * ((double)p[i + 1] - (double)p[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c));
	if (!c)
		return NAN;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

static double median_interval(const double *t, size_t n)
{
	if (n < 2)
		return 1.0;
	double *d = malloc((n - 1) * sizeof(*d));
	if (!d)
		return 1.0;
	for (size_t i = 0; i + 1 < n; i++)
		d[i] = t[i + 1] - t[i];
	double m = median(d, n - 1);
	free(d);
	return m;
}

static double bin_width(const double *t, const uint64_t *p, size_t n, double m0, double m1, const struct dip_params *dp)
{
	size_t h = 0;
	double ops = progress_at(t, p, n, m1, &h);
	h = 0;
	ops -= progress_at(t, p, n, m0, &h);
	double mean_rate = ops / (m1 - m0); /* per ms */
	double w = fmax(median_interval(t, n), dp->min_ms / 5);
	double quantum = dp->quantum > 0 ? dp->quantum : 1;
	if (mean_rate > 0)
		w = fmax(w, 8 * quantum / mean_rate);
	return w;
}

static int add_dip(struct dip_result *r, const struct dip *d)
{
	struct dip *n = realloc(r->dips, (r->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->dips = n;
	r->dips[r->n++] = *d;
	return 0;
}

/* Bins [first, last] (inclusive) form a candidate: keep it if long enough. */
static int close_run(struct dip_result *r, const double *rate, size_t first, size_t last, double base,
		     const struct dip_params *dp)
{
	double w = r->bin_ms, dur = (double)(last - first + 1) * w, done = 0, lo = INFINITY;
	if (dur < dp->min_ms)
		return 0;
	for (size_t i = first; i <= last; i++) {
		done += rate[i] * w;
		lo = fmin(lo, rate[i]);
	}
	double expected = base * dur;
	struct dip d = {
		.start_ms = r->measure_start_ms + (double)first * w,
		.end_ms = r->measure_start_ms + (double)(last + 1) * w,
		.depth = 1 - done / expected, .min_frac = lo / base, .ops_lost = expected - done,
	};
	return add_dip(r, &d);
}

static int find_runs(struct dip_result *r, const double *rate, double base, const struct dip_params *dp)
{
	double cut = dp->threshold * base;
	size_t first = 0, last = 0;
	bool open = false;
	for (size_t i = 0; i < r->nbins; i++) {
		bool below = rate[i] < cut;
		bool bridged = !below && i + 1 < r->nbins && rate[i + 1] < cut; /* one bin back up */
		if (below && !open)
			first = i, open = true;
		if (below)
			last = i;
		if (open && !below && !bridged) {
			int rc = close_run(r, rate, first, last, base, dp);
			if (rc < 0)
				return rc;
			open = false;
		}
	}
	return open ? close_run(r, rate, first, last, base, dp) : 0;
}

static size_t baseline_bins(const struct dip_result *r, const struct dip_params *p)
{
	if (p->baseline_until_ms <= r->measure_start_ms)
		return r->nbins;
	size_t before = (size_t)((p->baseline_until_ms - r->measure_start_ms) / r->bin_ms);
	return before >= DIPS_MIN_BASELINE_BINS && before < r->nbins ? before : r->nbins;
}

int dips_find(const double *t_ms, const uint64_t *progress, size_t n, double m_start_ms, double m_end_ms,
	      const struct dip_params *p, struct dip_result *out)
{
	*out = (struct dip_result){ .measure_start_ms = m_start_ms, .measure_end_ms = m_end_ms };
	if (!t_ms || !progress || !p || p->threshold <= 0 || p->min_ms < 0)
		return -EINVAL;
	if (n < 2 || m_end_ms <= m_start_ms)
		return 0;
	out->bin_ms = bin_width(t_ms, progress, n, m_start_ms, m_end_ms, p);
	out->nbins = (size_t)((m_end_ms - m_start_ms) / out->bin_ms);
	if (out->nbins < 3)
		return 0;
	double *rate = malloc(out->nbins * sizeof(*rate));
	if (!rate)
		return -ENOMEM;
	size_t h = 0;
	double prev = progress_at(t_ms, progress, n, m_start_ms, &h);
	for (size_t i = 0; i < out->nbins; i++) {
		double next = progress_at(t_ms, progress, n, m_start_ms + (double)(i + 1) * out->bin_ms, &h);
		rate[i] = (next - prev) / out->bin_ms;
		prev = next;
	}
	out->baseline_bins = baseline_bins(out, p);
	double base = median(rate, out->baseline_bins);
	out->baseline_ops_per_s = base * 1e3;
	int rc = base > 0 ? find_runs(out, rate, base, p) : 0;
	free(rate);
	if (rc < 0)
		dips_free(out);
	return rc;
}

void dips_free(struct dip_result *r)
{
	free(r->dips);
	r->dips = NULL;
	r->n = 0;
}
