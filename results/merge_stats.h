/* merge_stats.h — the statistics of a merged sweep: mean, sample standard deviation, min and
 * max of a point's repetitions, and Welch's t-test (unequal variances) between a point and the
 * baseline, with the two-sided p-value from Student's t distribution; beside them the robust
 * figures (median, quartiles, the 1.5 IQR outlier fences) and the Mann–Whitney U test
 * (rank_test.c), which one repetition slowed tenfold by another process does not swamp as it
 * swamps a mean and a t-test; and the paired t-test for differences matched by seed (or any
 * axis). */
#ifndef MEMVIRT_MERGE_STATS_H
#define MEMVIRT_MERGE_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct mstat {
	size_t n;
	double mean, sd, min, max; /* sd: sample (n - 1); 0 for fewer than 2 values */
	double median, q1, q3;     /* quartiles by linear interpolation between order statistics
				    * (Hyndman & Fan type 7, the default of R and numpy) */
};

/* n at most MSTAT_MAX values (more are refused: s->n 0). */
#define MSTAT_MAX 1024
void mstat_of(const double *x, size_t n, struct mstat *s);
/* The q-quantile (0..1) of n sorted values, type 7. */
double quantile_sorted(const double *sorted, size_t n, double q);
/* Outside the fences [q1 - 1.5 IQR, q3 + 1.5 IQR] (Tukey's); never with fewer than 4 values,
 * where quartiles say little. */
#define MSTAT_OUTLIER_MIN_N 4
bool mstat_outlier(const struct mstat *s, double x);

/* The Mann–Whitney U test (Wilcoxon rank-sum) of a against b, two-sided: u is a's U (the
 * pairs (a_i, b_j) with a_i > b_j, ties counting one half). Exact — from the distribution of U
 * over every ordering — when there are no ties and na + nb <= MWU_EXACT_MAX; otherwise the
 * normal approximation with the tie correction of the variance and a continuity correction
 * of 0.5 (z then is that approximation's statistic; 0 for the exact test). Returns 0, or
 * -EINVAL when a side is empty or holds more than MSTAT_MAX values. All values equal: p = 1. */
#define MWU_EXACT_MAX 40
struct mwu {
	double u, z, p;
	bool exact;
};
int mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct mwu *r);

/* The paired t-test of differences d (n >= 2): t = mean / (sd / sqrt n), df = n - 1, two-sided
 * p. -EINVAL below 2. Differences all equal: p = 1 when they are 0, else 0 (as welch_test). */
int paired_t_test(const double *d, size_t n, double *t, double *df, double *p);
/* Welch's t-test of a against b: t, Welch–Satterthwaite degrees of freedom and the two-sided
 * p-value. Returns 0, or -EINVAL when either side has fewer than 2 values (no variance to
 * test against). Two constant samples: p = 1 when their means are equal, else 0. */
int welch_test(const struct mstat *a, const struct mstat *b, double *t, double *df, double *p);

/* P(|T| >= |t|) for Student's t with df degrees of freedom (df > 0, not necessarily whole). */
double student_t_two_sided_p(double t, double df);

/* The significance level the merge uses: 95 % (alpha 0.05). */
#define MERGE_ALPHA 0.05

#endif
