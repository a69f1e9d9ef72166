/* fuzz_series_csv.c — libFuzzer harness for the telemetry CSV reader (results/series.c,
 * tel_series_read_csv), which `memvirt report` uses on the file a result names: any file is
 * refused or read into a series whose size fields agree. */
#include "results/series.h"
#include "tests/fuzz/fuzz_common.h"

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tel_series ts;
	int rc = tel_series_read_csv(fuzz_file(data, size), &ts);
	if (rc < 0) {
		FUZZ_CHECK(ts.n == 0 && ts.s == NULL);
		return 0;
	}
	FUZZ_CHECK(ts.n <= ts.cap && (ts.n == 0 || ts.s != NULL));
	for (size_t i = 0; i < ts.n; i++) /* every sample readable (ASan checks the bounds) */
		sink += ts.s[i].progress + ts.s[i].uffd_faults;
	tel_series_free(&ts);
	return 0;
}
