/* alloc.c — arithmetic the policies share: the budget's free fraction and water-filling (a
 * split of bytes in proportion to weights with per-VM bounds). Written once so that static's
 * equal split and esx's share-based split are the same computation with different weights. */
#include "overcommit/policy.h"

double oc_free_frac(const struct oc_view *v)
{
	uint64_t limit = v->limit_bytes ? v->limit_bytes : v->budget_bytes;
	if (!limit || v->usage_bytes == OC_ABSENT)
		return 1.0;
	return v->usage_bytes >= limit ? 0.0 : 1.0 - (double)v->usage_bytes / (double)limit;
}

/* Each round gives every VM not yet fixed its weight's part of what is left; a VM whose part
 * falls outside its bounds is fixed at the bound and the round starts again without it. At
 * most n rounds: each fixes at least one VM or ends. */
uint64_t oc_water_fill(uint64_t bytes, size_t n, const double *weight, const uint64_t *lo, const uint64_t *hi,
		       uint64_t *out)
{
	bool fixed[OC_MAX_VMS] = { false };
	uint64_t left = bytes, given = 0;
	for (size_t round = 0; round <= n && n <= OC_MAX_VMS; round++) {
		double wsum = 0;
		for (size_t i = 0; i < n; i++)
			if (!fixed[i])
				wsum += weight[i] > 0 ? weight[i] : 0;
		bool changed = false;
		for (size_t i = 0; i < n; i++) {
			if (fixed[i])
				continue;
			double part = wsum > 0 ? (double)left * (weight[i] > 0 ? weight[i] : 0) / wsum : 0;
			uint64_t p = (uint64_t)part;
			if (p < lo[i] || p > hi[i]) {
				out[i] = p < lo[i] ? lo[i] : hi[i];
				fixed[i] = true;
				left = left > out[i] ? left - out[i] : 0;
				changed = true;
			}
		}
		if (!changed) {
			for (size_t i = 0; i < n; i++)
				if (!fixed[i]) {
					double part = wsum > 0 ? (double)left * (weight[i] > 0 ? weight[i] : 0) / wsum : 0;
					out[i] = (uint64_t)part;
				}
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		given += out[i];
	return given;
}
