/* point_files.c — each repetition's result and time-series files, relative to the summary
 * (point_files.h).
 *
 * Paths are canonical (realpath) before one is made relative to the other, so "DIR/./x" and a
 * symlinked DIR give the same answer; a time series is found where `memvirt report` would look
 * for it (report_series_path), so a link leads to the series the run's report would draw. A
 * path on the page is percent-encoded in its link: a name that a document chose (a recorded
 * time series) can never become a scheme ("javascript:") or leave the attribute. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results/html.h"
#include "results/point_files.h"
#include "results/report.h"
#include "results/result.h"

void point_files_relative(const char *from, const char *to, char *buf, size_t n)
{
	size_t common = 0, used = 0;
	/* the longest prefix of whole components */
	for (size_t i = 0;; i++) {
		bool end_from = from[i] == 0 || from[i] == '/', end_to = to[i] == 0 || to[i] == '/';
		if (end_from && end_to)
			common = i;
		if (from[i] == 0 || to[i] == 0 || from[i] != to[i])
			break;
	}
	if (strcmp(from, "/") == 0)
		common = 0;
	buf[0] = 0;
	for (const char *s = from + common; *s; s++) /* one ".." per component of from left */
		if (*s == '/' && s[1] && used < n)
			used += (size_t)snprintf(buf + used, n - used, "../");
	const char *rest = to + common;
	if (*rest == '/')
		rest++;
	if (used < n)
		snprintf(buf + used, n - used, "%s", rest);
}

static int is_json(const struct dirent *e)
{
	size_t len = strlen(e->d_name);
	return len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 && e->d_name[0] != '.';
}

/* The summary's point with this index, or NULL. */
static json_t *point_entry(json_t *summary, json_int_t index)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(summary, "points"), i, p)
		if (json_integer_value(json_object_get(p, "point")) == index)
			return p;
	return NULL;
}

/* The CSV a document names (telemetry.timeseries) as a path relative to base, where `memvirt
 * report` would find it beside the document at path; false when it names none or it is not
 * there. */
static bool csv_of(const json_t *doc, const char *path, const char *base, char *rel, size_t n)
{
	const char *csv = json_string_value(json_object_get(json_object_get(doc, "telemetry"), "timeseries"));
	char where[4400], real[PATH_MAX];
	struct stat st;
	if (!csv)
		return false;
	report_series_path(path, csv, where, sizeof(where));
	if (stat(where, &st) != 0 || !S_ISREG(st.st_mode) || !realpath(where, real))
		return false;
	point_files_relative(base, real, rel, n);
	return true;
}

/* The time series of the document at path: its CSV relative to base, or where else it is. A
 * host document holds its own series and its VMs'; a VM that also wrote a CSV (a scenario's
 * `timeseries = FILE`, which a sweep puts beside the point) gets it in "vm_series". */
static void series_of(const json_t *doc, const char *path, const char *base, json_t *entry)
{
	const json_t *tel = json_object_get(doc, "telemetry");
	char rel[PATH_MAX];
	const char *doc_kind = json_string_value(json_object_get(doc, "kind"));
	bool host = doc_kind && strcmp(doc_kind, "host") == 0;
	const char *kind = host ? "embedded" /* the host's and each VM's */
		       : !json_is_object(tel) ? "none" : json_is_string(json_object_get(tel, "timeseries")) ? "missing" : "embedded";
	if (!host && csv_of(doc, path, base, rel, sizeof(rel))) {
		json_object_set_new(entry, "timeseries", json_string(rel));
		kind = "file";
	}
	if (!json_object_get(entry, "timeseries"))
		json_object_set_new(entry, "timeseries", json_null());
	json_object_set_new(entry, "series", json_string(kind));
	const char *name;
	const json_t *vm;
	json_t *vm_series = NULL;
	json_object_foreach((json_t *)json_object_get(doc, "vms"), name, vm) {
		if (!host || !csv_of(vm, path, base, rel, sizeof(rel)))
			continue;
		if (!vm_series)
			json_object_set_new(entry, "vm_series", vm_series = json_object());
		json_object_set_new(vm_series, name, json_string(rel));
	}
}

/* Inserted in the order of repetitions. */
static void append_file(json_t *point, json_t *entry)
{
	json_t *files = json_object_get(point, "files");
	json_int_t rep = json_integer_value(json_object_get(entry, "repetition"));
	size_t at = json_array_size(files);
	while (at > 0 && json_integer_value(json_object_get(json_array_get(files, at - 1), "repetition")) > rep)
		at--;
	json_array_insert_new(files, at, entry);
}

static void add_one(json_t *summary, const char *path, const char *base)
{
	json_error_t err;
	char real[PATH_MAX], rel[PATH_MAX];
	json_t *doc = result_load_file(path, &err);
	const json_t *sw = json_object_get(doc, "sweep");
	json_t *point = doc ? point_entry(summary, json_integer_value(json_object_get(sw, "point"))) : NULL;
	if (point && json_is_integer(json_object_get(sw, "point")) && realpath(path, real)) {
		const char *state = json_string_value(json_object_get(json_object_get(doc, "status"), "state"));
		point_files_relative(base, real, rel, sizeof(rel));
		json_t *entry = json_pack("{s:I, s:s, s:s}", "repetition", json_integer_value(json_object_get(sw, "repetition")),
					  "state", state ? state : "?", "result", rel);
		series_of(doc, path, base, entry);
		append_file(point, entry);
	}
	json_decref(doc);
}

int point_files_add(json_t *summary, const char *sweep_dir, const char *summary_dir, char *why, size_t n)
{
	char dir[4200], path[8400], base[PATH_MAX];
	struct dirent **names;
	size_t i;
	json_t *p;
	if (!realpath(summary_dir, base))
		return snprintf(why, n, "%s: %s", summary_dir, strerror(errno)), -errno;
	snprintf(dir, sizeof(dir), "%s/points", sweep_dir);
	int count = scandir(dir, &names, is_json, alphasort);
	if (count < 0)
		return snprintf(why, n, "%s: %s", dir, strerror(errno)), -errno;
	json_array_foreach(json_object_get(summary, "points"), i, p)
		json_object_set_new(p, "files", json_array());
	for (int k = 0; k < count; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[k]->d_name);
		add_one(summary, path, base);
		free(names[k]);
	}
	free(names);
	return 0;
}

/* A relative path as a link target: every byte but letters, digits and - . _ ~ / encoded. */
static void href(FILE *f, const char *path)
{
	for (const unsigned char *s = (const unsigned char *)path; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("-._~/", *s))
			fputc(*s, f);
		else
			fprintf(f, "%%%02X", *s);
}

static void link(FILE *f, const char *path)
{
	fputs("<a href=\"", f);
	href(f, path);
	fputs("\">", f);
	html_escape(f, path);
	fputs("</a>", f);
}

static void file_row(FILE *f, const json_t *p, const json_t *e)
{
	const char *ts = json_string_value(json_object_get(e, "timeseries"));
	html_printf(f, "<tr><td>%lld</td><td class=l>%s</td><td>r%lld</td><td class=l>%s</td><td class=l>",
		    (long long)json_integer_value(json_object_get(p, "point")),
		    json_string_value(json_object_get(p, "label")) ?: "",
		    (long long)json_integer_value(json_object_get(e, "repetition")),
		    json_string_value(json_object_get(e, "state")) ?: "?");
	link(f, json_string_value(json_object_get(e, "result")) ?: "");
	fputs("</td><td class=l>", f);
	if (ts)
		link(f, ts);
	else
		html_printf(f, "%s", json_string_value(json_object_get(e, "series")) ?: "-");
	const char *name;
	const json_t *csv;
	json_object_foreach((json_t *)json_object_get(e, "vm_series"), name, csv) {
		html_printf(f, "<br>vm %s: ", name);
		link(f, json_string_value(csv) ?: "");
	}
	fputs("</td></tr>\n", f);
}

void point_files_html(FILE *f, const json_t *summary)
{
	size_t i, k, count = 0;
	const json_t *p, *e;
	json_array_foreach(json_object_get(summary, "points"), i, p)
		count += json_array_size(json_object_get(p, "files"));
	if (!count)
		return;
	html_printf(f, "<h2>Repetitions and their files</h2>\n<details><summary>%zu result documents and their time "
		       "series, relative to this page (<i>embedded</i>: the series is inside the result; "
		       "<i>missing</i>: named but not found)</summary>\n<table><tr><th>point</th><th class=l>settings</th>"
		       "<th>rep</th><th class=l>state</th><th class=l>result</th><th class=l>time series</th></tr>\n",
		    count);
	json_array_foreach(json_object_get(summary, "points"), i, p)
		json_array_foreach(json_object_get(p, "files"), k, e)
			file_row(f, p, e);
	fputs("</table></details>\n", f);
}
