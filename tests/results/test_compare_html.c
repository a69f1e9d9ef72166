/* test_compare_html.c — the comparison page marks what was measured by measurement: on kvm
 * (with sim rows beside), the measured ept/shadow rows are marked by measured time and the
 * :sim rows by modeled cycles (the measured rows used to carry the simulator's verdict); the
 * footprint reads in MiB; the chart has its axis, values and legend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "results/compare.h"
#include "tests/common/memvirt_cmd.h"
#include "tests/common/tmpdir.h"


static void test_measured_rows_marked_by_time(void **st)
{
	(void)st;
	static struct compare c;
	static char page[65536];
	char path[128];
	memset(&c, 0, sizeof(c));
	c.base.platform = "kvm";
	c.base.params.mem_bytes = 16ULL << 20;
	c.with_sim = true;
	c.n = 1;
	c.rows[0].workload = wl_find(wl_registry_direct, "seq");
	/* measured: ept faster; modeled: shadow cheaper */
	c.rows[0].ept = (struct run_result){ .state = RUN_OK, .run_s = 1.0 };
	c.rows[0].shadow = (struct run_result){ .state = RUN_OK, .run_s = 2.0 };
	c.rows[0].sim_ept = (struct run_result){ .state = RUN_OK, .have_mmu = true, .modeled_cycles = 900 };
	c.rows[0].sim_shadow = (struct run_result){ .state = RUN_OK, .have_mmu = true, .modeled_cycles = 300 };
	snprintf(path, sizeof(path), "%s/report.html", test_dir);
	assert_int_equal(compare_write_html(&c, path), 0);
	test_slurp(path, page, sizeof(page));
	assert_non_null(strstr(page, "<td class=\"l win\">ept</td>"));
	assert_null(strstr(page, "<td class=\"l win\">shadow</td>"));
	assert_non_null(strstr(page, "<td class=\"l win\">shadow:sim</td>"));
	assert_null(strstr(page, "<td class=\"l win\">ept:sim</td>"));
	assert_non_null(strstr(page, "footprint 16 MiB"));
	assert_non_null(strstr(page, "modeled cycles / the larger of the two")); /* the y axis title */
	assert_non_null(strstr(page, ">900</text>"));                            /* a bar's value */
	assert_non_null(strstr(page, ">shadow (above each bar"));                 /* the legend */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_measured_rows_marked_by_time) };
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
