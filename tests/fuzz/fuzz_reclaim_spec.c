/* fuzz_reclaim_spec.c — libFuzzer harness for the `--reclaim SPEC` parser
 * (vmm/reclaim/reclaim_spec.c): any string is refused with a reason or parsed into a spec
 * whose fields hold what reclaim_spec.h promises, and which turns into JSON. */
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vmm/reclaim/reclaim_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reclaim_spec s;
	char why[256];
	why[0] = 0;
	if (reclaim_spec_parse(fuzz_string(data, size), &s, why, sizeof(why)) < 0) {
		FUZZ_CHECK(why[0] != 0 && memchr(why, 0, sizeof(why)) != NULL);
		return 0;
	}
	FUZZ_CHECK(s.kind == RECLAIM_DISCARD || s.kind == RECLAIM_PAGEOUT || s.kind == RECLAIM_LIMIT);
	FUZZ_CHECK(s.pattern == RECLAIM_SEQ || s.pattern == RECLAIM_RANDOM);
	if (s.kind != RECLAIM_LIMIT && s.length == 0)
		FUZZ_CHECK(s.frac > 0 && s.frac <= 1);
	FUZZ_CHECK(reclaim_kind_name(s.kind) != NULL);
	json_t *j = reclaim_spec_json(&s);
	FUZZ_CHECK(j != NULL);
	json_decref(j);
	return 0;
}
