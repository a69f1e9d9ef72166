/* experiment.c — one run's telemetry, reclaim and host set-up, from start to result document
 * (see experiment.h). Host state (zram swap, the cgroup of a limit, their janitor) is set up
 * by vmm/host/host_state.h, in its order, before the workload allocates, and put back after. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "results/dips.h"
#include "results/result.h"
#include "vmm/reclaim/experiment.h"
#include "vmm/host/swap.h"
#include "vmm/util/clock.h"

const struct experiment experiment_defaults = {
	.sample_us = EXPERIMENT_DEFAULT_SAMPLE_US,
	.dip_threshold = EXPERIMENT_DEFAULT_DIP_THRESHOLD,
	.dip_min_ms = EXPERIMENT_DEFAULT_DIP_MIN_MS,
};

static bool wants(const struct experiment *e, enum reclaim_kind k)
{
	for (size_t i = 0; i < e->n_reclaim; i++)
		if (e->reclaim[i].kind == k)
			return true;
	return false;
}

int experiment_check(const struct experiment *e, char *why, size_t n)
{
	if (e->zram_bytes && geteuid() != 0)
		return snprintf(why, n, "--swap zram needs root (it configures /dev/zram0 and swapon)"), -EPERM;
	if (wants(e, RECLAIM_LIMIT) && geteuid() != 0)
		return snprintf(why, n, "--reclaim limit needs root (it creates a memory cgroup)"), -EPERM;
	if (wants(e, RECLAIM_LIMIT) && !memcg_host_version())
		return snprintf(why, n, "--reclaim limit needs the memory cgroup controller, which this host lacks"), -ENODEV;
	if (wants(e, RECLAIM_PAGEOUT) && !e->zram_bytes && !host_has_swap())
		return snprintf(why, n, "--reclaim pageout needs swap: the host has none; add --swap zram:SIZE (as root)"),
		       -ENODEV;
	if (e->n_reclaim && !e->sample_us)
		return snprintf(why, n, "--reclaim needs telemetry to find the dips it causes; drop --sample-us 0"), -EINVAL;
	return 0;
}

static int host_setup(struct experiment_session *s, char *why, size_t n)
{
	return host_state_begin(&s->host, s->opts->zram_bytes, wants(s->opts, RECLAIM_LIMIT), s->lent_janitor, why, n);
}

static void host_restore(struct experiment_session *s)
{
	host_state_end(&s->host);
}

/* The monitor that samples this VM: the host's, or one of the session's own. */
static int monitor_begin(struct experiment_session *s, struct telemetry *monitor, char *why, size_t whylen)
{
	const struct experiment *e = s->opts;
	tel_target_init(&s->target, s->target_ctx, s->target_ram, &s->rec.started);
	int rc = e->wss_on ? tel_target_wss(&s->target, &e->wss, why, whylen) : 0;
	if (rc < 0) {
		tel_target_fini(&s->target);
		return rc;
	}
	if (s->series_fd >= 0)
		tel_target_keep_on_disk(&s->target, s->series_fd);
	if (monitor) {
		s->monitor = monitor;
		return telemetry_add(monitor, &s->target);
	}
	telemetry_init(&s->own_monitor, e->sample_us, e->overhead_window_us, s->t0);
	s->monitor = &s->own_monitor;
	rc = telemetry_add(&s->own_monitor, &s->target);
	return rc < 0 ? rc : telemetry_start(&s->own_monitor);
}

static void monitor_end(struct experiment_session *s)
{
	if (s->monitor == &s->own_monitor)
		telemetry_stop(&s->own_monitor);
}

int experiment_begin(struct experiment_session *s, const struct experiment *e, struct wl_ctx *ctx,
		     struct guest_ram_handle *ram, struct telemetry *monitor, double t0,
		     const struct experiment_keep *keep, char *why, size_t whylen)
{
	*s = (struct experiment_session){ .opts = e, .t0 = t0, .target_ctx = ctx, .target_ram = ram,
					  .lent_janitor = keep ? keep->janitor : NULL,
					  .series_fd = keep ? keep->series_fd : -1 };
	int rc = host_setup(s, why, whylen);
	if (rc < 0)
		return rc;
	rc = reclaimer_init(&s->rec, ctx, ram, e->reclaim, e->n_reclaim, s->host.in_memcg ? &s->host.memcg : NULL, s->t0);
	why[0] = 0;
	if (rc == 0 && e->sample_us)
		rc = monitor_begin(s, monitor, why, whylen);
	if (rc == 0 && e->n_reclaim)
		rc = reclaimer_start(&s->rec);
	if (rc < 0) {
		if (!why[0])
			snprintf(why, whylen, "cannot start the monitor or reclaim thread: %s", strerror(-rc));
		monitor_end(s);
		host_restore(s);
	}
	return rc;
}

void experiment_worker_started(struct experiment_session *s, pid_t tid)
{
	tel_target_worker(&s->target, tid);
}

void experiment_end(struct experiment_session *s)
{
	reclaimer_stop(&s->rec);
	monitor_end(s);
	host_restore(s);
}
