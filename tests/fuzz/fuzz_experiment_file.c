/* fuzz_experiment_file.c — libFuzzer harness for the experiment-file and scenario parser
 * (vmm/cli/experiment_file.c, docs/experiment-files.md, docs/scenarios.md). The first byte
 * chooses the dialect (even: experiment file, odd: scenario), the rest is the file. A file is
 * refused with one line naming it, or read into sections that keep the reader's bounds. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vmm/cli/experiment_file.h"

static void check_section(const struct xf_section *s)
{
	FUZZ_CHECK(s->n <= XF_MAX_SETTINGS);
	FUZZ_CHECK(memchr(s->name, 0, sizeof(s->name)) != NULL);
	for (size_t i = 0; i < s->n; i++) {
		FUZZ_CHECK(memchr(s->set[i].key, 0, sizeof(s->set[i].key)) != NULL);
		FUZZ_CHECK(memchr(s->set[i].value, 0, sizeof(s->set[i].value)) != NULL);
		FUZZ_CHECK(s->set[i].line > 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct experiment_file xf; /* large: not on the stack */
	char why[1024];
	if (size < 1)
		return 0;
	bool scenario = data[0] & 1;
	const char *path = fuzz_file(data + 1, size - 1);
	why[0] = 0;
	int rc = scenario ? xf_load_scenario(path, &xf, why, sizeof(why)) : xf_load(path, &xf, why, sizeof(why));
	if (rc < 0) {
		FUZZ_CHECK(why[0] != 0);
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(xf.njobs > 0 && xf.njobs <= XF_MAX_JOBS);
	check_section(&xf.global);
	for (size_t j = 0; j < xf.njobs; j++)
		check_section(&xf.jobs[j]);
	(void)xf_is_scenario_file(path);
	return 0;
}
