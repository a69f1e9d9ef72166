/* cli_experiment.c — the run options for telemetry, host reclaim, dip detection and working-set
 * estimation (--sample-us, --timeseries, --reclaim, --swap, --dip-threshold, --dip-min-ms,
 * --wss): parsed into
 * the struct experiment of the caller's struct cli_run, which the run configuration points at. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "balloon/balloon.h"
#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/reclaim/experiment.h"
#include "vmm/run/platform.h"
#include "vmm/util/parse.h"

enum {
	OPT_SAMPLE_US = CLI_OPT_EXPERIMENT, OPT_TIMESERIES, OPT_RECLAIM, OPT_SWAP, OPT_DIP_THRESHOLD,
	OPT_DIP_MIN_MS, OPT_OVERHEAD_WINDOWS, OPT_WSS,
};

static void reclaim_spec_help(FILE *f)
{
	fputs("      discard:at=TIME[,frac=F|,range=OFF+LEN][,pattern=seq|random][,seed=N]\n"
	      "      pageout:at=TIME[,frac=F|,range=OFF+LEN][,pattern=seq|random][,seed=N]  (needs swap)\n"
	      "      limit:at=TIME,bytes=SIZE[,until=TIME]  (memory cgroup, root)\n"
	      "      TIME from the measured phase's start: 1s, 250ms, 500us\n",
	      f);
}

const struct cli_opt cli_experiment_options[] = {
	CLI_OPT_GROUP_AT("Telemetry, host reclaim and dips (see docs/reclaim.md):", CLI_ANYWHERE, 0),
	CLI_OPT_ARG("sample-us", OPT_SAMPLE_US, "N", "telemetry period in microseconds, 0 = off (default 1000)"),
	/* not in compare: every row would write the one file (its rows' series are in --out's
	 * per-run documents); a sweep gives each repetition its own, beside its result */
	CLI_OPT_ARG_AT("timeseries", OPT_TIMESERIES, "FILE", "write the samples as CSV (first column time_ms)",
		       CLI_PLATFORMS | CLI_RUN | CLI_XFILE | CLI_SCENARIO),
	CLI_OPT_ARG_MORE("reclaim", OPT_RECLAIM, "SPEC", "host reclaim during the measured phase (repeatable):",
			 reclaim_spec_help),
	CLI_OPT_ARG("swap", OPT_SWAP, "zram:SIZE", "zram swap for this run, removed afterwards (root)"),
	CLI_OPT_ARG("dip-threshold", OPT_DIP_THRESHOLD, "F", "a dip is throughput below F x baseline (default 0.5)"),
	CLI_OPT_ARG("dip-min-ms", OPT_DIP_MIN_MS, "MS", "... lasting at least MS milliseconds (default 5)"),
	CLI_OPT_ARG("overhead-windows", OPT_OVERHEAD_WINDOWS, "TIME",
		    "measure telemetry's cost: sample in every other window of\n"
		    "TIME (e.g. 100ms) and compare throughput (telemetry.overhead)"),
	CLI_OPT_ARG("wss", OPT_WSS, "exact|sampled[:PAGES][,period=TIME][,seed=N]",
		    "estimate the working set by invalidating guest pages (ESX's\n"
		    "method): every page each period, or PAGES random ones (default\n"
		    "100); period default 100ms; needs memfd-backed guest RAM (kvm\n"
		    "with --backend memfd); column wss_bytes (docs/working-set.md)"),
	CLI_OPT_END(),
};

static int parse_reclaim(struct experiment *e, const char *arg)
{
	char why[200];
	if (e->n_reclaim == EXPERIMENT_MAX_RECLAIM)
		return cli_bad_value("reclaim", arg, "too many reclaim events (at most 16)");
	if (reclaim_spec_parse(arg, &e->reclaim[e->n_reclaim], why, sizeof(why)) < 0)
		return cli_bad_value("reclaim", arg, "%s", why);
	e->n_reclaim++;
	return 0;
}

/* One key=value of --wss after the mode. */
static int parse_wss_key(struct wss_opts *o, const char *arg, const char *kv, size_t len)
{
	char buf[64];
	const char *eq = memchr(kv, '=', len);
	if (!eq || len >= sizeof(buf))
		return cli_bad_value("wss", arg, "expected key=value after the mode, such as period=100ms");
	snprintf(buf, sizeof(buf), "%.*s", (int)len, kv);
	const char *val = buf + (eq - kv) + 1;
	buf[eq - kv] = 0;
	if (strcmp(buf, "period") == 0) {
		if (parse_duration_us(val, &o->period_us) < 0 || o->period_us < 1000 || o->period_us > 3600000000ULL)
			return cli_bad_value("wss", arg, "period='%s': expected a time from 1ms to 1h, such as 100ms", val);
	} else if (strcmp(buf, "seed") == 0) {
		if (parse_u64(val, &o->seed) < 0 || o->seed > INT64_MAX)
			return cli_bad_value("wss", arg, "seed='%s': expected an integer from 0 to %lld", val,
					     (long long)INT64_MAX);
	} else {
		return cli_bad_value("wss", arg, "unknown key '%s' (expected period or seed)", buf);
	}
	return 0;
}

/* exact|sampled[:PAGES][,period=TIME][,seed=N] */
static int parse_wss(struct experiment *e, const char *arg)
{
	struct wss_opts o = { .sample_pages = WSS_DEFAULT_SAMPLE_PAGES, .seed = WSS_DEFAULT_SEED,
			      .period_us = WSS_DEFAULT_PERIOD_US };
	size_t mode_len = strcspn(arg, ":,");
	if (mode_len == 5 && strncmp(arg, "exact", 5) == 0)
		o.exact = true;
	else if (!(mode_len == 7 && strncmp(arg, "sampled", 7) == 0))
		return cli_bad_value("wss", arg, "expected exact or sampled[:PAGES], then ,period=TIME or ,seed=N");
	const char *p = arg + mode_len;
	if (*p == ':') {
		char pages[32];
		size_t len = strcspn(p + 1, ",");
		uint64_t v;
		snprintf(pages, sizeof(pages), "%.*s", (int)(len < sizeof(pages) ? len : sizeof(pages) - 1), p + 1);
		if (o.exact || len >= sizeof(pages) || parse_u64(pages, &v) < 0 || v < 1 || v > WSS_MAX_SAMPLE_PAGES)
			return cli_bad_value("wss", arg, o.exact ? "exact checks every page: it takes no page count"
								 : "expected sampled:PAGES with PAGES from 1 to 1000000");
		o.sample_pages = (unsigned)v;
		p += 1 + len;
	}
	while (*p == ',') {
		size_t len = strcspn(p + 1, ",");
		int rc = parse_wss_key(&o, arg, p + 1, len);
		if (rc)
			return rc;
		p += 1 + len;
	}
	if (*p)
		return cli_bad_value("wss", arg, "expected exact or sampled[:PAGES], then ,period=TIME or ,seed=N");
	e->wss_on = true;
	e->wss = o;
	return 0;
}

static int parse_swap(struct experiment *e, const char *arg)
{
	if (strncmp(arg, "zram:", 5) != 0 || parse_size(arg + 5, &e->zram_bytes) < 0 || e->zram_bytes < (1ULL << 20))
		return cli_bad_value("swap", arg, "expected zram:SIZE with SIZE at least 1m, such as zram:1g");
	return 0;
}

static int parse_path(struct experiment *e, const char *arg)
{
	int rc = cli_file_value("timeseries", arg);
	if (rc)
		return rc;
	e->timeseries_path = arg;
	return 0;
}

int cli_experiment_option(int opt, const char *arg, struct experiment *e)
{
	switch (opt) {
	case OPT_SAMPLE_US:
		if (parse_u64(arg, &e->sample_us) < 0 || (e->sample_us && e->sample_us < 50) || e->sample_us > 1000000)
			return cli_bad_value("sample-us", arg, "expected 0 (off) or a period from 50 to 1000000 microseconds");
		return 0;
	case OPT_TIMESERIES:
		return parse_path(e, arg);
	case OPT_RECLAIM:
		return parse_reclaim(e, arg);
	case OPT_SWAP:
		return parse_swap(e, arg);
	case OPT_DIP_THRESHOLD:
		if (parse_double(arg, &e->dip_threshold) < 0 || e->dip_threshold <= 0 || e->dip_threshold >= 1)
			return cli_bad_value("dip-threshold", arg, "expected a fraction of the baseline rate in (0, 1), such as 0.5");
		return 0;
	case OPT_OVERHEAD_WINDOWS:
		if (parse_duration_us(arg, &e->overhead_window_us) < 0 || e->overhead_window_us < 10000)
			return cli_bad_value("overhead-windows", arg, "expected a window of at least 10ms, such as 100ms");
		return 0;
	case OPT_WSS:
		return parse_wss(e, arg);
	case OPT_DIP_MIN_MS:
		if (parse_double(arg, &e->dip_min_ms) < 0 || e->dip_min_ms > 1e6)
			return cli_bad_value("dip-min-ms", arg, "expected milliseconds, such as 5");
		return 0;
	}
	return EXIT_USAGE;
}

/* Events are timed from the start of the measured phase. A time-based run's phase lasts
 * --runtime, so an event at or after that could never fall inside it: refused before the run.
 * A fixed run's phase lasts however long its operations take, which nothing knows before the
 * run; `memvirt run` says afterwards which events the phase ended before (cmd_run.c). */
static int check_event_times(const struct run_config *cfg)
{
	const struct experiment *e = cfg->experiment;
	uint64_t rt = cfg->params.runtime_us;
	const char *fix = "use an earlier at= or a longer --runtime";
	for (size_t i = 0; rt && e && i < e->n_reclaim; i++)
		if (e->reclaim[i].at_us >= rt)
			return cli_error("invalid --reclaim %s:at=%gs: the measured phase ends at --runtime %gs, before it: %s",
					 reclaim_kind_name(e->reclaim[i].kind), (double)e->reclaim[i].at_us / 1e6,
					 (double)rt / 1e6, fix), EXIT_USAGE;
	for (unsigned i = 0; rt && cfg->balloon && i < cfg->balloon->n; i++) {
		const struct balloon_step *s = &cfg->balloon->step[i];
		if (s->has_at && s->at_s * 1e6 >= (double)rt)
			return cli_error("invalid --balloon target=%llu,at=%gs: the measured phase ends at --runtime %gs, "
					 "before it: %s", (unsigned long long)s->target_bytes, s->at_s, (double)rt / 1e6, fix),
			       EXIT_USAGE;
	}
	return 0;
}

/* A discard, or working-set estimation, the platform would refuse when its time came is refused
 * now, before the run; so is an event that cannot fall inside a time-based measured phase. */
int cli_experiment_check_platform(const struct run_config *cfg)
{
	const struct experiment *e = cfg->experiment;
	const struct platform *p = platform_find(cfg->platform);
	const char *wss_why = p && e && e->wss_on && p->wss_refused ? p->wss_refused(cfg) : NULL;
	if (wss_why)
		return cli_error("invalid --wss on --platform %s: %s", cfg->platform, wss_why), EXIT_USAGE;
	const char *why = p && p->discard_refused ? p->discard_refused(cfg) : NULL;
	for (size_t i = 0; why && e && i < e->n_reclaim; i++)
		if (e->reclaim[i].kind == RECLAIM_DISCARD)
			return cli_error("invalid --reclaim discard on --platform %s: %s", cfg->platform, why), EXIT_USAGE;
	return check_event_times(cfg);
}

/* What can be known before the run starts: the host can do what the options ask. */
int cli_experiment_finish(const struct experiment *e)
{
	char why[256];
	if (!e)
		return 0;
	if (e->timeseries_path && !e->sample_us)
		return cli_bad_value("timeseries", e->timeseries_path, "telemetry is off (--sample-us 0)");
	if (e->wss_on && !e->sample_us)
		return cli_error("invalid --wss value: the estimator is stepped by the telemetry monitor, which is off "
				 "(--sample-us 0)"), EXIT_USAGE;
	if (e->overhead_window_us && (!e->sample_us || e->n_reclaim))
		return cli_error("invalid --overhead-windows value: it needs telemetry on and no --reclaim (it measures "
				 "the telemetry's own cost)"), EXIT_USAGE;
	if (experiment_check(e, why, sizeof(why)) < 0)
		return cli_error("%s", why), EXIT_USAGE;
	return 0;
}
