/* test_reclaim_spec.c — `--reclaim SPEC` parsing: every kind and key with good values and
 * defaults, and bad values rejected with a reason that names the bad key or value; durations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/reclaim/experiment.h"
#include "vmm/util/parse.h"
#include "vmm/reclaim/reclaim_spec.h"

static struct reclaim_spec s;
static char why[256];

static int parse(const char *spec) { return reclaim_spec_parse(spec, &s, why, sizeof(why)); }

static void test_durations(void **st)
{
	(void)st;
	uint64_t us;
	assert_int_equal(parse_duration_us("1s", &us), 0);
	assert_int_equal(us, 1000000);
	assert_int_equal(parse_duration_us("1.5s", &us), 0);
	assert_int_equal(us, 1500000);
	assert_int_equal(parse_duration_us("250ms", &us), 0);
	assert_int_equal(us, 250000);
	assert_int_equal(parse_duration_us("500us", &us), 0);
	assert_int_equal(us, 500);
	assert_int_equal(parse_duration_us("20", &us), 0); /* bare: milliseconds */
	assert_int_equal(us, 20000);
	assert_int_equal(parse_duration_us("1h", &us), -EINVAL);
	assert_int_equal(parse_duration_us("-1s", &us), -EINVAL);
	assert_int_equal(parse_duration_us("", &us), -EINVAL);
	assert_int_equal(parse_duration_us("1e300s", &us), -ERANGE);
}

static void test_discard_defaults(void **st)
{
	(void)st;
	assert_int_equal(parse("discard:at=1s"), 0);
	assert_int_equal(s.kind, RECLAIM_DISCARD);
	assert_int_equal(s.at_us, 1000000);
	assert_true(s.frac == 1.0);
	assert_int_equal(s.length, 0);
	assert_int_equal(s.pattern, RECLAIM_SEQ);
}

static void test_discard_keys(void **st)
{
	(void)st;
	assert_int_equal(parse("discard:at=1s,frac=0.5,pattern=random,seed=7"), 0);
	assert_true(s.frac == 0.5);
	assert_int_equal(s.pattern, RECLAIM_RANDOM);
	assert_int_equal(s.seed, 7);
	assert_int_equal(parse("pageout:at=200ms,range=64m+32m"), 0);
	assert_int_equal(s.kind, RECLAIM_PAGEOUT);
	assert_int_equal(s.offset, 64ULL << 20);
	assert_int_equal(s.length, 32ULL << 20);
}

static void test_limit(void **st)
{
	(void)st;
	assert_int_equal(parse("limit:at=1s,bytes=64m,until=3s"), 0);
	assert_int_equal(s.kind, RECLAIM_LIMIT);
	assert_int_equal(s.limit_bytes, 64ULL << 20);
	assert_int_equal(s.until_us, 3000000);
	assert_int_equal(parse("limit:at=1s,bytes=64m"), 0);
	assert_int_equal(s.until_us, 0);
}

/* Each bad spec fails with -EINVAL and a reason containing `names`. */
static void expect_bad(const char *spec, const char *names)
{
	why[0] = 0;
	assert_int_equal(parse(spec), -EINVAL);
	if (!strstr(why, names))
		fail_msg("'%s': reason '%s' does not name '%s'", spec, why, names);
}

/* A limit's floor: what the group holds beyond guest RAM (the VMM's own) plus the headroom. */
static void test_limit_floor(void **st)
{
	(void)st;
	assert_int_equal(reclaim_limit_floor(70ULL << 20, 64ULL << 20), (6ULL << 20) + RECLAIM_LIMIT_HEADROOM);
	assert_int_equal(reclaim_limit_floor(10ULL << 20, 64ULL << 20), RECLAIM_LIMIT_HEADROOM); /* guest not resident yet */
}

static void test_bad_specs(void **st)
{
	(void)st;
	expect_bad("discard", "KIND:key=value");
	expect_bad("evict:at=1s", "unknown kind 'evict'");
	expect_bad("discard:frac=0.5", "missing at=");
	expect_bad("discard:at=soon", "at='soon'");
	expect_bad("discard:at=1s,frac=0", "frac='0'");
	expect_bad("discard:at=1s,frac=1.5", "frac='1.5'");
	expect_bad("discard:at=1s,frac=half", "frac='half'");
	expect_bad("discard:at=1s,pattern=hot", "pattern='hot'");
	expect_bad("discard:at=1s,range=64m", "range='64m'");
	expect_bad("discard:at=1s,range=0+0", "range='0+0'");
	expect_bad("discard:at=1s,frac=0.5,range=0+4m", "not both");
	expect_bad("discard:at=1s,bytes=64m", "unknown key 'bytes' for discard");
	expect_bad("discard:at=1s,,frac=0.5", "expected key=value");
	expect_bad("discard:at=1s,frac", "'frac'");
	expect_bad("limit:at=1s", "bytes=SIZE");
	expect_bad("limit:at=1s,bytes=12k", "bytes='12k'");
	/* nothing the document would record as a negative JSON integer (issue 17) */
	expect_bad("limit:at=1s,bytes=18446744073709551615", "bytes='18446744073709551615'");
	expect_bad("discard:at=1s,range=0+18446744073709551615", "range=");
	expect_bad("discard:at=1s,seed=18446744073709551615", "seed=");
	expect_bad("limit:at=2s,bytes=64m,until=1s", "until must be later");
	expect_bad("limit:at=1s,bytes=64m,frac=0.5", "unknown key 'frac' for limit");
}

static void test_spec_json(void **st)
{
	(void)st;
	assert_int_equal(parse("discard:at=1s,frac=0.25,pattern=random,seed=3"), 0);
	json_t *j = reclaim_spec_json(&s);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "discard");
	assert_true(json_real_value(json_object_get(j, "at_ms")) == 1000.0);
	assert_true(json_real_value(json_object_get(j, "frac")) == 0.25);
	assert_string_equal(json_string_value(json_object_get(j, "pattern")), "random");
	json_decref(j);
}

/* The run options end to end: good values land in cfg.experiment, bad ones are usage errors. */
static int run_opts(int argc, char **argv, struct cli_run *run)
{
	cli_run_init(run);
	return cli_parse_run_options(argc, argv, run);
}

static void test_cli_options(void **st)
{
	(void)st;
	struct cli_run run;
	char *good[] = { "run", "--platform", "sim", "--sample-us", "500", "--reclaim", "discard:at=10ms,frac=0.5",
			 "--reclaim", "discard:at=20ms,pattern=random", "--dip-threshold", "0.4", "--dip-min-ms", "2.5", NULL };
	assert_int_equal(run_opts(13, good, &run), 0);
	const struct experiment *e = run.cfg.experiment;
	assert_non_null(e);
	assert_int_equal(e->sample_us, 500);
	assert_int_equal(e->n_reclaim, 2);
	assert_int_equal(e->reclaim[1].pattern, RECLAIM_RANDOM);
	assert_true(e->dip_threshold == 0.4 && e->dip_min_ms == 2.5);

	char *bad[][4] = {
		{ "run", "--reclaim", "discard:at=1s,frac=2", NULL }, { "run", "--sample-us", "10", NULL },
		{ "run", "--dip-threshold", "1", NULL },              { "run", "--dip-min-ms", "x", NULL },
		{ "run", "--swap", "zram", NULL },                    { "run", "--timeseries", "/nonexistent/t.csv", NULL },
		{ "run", "--overhead-windows", "5ms", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(run_opts(3, bad[i], &run), EXIT_USAGE);
	char *off[] = { "run", "--sample-us", "0", "--reclaim", "discard:at=1s", NULL };
	assert_int_equal(run_opts(5, off, &run), EXIT_USAGE); /* reclaim needs telemetry to find its dips */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations), cmocka_unit_test(test_discard_defaults),
		cmocka_unit_test(test_discard_keys), cmocka_unit_test(test_limit),
		cmocka_unit_test(test_bad_specs), cmocka_unit_test(test_limit_floor), cmocka_unit_test(test_spec_json), cmocka_unit_test(test_cli_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
