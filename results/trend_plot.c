/* trend_plot.c — the charts a person chooses (trend_plot.h): the --plot syntax, its check
 * against a summary, the panels of a plot, their files and their section of the merge page.
 *
 * Why a file apart from trend.c: trend.c draws any chart it is asked for (struct
 * trend_request) and the charts a sweep's page always has; what a person may ask for, and how
 * it is refused, is another idea, with its own errors. Nothing here draws: every chart goes
 * through trend_request_svg, so a chosen chart and the page's own look and read the same.
 *
 * Why panels and not an average over the axes the plot does not name: those axes were swept
 * because they matter; a line averaged over them is a point no run had. A panel per combination
 * of their values (as the sweep has them: a sweep of paired axes has fewer than the product)
 * keeps every chart a picture of runs that happened, titled with what it holds fixed. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/html.h"
#include "results/result.h"
#include "results/trend_plot.h"

/* ---- Syntax ------------------------------------------------------------------------------ */

/* A setting's key, as merge --paired takes one. */
static bool is_axis_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < TREND_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. ") == n;
}

/* One KEY=VALUE item of the spec into p; seen marks the keys given. */
static int plot_item(const char *spec, const char *item, struct trend_plot *p, unsigned *seen, char *why, size_t n)
{
	static const char *const keys[] = { "x", "series", "metric", "log" };
	char err[256];
	const char *eq = strchr(item, '=');
	size_t klen = eq ? (size_t)(eq - item) : 0, k;
	for (k = 0; eq && k < 4; k++)
		if (strlen(keys[k]) == klen && strncmp(item, keys[k], klen) == 0)
			break;
	if (!eq || k == 4)
		return snprintf(why, n, "'%s': '%s' is not KEY=VALUE with KEY x, series, metric or log", spec, item),
		       -EINVAL;
	if (*seen & (1u << k))
		return snprintf(why, n, "'%s': %s given twice", spec, keys[k]), -EINVAL;
	*seen |= 1u << k;
	const char *v = eq + 1;
	if (k == 0 || k == 1) {
		if (!is_axis_name(v))
			return snprintf(why, n, "'%s': %s='%s' is not an axis name (a setting's key)", spec, keys[k], v),
			       -EINVAL;
		snprintf(k == 0 ? p->x : p->series, TREND_NAME_MAX, "%s", v);
	} else if (k == 2) {
		if (strlen(v) >= METRIC_PATH_MAX || metric_path_check(v, err, sizeof(err)) < 0)
			return snprintf(why, n, "'%s': metric='%s' is not a metric path (a.b.c)", spec, v), -EINVAL;
		snprintf(p->metric, sizeof(p->metric), "%s", v);
	} else {
		if (strcmp(v, "on") && strcmp(v, "off") && strcmp(v, "auto"))
			return snprintf(why, n, "'%s': log='%s': expected on, off or auto", spec, v), -EINVAL;
		p->log = !strcmp(v, "on") ? TREND_LOG_ON : !strcmp(v, "off") ? TREND_LOG_OFF : TREND_LOG_AUTO;
	}
	return 0;
}

int trend_plot_parse(const char *spec, struct trend_plot *p, char *why, size_t n)
{
	char buf[TREND_PLOT_TEXT_MAX];
	unsigned seen = 0;
	memset(p, 0, sizeof(*p));
	if (strlen(spec) >= sizeof(buf))
		return snprintf(why, n, "longer than %d characters", TREND_PLOT_TEXT_MAX - 1), -EINVAL;
	snprintf(p->text, sizeof(p->text), "%s", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *item = buf, *next; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = 0;
		int rc = plot_item(spec, item, p, &seen, why, n);
		if (rc < 0)
			return rc;
	}
	if (!(seen & 1u) || !(seen & 4u))
		return snprintf(why, n, "'%s': expected x=AXIS,series=AXIS,metric=PATH[,log=on|off] (%s missing)", spec,
				!(seen & 1u) ? "x" : "metric"),
		       -EINVAL;
	if (p->series[0] && strcmp(p->series, p->x) == 0)
		return snprintf(why, n, "'%s': series and x are both %s: the lines need another axis", spec, p->x), -EINVAL;
	return 0;
}

/* ---- Against a summary ------------------------------------------------------------------- */

/* The summary's metrics, or the swept axes, as "a, b, c". */
static void list_of(const json_t *summary, const struct trend_axes *ax, bool metrics, char *buf, size_t n)
{
	size_t used = 0, k;
	const json_t *m;
	buf[0] = 0;
	if (metrics)
		json_array_foreach(json_object_get(summary, "metrics"), k, m)
			used += used < n ? (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
							    json_string_value(m) ?: "?") : 0;
	else
		for (size_t a = 0; a < ax->n; a++)
			used += used < n ? (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", ax->axis[a].name) : 0;
	if (!buf[0])
		snprintf(buf, n, "none");
}

static bool summarises(const json_t *summary, const char *metric)
{
	const json_t *m;
	size_t k;
	json_array_foreach(json_object_get(summary, "metrics"), k, m)
		if (json_string_value(m) && strcmp(json_string_value(m), metric) == 0)
			return true;
	return false;
}

static int no_metric(const json_t *summary, const struct trend_axes *ax, const char *spec, const char *metric,
		     char *why, size_t n)
{
	char list[512];
	list_of(summary, ax, true, list, sizeof(list));
	snprintf(why, n, "'%s': the summary has no metric %s (it has: %s; merge --metrics adds one)", spec, metric, list);
	return -EINVAL;
}

/* Axis `name` (what: "x" or "series") as an index into ax, or -EINVAL with why. */
static long swept_axis(const json_t *summary, const struct trend_axes *ax, const char *spec, const char *what,
		       const char *name, char *why, size_t n)
{
	char list[512];
	long a = trend_axis_find(ax, name);
	(void)summary;
	if (a < 0)
		return list_of(summary, ax, false, list, sizeof(list)),
		       snprintf(why, n, "'%s': %s=%s is not a swept axis (the sweep varies: %s)", spec, what, name, list),
		       -EINVAL;
	if (!trend_axis_drawable(&ax->axis[a]))
		return snprintf(why, n, "'%s': axis %s has more than %d values", spec, name, TREND_MAX_VALUES), -EINVAL;
	return a;
}

static int check_with(const json_t *summary, const struct trend_axes *ax, const struct trend_plot *p, char *why,
		      size_t n)
{
	if (!summarises(summary, p->metric))
		return no_metric(summary, ax, p->text, p->metric, why, n);
	long x = swept_axis(summary, ax, p->text, "x", p->x, why, n);
	if (x < 0)
		return (int)x;
	if (p->series[0] && swept_axis(summary, ax, p->text, "series", p->series, why, n) < 0)
		return -EINVAL;
	const struct trend_axis *a = &ax->axis[x];
	if (p->log == TREND_LOG_ON && !a->numeric)
		return snprintf(why, n, "'%s': log=on, but the values of %s are words (%s, ...), not numbers", p->text, a->name,
				a->text[0]),
		       -EINVAL;
	if (p->log == TREND_LOG_ON && !(a->value[0] > 0))
		return snprintf(why, n, "'%s': log=on, but %s has the value %s (a log scale needs values above 0)", p->text,
				a->name, a->text[0]),
		       -EINVAL;
	return 0;
}

int trend_plot_check(const json_t *summary, const struct trend_plot *p, char *why, size_t n)
{
	struct trend_axes *ax = trend_axes_new(summary);
	if (!ax)
		return snprintf(why, n, "out of memory"), -ENOMEM;
	int rc = check_with(summary, ax, p, why, n);
	free(ax);
	return rc;
}

json_t *trend_charts_json(enum trend_error error, const struct trend_plot *plots, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(plots[i].text));
	return json_pack("{s:s, s:o}", "error_bars", trend_error_name(error), "plots", a);
}

/* ---- Panels ------------------------------------------------------------------------------- */

/* The axes a plot holds fixed, and one point of each combination of their values. */
struct panels {
	size_t nother, other[TREND_MAX_AXES];
	size_t n, total;
	const json_t *rep[TREND_MAX_PANELS];
};

static bool same_panel(const struct trend_axes *ax, const struct panels *pn, const json_t *a, const json_t *b)
{
	for (size_t i = 0; i < pn->nother; i++) {
		const char *name = ax->axis[pn->other[i]].name;
		if (strcmp(trend_setting_text(a, name), trend_setting_text(b, name)) != 0)
			return false;
	}
	return true;
}

static void panels_of(const json_t *summary, const struct trend_axes *ax, size_t x, long series, struct panels *pn)
{
	const json_t *p;
	size_t i;
	memset(pn, 0, sizeof(*pn));
	for (size_t a = 0; a < ax->n; a++)
		if (a != x && (long)a != series)
			pn->other[pn->nother++] = a;
	json_array_foreach(json_object_get(summary, "points"), i, p) {
		bool known = false;
		for (size_t k = 0; k < pn->n && !known; k++)
			known = same_panel(ax, pn, pn->rep[k], p);
		if (known)
			continue;
		if (pn->total++ < TREND_MAX_PANELS) /* past the cap: counted, compared again, harmless */
			pn->rep[pn->n++] = p;
		if (!pn->nother)
			break;
	}
}

/* Panel k's request (title into title) and file name. */
static void panel_request(const struct trend_axes *ax, const struct trend_plot *pl, long x, long series,
			  enum trend_error error, const struct panels *pn, size_t k, struct trend_request *r, char *title,
			  size_t tn, char *file, size_t fn)
{
	size_t used = 0;
	*r = (struct trend_request){ .metric = pl->metric, .x = (size_t)x, .series = series, .log = pl->log, .error = error };
	title[0] = 0;
	for (size_t i = 0; i < pn->nother; i++) {
		const char *name = ax->axis[pn->other[i]].name;
		r->fixed[r->nfixed] = pn->other[i];
		r->fixed_value[r->nfixed++] = trend_setting_text(pn->rep[k], name);
		if (used < tn)
			used += (size_t)snprintf(title + used, tn - used, "%s%s=%s", used ? ", " : "where ", name,
						 trend_setting_text(pn->rep[k], name));
	}
	r->title = pn->nother ? title : NULL;
	char suffix[24] = "";
	if (pn->nother)
		snprintf(suffix, sizeof(suffix), "-p%zu", k + 1);
	snprintf(file, fn, "plot-%s-vs-%s%s%s%s.svg", pl->metric, pl->x, pl->series[0] ? "-by-" : "", pl->series, suffix);
	trend_file_safe(file);
}

/* ---- The recorded plots ------------------------------------------------------------------- */

/* Calls fn for every panel of every plot charts.plots records that parses and checks against
 * the summary (a summary edited by hand may hold one that does not: bad is called instead,
 * with why). Stops at fn's negative return. */
struct each_panel {
	const json_t *summary;
	const struct trend_axes *ax;
	const struct trend_plot *pl;
	const struct panels *pn;
	size_t k;
	struct trend_request r;
	char title[512], file[METRIC_PATH_MAX + 2 * TREND_NAME_MAX + 40];
};

typedef int (*panel_fn)(struct each_panel *e, void *arg);
typedef void (*plot_fn)(const struct trend_plot *pl, const struct panels *pn, const char *bad, void *arg);

static int each_panel(const json_t *summary, panel_fn fn, plot_fn head, void *arg)
{
	const json_t *charts = json_object_get(summary, "charts"), *s;
	struct trend_axes *ax = trend_axes_new(summary);
	struct each_panel *e = malloc(sizeof(*e));
	struct trend_plot *pl = malloc(sizeof(*pl));
	struct panels *pn = malloc(sizeof(*pn));
	size_t i;
	int rc = 0;
	if (!ax || !e || !pl || !pn)
		rc = -ENOMEM;
	json_array_foreach(json_object_get(charts, "plots"), i, s) {
		char why[600];
		if (rc < 0 || i >= TREND_MAX_PLOTS)
			break;
		if (!json_is_string(s) || trend_plot_parse(json_string_value(s), pl, why, sizeof(why)) < 0 ||
		    check_with(summary, ax, pl, why, sizeof(why)) < 0) {
			if (head)
				head(NULL, NULL, json_is_string(s) ? why : "a recorded plot is not a string", arg);
			continue;
		}
		long x = trend_axis_find(ax, pl->x), series = pl->series[0] ? trend_axis_find(ax, pl->series) : -1;
		panels_of(summary, ax, (size_t)x, series, pn);
		if (head)
			head(pl, pn, NULL, arg);
		*e = (struct each_panel){ .summary = summary, .ax = ax, .pl = pl, .pn = pn };
		for (size_t k = 0; k < pn->n && rc >= 0; k++) {
			e->k = k;
			panel_request(ax, pl, x, series, trend_error_of(summary), pn, k, &e->r, e->title, sizeof(e->title),
				      e->file, sizeof(e->file));
			rc = fn(e, arg);
		}
	}
	free(ax);
	free(e);
	free(pl);
	free(pn);
	return rc;
}

struct files_arg {
	const char *dir;
	char *why;
	size_t n;
};

static int file_panel(struct each_panel *e, void *arg)
{
	struct files_arg *fa = arg;
	return trend_request_file(e->summary, e->ax, &e->r, fa->dir, e->file, fa->why, fa->n);
}

int trend_plots_write_files(const json_t *summary, const char *dir, char *why, size_t n)
{
	struct files_arg fa = { .dir = dir, .why = why, .n = n };
	int rc = each_panel(summary, file_panel, NULL, &fa);
	if (rc == -ENOMEM)
		snprintf(why, n, "out of memory");
	return rc;
}

struct html_arg {
	FILE *f;
	bool open; /* a plot's <div class="charts"> */
};

static void html_head(const struct trend_plot *pl, const struct panels *pn, const char *bad, void *arg)
{
	struct html_arg *h = arg;
	FILE *f = h->f;
	if (h->open)
		fputs("</div>\n", f);
	h->open = false;
	if (bad) {
		html_printf(f, "<p>A recorded plot is not drawn: %s</p>\n", bad);
		return;
	}
	html_printf(f, "<h3>--plot %s</h3>\n<p>%s on x, ", pl->text, pl->x);
	if (pl->series[0])
		html_printf(f, "one line (or bar colour) per value of %s", pl->series);
	else
		fputs("one line", f);
	if (pn->nother)
		html_printf(f, "; one chart per combination of the other axes, which it holds fixed (%zu%s)", pn->total,
			    pn->total > pn->n ? ", the first ones drawn" : "");
	fputs(".</p>\n<div class=\"charts\">\n", f);
	h->open = true;
}

static int html_panel(struct each_panel *e, void *arg)
{
	FILE *f = ((struct html_arg *)arg)->f;
	fputs("<figure><figcaption>", f);
	if (e->r.title)
		html_printf(f, "<b>%s</b> &mdash; ", e->r.title);
	fputs("<a href=\"", f);
	html_escape(f, e->file); /* letters, digits and . _ - only: a relative link */
	fputs("\">SVG file</a></figcaption>\n", f);
	if (trend_request_svg(f, e->summary, e->ax, &e->r, false) == -ENOENT)
		html_printf(f, "<p>No point of this chart has a value of %s.</p>", e->pl->metric);
	fputs("</figure>\n", f);
	return 0;
}

void trend_plots_html(FILE *f, const json_t *summary)
{
	struct html_arg h = { .f = f };
	if (!json_array_size(json_object_get(json_object_get(summary, "charts"), "plots")))
		return;
	html_printf(f, "<h2>Chosen plots</h2>\n<p>Drawn as merge --plot asked; every point the %s. Each chart is also "
		       "a standalone SVG file beside this page.</p>\n",
		    trend_error_text(trend_error_of(summary)));
	each_panel(summary, html_panel, html_head, &h);
	if (h.open)
		fputs("</div>\n", f);
}

/* ---- report --plot ------------------------------------------------------------------------ */

/* METRIC[:AXIS] as a plot: x the axis (the first without one), no series axis named — one line
 * per combination of the others, as the page's chart — and no panels. */
static int legacy_choice(const json_t *summary, const struct trend_axes *ax, const char *spec, struct trend_plot *p,
			 char *why, size_t n)
{
	char err[256];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	memset(p, 0, sizeof(*p));
	snprintf(p->text, sizeof(p->text), "%s", spec);
	snprintf(p->metric, sizeof(p->metric), "%.*s", (int)len, spec);
	if (len >= METRIC_PATH_MAX || metric_path_check(p->metric, err, sizeof(err)) < 0 || (colon && !colon[1]))
		return snprintf(why, n, "'%s': expected METRIC[:AXIS] (a metric path and a swept axis) or "
				"x=AXIS,series=AXIS,metric=PATH[,log=on|off]", spec),
		       -EINVAL;
	if (!summarises(summary, p->metric))
		return no_metric(summary, ax, spec, p->metric, why, n);
	if (!ax->n)
		return snprintf(why, n, "'%s': every point has the same settings: no swept axis to plot against", spec),
		       -EINVAL;
	snprintf(p->x, sizeof(p->x), "%s", colon ? colon + 1 : ax->axis[0].name);
	return swept_axis(summary, ax, spec, "axis", p->x, why, n) < 0 ? -EINVAL : 0;
}

struct export_arg {
	const char *path, *what;
	FILE *printed;
	char *why;
	size_t n;
	size_t written;
};

/* Panel 1 to path, panel N to path's stem + -pN.svg. */
static int export_panel(struct each_panel *e, void *arg)
{
	struct export_arg *x = arg;
	char path[4400];
	size_t len = strlen(x->path);
	if (e->k == 0)
		snprintf(path, sizeof(path), "%s", x->path);
	else
		snprintf(path, sizeof(path), "%.*s-p%zu.svg",
			 (int)(len > 4 && strcmp(x->path + len - 4, ".svg") == 0 ? len - 4 : len), x->path, e->k + 1);
	int rc = trend_request_write(e->summary, e->ax, &e->r, path);
	if (rc == -ENOENT)
		return unlink(path), 0;
	if (rc < 0)
		return snprintf(x->why, x->n, "cannot write %s: %s", path, result_file_strerror(rc)), rc;
	if (x->printed)
		fprintf(x->printed, "report: %s: %s%s%s\n", x->what, path, e->r.title ? " " : "", e->r.title ? e->r.title : "");
	x->written++;
	return 0;
}

int trend_export(const json_t *summary, const char *spec, enum trend_error error, const char *path, FILE *printed,
		 const char *what, char *why, size_t n)
{
	struct trend_axes *ax = trend_axes_new(summary);
	struct trend_plot *p = malloc(sizeof(*p));
	bool legacy = !strchr(spec, '=');
	int rc = !ax || !p ? (snprintf(why, n, "out of memory"), -ENOMEM)
		 : legacy  ? legacy_choice(summary, ax, spec, p, why, n)
			   : trend_plot_parse(spec, p, why, n);
	if (rc == 0 && !legacy)
		rc = check_with(summary, ax, p, why, n);
	if (rc == 0 && legacy) { /* the page's chart: a line per combination of the other axes */
		struct trend_request r = { .metric = p->metric, .x = (size_t)trend_axis_find(ax, p->x), .series = -1,
					   .error = error };
		rc = trend_request_write(summary, ax, &r, path);
		if (rc < 0 && rc != -ENOENT)
			snprintf(why, n, "cannot write %s: %s", path, result_file_strerror(rc));
		else if (rc == 0 && printed)
			fprintf(printed, "report: %s: %s\n", what, path);
	} else if (rc == 0) { /* drawn from the summary with this one plot and these bars recorded */
		json_t *doc = json_copy((json_t *)summary);
		struct export_arg x = { .path = path, .what = what, .printed = printed, .why = why, .n = n };
		json_object_set_new(doc, "charts", trend_charts_json(error, p, 1));
		rc = each_panel(doc, export_panel, NULL, &x);
		rc = rc == 0 && !x.written ? -ENOENT : rc;
		json_decref(doc);
	}
	if (rc == -ENOENT)
		rc = (snprintf(why, n, "'%s': no point has a value of %s", spec, p->metric), -EINVAL);
	free(ax);
	free(p);
	return rc;
}
