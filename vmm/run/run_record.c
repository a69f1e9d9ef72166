/* run_record.c — the "killed" document a run hands its janitor before it starts (see
 * run_record.h). The document is the run's as far as it can be known before the run: tool,
 * context, config (with the experiment's options), telemetry naming the series file, and null
 * for every measurement block — a killed run measured nothing it can vouch for. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/host/hostinfo.h"
#include "vmm/run/run_record.h"

/* The name a killed run's series gets: --timeseries's, or F without ".json" plus
 * ".series.csv"; *recorded is what the document says (the latter relative to F's directory,
 * as report_load resolves it). */
static void series_names(const struct run_config *cfg, char *final, size_t n, const char **recorded)
{
	const struct experiment *e = cfg->experiment;
	if (e && e->timeseries_path) {
		snprintf(final, n, "%s", e->timeseries_path);
		*recorded = e->timeseries_path;
		return;
	}
	size_t len = strlen(cfg->json_path);
	if (len > 5 && strcmp(cfg->json_path + len - 5, ".json") == 0)
		len -= 5;
	snprintf(final, n, "%.*s.series.csv", (int)len, cfg->json_path);
	*recorded = strrchr(final, '/') ? strrchr(final, '/') + 1 : final;
}

/* The hidden file beside the result the series grows in: created, never opened if there. */
static int open_live(const char *json_path, char *live, size_t n)
{
	char d[4096], b[4096];
	snprintf(d, sizeof(d), "%s", json_path);
	snprintf(b, sizeof(b), "%s", json_path);
	if (snprintf(live, n, "%s/.%s.series.%ld.csv", dirname(d), basename(b), (long)getpid()) >= (int)n)
		return -ENAMETOOLONG;
	int fd = open(live, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

json_t *run_record_reason_mark(void)
{
	/* the mark is a JSON string once dumped: JANITOR_REASON_MARK, quotes included */
	return json_stringn(&JANITOR_REASON_MARK[1], strlen(JANITOR_REASON_MARK) - 2);
}

json_t *run_record_killed_doc(const struct run_config *cfg, json_t *context, const char *series_recorded)
{
	static const char *const kept[] = { "schema_version", "tool", "status", "context", "config" };
	struct run_result res = { .state = RUN_KILLED };
	const struct experiment *e = cfg->experiment ? cfg->experiment : &experiment_defaults;
	if (!context) {
		struct hostinfo hi;
		hostinfo_probe(&hi);
		context = hostinfo_context_json(&hi);
	}
	json_t *doc = result_to_json(cfg, &res, context);
	json_object_set_new(json_object_get(doc, "status"), "message", run_record_reason_mark());
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v) {
		bool keep = false;
		for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
			keep |= strcmp(key, kept[i]) == 0;
		if (!keep)
			json_object_set_new(doc, key, json_null());
	}
	json_t *add = experiment_config_json(e);
	json_object_update(json_object_get(doc, "config"), add);
	json_decref(add);
	json_object_set_new(doc, "telemetry", series_recorded
		? json_pack("{s:I, s:s, s:n, s:f}", "sample_us", (json_int_t)e->sample_us, "timeseries", series_recorded,
			    "samples", "kept_every_ms", TEL_LIVE_EVERY_MS)
		: json_null());
	json_object_set_new(doc, "dips", json_null());
	json_object_set_new(doc, "reclaim", json_null());
	if (cfg->doc_extra)
		json_object_update(doc, (json_t *)cfg->doc_extra);
	return doc;
}

/* Hands the janitor (started) the record: doc's text, the series' names (NULL: none). */
static int note_doc(struct run_record *rr, const char *json_path, const json_t *doc, const char *final)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc = text ? janitor_note_record(&rr->janitor, json_path, final ? rr->live : NULL, final, text, strlen(text))
		      : -ENOMEM;
	free(text);
	return rc;
}

void run_record_arm_doc(struct run_record *rr, const char *json_path, const json_t *doc)
{
	*rr = (struct run_record){ .janitor = { .fd = -1 }, .series_fd = -1 };
	if (!json_path)
		return;
	int rc = janitor_start(&rr->janitor);
	if (rc == 0)
		rc = note_doc(rr, json_path, doc, NULL);
	if (rc < 0) {
		run_record_disarm(rr, true);
		return;
	}
	rr->armed = true;
}

void run_record_arm(struct run_record *rr, const struct run_config *cfg, struct experiment_keep *keep)
{
	*rr = (struct run_record){ .janitor = { .fd = -1 }, .series_fd = -1 };
	*keep = (struct experiment_keep){ .series_fd = -1 };
	if (!cfg->json_path)
		return;
	const struct experiment *e = cfg->experiment ? cfg->experiment : &experiment_defaults;
	char final[4200] = "";
	const char *recorded = NULL;
	int rc = janitor_start(&rr->janitor);
	if (rc == 0 && e->sample_us) {
		series_names(cfg, final, sizeof(final), &recorded);
		rr->series_fd = rc = open_live(cfg->json_path, rr->live, sizeof(rr->live));
	}
	if (rc >= 0) {
		json_t *doc = run_record_killed_doc(cfg, NULL, recorded);
		rc = note_doc(rr, cfg->json_path, doc, recorded ? final : NULL);
		json_decref(doc);
	}
	if (rc < 0) { /* no record; a directory that takes no file fails the result's write, which says so */
		run_record_disarm(rr, true);
		return;
	}
	rr->armed = true;
	*keep = (struct experiment_keep){ .janitor = &rr->janitor, .series_fd = rr->series_fd };
}

void run_record_disarm(struct run_record *rr, bool host_restored)
{
	if (rr->series_fd >= 0) {
		close(rr->series_fd);
		unlink(rr->live);
	}
	rr->series_fd = -1;
	janitor_note_recorded(&rr->janitor);
	if (host_restored)
		janitor_done(&rr->janitor);
	else
		janitor_abandon(&rr->janitor); /* it keeps trying to restore the host after we are gone */
	rr->armed = false;
}
