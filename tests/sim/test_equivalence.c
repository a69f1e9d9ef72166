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

#include "vmm/cli.h"
#include "vmm/run.h"

static const char *const workloads[] = { "seq", "gups", "pchase", "churn", "ctxsw" };

static struct run_config config(const char *wl, const char *platform, const char *mmu, uint64_t mem, uint64_t seed)
{
	struct run_config c;
	cli_run_defaults(&c);
	c.workload = wl_find(wl_registry_direct, wl);
	c.platform = platform;
	c.mmu = mmu;
	c.progress = false;
	c.params.mem_bytes = mem;
	c.params.seed = seed;
	c.params.ops = 20000;
	for (const struct wl_param_desc *d = c.workload->params; d && d->name; d++)
		*(uint64_t *)((char *)&c.params + d->offset) = d->def;
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
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
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
		/* exits that cannot happen under a strategy stay zero */
		assert_int_equal(re.exits.pt_write + re.exits.cr3_load + re.exits.hidden_fault, 0);
		assert_int_equal(rs.exits.ept_violation, 0);
		assert_true(rs.exits.hidden_fault > 0);
		assert_true(rs.exits.pt_write > 0);
		assert_true(re.exits.ept_violation > 0);
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equivalence_default_geometry),
		cmocka_unit_test(test_equivalence_other_geometries),
		cmocka_unit_test(test_exit_counts_follow_the_workload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
