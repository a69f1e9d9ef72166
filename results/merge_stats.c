/* merge_stats.c — mean/sd/min/max, median and quartiles, Welch's and the paired t-test for the
 * sweep merge (merge_stats.h). The
 * t distribution's tail is the regularized incomplete beta function, evaluated with its
 * continued fraction (Lentz's method, as in Numerical Recipes §6.4): a few dozen lines here
 * rather than a numerical library for one function. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/merge_stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double quantile_sorted(const double *sorted, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double h = (double)(n - 1) * q, lo = floor(h);
	size_t i = (size_t)lo;
	return i + 1 < n ? sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

bool mstat_outlier(const struct mstat *s, double x)
{
	double iqr = s->q3 - s->q1;
	return s->n >= MSTAT_OUTLIER_MIN_N && (x < s->q1 - 1.5 * iqr || x > s->q3 + 1.5 * iqr);
}

static void quartiles(const double *x, size_t n, struct mstat *s)
{
	double sorted[MSTAT_MAX];
	memcpy(sorted, x, n * sizeof(*x));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	s->q1 = quantile_sorted(sorted, n, 0.25);
	s->median = quantile_sorted(sorted, n, 0.5);
	s->q3 = quantile_sorted(sorted, n, 0.75);
}

void mstat_of(const double *x, size_t n, struct mstat *s)
{
	*s = (struct mstat){ .n = n > MSTAT_MAX ? 0 : n };
	if (s->n == 0)
		return;
	quartiles(x, n, s);
	s->min = s->max = x[0];
	for (size_t i = 0; i < n; i++) {
		s->mean += x[i];
		s->min = x[i] < s->min ? x[i] : s->min;
		s->max = x[i] > s->max ? x[i] : s->max;
	}
	s->mean /= (double)n;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

#define CF_TINY 1e-300

static double cf_guard(double v)
{
	return fabs(v) < CF_TINY ? CF_TINY : v;
}

/* The continued fraction of I_x(a, b), converging for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	double c = 1, d = 1 / cf_guard(1 - (a + b) * x / (a + 1)), h = d;
	for (int m = 1; m <= 500; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 / cf_guard(1 + aa * d);
		c = cf_guard(1 + aa / c);
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 / cf_guard(1 + aa * d);
		c = cf_guard(1 + aa / c);
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double ibeta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double student_t_two_sided_p(double t, double df)
{
	return ibeta(df / 2, 0.5, df / (df + t * t));
}

int welch_test(const struct mstat *a, const struct mstat *b, double *t, double *df, double *p)
{
	if (a->n < 2 || b->n < 2)
		return -EINVAL;
	double va = a->sd * a->sd / (double)a->n, vb = b->sd * b->sd / (double)b->n, se2 = va + vb;
	if (se2 == 0) { /* both constant: the difference is exact, not a sample */
		*t = a->mean == b->mean ? 0 : copysign(INFINITY, a->mean - b->mean);
		*df = (double)(a->n + b->n - 2);
		*p = a->mean == b->mean ? 1 : 0;
		return 0;
	}
	*t = (a->mean - b->mean) / sqrt(se2);
	*df = se2 * se2 / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
	*p = student_t_two_sided_p(*t, *df);
	return 0;
}

int paired_t_test(const double *d, size_t n, double *t, double *df, double *p)
{
	struct mstat s;
	if (n < 2 || n > MSTAT_MAX)
		return -EINVAL;
	mstat_of(d, n, &s);
	*df = (double)(n - 1);
	if (s.sd == 0) { /* every pair differs by the same amount: exact, as welch_test */
		*t = s.mean == 0 ? 0 : copysign(INFINITY, s.mean);
		*p = s.mean == 0 ? 1 : 0;
		return 0;
	}
	*t = s.mean / (s.sd / sqrt((double)n));
	*p = student_t_two_sided_p(*t, *df);
	return 0;
}
