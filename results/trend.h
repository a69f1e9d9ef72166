/* trend.h — a sweep's trends: for each metric, one chart against each swept axis (a setting
 * whose value differs between the points), the axis values on x with their units (sizes in
 * binary units, durations in seconds; a log scale when they span orders of magnitude), the
 * metric's mean over the repetitions on y with its unit and ± one standard deviation as error
 * bars (or the median and its interquartile range, or no bars: merge --error), one line per combination of the other axes with a legend; an axis whose values are
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
/* The same, allocated (free() it); NULL when out of memory. */
struct trend_axes *trend_axes_new(const json_t *summary);
/* Index of the axis named name, or -1. */
long trend_axis_find(const struct trend_axes *ax, const char *name);
/* Drawn: at least 2 values and not more than a chart holds. */
bool trend_axis_drawable(const struct trend_axis *a);
/* A point's setting as the charts read it: a string as it is, a missing or null one "-",
 * anything else "?". */
const char *trend_setting_text(const json_t *point, const char *key);

/* Error bars: ± one sample standard deviation around the mean (the default), the
 * interquartile range (q1 to q3, merge_stats.h's type-7 quartiles) around the median, or none
 * (the mean alone). Names "sd", "iqr", "none". The summary records what its charts drew as
 * charts.error_bars (merge --error); trend_error_of reads it, sd when it says nothing. */
enum trend_error { TREND_ERROR_SD, TREND_ERROR_IQR, TREND_ERROR_NONE };
const char *trend_error_name(enum trend_error e);
int trend_error_parse(const char *s, enum trend_error *e); /* 0, or -EINVAL */
enum trend_error trend_error_of(const json_t *summary);
/* "mean over the ok repetitions, error bars ± one sample standard deviation": for captions. */
const char *trend_error_text(enum trend_error e);

/* What one chart draws. x: the axis on x. series: the axis whose values are the lines (bar
 * colours), or -1 for one line per combination of every other axis (the page's own charts).
 * log: x on a log scale as the axis says (auto: values above 0 spanning 16x), or on, or off
 * (on for an axis that is not numeric or has a value <= 0 draws linear: trend_plot.c refuses
 * it first). The panel: only points whose setting of axis fixed[i] is fixed_value[i]. title,
 * when not NULL, is drawn above the plot (a panel says which values it holds). */
enum trend_log { TREND_LOG_AUTO, TREND_LOG_ON, TREND_LOG_OFF };
struct trend_request {
	const char *metric;
	size_t x;
	long series;
	enum trend_log log;
	enum trend_error error;
	size_t nfixed;
	size_t fixed[TREND_MAX_AXES];
	const char *fixed_value[TREND_MAX_AXES];
	const char *title;
};
/* The chart as an <svg> element (standalone: with its XML declaration, font and white
 * background), or written atomically to path as a standalone file. 0, -ENOENT when no point
 * of the panel has a value of the metric, or (writing) another negative errno. */
int trend_request_svg(FILE *f, const json_t *summary, const struct trend_axes *ax, const struct trend_request *r,
		      bool standalone);
int trend_request_write(const json_t *summary, const struct trend_axes *ax, const struct trend_request *r,
			const char *path);
/* The chart as DIR/NAME for the files beside a page: written, or — when no point has the
 * metric — no file, and none left from an earlier merge. 0, or -errno with why naming the file. */
int trend_request_file(const json_t *summary, const struct trend_axes *ax, const struct trend_request *r,
		       const char *dir, const char *name, char *why, size_t n);

/* A value of an axis as a person reads it: "16 MiB", "250 ms", "4". */
void trend_value_text(char *buf, size_t n, enum trend_unit unit, double v);

/* summary.csv's column of an axis (merge_out.c): its name — KEY_bytes for sizes, KEY_s for
 * durations, KEY otherwise — and a point's cell from its settings (sweep.settings): a size in
 * bytes ("16m" -> 16777216), a duration in seconds ("250ms" -> 0.25), anything else as the file
 * wrote it, "" where the point has no such setting. */
void trend_axis_column(char *buf, size_t n, const struct trend_axis *a);
void trend_axis_cell(char *buf, size_t n, const struct trend_axis *a, const json_t *settings);
/* One chart of metric against axis ax->axis[a], a line per combination of the other axes, the
 * error bars the summary records (trend_request_svg). */
int trend_chart_svg(FILE *f, const json_t *summary, const struct trend_axes *ax, size_t a, const char *metric,
		    bool standalone);

/* The charts' file name: "trend-METRIC-vs-AXIS.svg", anything but letters, digits, '.', '_' and
 * '-' replaced by '_' (an axis name comes from the documents); trend_file_safe does that
 * replacing in place. */
void trend_file_safe(char *name);
void trend_file_name(char *buf, size_t n, const char *metric, const char *axis);

/* The page's section: every chart, each with a caption and a link to its SVG file. */
void trend_html(FILE *f, const json_t *summary);
/* Writes every chart as DIR/trend-*.svg. Returns 0, or a negative errno with the file in why. */
int trend_write_files(const json_t *summary, const char *dir, char *why, size_t n);

#endif
