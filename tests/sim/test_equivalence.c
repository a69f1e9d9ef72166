/* test_equivalence.c — Popek–Goldberg equivalence as a test: every workload gives the same
 * checksum natively and on the simulator under both paging strategies, for several seeds,
 * footprints and paging geometries; and the sim result carries the counters each strategy
 * must show (exits that cannot occur under a strategy are zero). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

static const char *const workloads[] = { "seq", "gups", "pchase", "churn", "ctxsw" };

static struct run_config config(const char *wl, const char *platform, const char *mmu, uint64_t mem, uint64_t seed)
{
	struct run_config c;
	assert_int_equal(cli_config_for(&c, wl, platform, mmu, mem), 0);
	c.params.seed = seed;
	c.params.ops = 20000;
	if (strcmp(wl, "churn") == 0)
		c.params.region_bytes = 256 << 10;
	cli_finish_config(&c, NULL);
	c.mmu = mmu;
	return c;
}

static uint64_t checksum_of(struct run_config *c, struct run_result *r)
{
	assert_int_equal(run_execute(c, r, NULL), RUN_OK);
	assert_true(r->have_checksum);
	return r->checksum;
}

static void check_equivalence(uint64_t mem, uint64_t seed, unsigned levels, uint64_t gpage, uint64_t hpage)
{
	static struct run_result rn, re, rs;
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++) {
		struct run_config n = config(workloads[i], "native", "none", mem, seed);
		struct run_config e = config(workloads[i], "sim", "ept", mem, seed);
		struct run_config s = config(workloads[i], "sim", "shadow", mem, seed);
		e.sim.levels = s.sim.levels = levels;
		e.sim.guest_page = s.sim.guest_page = gpage;
		e.sim.host_page = s.sim.host_page = hpage;
		cli_finish_config(&e, NULL);
		cli_finish_config(&s, NULL);
		uint64_t cn = checksum_of(&n, &rn);
		assert_true(checksum_of(&e, &re) == cn);
		assert_true(checksum_of(&s, &rs) == cn);
		/* exits that cannot happen under a strategy stay zero, over the whole run (most of
		 * them are the setup phase's first touches: phases.setup) */
		static struct result_counters te, tsh;
		result_counters_total(&re, &te);
		result_counters_total(&rs, &tsh);
		assert_int_equal(te.exits.pt_write + te.exits.cr3_load + te.exits.hidden_fault + te.exits.invlpg, 0);
		assert_int_equal(tsh.exits.ept_violation, 0);
		assert_true(tsh.exits.hidden_fault > 0);
		assert_true(tsh.exits.pt_write > 0);
		assert_true(tsh.exits.cr3_load > 0); /* at least the boot's */
		assert_true(te.exits.ept_violation > 0);
		assert_true(re.mmu_user.accesses > 0 && rs.mmu_user.accesses > 0);
	}
}

static void test_equivalence_default_geometry(void **st)
{
	(void)st;
	check_equivalence(1 << 20, 7, 4, 4096, 4096);
	check_equivalence(3 << 20, 8, 4, 4096, 4096);
	check_equivalence(512 << 10, 12345, 4, 4096, 4096);
}

static void test_equivalence_other_geometries(void **st)
{
	(void)st;
	check_equivalence(4 << 20, 3, 5, 4096, 4096);
	check_equivalence(4 << 20, 4, 4, 2 << 20, 4096);
	check_equivalence(4 << 20, 5, 4, 4096, 2 << 20);
	check_equivalence(4 << 20, 6, 5, 2 << 20, 2 << 20);
}

/* ctxsw: one cr3_load exit per switch under shadow; churn: page-table writes grow with the
 * pages it maps. */
static void test_exit_counts_follow_the_workload(void **st)
{
	(void)st;
	static struct run_result r1, r2;
	struct run_config c = config("ctxsw", "sim", "shadow", 1 << 20, 1);
	c.params.switch_every = 100;
	run_execute(&c, &r1, NULL);
	c.params.switch_every = 50;
	run_execute(&c, &r2, NULL);
	assert_int_equal(r1.state, RUN_OK);
	/* 20000 ops: 200 vs 400 switches in the measured phase, the same setup switches */
	assert_int_equal(r2.exits.cr3_load - r1.exits.cr3_load, 200);

	struct run_config k = config("churn", "sim", "shadow", 1 << 20, 1);
	k.params.ops = 1000;
	run_execute(&k, &r1, NULL);
	k.params.ops = 2000;
	run_execute(&k, &r2, NULL);
	/* each extra page mapped and unmapped costs at least two trapped PTE writes */
	assert_true(r2.exits.pt_write - r1.exits.pt_write >= 2 * 1000);
	assert_true(r2.guest_faults - r1.guest_faults == 1000);

	/* write flooding: unmapping a region floods its tables, so most unmap writes stop
	 * trapping; the map writes, each followed by a fault, still trap */
	k.sim.shadow_write_flood = true;
	run_execute(&k, &r1, NULL);
	assert_int_equal(r1.state, RUN_OK);
	assert_true(r1.checksum == r2.checksum);
	assert_true(r1.exits.pt_write < r2.exits.pt_write * 3 / 4);
	assert_true(r1.exits.pt_write >= 2000);
	/* every guest PTE write either trapped or is counted as unprotected: the guest kernel
	 * writes the same entries whether they trap or not */
	assert_true(r1.have_shadow && r2.have_shadow);
	assert_true(r1.shadow_flood_unprotects > 0);
	assert_int_equal(r1.exits.pt_write + r1.shadow_unprotected_writes, r2.exits.pt_write);
	assert_int_equal(r2.shadow_flood_unprotects + r2.shadow_unprotected_writes, 0);
	/* and the result document says so */
	json_t *doc = NULL;
	run_execute(&k, &r1, &doc);
	json_t *sh = json_object_get(doc, "shadow");
	assert_true(json_is_true(json_object_get(sh, "write_flood")));
	assert_int_equal(json_integer_value(json_object_get(sh, "unprotected_writes")), r1.shadow_unprotected_writes);
	json_decref(doc);
	k = config("churn", "sim", "ept", 1 << 20, 1);
	run_execute(&k, &r1, &doc);
	assert_false(r1.have_shadow);
	assert_true(json_is_null(json_object_get(doc, "shadow")));
	json_decref(doc);
}

/* The level a leaf of this size sits at, counted from 4 KiB (0) upwards. */
static unsigned levels_below(uint64_t leaf)
{
	unsigned n = 0;
	for (uint64_t s = 4096; s < leaf; s <<= 9)
		n++;
	return n;
}

/* refs/walk of a TLB-missing workload over its whole run: every walk but the few that end
 * in a fault on a page's first touch reads the full path, so the ratio is within 1% of the
 * closed form — 2D n*m+n+m for ept, the shadow's own depth for shadow. */
static void assert_refs_per_walk(const struct run_result *r, double expect)
{
	double ratio = (double)r->mmu_user.walk_refs / (double)r->mmu_user.walks;
	assert_true(r->mmu_user.walks > 100000);
	assert_true(ratio > expect * 0.99 && ratio <= expect);
}

static void test_refs_per_walk_closed_form(void **st)
{
	(void)st;
	static struct run_result re, rs;
	static const uint64_t gps[] = { 4096, 2 << 20 }, hps[] = { 4096, 2 << 20, 1 << 30 };
	for (unsigned levels = 4; levels <= 5; levels++)
		for (int g = 0; g < 2; g++)
			for (int h = 0; h < 3; h++) {
				struct run_config e = config("gups", "sim", "ept", 4 << 20, 3);
				struct run_config s = config("gups", "sim", "shadow", 4 << 20, 3);
				for (struct run_config *c = &e; c; c = c == &e ? &s : NULL) {
					c->params.ops = 200000;
					c->sim.levels = levels;
					c->sim.guest_page = gps[g];
					c->sim.host_page = hps[h];
					c->sim.tlb_entries = 0;
					c->sim.pwc = c->sim.ntlb = false;
					cli_finish_config(c, NULL);
				}
				assert_int_equal(run_execute(&e, &re, NULL), RUN_OK);
				assert_int_equal(run_execute(&s, &rs, NULL), RUN_OK);
				unsigned n = levels - levels_below(gps[g]), m = 4 - levels_below(hps[h]);
				uint64_t shadow_leaf = gps[g] < hps[h] ? gps[g] : hps[h];
				assert_refs_per_walk(&re, n * m + n + m);
				assert_refs_per_walk(&rs, levels - levels_below(shadow_leaf));
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equivalence_default_geometry),
		cmocka_unit_test(test_equivalence_other_geometries),
		cmocka_unit_test(test_exit_counts_follow_the_workload),
		cmocka_unit_test(test_refs_per_walk_closed_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
