/* sweep_rerun.c — `memvirt sweep --rerun-flagged`: a repetition whose result shows host
 * interference in its measured phase (merge_interference_of, the same rule the merge flags
 * with) is run again, and its original is kept, never deleted: copied, marked with a
 * top-level "superseded" object (why, when, by which file), into DIR/points/superseded/
 * before the new run replaces the file in points/. The merge counts what is there and
 * averages only the current attempt. Why only interference and not the statistical outliers:
 * a repetition re-run because its value looked odd, with no outside cause, selects results by
 * their value; one the host disturbed has a cause that is written in its own telemetry. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "results/merge.h"
#include "vmm/cli/sweep.h"
#include "vmm/cli/sweep_cmd.h"

/* DIR/points/superseded/NNNN-JOB-rK-aN.json for the first attempt number N not taken. */
static int free_slot(char *buf, size_t n, const char *dir, const struct sweep_point *p, unsigned rep, unsigned *attempt)
{
	struct stat st;
	for (unsigned a = 1; a < 1000; a++) {
		snprintf(buf, n, "%s/points/superseded/%04zu-%s-r%u-a%u.json", dir, p->index, p->job->name, rep, a);
		if (stat(buf, &st) != 0 && errno == ENOENT) {
			*attempt = a;
			return 0;
		}
	}
	return -EEXIST;
}

static void utc_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "unknown");
}

/* Marks doc superseded and writes it to its slot; fills *rerun for the new attempt. */
static int supersede(json_t *doc, const char *dir, const struct sweep_point *p, unsigned rep, const char *why,
		     json_t **rerun, char *msg, size_t n)
{
	char old[4400], sub[4200], canon[4200], when[32];
	unsigned attempt = 0;
	sweep_point_path(canon, sizeof(canon), dir, p->index, p->job->name, rep);
	snprintf(sub, sizeof(sub), "%s/points/superseded", dir);
	int rc = result_make_dirs(sub);
	if (rc == 0)
		rc = free_slot(old, sizeof(old), dir, p, rep, &attempt);
	if (rc < 0) {
		snprintf(msg, n, "cannot keep the original in %s: %s", sub, result_file_strerror(rc));
		return rc;
	}
	utc_now(when, sizeof(when));
	json_object_set_new(doc, MERGE_SUPERSEDED_KEY, json_pack("{s:s, s:s, s:s, s:i}", "reason", why, "at", when,
								 "replaced_by", strrchr(canon, '/') + 1, "attempt",
								 (json_int_t)attempt));
	if ((rc = result_write_atomic(old, doc)) < 0) {
		snprintf(msg, n, "cannot keep the original as %s: %s", old, result_file_strerror(rc));
		return rc;
	}
	*rerun = json_pack("{s:i, s:s, s:s}", "attempt", (json_int_t)attempt + 1, "supersedes",
			   strstr(old, "superseded/"), "reason", why);
	snprintf(msg, n, "host interference (%s); the original kept as points/%s", why, strstr(old, "superseded/"));
	return 1;
}

int sweep_rerun_check(const struct sweep *s, const struct sweep_point *p, unsigned rep, const char *dir,
		      json_t **rerun, char *msg, size_t n)
{
	char path[4200], why[256];
	json_error_t err;
	struct merge_interference h;
	*rerun = NULL;
	sweep_point_path(path, sizeof(path), dir, p->index, p->job->name, rep);
	if (!sweep_rep_done(s, p, rep, path, why, sizeof(why))) {
		snprintf(msg, n, "%s", why);
		return 0; /* missing, failed, another experiment's: --resume's business */
	}
	json_t *doc = result_load_file(path, &err);
	if (!doc) {
		snprintf(msg, n, "unreadable (line %d: %s)", err.line, err.text);
		return 0;
	}
	merge_interference_of(doc, &h);
	int rc = 0;
	if (h.flagged) {
		merge_interference_text(&h, why, sizeof(why));
		rc = supersede(doc, dir, p, rep, why, rerun, msg, n);
	} else
		snprintf(msg, n, h.known ? "not flagged" : "no telemetry to judge by");
	json_decref(doc);
	return rc;
}
