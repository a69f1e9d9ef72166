/* merge_charts.c — the charts an experiment or scenario file chose (`plot =`, `error =`), read
 * back from the sweep object of its point documents (sweep.charts: {plots: [spec, ...],
 * error: "sd"|"iqr"|"none"}, vmm/cli/sweep.c writes it).
 *
 * Why the documents carry them rather than the merge reading the file: a merge needs nothing
 * but the results (the file may have moved or changed since), exactly as sweep.metrics and
 * sweep.baseline. The first document that has a charts object speaks for the sweep; each spec
 * goes through the same parser as merge --plot (trend_plot_parse), since a document may have
 * been edited or written by another tool, and whether the summary can draw it is checked with
 * the command line's plots (merge.c summary_doc). The command line's --plot and --error each
 * replace the file's choice (merge.c), never add to it: a second look chooses its own charts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "results/merge.h"

int merge_charts_note(struct merge *m, const json_t *sw, const char *name, char *why, size_t n)
{
	const json_t *c = json_object_get(sw, "charts");
	if (!c || m->charts_seen)
		return 0;
	const json_t *plots = json_object_get(c, "plots"), *error = json_object_get(c, "error"), *v;
	char err[512];
	size_t i;
	if (!json_is_object(c) || (plots && !json_is_array(plots)) || (error && !json_is_string(error))) {
		snprintf(why, n, "%s: sweep.charts is not {plots: [spec, ...], error: \"sd\"|\"iqr\"|\"none\"}", name);
		return -EINVAL;
	}
	if (json_array_size(plots) > TREND_MAX_PLOTS) {
		snprintf(why, n, "%s: sweep.charts.plots: more than %d plots", name, TREND_MAX_PLOTS);
		return -EINVAL;
	}
	json_array_foreach(plots, i, v) {
		if (!json_is_string(v) || trend_plot_parse(json_string_value(v), &m->plots[i], err, sizeof(err)) < 0) {
			snprintf(why, n, "%s: sweep.charts.plots[%zu]: %s", name, i,
				 json_is_string(v) ? err : "not a string");
			return -EINVAL;
		}
	}
	m->nplots = json_array_size(plots);
	if (error && trend_error_parse(json_string_value(error), &m->error_bars) < 0) {
		snprintf(why, n, "%s: sweep.charts.error '%s': expected sd, iqr or none", name, json_string_value(error));
		return -EINVAL;
	}
	m->error_given = error != NULL;
	m->charts_seen = true;
	return 0;
}
