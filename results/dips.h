/* dips.h — finding throughput dips in a progress series (pure C, no I/O).
 *
 * The measured phase is cut into bins of equal width; each bin's rate is the progress made
 * across it (progress interpolated linearly between samples at the bin edges). The baseline
 * is the median bin rate — robust against the dips themselves as long as they cover less
 * than half the phase. When the caller knows when the disturbance began (the first reclaim
 * event), the baseline is the median of the bins before it, provided there are at least
 * DIPS_MIN_BASELINE_BINS of them: a long page-out or a cgroup limit can slow more than half
 * the phase, and the median of everything would then call the slow state normal. A dip is a
 * run of bins below threshold × baseline lasting at least min_ms; a single bin back above the
 * threshold inside a run does not split it.
 *
 * Bin width: at least one sample interval, at least min_ms / 5 (so a minimum-length dip spans
 * five bins), and wide enough that an average bin sees 8 progress quanta — a workload that
 * publishes progress every 1024 operations would otherwise show false zero-rate bins. */
#ifndef MEMVIRT_DIPS_H
#define MEMVIRT_DIPS_H

#include <stddef.h>
#include <stdint.h>

struct dip_params {
	double threshold;   /* fraction of baseline, e.g. 0.5 */
	double min_ms;      /* e.g. 5 */
	double quantum;     /* operations between progress updates (WL_PROGRESS_EVERY), 0 = 1 */
	double baseline_until_ms; /* take the baseline before this time when possible; 0 = whole phase */
};

#define DIPS_MIN_BASELINE_BINS 20

struct dip {
	double start_ms, end_ms;
	double depth;       /* 1 - (ops done in the dip / ops the baseline would have done) */
	double min_frac;    /* lowest bin rate / baseline */
	double ops_lost;    /* baseline ops - ops done, over the dip */
};

struct dip_result {
	double baseline_ops_per_s;
	size_t baseline_bins;  /* how many bins the baseline is the median of */
	double bin_ms;
	double measure_start_ms, measure_end_ms;
	size_t nbins;
	size_t n;
	struct dip *dips;
};

/* t_ms ascending, progress non-decreasing, n samples; [m_start, m_end] is the measured phase.
 * Returns 0 (possibly with no dips, e.g. a phase shorter than a few bins) or -EINVAL/-ENOMEM. */
int dips_find(const double *t_ms, const uint64_t *progress, size_t n, double m_start_ms, double m_end_ms,
	      const struct dip_params *p, struct dip_result *out);
void dips_free(struct dip_result *r);

#endif
