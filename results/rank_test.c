/* rank_test.c — the Mann–Whitney U test (merge_stats.h) beside the merge's Welch test. Why a
 * rank test: a sweep's repetitions on a shared host are not normal — one repetition slowed
 * tenfold by another process's swapping moves a mean and inflates a standard deviation until
 * Welch's test sees nothing, while it moves a rank by one place. Why exact for small samples:
 * sweeps repeat 3 to 10 times, where the normal approximation is poor (3 against 3 can never
 * reach p < 0.05: the exact p is at least 0.1, and saying so is the honest answer). The exact
 * distribution of U is counted by the recurrence over the largest value (it belongs to one
 * side or the other), additions of positive counts only, so no precision is lost; beyond
 * MWU_EXACT_MAX values, or with ties, the normal approximation with the tie-corrected
 * variance (as R's wilcox.test and SciPy's mannwhitneyu do) takes over. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/merge_stats.h"

struct ranked {
	double v;
	int side; /* 0: a, 1: b */
};

static int cmp_ranked(const void *x, const void *y)
{
	double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;
	return (a > b) - (a < b);
}

/* a's rank sum (average ranks for ties) and the tie term sum(t^3 - t) over tied groups. */
static void rank_sum(struct ranked *all, size_t n, double *ra, double *ties)
{
	qsort(all, n, sizeof(*all), cmp_ranked);
	*ra = *ties = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].v == all[i].v)
			j++;
		double t = (double)(j - i), rank = ((double)i + 1 + (double)j) / 2; /* ranks i+1..j */
		for (size_t k = i; k < j; k++)
			*ra += all[k].side == 0 ? rank : 0;
		*ties += t * t * t - t;
		i = j;
	}
}

/* P(U <= u) and P(U >= u) under the null hypothesis, counted exactly: f[i][j][w] arrangements
 * of i a's and j b's with U = w obey f[i][j][w] = f[i-1][j][w-j] + f[i][j-1][w] (the largest
 * value is an a beating all j b's, or a b). Rows of i are kept two at a time. */
static int exact_tails(size_t na, size_t nb, double u, double *lower, double *upper)
{
	size_t umax = na * nb, w = umax + 1;
	double *prev = calloc((nb + 1) * w, sizeof(double)), *cur = calloc((nb + 1) * w, sizeof(double));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return -ENOMEM;
	}
	for (size_t j = 0; j <= nb; j++)
		prev[j * w] = 1; /* i = 0: one arrangement, U = 0 */
	for (size_t i = 1; i <= na; i++) {
		memset(cur, 0, (nb + 1) * w * sizeof(double));
		cur[0] = 1; /* j = 0 */
		for (size_t j = 1; j <= nb; j++)
			for (size_t x = 0; x <= i * j; x++)
				cur[j * w + x] = (x >= j ? prev[j * w + x - j] : 0) + cur[(j - 1) * w + x];
		double *t = prev;
		prev = cur;
		cur = t;
	}
	double total = 0, lo = 0, hi = 0;
	for (size_t x = 0; x <= umax; x++) {
		double f = prev[nb * w + x];
		total += f;
		lo += (double)x <= u ? f : 0;
		hi += (double)x >= u ? f : 0;
	}
	*lower = lo / total;
	*upper = hi / total;
	free(prev);
	free(cur);
	return 0;
}

int mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct mwu *r)
{
	static const size_t cap = 2 * MSTAT_MAX;
	if (na == 0 || nb == 0 || na > MSTAT_MAX || nb > MSTAT_MAX)
		return -EINVAL;
	struct ranked *all = malloc(cap * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < na; i++)
		all[i] = (struct ranked){ a[i], 0 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct ranked){ b[i], 1 };
	double ra, ties, n = (double)(na + nb), m = (double)na * (double)nb;
	rank_sum(all, na + nb, &ra, &ties);
	free(all);
	*r = (struct mwu){ .u = ra - (double)na * ((double)na + 1) / 2 };
	if (ties == 0 && na + nb <= MWU_EXACT_MAX) {
		double lo, hi;
		int rc = exact_tails(na, nb, r->u, &lo, &hi);
		if (rc)
			return rc;
		r->exact = true;
		r->p = fmin(1, 2 * fmin(lo, hi));
		return 0;
	}
	double var = m / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (var <= 0) { /* every value the same: no evidence either way */
		r->p = 1;
		return 0;
	}
	double dev = fabs(r->u - m / 2) - 0.5;
	r->z = (dev > 0 ? dev : 0) / sqrt(var) * (r->u < m / 2 ? -1 : 1);
	r->p = fmin(1, erfc(fabs(r->z) / sqrt(2)));
	return 0;
}
