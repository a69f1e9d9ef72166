/* trend.c — a sweep's charts against its axes (trend.h), made from the summary document alone:
 * the engine that draws any chart asked for (struct trend_request: which axis on x, which one
 * the lines are, which held fixed, the scale, the error bars) and the charts a sweep's page
 * always has. The charts a person chooses (merge --plot) are trend_plot.c's; they come here to
 * be drawn, so every chart of a sweep looks and reads the same.
 *
 * Why this shape: a researcher varying footprint from 16m to 512m wants the trend at a glance
 * and a figure for a paper, not a bar per table row. So an axis is what the experiment file
 * swept, read back from the points' settings (the values differ between points), and its
 * values are parsed as the command line parses them — sizes with binary suffixes, durations —
 * so that x is a number with a unit, on a log scale when the values span 16x or more (a sweep
 * of sizes usually doubles). Axes whose values are words are categories: grouped bars. Each
 * other combination of axes is one line, coloured, with a legend; its points carry the mean
 * over the ok repetitions, ± one sample standard deviation as error bars (the summary's own
 * figures) — or, asked, the median with its quartiles (robust to the one repetition another
 * process slowed), or no bars — the legend's foot saying which, and a tooltip with the exact
 * numbers. y is labelled with the metric's unit, read from its name (_s, _ms, _us, _ns,
 * _bytes, _per_s, cycles), in a scale a person reads (ms, MiB), log when the means span 100x.
 *
 * results/ links nothing of ours (docs/architecture.md), so the value syntax is read here
 * with the same suffixes as vmm/util/parse.c, not by calling it. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mmu/util.h"
#include "results/html.h"
#include "results/metric_path.h"
#include "results/result.h"
#include "results/trend.h"

#define CHART_W 560
#define CHART_H 330
#define MAX_SERIES 10        /* lines drawn; more are counted in the legend */
#define SERIES_NAME_MAX 192
#define LABEL_SERIES 3       /* value labels on the points up to this many lines ... */
#define LABEL_VALUES 8       /* ... and this many axis values */

static const char *const palette[MAX_SERIES] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

/* ---- Axes ---------------------------------------------------------------------------------- */

static const json_t *points_of(const json_t *summary) { return json_object_get(summary, "points"); }

const char *trend_setting_text(const json_t *point, const char *key)
{
	const json_t *v = json_object_get(json_object_get(point, "settings"), key);
	return !v || json_is_null(v) ? "-" : json_is_string(v) ? json_string_value(v) : "?";
}

/* "16m" -> 16777216 bytes, "250ms" -> 0.25 s, "4" -> 4 plain. Suffixes as parse_size and
 * parse_duration_us take them ("m" is a size: durations are written ms). */
static bool parse_value(const char *s, double *v, enum trend_unit *unit)
{
	static const struct { const char *s; double scale; enum trend_unit unit; } suffixes[] = {
		{ "", 1, TREND_PLAIN },	       { "b", 1, TREND_BYTES },	       { "k", 0x1p10, TREND_BYTES },
		{ "kb", 0x1p10, TREND_BYTES }, { "kib", 0x1p10, TREND_BYTES }, { "m", 0x1p20, TREND_BYTES },
		{ "mb", 0x1p20, TREND_BYTES }, { "mib", 0x1p20, TREND_BYTES }, { "g", 0x1p30, TREND_BYTES },
		{ "gb", 0x1p30, TREND_BYTES }, { "gib", 0x1p30, TREND_BYTES }, { "t", 0x1p40, TREND_BYTES },
		{ "tb", 0x1p40, TREND_BYTES }, { "tib", 0x1p40, TREND_BYTES }, { "ns", 1e-9, TREND_SECONDS },
		{ "us", 1e-6, TREND_SECONDS }, { "ms", 1e-3, TREND_SECONDS },  { "s", 1, TREND_SECONDS },
	};
	char *end;
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return false;
	double x = strtod(s, &end);
	if (!isfinite(x))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (strcasecmp(end, suffixes[i].s) == 0) {
			*v = x * suffixes[i].scale;
			*unit = suffixes[i].unit;
			return true;
		}
	return false;
}

/* Numeric when every value parses in one unit (a plain number counts as bytes among sizes —
 * parse_size's rule — and as milliseconds among durations, parse_duration_us's); then sorted
 * ascending, log when all are above 0 and span 16x. */
static void classify(struct trend_axis *a)
{
	double v[TREND_MAX_VALUES];
	enum trend_unit u[TREND_MAX_VALUES], unit = TREND_PLAIN;
	a->numeric = a->n > 0;
	for (size_t i = 0; i < a->n && a->numeric; i++) {
		a->numeric = parse_value(a->text[i], &v[i], &u[i]);
		if (a->numeric && u[i] != TREND_PLAIN) {
			a->numeric = unit == TREND_PLAIN || unit == u[i];
			unit = u[i];
		}
	}
	if (!a->numeric)
		return;
	a->unit = unit;
	for (size_t i = 0; i < a->n; i++)
		a->value[i] = u[i] == TREND_PLAIN && unit == TREND_SECONDS ? v[i] * 1e-3 : v[i];
	for (size_t i = 1; i < a->n; i++) /* insertion sort of a few values, text alongside */
		for (size_t j = i; j > 0 && a->value[j - 1] > a->value[j]; j--) {
			double t = a->value[j];
			char text[TREND_NAME_MAX];
			a->value[j] = a->value[j - 1], a->value[j - 1] = t;
			memcpy(text, a->text[j], sizeof(text));
			memcpy(a->text[j], a->text[j - 1], sizeof(text));
			memcpy(a->text[j - 1], text, sizeof(text));
		}
	a->log = a->n >= 2 && a->value[0] > 0 && a->value[a->n - 1] / a->value[0] >= 16;
}

static long value_index(const struct trend_axis *a, const char *text)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->text[i], text) == 0)
			return (long)i;
	return -1;
}

static void add_value(struct trend_axis *a, const char *text)
{
	if (value_index(a, text) >= 0)
		return;
	if (a->n == TREND_MAX_VALUES) {
		a->too_many = true;
		return;
	}
	snprintf(a->text[a->n++], TREND_NAME_MAX, "%s", text);
}

/* Whether key's value differs between two points of the summary. */
static bool varies(const json_t *points, const char *key)
{
	const char *first = NULL;
	size_t i;
	const json_t *p;
	json_array_foreach(points, i, p) {
		const char *t = trend_setting_text(p, key);
		if (!first)
			first = t;
		else if (strcmp(first, t) != 0)
			return true;
	}
	return false;
}

/* seen: the keys looked at already (a set), so that each is compared across the points once. */
static void consider_key(struct trend_axes *ax, const json_t *points, const char *key, json_t *seen)
{
	size_t i;
	const json_t *p;
	if (json_object_get(seen, key))
		return;
	json_object_set_new(seen, key, json_true());
	if (ax->n == TREND_MAX_AXES || strlen(key) >= TREND_NAME_MAX || !varies(points, key))
		return;
	struct trend_axis *a = &ax->axis[ax->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", key);
	json_array_foreach(points, i, p)
		add_value(a, trend_setting_text(p, key));
	classify(a);
}

void trend_axes_of(const json_t *summary, struct trend_axes *ax)
{
	const json_t *points = points_of(summary), *p, *v;
	json_t *seen = json_object();
	const char *key;
	size_t i;
	ax->n = 0;
	json_array_foreach(points, i, p) /* a key only some points have varies too */
		json_object_foreach((json_t *)json_object_get(p, "settings"), key, v)
			consider_key(ax, points, key, seen);
	json_decref(seen);
}

long trend_axis_find(const struct trend_axes *ax, const char *name)
{
	for (size_t i = 0; i < ax->n; i++)
		if (strcmp(ax->axis[i].name, name) == 0)
			return (long)i;
	return -1;
}

void trend_axis_column(char *buf, size_t n, const struct trend_axis *a)
{
	snprintf(buf, n, "%s%s", a->name, !a->numeric ? "" : a->unit == TREND_BYTES ? "_bytes" : a->unit == TREND_SECONDS ? "_s" : "");
}

void trend_axis_cell(char *buf, size_t n, const struct trend_axis *a, const json_t *settings)
{
	const json_t *v = json_object_get(settings, a->name);
	const char *text = json_is_string(v) ? json_string_value(v) : "";
	double x;
	enum trend_unit u;
	if (a->numeric && a->unit != TREND_PLAIN && parse_value(text, &x, &u)) {
		if (u == TREND_PLAIN && a->unit == TREND_SECONDS) /* a plain duration is milliseconds (classify) */
			x *= 1e-3;
		snprintf(buf, n, a->unit == TREND_BYTES ? "%.0f" : "%.9g", x);
	} else {
		snprintf(buf, n, "%s", text);
	}
}

void trend_value_text(char *buf, size_t n, enum trend_unit unit, double v)
{
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const struct { double at; const char *name; } times[] = { { 1, "s" }, { 1e-3, "ms" }, { 1e-6, "us" } };
	if (unit == TREND_BYTES) {
		size_t k = 0;
		while (k + 1 < ARRAY_SIZE(bytes) && fabs(v) >= 1024)
			v /= 1024, k++;
		snprintf(buf, n, "%.4g %s", v, bytes[k]);
	} else if (unit == TREND_SECONDS) {
		size_t k = 0;
		while (k + 1 < ARRAY_SIZE(times) && fabs(v) < times[k].at && v != 0)
			k++;
		snprintf(buf, n, "%.4g %s", v / times[k].at, times[k].name);
	} else {
		svg_short_number(buf, n, v);
	}
}

/* ---- The metric's unit ------------------------------------------------------------------- */

/* How the metric's values are shown: divided by div, in unit (may be ""). */
struct yunit {
	char unit[48];
	double div;
};

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

/* From the metric's name: seconds (and ms, us, ns) shown in the unit that fits the largest
 * mean, bytes in binary units, X_per_s as X/s, cycles, else a count. */
static void metric_unit(const char *metric, double largest, struct yunit *y)
{
	const char *last = strrchr(metric, '.') ? strrchr(metric, '.') + 1 : metric;
	static const struct { const char *tail; double s; } times[] = {
		{ "_ns", 1e-9 }, { "_us", 1e-6 }, { "_ms", 1e-3 }, { "_s", 1 },
	};
	y->div = 1;
	snprintf(y->unit, sizeof(y->unit), "count");
	if (ends_with(last, "_per_s")) {
		snprintf(y->unit, sizeof(y->unit), "%.*s/s", (int)(strlen(last) - 6), last);
		return;
	}
	if (strstr(last, "cycles")) {
		snprintf(y->unit, sizeof(y->unit), "cycles");
		return;
	}
	if (ends_with(last, "_pct")) {
		snprintf(y->unit, sizeof(y->unit), "%%");
		return;
	}
	if (ends_with(last, "_bytes")) {
		static const char *const names[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
		size_t k = 0;
		while (k + 1 < ARRAY_SIZE(names) && largest / y->div >= 1024)
			y->div *= 1024, k++;
		snprintf(y->unit, sizeof(y->unit), "%s", names[k]);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(times); i++)
		if (ends_with(last, times[i].tail)) {
			double s = largest * times[i].s; /* the largest value in seconds */
			double at = s >= 1 ? 1 : s >= 1e-3 ? 1e-3 : s >= 1e-6 ? 1e-6 : 1e-9;
			y->div = at / times[i].s;
			snprintf(y->unit, sizeof(y->unit), "%s", at == 1 ? "s" : at == 1e-3 ? "ms" : at == 1e-6 ? "us" : "ns");
			return;
		}
}

/* ---- A chart's data ---------------------------------------------------------------------- */

/* A point of a line (or a bar): y drawn, [lo, hi] its error bar (lo == hi: none), and the
 * summary's figures for the tooltip. */
struct cell {
	bool have;
	double y, lo, hi;
	double mean, sd, median, q1, q3;
	long n, point;
};

struct chart {
	const struct trend_axis *x;
	const char *metric;
	size_t nseries, total_series, npoints;
	char name[MAX_SERIES][SERIES_NAME_MAX];  /* "mmu=ept, workload=seq"; "all points" alone */
	struct cell cell[MAX_SERIES][TREND_MAX_VALUES];
	struct yunit y;
	double lo, hi;                           /* of the error bars' ends, shown units */
	bool ylog, xlog;
	const struct trend_request *r;
};

/* The point's line: "k=v" of the series axis when the request names one, else "k=v, k=v" of
 * every axis but x. */
static void series_key(const struct trend_axes *ax, const struct trend_request *r, const json_t *p, char *buf,
		       size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	if (r->series >= 0) {
		const char *name = ax->axis[r->series].name;
		snprintf(buf, n, "%s=%s", name, trend_setting_text(p, name));
		return;
	}
	for (size_t i = 0; i < ax->n; i++)
		if (i != r->x && used < n)
			used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", used ? ", " : "", ax->axis[i].name,
						 trend_setting_text(p, ax->axis[i].name));
	if (!buf[0])
		snprintf(buf, n, "all points");
}

/* The line of key: found, added, or -1 past MAX_SERIES (counted). */
static long series_of(struct chart *c, const char *key)
{
	for (size_t i = 0; i < c->nseries; i++)
		if (strcmp(c->name[i], key) == 0)
			return (long)i;
	c->total_series++;
	if (c->nseries == MAX_SERIES)
		return -1;
	snprintf(c->name[c->nseries], SERIES_NAME_MAX, "%s", key);
	return (long)c->nseries++;
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The point's figures of the metric, when it has a finite mean; y and its bar as error asks:
 * mean ± sd (none below two repetitions), the median with the quartiles (a summary without
 * them: the mean, no bar), or the mean alone. */
static bool point_metric(const json_t *p, const char *metric, enum trend_error error, struct cell *out)
{
	const json_t *m = json_object_get(json_object_get(p, "metrics"), metric);
	json_int_t n = json_integer_value(json_object_get(m, "n"));
	double mean = num(m, "mean"), sd = num(m, "sd");
	if (n < 1 || !isfinite(mean))
		return false;
	*out = (struct cell){ .have = true, .mean = mean, .sd = n >= 2 && isfinite(sd) ? sd : 0, .median = num(m, "median"),
			      .q1 = num(m, "q1"), .q3 = num(m, "q3"), .n = (long)n,
			      .point = (long)json_integer_value(json_object_get(p, "point")) };
	out->y = out->lo = out->hi = mean;
	if (error == TREND_ERROR_SD)
		out->lo = mean - out->sd, out->hi = mean + out->sd;
	else if (error == TREND_ERROR_IQR && isfinite(out->median)) {
		out->y = out->lo = out->hi = out->median;
		if (n >= 2 && isfinite(out->q1) && isfinite(out->q3) && out->q1 <= out->median && out->median <= out->q3)
			out->lo = out->q1, out->hi = out->q3;
	}
	return true;
}

/* Whether the point is in the request's panel: its value of every fixed axis as asked. */
static bool in_panel(const struct trend_axes *ax, const struct trend_request *r, const json_t *p)
{
	for (size_t i = 0; i < r->nfixed; i++)
		if (strcmp(trend_setting_text(p, ax->axis[r->fixed[i]].name), r->fixed_value[i]) != 0)
			return false;
	return true;
}

/* Scales to the display unit and finds the y range; log when every mean is above 0 and they
 * span 100x. */
static void chart_range(struct chart *c)
{
	double largest = 0, min_mean = INFINITY, max_mean = 0;
	for (size_t s = 0; s < c->nseries; s++) /* the unit fits the top of the error bars */
		for (size_t i = 0; i < c->x->n; i++)
			if (c->cell[s][i].have)
				largest = fmax(largest, fmax(fabs(c->cell[s][i].lo), fabs(c->cell[s][i].hi)));
	metric_unit(c->metric, largest, &c->y);
	c->lo = INFINITY, c->hi = -INFINITY;
	for (size_t s = 0; s < c->nseries; s++)
		for (size_t i = 0; i < c->x->n; i++) {
			struct cell *e = &c->cell[s][i];
			if (!e->have)
				continue;
			e->y /= c->y.div, e->lo /= c->y.div, e->hi /= c->y.div;
			e->mean /= c->y.div, e->sd /= c->y.div, e->median /= c->y.div, e->q1 /= c->y.div, e->q3 /= c->y.div;
			c->lo = fmin(c->lo, e->lo), c->hi = fmax(c->hi, e->hi);
			min_mean = fmin(min_mean, e->y), max_mean = fmax(max_mean, e->y);
		}
	c->ylog = min_mean > 0 && max_mean / min_mean >= 100;
	if (c->ylog) {
		c->lo = (c->lo > 0 ? fmin(c->lo, min_mean) : min_mean) / 1.3;
		c->hi *= 1.8; /* room for a value label above the highest bar */
	} else {
		c->lo = c->lo >= 0 ? 0 : c->lo * 1.1;
		c->hi = c->hi > c->lo ? c->hi * 1.1 : c->lo + 1;
	}
}

/* Returns the number of points drawn. */
static size_t chart_build(struct chart *c, const json_t *summary, const struct trend_axes *ax,
			  const struct trend_request *r)
{
	const json_t *p;
	size_t i;
	char key[SERIES_NAME_MAX];
	memset(c, 0, sizeof(*c));
	c->x = &ax->axis[r->x];
	c->metric = r->metric;
	c->r = r;
	c->xlog = r->log == TREND_LOG_AUTO ? c->x->log : r->log == TREND_LOG_ON && c->x->numeric && c->x->value[0] > 0;
	json_array_foreach(points_of(summary), i, p) {
		struct cell e;
		long v = value_index(c->x, trend_setting_text(p, c->x->name));
		if (v < 0 || !in_panel(ax, r, p) || !point_metric(p, r->metric, r->error, &e))
			continue;
		series_key(ax, r, p, key, sizeof(key));
		long s = series_of(c, key);
		if (s >= 0 && !c->cell[s][v].have) { /* two jobs with the same settings: the first */
			c->cell[s][v] = e;
			c->npoints++;
		}
	}
	if (c->npoints)
		chart_range(c);
	return c->npoints;
}

/* ---- Drawing ------------------------------------------------------------------------------- */

static double x_of(const struct chart *c, size_t i)
{
	return c->x->numeric ? c->x->value[i] : (double)i + 1;
}

/* The x ticks sit at the axis values, labelled in their unit ("16 MiB", "250 ms"); a category
 * as the file wrote it. */
static void frame(const struct chart *c, struct svg_plot *p, const char **xtext, char (*buf)[32], double *xat)
{
	const struct trend_axis *x = c->x;
	*p = (struct svg_plot){ .w = CHART_W, .h = CHART_H, .left = 64, .right = 170, .top = 16, .bottom = 44,
				.y0 = c->lo, .y1 = c->hi, .ylog = c->ylog, .xat = xat, .xtext = xtext, .nxat = x->n };
	for (size_t i = 0; i < x->n; i++) {
		xat[i] = x_of(c, i);
		xtext[i] = x->numeric ? buf[i] : x->text[i];
		if (x->numeric)
			trend_value_text(buf[i], sizeof(buf[i]), x->unit, x->value[i]);
	}
	if (!x->numeric) {
		p->x0 = 0.5, p->x1 = (double)x->n + 0.5;
	} else if (c->xlog) {
		p->xlog = true;
		p->x0 = x->value[0] / 1.25, p->x1 = x->value[x->n - 1] * 1.25;
	} else {
		double span = x->value[x->n - 1] - x->value[0];
		span = span > 0 ? span : fabs(x->value[0]) > 0 ? fabs(x->value[0]) : 1;
		p->x0 = x->value[0] - span * 0.06, p->x1 = x->value[x->n - 1] + span * 0.06;
	}
}

/* "mem (size, log scale)", "result.run_s (ms)": what and in which unit; the ticks say the rest. */
static void titles(const struct chart *c, char *xt, size_t xn, char *yt, size_t yn)
{
	static const char *const kinds[] = { [TREND_PLAIN] = "", [TREND_BYTES] = "size", [TREND_SECONDS] = "duration" };
	const struct trend_axis *x = c->x;
	const char *kind = x->numeric ? kinds[x->unit] : "";
	const char *scale = c->xlog ? "log scale" : "";
	snprintf(xt, xn, "%s%s%s%s%s%s", x->name, kind[0] || scale[0] ? " (" : "", kind, kind[0] && scale[0] ? ", " : "",
		 scale, kind[0] || scale[0] ? ")" : "");
	snprintf(yt, yn, "%s (%s%s)", c->metric, c->y.unit, c->ylog ? ", log scale" : "");
}

static void tooltip(FILE *f, const struct chart *c, size_t s, size_t i)
{
	const struct cell *e = &c->cell[s][i];
	html_printf(f, "<title>point %ld: %s=%s; %s: mean %.6g %s", e->point, c->x->name, c->x->text[i], c->name[s],
		    e->mean, c->y.unit);
	if (e->n >= 2)
		html_printf(f, ", sd %.3g", e->sd);
	if (e->n >= 2 && isfinite(e->median) && isfinite(e->q1) && isfinite(e->q3))
		html_printf(f, ", median %.6g, quartiles %.6g to %.6g", e->median, e->q1, e->q3);
	html_printf(f, " (n=%ld)</title>", e->n);
}

/* The cell's bar, [lo, hi], as a vertical line with caps at px (class errbar: a test counts
 * them). None when lo == hi: one repetition, or a metric that did not vary. */
static void error_bar(FILE *f, const struct svg_plot *p, double px, const struct cell *e, const char *color)
{
	if (!(e->hi > e->lo))
		return;
	double a = svg_py(p, e->lo), b = svg_py(p, e->hi);
	html_printf(f, "<path class=\"errbar\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8\" stroke=\"%s\" "
		       "stroke-width=\"1.2\" fill=\"none\"/>\n",
		    px, a, b, px - 4, a, px - 4, b, color);
}

/* The value above the point (and above its error bar); on a line chart every other line's
 * below it (and below its bar), so that two lines close together do not write over each
 * other. */
static void value_label(FILE *f, const struct chart *c, const struct svg_plot *p, double px, const struct cell *e,
			size_t s)
{
	char b[32];
	if (c->nseries > LABEL_SERIES || c->x->n > LABEL_VALUES)
		return; /* the tooltip has it: labels would overlap */
	svg_short_number(b, sizeof(b), e->y);
	double py = svg_py(p, e->y), top = fmin(py, svg_py(p, e->hi)), bottom = fmax(py, svg_py(p, e->lo));
	html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">%s</text>\n",
		    px, c->x->numeric && s % 2 ? bottom + 15 : top - 6, b);
}

static void draw_line(FILE *f, const struct chart *c, const struct svg_plot *p, size_t s)
{
	double xs[TREND_MAX_VALUES], ys[TREND_MAX_VALUES];
	size_t n = 0;
	for (size_t i = 0; i < c->x->n; i++)
		if (c->cell[s][i].have)
			xs[n] = x_of(c, i), ys[n++] = c->cell[s][i].y;
	svg_plot_line(f, p, xs, ys, n, palette[s], "trend");
	for (size_t i = 0; i < c->x->n; i++) {
		const struct cell *e = &c->cell[s][i];
		if (!e->have)
			continue;
		double px = svg_px(p, x_of(c, i)), py = svg_py(p, e->y);
		error_bar(f, p, px, e, palette[s]);
		html_printf(f, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">", px, py, palette[s]);
		tooltip(f, c, s, i);
		fputs("</circle>\n", f);
		value_label(f, c, p, px, e, s);
	}
}

/* Grouped bars: category i at x = i + 1, the lines side by side within it. */
static void draw_bars(FILE *f, const struct chart *c, const struct svg_plot *p, size_t s)
{
	double slot = (svg_px(p, 2) - svg_px(p, 1)) * 0.8 / (double)c->nseries;
	double base = svg_py(p, c->ylog ? p->y0 : 0);
	for (size_t i = 0; i < c->x->n; i++) {
		const struct cell *e = &c->cell[s][i];
		if (!e->have)
			continue;
		double px = svg_px(p, x_of(c, i)) - slot * (double)c->nseries / 2 + slot * ((double)s + 0.5);
		double py = svg_py(p, e->y);
		html_printf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">", px - slot * 0.45,
			    fmin(py, base), slot * 0.9, fabs(base - py), palette[s]);
		tooltip(f, c, s, i);
		fputs("</rect>\n", f);
		error_bar(f, p, px, e, "#222");
		value_label(f, c, p, px, e, s);
	}
}

/* What the points and the bars are, in words: the legend's foot, the page's captions. */
static const char *const point_words[] = {
	[TREND_ERROR_SD] = "points: mean", [TREND_ERROR_IQR] = "points: median", [TREND_ERROR_NONE] = "points: mean",
};
static const char *const bar_words[] = {
	[TREND_ERROR_SD] = "bars: \u00b1 1 sd", [TREND_ERROR_IQR] = "bars: IQR, q1 to q3", [TREND_ERROR_NONE] = "no error bars",
};

const char *trend_error_text(enum trend_error e)
{
	static const char *const text[] = {
		[TREND_ERROR_SD] = "mean over the ok repetitions, error bars \u00b1 one sample standard deviation",
		[TREND_ERROR_IQR] = "median over the ok repetitions, error bars the interquartile range (q1 to q3)",
		[TREND_ERROR_NONE] = "mean over the ok repetitions, no error bars",
	};
	return text[e];
}

/* A column at the right of the plot: one swatch and name per line, what was left out, and at
 * its foot what the points and the bars are (class errnote). */
static void legend(FILE *f, const struct chart *c, const struct svg_plot *p)
{
	double x = p->w - p->right + 12;
	int y = p->top + 10;
	if (c->nseries != 1 || strcmp(c->name[0], "all points") != 0) {
		for (size_t s = 0; s < c->nseries; s++, y += 16) {
			html_printf(f, "<rect class=\"key\" x=\"%.1f\" y=\"%d\" width=\"12\" height=\"8\" fill=\"%s\"/>"
				       "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.26s</text>\n",
				    x, y - 7, palette[s], x + 16, y + 1, c->name[s]);
		}
		if (c->total_series > c->nseries)
			html_printf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">(%zu more not drawn)</text>\n", x, y + 1,
				    c->total_series - c->nseries);
	}
	html_printf(f, "<text class=\"errnote\" x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#444\">%s; %s</text>\n", x,
		    p->h - p->bottom, point_words[c->r->error], bar_words[c->r->error]);
}

static void caption_text(const struct chart *c, char *buf, size_t n)
{
	snprintf(buf, n, "%s against %s: %s", c->metric, c->x->name, trend_error_text(c->r->error));
}

static void chart_svg(FILE *f, const struct chart *c, bool standalone)
{
	struct svg_plot p;
	const char *xtext[TREND_MAX_VALUES];
	char xbuf[TREND_MAX_VALUES][32];
	double xat[TREND_MAX_VALUES];
	char xt[160], yt[METRIC_PATH_MAX + 64], label[METRIC_PATH_MAX + 200];
	frame(c, &p, xtext, xbuf, xat);
	if (c->r->title)
		p.top += 18;
	titles(c, xt, sizeof(xt), yt, sizeof(yt));
	caption_text(c, label, sizeof(label));
	if (standalone)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	svg_begin(f, p.w, p.h, label);
	if (standalone)
		fputs("<style>text{font-family:sans-serif}</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", f);
	if (c->r->title)
		html_printf(f, "<text class=\"title\" x=\"%d\" y=\"16\" font-size=\"12\" font-weight=\"bold\">%s</text>\n",
			    p.left, c->r->title);
	svg_plot_axes(f, &p, xt, yt);
	for (size_t s = 0; s < c->nseries; s++)
		(c->x->numeric ? draw_line : draw_bars)(f, c, &p, s);
	legend(f, c, &p);
	svg_end(f);
}

/* The chart a request asks for, or NULL when no point has a value of its metric (or out of
 * memory). */
static struct chart *chart_new(const json_t *summary, const struct trend_axes *ax, const struct trend_request *r)
{
	struct chart *c = malloc(sizeof(*c));
	if (c && !chart_build(c, summary, ax, r)) {
		free(c);
		return NULL;
	}
	return c;
}

int trend_request_svg(FILE *f, const json_t *summary, const struct trend_axes *ax, const struct trend_request *r,
		      bool standalone)
{
	struct chart *c = chart_new(summary, ax, r);
	if (!c)
		return -ENOENT;
	chart_svg(f, c, standalone);
	free(c);
	return 0;
}

int trend_chart_svg(FILE *f, const json_t *summary, const struct trend_axes *ax, size_t a, const char *metric,
		    bool standalone)
{
	struct trend_request r = { .metric = metric, .x = a, .series = -1, .error = trend_error_of(summary) };
	return trend_request_svg(f, summary, ax, &r, standalone);
}

/* ---- Files and the page ----------------------------------------------------------------- */

void trend_file_safe(char *name)
{
	for (char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			*s = '_';
}

void trend_file_name(char *buf, size_t n, const char *metric, const char *axis)
{
	snprintf(buf, n, "trend-%s-vs-%s.svg", metric, axis);
	trend_file_safe(buf);
}

/* Axes drawn: not more values than a chart holds. */
bool trend_axis_drawable(const struct trend_axis *a) { return !a->too_many && a->n >= 2; }

struct one_chart {
	const json_t *summary;
	const struct trend_axes *ax;
	const struct trend_request *r;
	int rc;
};

static void emit_chart(FILE *f, const void *arg)
{
	struct one_chart *o = (struct one_chart *)arg;
	o->rc = trend_request_svg(f, o->summary, o->ax, o->r, true);
}

int trend_request_write(const json_t *summary, const struct trend_axes *ax, const struct trend_request *r,
			const char *path)
{
	struct one_chart o = { .summary = summary, .ax = ax, .r = r };
	int rc = atomic_write_stream(path, emit_chart, &o);
	return rc < 0 ? rc : o.rc;
}

static const char *const error_names[] = { [TREND_ERROR_SD] = "sd", [TREND_ERROR_IQR] = "iqr",
					   [TREND_ERROR_NONE] = "none", NULL };

const char *trend_error_name(enum trend_error e) { return error_names[e]; }

int trend_error_parse(const char *s, enum trend_error *e)
{
	for (size_t i = 0; error_names[i]; i++)
		if (strcmp(s, error_names[i]) == 0)
			return *e = (enum trend_error)i, 0;
	return -EINVAL;
}

enum trend_error trend_error_of(const json_t *summary)
{
	enum trend_error e = TREND_ERROR_SD;
	const char *s = json_string_value(json_object_get(json_object_get(summary, "charts"), "error_bars"));
	return s && trend_error_parse(s, &e) == 0 ? e : TREND_ERROR_SD;
}

struct trend_axes *trend_axes_new(const json_t *summary)
{
	struct trend_axes *ax = malloc(sizeof(*ax));
	if (ax)
		trend_axes_of(summary, ax);
	return ax;
}

/* Calls fn for every (metric, axis) pair drawn; stops at a negative return. */
static int each_chart(const json_t *summary, const struct trend_axes *ax,
		      int (*fn)(const json_t *summary, const struct trend_axes *ax, size_t a, const char *metric, void *arg),
		      void *arg)
{
	const json_t *m;
	size_t k;
	json_array_foreach(json_object_get(summary, "metrics"), k, m) {
		const char *metric = json_string_value(m);
		if (!metric)
			continue;
		for (size_t a = 0; a < ax->n; a++) {
			int rc = trend_axis_drawable(&ax->axis[a]) ? fn(summary, ax, a, metric, arg) : 0;
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

struct files_arg {
	const char *dir;
	char *why;
	size_t n;
};

int trend_request_file(const json_t *summary, const struct trend_axes *ax, const struct trend_request *r,
		       const char *dir, const char *name, char *why, size_t n)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int rc = trend_request_write(summary, ax, r, path);
	if (rc == -ENOENT) { /* no point has the metric: no chart, and no file left from before */
		unlink(path);
		return 0;
	}
	if (rc < 0)
		snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc));
	return rc;
}

static int file_one(const json_t *summary, const struct trend_axes *ax, size_t a, const char *metric, void *arg)
{
	struct files_arg *fa = arg;
	struct trend_request r = { .metric = metric, .x = a, .series = -1, .error = trend_error_of(summary) };
	char name[METRIC_PATH_MAX + TREND_NAME_MAX + 32];
	trend_file_name(name, sizeof(name), metric, ax->axis[a].name);
	return trend_request_file(summary, ax, &r, fa->dir, name, fa->why, fa->n);
}

int trend_write_files(const json_t *summary, const char *dir, char *why, size_t n)
{
	struct trend_axes *ax = trend_axes_new(summary);
	struct files_arg fa = { .dir = dir, .why = why, .n = n };
	if (!ax)
		return snprintf(why, n, "out of memory"), -ENOMEM;
	int rc = each_chart(summary, ax, file_one, &fa);
	free(ax);
	return rc;
}

static int html_one(const json_t *summary, const struct trend_axes *ax, size_t a, const char *metric, void *arg)
{
	FILE *f = arg;
	char name[METRIC_PATH_MAX + TREND_NAME_MAX + 32];
	struct trend_request r = { .metric = metric, .x = a, .series = -1, .error = trend_error_of(summary) };
	struct chart *c = chart_new(summary, ax, &r);
	if (!c)
		return 0; /* no point has the metric: the table's notes say so */
	html_printf(f, "<figure><figcaption><b>%s</b> against <b>%s</b> &mdash; <a href=\"", metric, ax->axis[a].name);
	trend_file_name(name, sizeof(name), metric, ax->axis[a].name);
	html_escape(f, name); /* letters, digits and . _ - only: a relative link, never a scheme */
	fputs("\">SVG file</a></figcaption>\n", f);
	chart_svg(f, c, false);
	fputs("</figure>\n", f);
	free(c);
	return 0;
}

static void html_axes_note(FILE *f, const struct trend_axes *ax, enum trend_error error)
{
	fputs("<p>Swept axes:", f);
	for (size_t a = 0; a < ax->n; a++) {
		const struct trend_axis *x = &ax->axis[a];
		html_printf(f, "%s <b>%s</b> (%zu%s values%s%s)", a ? ";" : "", x->name, x->n, x->too_many ? "+" : "",
			    x->numeric ? ", numeric" : ", categories: bars", x->too_many ? ", too many to draw" : "");
	}
	html_printf(f, ". One chart per metric and axis: the metric against the axis' values, one line (or bar colour) "
		       "per combination of the other axes; each point the %s (none below two repetitions; chosen with "
		       "merge --error sd|iqr|none)", trend_error_text(error));
	fputs("; a scale is logarithmic, and says so, where the values span orders of magnitude. Hover a point for its "
	      "numbers; each chart is also a standalone SVG file beside this page (<i>memvirt report summary.json --plot "
	      "METRIC:AXIS -o FILE.svg</i> draws one anew).</p>\n", f);
}

void trend_html(FILE *f, const json_t *summary)
{
	struct trend_axes *ax = trend_axes_new(summary);
	if (!ax)
		return;
	fputs("<h2>Trends against the swept axes</h2>\n", f);
	if (!ax->n)
		fputs("<p>Every point has the same settings: no axis to draw against.</p>\n", f);
	else {
		html_axes_note(f, ax, trend_error_of(summary));
		fputs("<div class=\"charts\">\n", f);
		each_chart(summary, ax, html_one, f);
		fputs("</div>\n", f);
	}
	free(ax);
}
