/* report_load.c — reading a run for the report: the result document, then its series from the
 * CSV it names (a relative name beside the document first — a sweep records each repetition's
 * series so — else as written, relative to where the report runs) or from the copy embedded
 * in the document. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "results/report.h"
#include "results/result.h"

static int fail(char *why, size_t n, int rc, const char *fmt, const char *arg)
{
	snprintf(why, n, fmt, arg, result_file_strerror(rc));
	return rc;
}

int report_series_path(const char *json_path, const char *recorded, char *out, size_t n)
{
	char dir[4096];
	if (recorded[0] != '/') { /* beside the document first: they travel together */
		snprintf(dir, sizeof(dir), "%s", json_path);
		snprintf(out, n, "%s/%s", dirname(dir), recorded);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(out, n, "%s", recorded);
	return 0;
}

static int load_series(const char *json_path, struct report *r, char *why, size_t n)
{
	const json_t *tel = json_object_get(r->doc, "telemetry");
	const char *csv = json_string_value(json_object_get(tel, "timeseries"));
	int rc;
	if (csv) {
		report_series_path(json_path, csv, r->series_from, sizeof(r->series_from));
		if ((rc = tel_series_read_csv(r->series_from, &r->series)) < 0)
			return fail(why, n, rc, "cannot read the time series %s: %s", r->series_from);
		return 0;
	}
	snprintf(r->series_from, sizeof(r->series_from), "embedded");
	if ((rc = tel_series_from_json(json_object_get(tel, "series"), &r->series)) < 0)
		return fail(why, n, rc, "%s: the embedded time series is malformed: %s", json_path);
	return 0;
}

int report_load(const char *json_path, struct report *r, char *why, size_t whylen)
{
	json_error_t err;
	json_t *doc = result_load_file(json_path, &err);
	if (!doc) {
		*r = (struct report){ 0 };
		snprintf(why, whylen, "cannot read %s: %s", json_path, err.text);
		return -EINVAL;
	}
	return report_init(r, doc, json_path, why, whylen);
}

int report_init(struct report *r, json_t *doc, const char *json_path, char *why, size_t whylen)
{
	*r = (struct report){ .doc = doc };
	int rc = -EINVAL;
	const char *kind = json_string_value(json_object_get(r->doc, "kind"));
	json_int_t version = json_integer_value(json_object_get(r->doc, "schema_version"));
	if (version < RESULT_SCHEMA_OLDEST || version > RESULT_SCHEMA_VERSION)
		snprintf(why, whylen, "%s is not a memvirt result document (schema_version %d to %d)", json_path,
			 RESULT_SCHEMA_OLDEST, RESULT_SCHEMA_VERSION);
	else if (kind && strcmp(kind, "sweep-summary") == 0)
		snprintf(why, whylen, "%s is a sweep summary, not a run result: its page is report.html beside it "
			 "(memvirt merge writes both); one chart as SVG: --plot METRIC[:AXIS] -o FILE.svg", json_path);
	else if (kind && strcmp(kind, "compare") == 0)
		snprintf(why, whylen, "%s is a comparison, not a run result: its page is report.html beside it "
			 "(memvirt compare writes both)", json_path);
	else if (!json_is_object(json_object_get(r->doc, "telemetry")))
		snprintf(why, whylen, "%s is a run result with no telemetry: run again with --sample-us above 0", json_path);
	else
		rc = load_series(json_path, r, why, whylen);
	if (rc == 0 && r->series.n < 2) {
		snprintf(why, whylen, "%s: the time series has fewer than 2 samples", json_path);
		rc = -EINVAL;
	}
	if (rc < 0)
		report_free(r);
	return rc;
}

void report_free(struct report *r)
{
	json_decref(r->doc);
	tel_series_free(&r->series);
	r->doc = NULL;
}
