/* point_files.h — where each repetition of a merged sweep is: its result document and its
 * time series, as paths relative to the summary, so the summary (and its page) lead to the
 * runs behind every mean, and a copied or moved sweep folder keeps working links.
 *
 * The files are found by reading DIR/points/ again rather than remembered by the merge: the
 * merge's statistics need none of it, and the summary stays the one document the page is made
 * from. */
#ifndef MEMVIRT_POINT_FILES_H
#define MEMVIRT_POINT_FILES_H

#include <stdio.h>

#include <jansson.h>

/* Adds to each point of summary "files": [{repetition, state, result, timeseries, series,
 * vm_series}] — result the point document, timeseries its CSV (null when there is none), both
 * relative to summary_dir; series says where the time series is: "file", "embedded" (in the
 * result; a host document of a scenario sweep always holds its own and its VMs'), "missing"
 * (named but not found) or "none" (no telemetry); vm_series, in a host document's entry when
 * some VM also wrote its series as a CSV, {VM name: that CSV relative to summary_dir}.
 * Returns 0, or a negative errno with one line in why. */
int point_files_add(json_t *summary, const char *sweep_dir, const char *summary_dir, char *why, size_t n);

/* The page's table of them, every path a relative link. */
void point_files_html(FILE *f, const json_t *summary);

/* The relative path from directory from to path to (both absolute, canonical), into buf. */
void point_files_relative(const char *from, const char *to, char *buf, size_t n);

#endif
