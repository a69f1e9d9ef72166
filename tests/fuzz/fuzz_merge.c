/* fuzz_merge.c — libFuzzer harness for the loader and summary behind `memvirt merge`
 * (results/merge.c): the input is up to eight JSON documents separated by NUL bytes, each
 * handed to merge_add_doc as a sweep point's result (superseded attempts, repetitions and
 * telemetry for the interference flag included), then the summary is computed — paired by
 * seed when --paired's checks accept the axis, as for `memvirt merge --paired seed` — printed
 * as a table and turned into JSON. Documents are refused with a reason or counted; no summary
 * crashes or reads out of bounds. The HTML page is not fuzzed here (issue 17: reworked on
 * another branch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/merge.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct merge m; /* large: not on the stack */
	static FILE *devnull;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	merge_init(&m, "fuzz", NULL);
	size_t docs = 0;
	char why[512];
	for (size_t at = 0; at < size && docs < 8; docs++) {
		const uint8_t *end = memchr(data + at, 0, size - at);
		size_t len = end ? (size_t)(end - (data + at)) : size - at;
		json_error_t err;
		json_t *doc = json_loadb((const char *)data + at, len, 0, &err);
		at += len + 1;
		if (!doc)
			continue;
		why[0] = 0;
		if (merge_add_doc(&m, doc, "fuzz.json", why, sizeof(why)) < 0)
			FUZZ_CHECK(why[0] != 0);
		json_decref(doc);
	}
	FUZZ_CHECK(m.n <= m.cap);
	snprintf(m.paired, sizeof(m.paired), "seed");
	if (m.n == 0 || merge_check_opts(&m, why, sizeof(why)) != 0)
		m.paired[0] = 0;
	merge_compute(&m);
	if (m.paired[0])
		FUZZ_CHECK(merge_pair_compute(&m) == 0);
	for (size_t i = 0; i < m.n; i++) {
		const struct merge_point *p = &m.points[i];
		FUZZ_CHECK(p->runs == p->ok + p->failed + p->interrupted + p->skipped);
		FUZZ_CHECK(p->base < 0 || (size_t)p->base < m.n);
		FUZZ_CHECK(p->nrep <= MERGE_MAX_REPS && p->flagged <= p->ok);
		for (size_t k = 0; k < m.metrics.n; k++)
			FUZZ_CHECK(p->metric[k].outliers <= p->metric[k].s.n);
	}
	merge_print(&m, devnull);
	json_decref(merge_to_json(&m));
	merge_free(&m);
	return 0;
}
