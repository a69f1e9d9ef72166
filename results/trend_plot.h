/* trend_plot.h — the charts a person chooses, beside the ones a sweep's page draws by itself
 * (trend.h): `merge --plot x=AXIS,series=AXIS,metric=PATH[,log=on|off]` (or an experiment
 * file's `plot =` with the same syntax, carried as sweep.charts: merge_charts.c) and `report
 * SUMMARY.json --plot METRIC[:AXIS]` (or the same x=... form).
 *
 * A chosen chart puts one swept axis on x and draws one line (or bar colour) per value of
 * another; the axes it names neither as x nor as series are held fixed, one chart (a panel) per
 * combination of their values that the sweep has — never averaged over, since averaging a
 * footprint sweep over ept and shadow would draw a line neither strategy has. Each panel is a
 * standalone SVG file, and the merge page shows them all. The summary records the choices
 * (charts.plots, as the command line wrote them) and the error bars (charts.error_bars), so
 * the page is redrawn from summary.json alone, like every other chart. */
#ifndef MEMVIRT_TREND_PLOT_H
#define MEMVIRT_TREND_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "results/metric_path.h"
#include "results/trend.h"

#define TREND_MAX_PLOTS 16   /* --plot options of one merge */
#define TREND_MAX_PANELS 12  /* panels drawn per plot; the page counts the rest */
#define TREND_PLOT_TEXT_MAX 320

struct trend_plot {
	char text[TREND_PLOT_TEXT_MAX];   /* as written */
	char x[TREND_NAME_MAX], series[TREND_NAME_MAX]; /* series "" when not given */
	char metric[METRIC_PATH_MAX];
	enum trend_log log;
};

/* The syntax alone: comma-separated KEY=VALUE, keys x and metric required, series and log
 * (on|off|auto) optional, none twice, axis names as setting keys are (letters, digits, '_',
 * '-', '.', blank), metric a metric path. Returns 0, or -EINVAL with one line in why naming the
 * part at fault. */
int trend_plot_parse(const char *spec, struct trend_plot *p, char *why, size_t n);
/* Against a summary: the metric one it summarises, x and series axes it sweeps (not the same
 * one), x not more values than a chart holds, log=on only on numbers above 0. Returns 0, or
 * -EINVAL with one line in why naming what is wrong (and what the summary has). */
int trend_plot_check(const json_t *summary, const struct trend_plot *p, char *why, size_t n);

/* The summary's charts object: {error_bars: "sd"|"iqr"|"none", plots: [spec, ...]}. */
json_t *trend_charts_json(enum trend_error error, const struct trend_plot *plots, size_t n);

/* The page's section of the chosen charts (nothing when the summary records none), each panel
 * with its caption and a link to its SVG file. */
void trend_plots_html(FILE *f, const json_t *summary);
/* Writes every panel of every recorded plot as DIR/plot-METRIC-vs-X-by-SERIES[-pN].svg.
 * Returns 0, or a negative errno with the file in why. */
int trend_plots_write_files(const json_t *summary, const char *dir, char *why, size_t n);

/* `report SUMMARY.json --plot SPEC -o FILE.svg`: SPEC is METRIC[:AXIS] (one line per
 * combination of the other axes, the page's chart) or the x=... form; checked against the
 * summary and written to path with error bars as error says. A plot of several panels writes
 * the first to path and panel N beside it as PATH-without-.svg-pN.svg. printed (may be NULL)
 * gets one line per file written, "report: WHAT: PATH" and the panel's title. Returns 0;
 * -EINVAL with one line in why naming what is wrong with spec; or another negative errno when
 * a file cannot be written. */
int trend_export(const json_t *summary, const char *spec, enum trend_error error, const char *path, FILE *printed,
		 const char *what, char *why, size_t n);

#endif
