/* fuzz_result_load.c — libFuzzer harness for the loader behind `memvirt report`
 * (results/report_load.c, report_init): any JSON text is refused with a reason, or loaded
 * with its embedded time series of at least two samples. A document that names a CSV file
 * has that name removed first: the harness reads no files (the CSV reader has its own,
 * fuzz_series_csv.c). Drawing the report is not fuzzed here (issue 17: its HTML/SVG code is
 * being reworked on another branch, and a hang there is known). */
#include <string.h>

#include "results/report.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *doc = json_loadb((const char *)data, size, 0, &err);
	if (!doc)
		return 0;
	json_t *tel = json_object_get(doc, "telemetry");
	if (json_is_object(tel))
		json_object_del(tel, "timeseries");
	struct report r;
	char why[512];
	why[0] = 0;
	if (report_init(&r, doc, "fuzz.json", why, sizeof(why)) < 0) {
		FUZZ_CHECK(why[0] != 0 && r.doc == NULL);
		return 0;
	}
	FUZZ_CHECK(r.series.n >= 2 && r.series.n <= r.series.cap);
	FUZZ_CHECK(strcmp(r.series_from, "embedded") == 0);
	report_free(&r);
	return 0;
}
