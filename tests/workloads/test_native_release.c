/* test_native_release.c — a native run gives its memory back when it ends, whatever the workload
 * left mapped (issue 17: ctxsw keeps its buffers to the end, and runs of a host or sweep share
 * one process): three ctxsw runs of 32 MiB in a row leave the process's anonymous resident
 * memory where it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

/* RssAnon of this process, in KiB. */
static long rss_anon_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kib) == 1)
			break;
	fclose(f);
	assert_true(kib >= 0);
	return kib;
}

static void test_ctxsw_native_gives_memory_back(void **st)
{
	(void)st;
	static struct run_result r;
	struct run_config c;
	assert_int_equal(cli_config_for(&c, "ctxsw", "native", "ept", 32 << 20), 0);
	long before = rss_anon_kib();
	for (int i = 0; i < 3; i++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	}
	long grown = rss_anon_kib() - before;
	if (grown > 8 << 10) /* 3 x 32 MiB when kept; a little malloc noise when not */
		fail_msg("three native ctxsw runs of 32 MiB kept %ld KiB", grown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctxsw_native_gives_memory_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
