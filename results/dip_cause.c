/* dip_cause.c — a dip's cause from what was sampled during it, and episodes of dips
 * (see dip_cause.h for the rules and why they are in this order). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "results/dip_cause.h"

static bool covers(double part_ms, double whole_ms, double fraction)
{
	return !isnan(part_ms) && whole_ms > 0 && part_ms >= fraction * whole_ms;
}

static bool host_memory_busy(const struct dip_evidence *e)
{
	bool moved = e->host_swap_pages > 0 || e->host_refaults > 0 || covers(e->psi_some_ms, e->duration_ms, DIP_PSI_FRACTION);
	return moved && e->own_major_faults == 0;
}

const char *dip_classify(const struct dip_evidence *e, const char **checked)
{
	*checked = "";
	if (e->events)
		return "reclaim";
	if (covers(e->worker_wait_ms, e->duration_ms, DIP_WAIT_FRACTION))
		return "cpu";
	if (covers(e->steal_ms, e->duration_ms, DIP_WAIT_FRACTION))
		return "steal";
	if (e->damon_bytes > 0) /* NAN (not sampled) compares false */
		return "host-damon";
	if (host_memory_busy(e))
		return "host";
	if (e->at_phase_start)
		return "warmup";
	static const char *const lists[2][2] = {
		{ "reclaim events, cpu wait, cpu steal, DAMON schemes, host swap, refaults, memory pressure, own major faults",
		  "reclaim events, cpu wait, cpu steal, host swap, refaults, memory pressure, own major faults" },
		{ "reclaim events, cpu wait, DAMON schemes, host swap, refaults, memory pressure, own major faults",
		  "reclaim events, cpu wait, host swap, refaults, memory pressure, own major faults" },
	};
	*checked = lists[isnan(e->steal_ms)][isnan(e->damon_bytes)]; /* only what was sampled */
	return "unknown";
}

double dip_episode_gap_ms(const struct dip_result *r)
{
	double bins = DIP_EPISODE_GAP_BINS * r->bin_ms;
	return bins > DIP_EPISODE_GAP_MS ? bins : DIP_EPISODE_GAP_MS;
}

static void episode_close(struct dip_episode *ep, const struct dip_result *r)
{
	double expected = 0; /* ops the baseline would have done over the episode's dips */
	for (size_t i = ep->first; i < ep->first + ep->n; i++)
		expected += r->baseline_ops_per_s * (r->dips[i].end_ms - r->dips[i].start_ms) / 1e3;
	ep->depth = expected > 0 ? ep->ops_lost / expected : 0;
}

int dip_episodes(const struct dip_result *r, double gap_ms, struct dip_episode **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!r->n)
		return 0;
	struct dip_episode *ep = calloc(r->n, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct dip *d = &r->dips[i];
		struct dip_episode *cur = k ? &ep[k - 1] : NULL;
		if (!cur || d->start_ms - cur->end_ms >= gap_ms) {
			if (cur)
				episode_close(cur, r);
			cur = &ep[k++];
			*cur = (struct dip_episode){ .start_ms = d->start_ms, .first = i, .main = i };
		}
		cur->end_ms = d->end_ms;
		cur->n++;
		cur->ops_lost += d->ops_lost;
		if (d->ops_lost > r->dips[cur->main].ops_lost)
			cur->main = i;
	}
	episode_close(&ep[k - 1], r);
	*out = ep;
	*n = k;
	return 0;
}
