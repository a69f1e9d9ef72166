/* cli_wl_param.c — workload parameters that are not plain integers or sizes (see enum
 * wl_param_kind in workloads/wl.h): fractions (--dup-frac 0.25, stored in ppm), durations
 * (--wake-every 10ms, stored in µs) and working-set schedules (--ws 64m:200000,512m:400000).
 * Parsing, with one line naming the bad value, and printing them back as they are written. */
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/util/parse.h"

static int bad(const struct wl_param_desc *d, const char *text, const char *why)
{
	cli_error("invalid --%s value '%s': %s", d->name, text, why);
	return EXIT_USAGE;
}

static int parse_frac(const struct wl_param_desc *d, const char *text, uint64_t *out)
{
	double v;
	char why[96];
	if (parse_double(text, &v) < 0)
		return bad(d, text, "expected a fraction such as 0.25");
	snprintf(why, sizeof(why), "must be between %g and %g", (double)d->min / WL_FRAC_ONE,
		 (double)d->max / WL_FRAC_ONE);
	if (v * WL_FRAC_ONE < (double)d->min || v * WL_FRAC_ONE > (double)d->max)
		return bad(d, text, why);
	*out = (uint64_t)(v * WL_FRAC_ONE + 0.5);
	return 0;
}

static int parse_time(const struct wl_param_desc *d, const char *text, uint64_t *out)
{
	char why[96];
	if (parse_duration_us(text, out) < 0)
		return bad(d, text, "expected a duration such as 500us, 10ms or 1.5s");
	snprintf(why, sizeof(why), "must be between %llu us and %g s", (unsigned long long)d->min,
		 (double)d->max / 1e6);
	return *out < d->min || *out > d->max ? bad(d, text, why) : 0;
}

/* SIZE:OPS[,SIZE:OPS...], every SIZE within [min, max], every OPS > 0. Steps may also be
 * separated by '+', for experiment files, where a comma makes a sweep axis. */
static int parse_schedule(const struct wl_param_desc *d, const char *text, struct wl_ws_step *out)
{
	char buf[512], *save = NULL;
	unsigned n = 0;
	struct wl_ws_step s[WL_WS_STEPS];
	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return bad(d, text, "too long");
	for (char *step = strtok_r(buf, ",+", &save); step; step = strtok_r(NULL, ",+", &save)) {
		char *colon = strchr(step, ':');
		if (n == WL_WS_STEPS)
			return bad(d, text, "at most 8 steps");
		if (!colon)
			return bad(d, text, "expected SIZE:OPS[,SIZE:OPS...] such as 64m:200000,512m:400000");
		*colon = 0;
		if (parse_size(step, &s[n].bytes) < 0 || s[n].bytes < d->min || s[n].bytes > d->max)
			return bad(d, text, "each SIZE must be a size such as 64m, at least 4096 bytes");
		if (parse_u64(colon + 1, &s[n].ops) < 0 || s[n].ops == 0)
			return bad(d, text, "each OPS must be a positive integer");
		n++;
	}
	if (n == 0)
		return bad(d, text, "expected SIZE:OPS[,SIZE:OPS...] such as 64m:200000,512m:400000");
	for (unsigned i = 0; i < WL_WS_STEPS; i++)
		out[i] = i < n ? s[i] : (struct wl_ws_step){ 0, 0 };
	return 0;
}

int cli_wl_param_parse(const struct wl_param_desc *d, const char *text, struct wl_params *p)
{
	void *field = (char *)p + d->offset;
	switch (d->kind) {
	case WL_PARAM_FRAC: return parse_frac(d, text, field);
	case WL_PARAM_TIME: return parse_time(d, text, field);
	case WL_PARAM_SCHEDULE: return parse_schedule(d, text, field);
	case WL_PARAM_NUMBER: break;
	}
	return bad(d, text, "not a parameter of this kind");
}

void cli_wl_param_format(const struct wl_param_desc *d, const struct wl_params *p, char *buf, size_t n)
{
	const uint64_t *v = (const uint64_t *)((const char *)p + d->offset);
	const struct wl_ws_step *s = (const struct wl_ws_step *)v;
	switch (d->kind) {
	case WL_PARAM_FRAC:
		snprintf(buf, n, "%g", (double)*v / WL_FRAC_ONE);
		return;
	case WL_PARAM_TIME:
		if (*v % 1000)
			snprintf(buf, n, "%lluus", (unsigned long long)*v);
		else
			snprintf(buf, n, "%llums", (unsigned long long)(*v / 1000));
		return;
	case WL_PARAM_SCHEDULE:
		snprintf(buf, n, "%s", s[0].bytes ? "" : "derived");
		for (size_t i = 0, len = 0; i < WL_WS_STEPS && s[i].bytes && len < n; i++, len = strlen(buf))
			snprintf(buf + len, n - len, "%s%llu:%llu", i ? "," : "", (unsigned long long)s[i].bytes,
				 (unsigned long long)s[i].ops);
		return;
	case WL_PARAM_NUMBER:
		break;
	}
	snprintf(buf, n, "%llu", (unsigned long long)*v);
}
