/* telemetry_overhead.c — the overhead probe's verdict (see telemetry.h): within one run, the
 * throughput of windows sampled at the full rate against windows left alone, so that the
 * comparison is not confounded by whatever else the host did between two separate runs. Only
 * windows wholly inside the measured phase count; a window's rate is the progress between the
 * samples nearest its edges (an off window has exactly those two). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/reclaim/telemetry.h"

static const struct tel_sample *nearest(const struct tel_series *ts, double t)
{
	size_t best = 0;
	for (size_t lo = 0, hi = ts->n; hi - lo > 1;) { /* last sample at or before t */
		size_t mid = (lo + hi) / 2;
		if (ts->s[mid].time_ms <= t)
			lo = best = mid;
		else
			hi = mid;
	}
	if (best + 1 < ts->n && fabs(ts->s[best + 1].time_ms - t) < fabs(ts->s[best].time_ms - t))
		best++;
	return &ts->s[best];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json_t *telemetry_overhead_json(const struct tel_series *ts, double m0, double m1, double window_ms)
{
	if (ts->n < 2 || window_ms <= 0 || m1 <= m0)
		return NULL;
	size_t first = (size_t)ceil(m0 / window_ms), last = (size_t)floor(m1 / window_ms); /* windows [first, last) */
	size_t cap = last > first ? last - first : 0, n_on = 0, n_off = 0;
	double *on = calloc(cap + 1, sizeof(double)), *off = calloc(cap + 1, sizeof(double));
	for (size_t w = first; on && off && w < last; w++) {
		const struct tel_sample *a = nearest(ts, (double)w * window_ms), *b = nearest(ts, (double)(w + 1) * window_ms);
		if (b->time_ms <= a->time_ms)
			continue;
		double rate = (double)(b->progress - a->progress) / (b->time_ms - a->time_ms) * 1e3;
		if (w % 2 == 0)
			on[n_on++] = rate;
		else
			off[n_off++] = rate;
	}
	json_t *o = NULL;
	if (n_on >= 2 && n_off >= 2) {
		double mon = median(on, n_on), moff = median(off, n_off);
		o = json_pack("{s:f, s:I, s:I, s:f, s:f, s:f}", "window_ms", window_ms, "on_windows", (json_int_t)n_on,
			      "off_windows", (json_int_t)n_off, "on_ops_per_s", mon, "off_ops_per_s", moff,
			      "overhead", moff > 0 ? 1 - mon / moff : 0.0);
	}
	free(on);
	free(off);
	return o;
}
