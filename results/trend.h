/* trend.h — a sweep's trends: for each metric, one chart against each swept axis (a setting
 * whose value differs between the points), the axis values on x with their units (sizes in
 * binary units, durations in seconds; a log scale when they span orders of magnitude), the
 * metric's mean over the repetitions on y with its unit and ± one standard deviation as error
 * bars, one line per combination of the other axes with a legend; an axis whose values are
 * not numbers (mmu = ept, shadow) is drawn as grouped bars.
 *
 * Every chart is made from the summary document (summary.json, merge_to_json) and nothing
 * else, so the page, the standalone SVG files beside it and `memvirt report SUMMARY.json
 * --plot` draw the same chart from the same numbers, and a summary can be re-plotted without
 * its point results. */
#ifndef MEMVIRT_TREND_H
#define MEMVIRT_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define TREND_MAX_AXES 16
#define TREND_MAX_VALUES 64   /* an axis with more distinct values is not drawn */
#define TREND_NAME_MAX 64

enum trend_unit { TREND_PLAIN, TREND_BYTES, TREND_SECONDS };

struct trend_axis {
	char name[TREND_NAME_MAX];                  /* the setting's key */
	bool numeric, log, too_many;
	enum trend_unit unit;
	size_t n;                                   /* distinct values, ascending when numeric */
	char text[TREND_MAX_VALUES][TREND_NAME_MAX]; /* as the experiment file wrote them */
	double value[TREND_MAX_VALUES];             /* numeric: bytes, seconds or the number */
};

struct trend_axes {
	size_t n;
	struct trend_axis axis[TREND_MAX_AXES];
};

/* The swept axes of a summary, in the order of the first point's settings. */
void trend_axes_of(const json_t *summary, struct trend_axes *ax);
/* Index of the axis named name, or -1. */
long trend_axis_find(const struct trend_axes *ax, const char *name);

/* A value of an axis as a person reads it: "16 MiB", "250 ms", "4". */
void trend_value_text(char *buf, size_t n, enum trend_unit unit, double v);

/* summary.csv's column of an axis (merge_out.c): its name — KEY_bytes for sizes, KEY_s for
 * durations, KEY otherwise — and a point's cell from its settings (sweep.settings): a size in
 * bytes ("16m" -> 16777216), a duration in seconds ("250ms" -> 0.25), anything else as the file
 * wrote it, "" where the point has no such setting. */
void trend_axis_column(char *buf, size_t n, const struct trend_axis *a);
void trend_axis_cell(char *buf, size_t n, const struct trend_axis *a, const json_t *settings);
/* One chart of metric against axis ax->axis[a] as an <svg> element (standalone: an SVG file
 * of its own, with its XML declaration, font and white background). Returns 0, or -ENOENT
 * when no point has a value of the metric. */
int trend_chart_svg(FILE *f, const json_t *summary, const struct trend_axes *ax, size_t a, const char *metric,
		    bool standalone);

/* The charts' file name: "trend-METRIC-vs-AXIS.svg", anything but letters, digits, '.', '_' and
 * '-' replaced by '_' (an axis name comes from the documents). */
void trend_file_name(char *buf, size_t n, const char *metric, const char *axis);

/* The page's section: every chart, each with a caption and a link to its SVG file. */
void trend_html(FILE *f, const json_t *summary);
/* Writes every chart as DIR/trend-*.svg. Returns 0, or a negative errno with the file in why. */
int trend_write_files(const json_t *summary, const char *dir, char *why, size_t n);

/* `--plot METRIC[:AXIS]`: spec checked against the summary (the metric one it summarises, the
 * axis one it sweeps; without one, the first axis), the chart written to path as a standalone
 * SVG file. Returns 0; -EINVAL with one line in why naming what is wrong with spec; or another
 * negative errno when path cannot be written. */
int trend_export(const json_t *summary, const char *spec, const char *path, char *why, size_t n);

#endif
