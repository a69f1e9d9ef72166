/* test_dip_cause.c — a dip's cause from its evidence, and dips grouped into episodes
 * (results/dip_cause.h): each rule in its order, the "checked" list of an unknown dip, the
 * host cause only when the VMM took no major fault itself, host-damon when the host's DAMON
 * schemes applied their action during the dip (even with the VMM's own faults: they are
 * what a page-out of guest RAM causes), and episodes split by the gap. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "results/dip_cause.h"

static const struct dip_evidence quiet = { .duration_ms = 20, .steal_ms = 0 };

static const char *cause(struct dip_evidence e)
{
	const char *checked;
	return dip_classify(&e, &checked);
}

static void test_order_of_causes(void **state)
{
	(void)state;
	struct dip_evidence e = quiet;
	e.events = 1, e.worker_wait_ms = 20, e.host_swap_pages = 100;
	assert_string_equal(cause(e), "reclaim"); /* an injected event explains it first */
	e.events = 0;
	assert_string_equal(cause(e), "cpu");
	e.worker_wait_ms = 9; /* under half the dip */
	assert_string_equal(cause(e), "host");
	e.steal_ms = 15;
	assert_string_equal(cause(e), "steal");
}

static void test_host_needs_quiet_vmm(void **state)
{
	(void)state;
	struct dip_evidence e = quiet;
	e.host_swap_pages = 50;
	assert_string_equal(cause(e), "host");
	e.own_major_faults = 3; /* the VMM itself faulted: not another process's doing */
	assert_string_equal(cause(e), "unknown");
	e = quiet;
	e.host_refaults = 1;
	assert_string_equal(cause(e), "host");
	e = quiet;
	e.psi_some_ms = 1; /* 5% of the dip: not enough alone */
	assert_string_equal(cause(e), "unknown");
	e.psi_some_ms = 2;
	assert_string_equal(cause(e), "host");
}

static void test_host_damon(void **state)
{
	(void)state;
	struct dip_evidence e = quiet;
	e.damon_bytes = NAN; /* no scheme sampled */
	const char *checked;
	assert_string_equal(dip_classify(&e, &checked), "unknown");
	assert_null(strstr(checked, "DAMON"));
	e.damon_bytes = 0; /* sampled, quiet: checked */
	assert_string_equal(dip_classify(&e, &checked), "unknown");
	assert_non_null(strstr(checked, "DAMON schemes"));
	e.damon_bytes = 4096;
	e.host_swap_pages = 10, e.own_major_faults = 2; /* guest RAM paged out, refaulted by the VMM */
	assert_string_equal(cause(e), "host-damon");
	e.worker_wait_ms = 20; /* a CPU wait over the whole dip is the more specific cause */
	assert_string_equal(cause(e), "cpu");
	e.worker_wait_ms = 0, e.at_phase_start = true; /* DAMON acting explains a dip at the start too */
	assert_string_equal(cause(e), "host-damon");
}

static void test_warmup_and_unknown(void **state)
{
	(void)state;
	struct dip_evidence e = quiet;
	e.at_phase_start = true;
	const char *checked;
	assert_string_equal(dip_classify(&e, &checked), "warmup");
	assert_string_equal(checked, "");
	e.at_phase_start = false;
	assert_string_equal(dip_classify(&e, &checked), "unknown");
	assert_non_null(strstr(checked, "cpu steal"));
	assert_non_null(strstr(checked, "host swap"));
	e.steal_ms = NAN; /* not sampled: not claimed as checked */
	assert_string_equal(dip_classify(&e, &checked), "unknown");
	assert_null(strstr(checked, "steal"));
}

static void test_episodes(void **state)
{
	(void)state;
	struct dip d[] = {
		{ .start_ms = 100, .end_ms = 110, .ops_lost = 10 },
		{ .start_ms = 130, .end_ms = 140, .ops_lost = 50 }, /* 20 ms later: same episode */
		{ .start_ms = 400, .end_ms = 420, .ops_lost = 5 },  /* far: a new one */
	};
	struct dip_result r = { .baseline_ops_per_s = 1000.0 * 1e3 / 1e3, .bin_ms = 1, .n = 3, .dips = d };
	assert_float_equal(dip_episode_gap_ms(&r), DIP_EPISODE_GAP_MS, 1e-9);
	r.bin_ms = 20;
	assert_float_equal(dip_episode_gap_ms(&r), 100, 1e-9);
	struct dip_episode *ep;
	size_t n;
	assert_int_equal(dip_episodes(&r, 50, &ep, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ep[0].first, 0);
	assert_int_equal(ep[0].n, 2);
	assert_int_equal(ep[0].main, 1);
	assert_float_equal(ep[0].start_ms, 100, 1e-9);
	assert_float_equal(ep[0].end_ms, 140, 1e-9);
	assert_float_equal(ep[0].ops_lost, 60, 1e-9);
	/* expected over the dips' 20 ms at 1000 ops/s: 20 ops; 60 lost is a depth of 3 — the
	 * figures are made up, the arithmetic is what is checked */
	assert_float_equal(ep[0].depth, 3.0, 1e-9);
	assert_int_equal(ep[1].first, 2);
	assert_int_equal(ep[1].n, 1);
	free(ep);
	assert_int_equal(dip_episodes(&r, 10, &ep, &n), 0); /* a smaller gap splits the first */
	assert_int_equal(n, 3);
	free(ep);
	r.n = 0;
	assert_int_equal(dip_episodes(&r, 50, &ep, &n), 0);
	assert_int_equal(n, 0);
	assert_null(ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_of_causes),
		cmocka_unit_test(test_host_needs_quiet_vmm),
		cmocka_unit_test(test_warmup_and_unknown), cmocka_unit_test(test_host_damon),
		cmocka_unit_test(test_episodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
