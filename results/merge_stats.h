/* merge_stats.h — the statistics of a merged sweep: mean, sample standard deviation, min and
 * max of a point's repetitions, and Welch's t-test (unequal variances) between a point and the
 * baseline, with the two-sided p-value from Student's t distribution. */
#ifndef MEMVIRT_MERGE_STATS_H
#define MEMVIRT_MERGE_STATS_H

#include <stddef.h>

struct mstat {
	size_t n;
	double mean, sd, min, max; /* sd: sample (n - 1); 0 for fewer than 2 values */
};

void mstat_of(const double *x, size_t n, struct mstat *s);

/* Welch's t-test of a against b: t, Welch–Satterthwaite degrees of freedom and the two-sided
 * p-value. Returns 0, or -EINVAL when either side has fewer than 2 values (no variance to
 * test against). Two constant samples: p = 1 when their means are equal, else 0. */
int welch_test(const struct mstat *a, const struct mstat *b, double *t, double *df, double *p);

/* P(|T| >= |t|) for Student's t with df degrees of freedom (df > 0, not necessarily whole). */
double student_t_two_sided_p(double t, double df);

/* The significance level the merge uses: 95 % (alpha 0.05). */
#define MERGE_ALPHA 0.05

#endif
