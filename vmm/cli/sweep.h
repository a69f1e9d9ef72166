/* sweep.h — an experiment file expanded into points: each job's settings are [global]'s
 * overridden by the job's own, and every value with commas is a sweep axis, so a job is the
 * cartesian product of its axes (the first axis varies slowest). A point is one combination;
 * it runs `repeat` times. Every point's settings go through cli_parse_run_options — the
 * command line's own parser — as `--key=value` arguments. */
#ifndef MEMVIRT_SWEEP_H
#define MEMVIRT_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "results/result.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/experiment_file.h"
#include "results/metric_path.h"

#define SWEEP_MAX_POINTS 4096
#define SWEEP_MAX_REPEAT 100
/* Settings of one point: a job's own and those it takes from [global] together (each section
 * holds up to XF_MAX_SETTINGS; a job whose sum is larger is refused, not cut). */
#define SWEEP_MAX_SETTINGS XF_MAX_SETTINGS

/* One setting of a point: a value of `src` (the whole value, or one item of its comma list). */
struct sweep_value {
	const struct xf_setting *src;
	unsigned short off, len;
};

struct sweep_point {
	size_t index;
	const struct xf_section *job;
	unsigned repeat;
	size_t n;
	struct sweep_value set[SWEEP_MAX_SETTINGS];
};

struct sweep {
	const struct experiment_file *xf;
	const char *baseline;            /* [global] baseline = JOB or KEY=VALUE, or NULL (the first point) */
	struct metric_list metrics;      /* [global] metrics = a, b; n = 0 when not given */
	json_t *charts;                  /* [global] plot = and error = (sweep_charts), or NULL; owned */
	size_t npoints;
	struct sweep_point *points;      /* owned */
};

/* The argv a point's configuration is parsed from; its strings are pointed at by the
 * configuration (json paths, ...), so it must live as long as the configuration does. */
struct sweep_args {
	int argc;
	char *argv[SWEEP_MAX_SETTINGS + 2];
	char text[SWEEP_MAX_SETTINGS][XF_NAME_MAX + XF_VALUE_MAX + 4];
};

/* Item k of a setting's comma list, blanks around it dropped (a reclaim spec is never a
 * list). Returns false past the end. */
bool sweep_item(const struct xf_setting *s, unsigned k, struct sweep_value *out);
/* The items in a setting's comma list; -EINVAL with one line in why for an empty item. */
int sweep_count_items(const struct experiment_file *xf, const struct xf_setting *s, unsigned *count, char *why,
		      size_t n);

/* Expands xf (which must outlive s). Returns 0, or a negative errno with one line in why. */
int sweep_build(struct sweep *s, const struct experiment_file *xf, char *why, size_t n);
void sweep_free(struct sweep *s);

/* A point's run configuration, in run->cfg (no progress decision, no json path: the caller's);
 * it points into run and into a. Returns 0, or EXIT_USAGE with one line in why naming the
 * file, line, key and value at fault. */
int sweep_point_config(const struct sweep_point *p, const char *path, struct sweep_args *a, struct cli_run *run,
		       char *why, size_t n);

/* "key=value" of setting i of a point, into buf. */
void sweep_value_text(const struct sweep_value *v, char *buf, size_t n);
/* The point's settings as "key=value key=value ..." (all of them), into buf. */
void sweep_point_text(const struct sweep_point *p, char *buf, size_t n);
/* The file's chosen charts — plot = (repeatable) and error = of [global], or of a scenario's
 * [host] — as sweep.charts: {plots: [spec as written, ...], error: "sd"|"iqr"|"none"}, each
 * member only when the file gave it; *out NULL when it gave neither. The syntax is checked
 * (again: xf_load has, but a caller may build an experiment_file by other means); whether the
 * summary has the axes and metric is the merge's to say. 0, or -EINVAL with one line in why
 * naming the file, line, key and value. */
int sweep_charts(const struct experiment_file *xf, json_t **out, char *why, size_t n);

/* {job, point, points, repetition, repeat, baseline, metrics, charts, file, settings{key:
 * value}}: what the sweep adds to a point's result document (result key "sweep"); metrics and
 * charts are the file's choices for the merge (absent when it made none), so a merge — the
 * sweep's own or a later `memvirt merge DIR` — needs nothing but the results. */
json_t *sweep_point_json(const struct sweep *s, const struct sweep_point *p, unsigned repetition);

/* sweep_resume.c: whether the file at path is a finished result of repetition `rep` of point p
 * of this sweep — it parses, status.state is ok, and its sweep object is the one this sweep
 * writes (same file, job, point, repetition, settings, ...). When not, why says in a few words
 * what it is: missing, unreadable, failed, interrupted, or from a different experiment. */
bool sweep_rep_done(const struct sweep *s, const struct sweep_point *p, unsigned rep, const char *path, char *why,
		    size_t n);

/* sweep_rerun.c, --rerun-flagged: whether repetition `rep` of p, done by this sweep, shows
 * host interference (merge.h). When it does its original is copied, marked superseded, into
 * DIR/points/superseded/ (never deleted), *rerun is the object the new attempt's document
 * carries ({attempt, supersedes, reason}) and 1 is returned; 0 when it stays (msg: why not);
 * a negative errno when the original cannot be kept (it then must not run again). msg gets
 * one line in every case. */
int sweep_rerun_check(const struct sweep *s, const struct sweep_point *p, unsigned rep, const char *dir,
		      json_t **rerun, char *msg, size_t n);

#endif
