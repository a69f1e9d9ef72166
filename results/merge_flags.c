/* merge_flags.c — the host-interference flag of one repetition (merge.h), read from its own
 * result document: telemetry.host holds the changes of the host counters over the measured
 * phase and telemetry.measure its start and end, so the flag judges exactly the time the
 * figures were measured in, not the setup or the final checksum pass. Why these three signs:
 * on a shared host a repetition is slowed by another process taking its CPU (the workload
 * thread's run-queue wait, worker_wait_us), by another process's reclaim (host-wide swap-ins
 * and -outs) and by memory pressure that stalls whoever faults (PSI "some"). The last two are
 * the run's own doing when it injected reclaim or configured swap, so they are judged only in
 * a run that did neither. Absolute thresholds rather than comparisons with the other
 * repetitions: on a host that is busy throughout, every repetition is disturbed, and the flag
 * says so rather than choosing the least disturbed as normal. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results/merge.h"

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* The run brought its own reclaim: --reclaim events, --swap or a balloon. */
static bool own_reclaim(const json_t *doc)
{
	const json_t *config = json_object_get(doc, "config"), *r = json_object_get(config, "reclaim"),
		     *swap = json_object_get(config, "swap"), *balloon = json_object_get(doc, "balloon");
	return (json_is_array(r) && json_array_size(r) > 0) || (swap && !json_is_null(swap)) ||
	       (balloon && !json_is_null(balloon));
}

void merge_interference_of(const json_t *doc, struct merge_interference *r)
{
	const json_t *tel = json_object_get(doc, "telemetry"), *host = json_object_get(tel, "host"),
		     *measure = json_object_get(tel, "measure");
	*r = (struct merge_interference){ 0 };
	double ms = num(measure, "end_ms") - num(measure, "start_ms");
	if (!json_is_object(host) || !json_is_object(measure) || !(ms > 0))
		return;
	r->known = true;
	r->measure_s = ms / 1000;
	/* at most 1: the scheduler accounts a wait a time slice at a time, so a phase of a few
	 * slices can show more wait than its length */
	r->cpu_wait_frac = fmin(1, num(host, "worker_wait_us") / (ms * 1000));
	r->swap_pages_per_s = (num(host, "pswpin") + num(host, "pswpout")) / r->measure_s;
	r->psi_some_frac = num(host, "psi_some_us") / (ms * 1000);
	r->own_reclaim = own_reclaim(doc);
	r->cpu = r->cpu_wait_frac >= MERGE_CPU_WAIT_FRAC;
	r->swap = !r->own_reclaim && r->swap_pages_per_s >= MERGE_SWAP_PAGES_PER_S;
	r->psi = !r->own_reclaim && r->psi_some_frac >= MERGE_PSI_FRAC;
	r->flagged = r->cpu || r->swap || r->psi;
}

void merge_interference_text(const struct merge_interference *r, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	if (r->cpu)
		used += (size_t)snprintf(buf + used, n - used, "cpu wait %.0f%%", r->cpu_wait_frac * 100);
	if (r->swap && used < n)
		used += (size_t)snprintf(buf + used, n - used, "%shost swap %.0f pages/s", used ? ", " : "",
					 r->swap_pages_per_s);
	if (r->psi && used < n)
		snprintf(buf + used, n - used, "%smemory stall %.0f%%", used ? ", " : "", r->psi_some_frac * 100);
}
