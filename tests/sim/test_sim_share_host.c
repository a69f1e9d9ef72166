/* test_sim_share_host.c — page sharing across sim VMs: one host, one sharing engine and one
 * pool for every VM with share = on (vmm/run/share_host.h). With `dup` VMs of the same seed:
 *   - four VMs in one domain save at least 90% of the duplicate content the workload created
 *     across them (3 × its pages + what one VM saves alone);
 *   - isolation: by default each VM is a domain of its own and saves what it saves alone; two
 *     domains of two VMs save exactly what one domain of two saves, each (no frame is shared
 *     across domains), and less than the four in one domain;
 *   - passes every period while the VMs rewrite pages: checksums equal to the unshared run,
 *     every frame made shared was broken by one write (a cow_break) or is still shared at the
 *     VM's end, the host's breaks are the VMs' summed, and host.sharing.series has the columns
 *     the report draws;
 *   - the VMs are held only to commit merges, not for whole passes: VMs whose content has no
 *     duplicate make passes that hash every frame and hold nobody (host.sharing.stops 0; every
 *     pass held every VM before);
 *   - host.totals.host_resident_bytes counts each pool frame once: four VMs in one domain hold
 *     four unshared VMs' memory less the saving, not the sum of each VM's 1/refs share of the
 *     pool read at its own end (which charged the pool about twice).
 * The first two use period 0 (passes as each VM's measured phase begins), whose result is exact
 * when the VMs' measured phases overlap: they last 1.5 s each (--runtime); a host too loaded
 * for even that skips, saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/test_json.h"
#include "vmm/cli/cli.h"
#include "vmm/run/host.h"
#include "vmm/run/run.h"

#define MEM (16u << 20)
#define PAGES (MEM / 4096u)
#define OPS 200000u
#define OVERLAP_US 1500000u /* period-0 hosts: a measured phase of 1.5 s, so that all overlap */

static struct host_spec spec; /* large; read-only while the host runs */

/* A fixed run of OPS visits, or (runtime_us) a measured phase of that long. */
static struct run_config config(bool share, uint64_t rewrite_every, uint64_t runtime_us)
{
	struct run_config c;
	assert_int_equal(cli_config_for(&c, "dup", "sim", "ept", MEM), 0);
	c.params.ops = OPS;
	c.params.rewrite_every = rewrite_every;
	c.params.dup_frac = WL_FRAC_ONE / 2;
	c.params.zero_frac = WL_FRAC_ONE / 10;
	c.params.seed = 7;
	c.params.runtime_us = runtime_us;
	c.sim.share = share;
	cli_finish_config(&c, NULL);
	return c;
}

static uint64_t u64_at(json_t *doc, const char *path)
{
	json_t *v = test_json_at(doc, path);
	if (!json_is_integer(v))
		fail_msg("%s: not an integer", path);
	return (uint64_t)json_integer_value(v);
}

static double num_at(json_t *doc, const char *path)
{
	json_t *v = test_json_at(doc, path);
	if (!json_is_number(v))
		fail_msg("%s: not a number", path);
	return json_number_value(v);
}

/* A host of n share = on VMs, VM i in domains[i] (NULL: one of its own); period in µs. */
static json_t *host(unsigned n, const char *const *domains, uint64_t period_us, uint64_t rewrite_every,
		    uint64_t runtime_us)
{
	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "share");
	spec.n = n;
	spec.ksm.share_period_set = true;
	spec.ksm.share_period_us = period_us;
	for (unsigned i = 0; i < n; i++) {
		snprintf(spec.vm[i].name, sizeof(spec.vm[i].name), "d-%u", i + 1);
		spec.vm[i].cfg = config(true, rewrite_every, runtime_us);
		spec.vm[i].cfg.share_domain = domains ? domains[i] : NULL;
	}
	json_t *doc = NULL;
	assert_int_equal(host_execute(&spec, &doc), RUN_OK);
	assert_non_null(doc);
	return doc;
}

/* The checksum of the unshared run, as the document writes it. */
static void expect_checksums(json_t *doc, unsigned n, uint64_t rewrite_every)
{
	struct run_config c = config(false, rewrite_every, 0);
	struct run_result r;
	char hex[19], path[64];
	assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)r.checksum);
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "vms.d-%u.result.checksum", i + 1);
		assert_string_equal(json_string_value(test_json_at(doc, path)), hex);
	}
}

/* Period 0 is exact only if every VM joined before any left: is that what happened? */
static bool phases_overlapped(json_t *doc, unsigned n)
{
	double last_join = 0, first_leave = 1e30;
	char p[96];
	for (unsigned i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "vms.d-%u.vm.start_s", i + 1);
		double start = num_at(doc, p);
		snprintf(p, sizeof(p), "vms.d-%u.result.setup_s", i + 1);
		double join = start + num_at(doc, p);
		snprintf(p, sizeof(p), "vms.d-%u.result.run_s", i + 1);
		double leave = join + num_at(doc, p);
		last_join = join > last_join ? join : last_join;
		first_leave = leave < first_leave ? leave : first_leave;
	}
	if (last_join < first_leave)
		return true;
	fprintf(stderr, "the VMs' measured phases did not overlap (last joined at %.3f s, first left at %.3f s): "
		"host too loaded for an exact comparison\n", last_join, first_leave);
	return false;
}

static uint64_t saved_pages(json_t *doc, const char *path) { return u64_at(doc, path) / 4096; }

static uint64_t alone_saved_pages(void)
{
	struct run_config c = config(true, 1ULL << 32, 0);
	struct run_result r;
	assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	return r.sharing.saved_bytes / 4096;
}

/* The host memory one VM holds unshared at its end. */
static uint64_t alone_unshared_resident(void)
{
	struct run_config c = config(false, 1ULL << 32, 0);
	struct run_result r;
	assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	return r.host_resident_bytes;
}

static void test_four_vms_share_across(void **st)
{
	(void)st;
	uint64_t s1 = alone_saved_pages();
	/* by default each VM is a domain of its own: each saves what it saves alone */
	json_t *doc = host(4, NULL, 0, 1ULL << 32, OVERLAP_US);
	if (phases_overlapped(doc, 4)) {
		assert_int_equal(saved_pages(doc, "host.sharing.saved_bytes"), 4 * s1);
		assert_int_equal(saved_pages(doc, "host.sharing.domains.d-3.saved_bytes"), s1);
	}
	json_decref(doc);
	static const char *const one[] = { "all", "all", "all", "all" };
	doc = host(4, one, 0, 1ULL << 32, OVERLAP_US);
	if (!phases_overlapped(doc, 4)) {
		json_decref(doc);
		skip();
	}
	uint64_t s4 = saved_pages(doc, "host.sharing.saved_bytes");
	uint64_t created = 3ull * PAGES + s1; /* three VMs' copies of the first's, and its own duplicates */
	fprintf(stderr, "one VM saves %llu pages alone; four in one domain save %llu of the %llu duplicate pages "
		"dup created (%.1f%%)\n", (unsigned long long)s1, (unsigned long long)s4, (unsigned long long)created,
		100.0 * (double)s4 / (double)created);
	assert_true(s4 * 10 >= created * 9);
	assert_int_equal(saved_pages(doc, "host.sharing.domains.all.saved_bytes"), s4);
	assert_int_equal(json_array_size(test_json_at(doc, "host.sharing.domains.all.vms")), 4);
	assert_int_equal(u64_at(doc, "host.sharing.cow_breaks"), 0); /* nothing rewritten */
	assert_true(u64_at(doc, "host.sharing.stops") >= 1); /* the merges were committed under a hold */
	/* each pool frame counted once: four VMs' memory less what sharing saved (the pool is at its
	 * peak as the first VM ends: nothing broke since); the VMs' own figures, each with its 1/refs
	 * share read at its own end, sum to more */
	uint64_t total = u64_at(doc, "host.totals.host_resident_bytes"), vms = 0;
	for (unsigned i = 0; i < 4; i++) {
		char p[64];
		snprintf(p, sizeof(p), "vms.d-%u.memory.host_resident_bytes", i + 1);
		vms += u64_at(doc, p);
	}
	fprintf(stderr, "host-resident: %llu bytes in the totals, %llu summed over the VMs, pool at the ends %llu\n",
		(unsigned long long)total, (unsigned long long)vms,
		(unsigned long long)u64_at(doc, "host.sharing.pool_end_bytes"));
	assert_int_equal(total, 4 * alone_unshared_resident() - u64_at(doc, "host.sharing.saved_bytes"));
	assert_true(vms > total);
	json_decref(doc);
}

/* Content with no duplicate anywhere (no dup pages, no zero pages, one domain): passes hash every
 * frame, merge nothing and hold no VM. */
static void test_nothing_to_merge_holds_nobody(void **st)
{
	(void)st;
	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "share");
	spec.n = 2;
	spec.ksm.share_period_set = true;
	spec.ksm.share_period_us = 0;
	for (unsigned i = 0; i < 2; i++) {
		snprintf(spec.vm[i].name, sizeof(spec.vm[i].name), "d-%u", i + 1);
		spec.vm[i].cfg = config(true, 1ULL << 32, 0);
		spec.vm[i].cfg.params.dup_frac = 0;
		spec.vm[i].cfg.params.zero_frac = 0;
		spec.vm[i].cfg.params.seed = 7 + i; /* different content in each */
		spec.vm[i].cfg.share_domain = "all";
	}
	json_t *doc = NULL;
	assert_int_equal(host_execute(&spec, &doc), RUN_OK);
	uint64_t passes = u64_at(doc, "host.sharing.passes"), stops = u64_at(doc, "host.sharing.stops");
	fprintf(stderr, "nothing to merge: %llu passes, %llu frames hashed, %.3f s of scanner CPU, held the VMs %llu "
		"times (%.3f s)\n", (unsigned long long)passes, (unsigned long long)u64_at(doc, "host.sharing.scanned"),
		num_at(doc, "host.sharing.scan_cpu_s"), (unsigned long long)stops, num_at(doc, "host.sharing.stopped_s"));
	assert_int_equal(u64_at(doc, "host.sharing.merges"), 0);
	assert_true(passes >= 2);
	assert_true(u64_at(doc, "host.sharing.scanned") >= 2 * PAGES); /* every frame hashed */
	assert_int_equal(stops, 0);
	assert_true(num_at(doc, "host.sharing.stopped_s") == 0.0);
	json_decref(doc);
}

static void test_domains_isolate(void **st)
{
	(void)st;
	static const char *const pair[] = { "a", "a" }, *const two[] = { "a", "a", "b", "b" };
	json_t *d2 = host(2, pair, 0, 1ULL << 32, OVERLAP_US);
	json_t *d4 = host(4, two, 0, 1ULL << 32, OVERLAP_US);
	json_t *one = host(4, (const char *const[]){ "x", "x", "x", "x" }, 0, 1ULL << 32, OVERLAP_US);
	if (!phases_overlapped(d2, 2) || !phases_overlapped(d4, 4) || !phases_overlapped(one, 4)) {
		json_decref(d2);
		json_decref(d4);
		json_decref(one);
		skip();
	}
	uint64_t s2 = saved_pages(d2, "host.sharing.saved_bytes");
	uint64_t a = saved_pages(d4, "host.sharing.domains.a.saved_bytes");
	uint64_t b = saved_pages(d4, "host.sharing.domains.b.saved_bytes");
	fprintf(stderr, "one domain of two saves %llu pages; two domains of two save %llu and %llu; one domain of "
		"four %llu\n", (unsigned long long)s2, (unsigned long long)a, (unsigned long long)b,
		(unsigned long long)saved_pages(one, "host.sharing.saved_bytes"));
	uint64_t s1 = alone_saved_pages();
	assert_true(s2 >= PAGES + s1);      /* the pair: one VM's pages copies of the other's */
	assert_int_equal(a, s2);            /* each domain as if alone: nothing crossed over */
	assert_int_equal(b, s2);
	assert_int_equal(saved_pages(d4, "host.sharing.saved_bytes"), a + b);
	/* what salting costs: the second pair's copy of every content (PAGES - s1 distinct ones) */
	assert_true(saved_pages(one, "host.sharing.saved_bytes") >= a + b + PAGES - s1);
	json_decref(d2);
	json_decref(d4);
	json_decref(one);
}

static void test_passes_while_running_and_breaks(void **st)
{
	(void)st;
	json_t *doc = host(4, (const char *const[]){ "all", "all", "all", "all" }, 20000, 4, 0);
	expect_checksums(doc, 4, 4);
	uint64_t breaks = 0;
	char p[96];
	for (unsigned i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "vms.d-%u.sharing.cow_breaks", i + 1);
		uint64_t cb = u64_at(doc, p);
		snprintf(p, sizeof(p), "vms.d-%u.sharing.made_shared", i + 1);
		uint64_t made = u64_at(doc, p);
		snprintf(p, sizeof(p), "vms.d-%u.memory.frames.shared", i + 1);
		uint64_t still = u64_at(doc, p);
		/* every frame made shared was broken by one write, or is still shared */
		assert_int_equal(cb + still, made);
		breaks += cb;
	}
	assert_int_equal(u64_at(doc, "host.sharing.cow_breaks"), breaks);
	json_t *cols = test_json_at(doc, "host.sharing.series.columns");
	static const char *const want[] = { "time_ms", "scanned", "shared", "sharing", "zero", "volatile", "cow_breaks",
					    "saved_bytes", "scan_cpu_s" };
	assert_int_equal(json_array_size(cols), 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(json_string_value(json_array_get(cols, i)), want[i]);
	json_t *rows = test_json_at(doc, "host.sharing.series.rows");
	uint64_t passes = u64_at(doc, "host.sharing.passes");
	assert_int_equal(json_array_size(rows), passes);
	assert_true(passes + u64_at(doc, "host.sharing.passes_skipped") >= 1);
	if (passes >= 3) { /* merged on the second pass; rewrites make pages volatile by the third */
		assert_true(u64_at(doc, "host.sharing.saved_bytes") > 0);
		assert_true(breaks > 0);
		uint64_t vol = 0;
		for (size_t i = 0; i < json_array_size(rows); i++)
			vol += (uint64_t)json_integer_value(json_array_get(json_array_get(rows, i), 5));
		assert_true(vol > 0);
	}
	fprintf(stderr, "%llu passes while running: saved %llu bytes at the peak, %llu breaks\n",
		(unsigned long long)passes, (unsigned long long)u64_at(doc, "host.sharing.saved_bytes"),
		(unsigned long long)breaks);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_vms_share_across),
		cmocka_unit_test(test_nothing_to_merge_holds_nobody),
		cmocka_unit_test(test_domains_isolate),
		cmocka_unit_test(test_passes_while_running_and_breaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
