/* sweep_resume.c — `memvirt sweep --resume`: whether a repetition's point file already holds
 * a finished result of this same sweep (sweep.h), so that it need not run again. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm/cli/sweep.h"

/* The first key of the sweep object whose value differs between want and got (either side
 * may lack it), or NULL when they are equal. */
static const char *first_difference(json_t *want, json_t *got)
{
	const char *key;
	json_t *v;
	json_object_foreach(want, key, v) {
		if (!json_equal(v, json_object_get(got, key)))
			return key;
	}
	json_object_foreach(got, key, v) {
		if (!json_object_get(want, key))
			return key;
	}
	return NULL;
}

/* Whether doc is a finished result of exactly this repetition; why says what it is if not. */
static bool doc_is_done(const struct sweep *s, const struct sweep_point *p, unsigned rep, json_t *doc, char *why,
			size_t n)
{
	json_t *sw = json_object_get(doc, "sweep"), *want = sweep_point_json(s, p, rep);
	const char *state = json_string_value(json_object_get(json_object_get(doc, "status"), "state"));
	const char *diff = json_is_object(sw) ? first_difference(want, sw) : NULL;
	if (!json_is_object(sw))
		snprintf(why, n, "from a different experiment (no sweep object)");
	else if (diff)
		snprintf(why, n, "from a different experiment (its sweep.%s differs)", diff);
	else if (!state)
		snprintf(why, n, "incomplete (no status.state)");
	else if (strcmp(state, "ok") != 0)
		snprintf(why, n, "%s", state);
	json_decref(want);
	return json_is_object(sw) && !diff && state && strcmp(state, "ok") == 0;
}

bool sweep_rep_done(const struct sweep *s, const struct sweep_point *p, unsigned rep, const char *path, char *why,
		    size_t n)
{
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT) {
		snprintf(why, n, "missing");
		return false;
	}
	json_error_t err;
	json_t *doc = result_load_file(path, &err);
	if (!doc) {
		snprintf(why, n, "unreadable (line %d: %s)", err.line, err.text);
		return false;
	}
	bool done = doc_is_done(s, p, rep, doc, why, n);
	json_decref(doc);
	return done;
}
