/* experiment.c — one run's telemetry, reclaim and host set-up, from start to result document
 * (see experiment.h). Order matters: swap before the cgroup (a limit needs somewhere to put
 * pages), the cgroup before the workload allocates (charges follow the allocating process),
 * and the reverse order on the way out. */
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

static void janitor_note_memcg(struct experiment_session *s)
{
	bool v1 = s->memcg.version == 1;
	janitor_note_cgroup(s->janitor, s->memcg.path, v1 ? "memory.limit_in_bytes" : "memory.max", v1 ? "-1" : "max");
}

/* Host state is restored: the session's own janitor ends; a lent one forgets it (the run
 * still needs it for its record). */
static void janitor_release(struct experiment_session *s)
{
	if (s->janitor == &s->own_janitor)
		janitor_done(s->janitor);
	else
		janitor_note_restored(s->janitor);
}

static int host_setup(struct experiment_session *s, char *why, size_t n)
{
	int rc = 0;
	if (!s->opts->zram_bytes && !wants(s->opts, RECLAIM_LIMIT))
		return 0;
	if (s->janitor == &s->own_janitor && (rc = janitor_start(s->janitor)) < 0)
		return snprintf(why, n, "cannot start the host-state janitor: %s", strerror(-rc)), rc;
	if (s->opts->zram_bytes && (rc = zram_swap_setup(&s->zram, s->opts->zram_bytes, why, n)) < 0) {
		janitor_release(s);
		return rc;
	}
	if (s->zram.sized)
		janitor_note_zram(s->janitor);
	if (wants(s->opts, RECLAIM_LIMIT)) {
		if ((rc = memcg_enter(&s->memcg, why, n)) < 0) {
			zram_swap_teardown(&s->zram);
			janitor_release(s);
			return rc;
		}
		s->in_memcg = true;
		janitor_note_memcg(s);
	}
	return 0;
}

static void host_restore(struct experiment_session *s)
{
	int rc;
	if (s->in_memcg && (rc = memcg_leave(&s->memcg)) < 0) {
		fprintf(stderr, "memvirt: could not remove memory cgroup %s: %s (remove it by hand)\n", s->memcg.path,
			strerror(-rc));
		s->teardown_rc = rc;
	}
	s->in_memcg = s->memcg.created;
	if ((rc = zram_swap_teardown(&s->zram)) < 0) {
		fprintf(stderr, "memvirt: could not switch off zram swap /dev/zram0: %s (swapoff and reset it by hand)\n",
			strerror(-rc));
		s->teardown_rc = rc;
	}
	if (s->teardown_rc && s->janitor == &s->own_janitor)
		janitor_abandon(s->janitor); /* it keeps trying after we are gone */
	else if (!s->teardown_rc)
		janitor_release(s); /* (a lent janitor not released keeps what to undo: the run abandons it) */
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
					  .own_janitor = { .fd = -1 }, .series_fd = keep ? keep->series_fd : -1 };
	s->janitor = keep && keep->janitor ? keep->janitor : &s->own_janitor;
	int rc = host_setup(s, why, whylen);
	if (rc < 0)
		return rc;
	rc = reclaimer_init(&s->rec, ctx, ram, e->reclaim, e->n_reclaim, s->in_memcg ? &s->memcg : NULL, s->t0);
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
