/* test_kvm_shadow.c — shadow paging on real KVM (--platform kvm --mmu shadow): every workload
 * gives the same checksum as under ept, on sim (shadow) and natively, for two seeds; the
 * exits are the ones shadow paging must cost and no others — every guest page-table store
 * is a pt_write exit (churn: in proportion to the pages it maps), every address-space switch
 * a cr3_load (ctxsw: in proportion to its switches), every workload takes hidden faults, and
 * under ept all four counters stay zero; each exit reason's cost is measured for every exit
 * (by the VMM around its handler, by the guest around the exiting instruction), and compare
 * puts sim's counts beside kvm's. Small sizes: ring 0 may be emulated at ~1 µs per
 * instruction and each exit costs tens of µs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "mmu/util.h"
#include "tests/kvm/kvm_test.h"
#include "results/compare.h"
#include "vmm/run/kvm_platform.h"
#include "shadow/shadow_roots.h"
#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

static const char *const workloads[] = { "seq", "gups", "pchase", "churn", "ctxsw" };

/* What the VM said at the end, beyond the run result: the guest kernel's own counters. */
static struct kvm_guest_outcome outcome;

static void keep_outcome(struct kvm_vm *vm, void *arg)
{
	(void)arg;
	outcome = vm->out;
}

static struct run_config config(const char *wl, const char *platform, const char *mmu, uint64_t seed)
{
	struct run_config c = kvm_test_config(wl, platform, 384 << 10, seed, strcmp(wl, "churn") == 0 ? 300 : 3000);
	c.mmu = mmu;
	return c;
}

static void run_kvm(struct run_config *c, struct run_result *r)
{
	struct wl_ctx ctx = { 0 };
	struct kvm_platform_hooks h = { .stopping = keep_outcome };
	memset(r, 0, sizeof(*r));
	memset(&outcome, 0, sizeof(outcome));
	int rc = kvm_platform_run(c, &ctx, NULL, r, &h);
	if (rc != 0)
		fprintf(stderr, "%s on kvm/%s: %s\n", c->workload->name, c->mmu, r->message);
	assert_int_equal(rc, 0);
	assert_true(r->have_checksum);
}

static uint64_t checksum_of(struct run_config c)
{
	static struct run_result r;
	enum run_state st = run_execute(&c, &r, NULL);
	assert_int_equal(st, RUN_OK);
	return r.checksum;
}

static void shadow_counters_zero(const struct exit_counters *e)
{
	assert_int_equal(e->pt_write, 0);
	assert_int_equal(e->cr3_load, 0);
	assert_int_equal(e->hidden_fault, 0);
	assert_int_equal(e->invlpg, 0);
}

static void test_checksums_equal_everywhere(void **st)
{
	(void)st;
	static struct run_result shadow, ept;
	for (uint64_t seed = 1; seed <= 2; seed++)
		for (size_t i = 0; i < ARRAY_SIZE(workloads); i++) {
			struct run_config k = config(workloads[i], "kvm", "shadow", seed * 77);
			run_kvm(&k, &shadow);
			assert_true(whole_run(&shadow)->exits.hidden_fault > 0);
			/* every page-table store the guest kernel made exited (plus, at most, the
			 * kernel entry written once into each root) */
			assert_true(whole_run(&shadow)->exits.pt_write >= outcome.stats.pt_writes);
			assert_true(whole_run(&shadow)->exits.pt_write <= outcome.stats.pt_writes + GK_MAX_AS);
			assert_int_equal(whole_run(&shadow)->exits.cr3_load, outcome.stats.switches);
			assert_int_equal(whole_run(&shadow)->exits.invlpg, outcome.stats.invlpgs);

			k.mmu = "ept";
			run_kvm(&k, &ept);
			shadow_counters_zero(&ept.exits);
			assert_true(shadow.checksum == ept.checksum);
			assert_true(shadow.checksum == checksum_of(config(workloads[i], "sim", "shadow", seed * 77)));
			struct run_config n = config(workloads[i], "native", "none", seed * 77);
			assert_true(shadow.checksum == checksum_of(n));
		}
}

/* 2 MiB guest pages: the shadow maps them as 2 MiB leaves onto guest RAM. */
static void test_large_guest_pages(void **st)
{
	(void)st;
	static struct run_result shadow, ept;
	struct run_config k = kvm_test_config("gups", "kvm", 4 << 20, 5, 3000);
	k.sim.guest_page = 2 << 20;
	cli_finish_config(&k, NULL);
	k.mmu = "shadow";
	run_kvm(&k, &shadow);
	k.mmu = "ept";
	run_kvm(&k, &ept);
	assert_true(shadow.checksum == ept.checksum);
	assert_true(whole_run(&shadow)->exits.hidden_fault > 0);
	/* 4 MiB in 2 MiB pages: a handful of faults, not a thousand */
	assert_true(whole_run(&shadow)->exits.hidden_fault < 64);
}

/* churn maps and unmaps its region over and over: each page costs a store when mapped and
 * one when unmapped, so pt_write grows with the pages mapped. */
static void test_churn_pt_writes_follow_pages_mapped(void **st)
{
	(void)st;
	static struct run_result small, large;
	struct run_config c = config("churn", "kvm", "shadow", 3);
	c.params.ops = 150;
	run_kvm(&c, &small);
	uint64_t faults_small = outcome.stats.faults;
	c.params.ops = 450;
	run_kvm(&c, &large);
	uint64_t faults_large = outcome.stats.faults;
	assert_true(faults_large > 2 * faults_small);
	assert_true(whole_run(&small)->exits.pt_write >= 2 * faults_small);
	assert_true(whole_run(&large)->exits.pt_write >= 2 * faults_large);
	/* beyond the two leaf stores per page, only table links and their teardown */
	assert_true(whole_run(&large)->exits.pt_write - whole_run(&small)->exits.pt_write <= 3 * (faults_large - faults_small));
	assert_true(whole_run(&large)->exits.pt_write - whole_run(&small)->exits.pt_write >= 2 * (faults_large - faults_small));
}

/* ctxsw switches address spaces every switch_every operations: one cr3_load each. */
static void test_ctxsw_cr3_loads_follow_switches(void **st)
{
	(void)st;
	static struct run_result rare, often;
	struct run_config c = config("ctxsw", "kvm", "shadow", 4);
	c.params.procs = 4;
	c.params.switch_every = 40;
	run_kvm(&c, &rare);
	uint64_t switches_rare = outcome.stats.switches;
	c.params.switch_every = 10;
	run_kvm(&c, &often);
	assert_int_equal(whole_run(&rare)->exits.cr3_load, switches_rare);
	assert_int_equal(whole_run(&often)->exits.cr3_load, outcome.stats.switches);
	assert_true(whole_run(&often)->exits.cr3_load > 3 * whole_run(&rare)->exits.cr3_load);
	assert_true(often.checksum != 0 && rare.checksum != 0);
}

/* More address spaces than the root cache holds: switching round them evicts shadow trees
 * (tables freed and reused, KVM flushed), and each space comes back to an empty tree that
 * refills with hidden faults — still the checksum ept gives. */
static void test_root_cache_eviction(void **st)
{
	(void)st;
	static struct run_result shadow, ept;
	struct run_config c = config("ctxsw", "kvm", "shadow", 6);
	c.params.procs = SHADOW_MAX_ROOTS + 4;
	c.params.switch_every = 5;
	run_kvm(&c, &shadow);
	uint64_t faults = outcome.stats.faults;
	c.mmu = "ept";
	run_kvm(&c, &ept);
	assert_true(shadow.checksum == ept.checksum);
	/* refills: more hidden faults than pages the guest ever mapped */
	assert_true(whole_run(&shadow)->exits.hidden_fault > faults + c.params.procs);
	assert_true(shadow.host_mmu_flushes > 0);
}

/* Every exit the VMM counted was timed by it, and every shadow exit by the guest too. */
static void test_every_exit_is_timed(void **st)
{
	(void)st;
	static struct run_result r;
	static struct result_counters t; /* over the whole run: each phase's exits are timed */
	struct run_config c = config("churn", "kvm", "shadow", 9);
	run_kvm(&c, &r);
	assert_true(r.have_exit_costs);
	result_counters_total(&r, &t);
	const uint64_t *n = (const uint64_t *)&t.exits;
	for (unsigned k = 0; k < MMU_EXIT_REASON_COUNT; k++) {
		if (k == MMU_EXIT_ept_violation)
			continue; /* resolved by the uffd thread, not a KVM_RUN exit */
		assert_int_equal(t.exit_costs[k].handled, n[k]);
		assert_true(n[k] == 0 || t.exit_costs[k].handler_ns > 0);
	}
	const enum mmu_exit_reason guest_timed[] = { MMU_EXIT_pt_write, MMU_EXIT_cr3_load, MMU_EXIT_hidden_fault,
						     MMU_EXIT_invlpg };
	for (size_t i = 0; i < ARRAY_SIZE(guest_timed); i++) {
		assert_int_equal(t.exit_costs[guest_timed[i]].roundtrips, n[guest_timed[i]]);
		/* the round trip contains the handler */
		assert_true(t.exit_costs[guest_timed[i]].roundtrip_ns > t.exit_costs[guest_timed[i]].handler_ns);
	}
	/* the unmaps removed shadow entries: KVM's MMU was flushed before the guest ran on */
	assert_true(t.host_mmu_flushes > 0);
}

/* compare on kvm runs sim beside it: the same exits counted by both, checksums equal. */
static void test_compare_puts_sim_beside_kvm(void **st)
{
	(void)st;
	static struct compare cmp;
	char bad[64];
	cmp.base = config("churn", "kvm", "ept", 2);
	assert_int_equal(compare_set_workloads(&cmp, "churn", bad, sizeof(bad)), 0);
	assert_int_equal(compare_run(&cmp), RUN_OK);
	const struct compare_row *row = &cmp.rows[0];
	assert_true(cmp.with_sim);
	assert_true(row->sim_shadow.have_checksum && row->sim_shadow.checksum == row->shadow.checksum);
	/* the guest kernel does the same work on both: the same page-table stores and switches */
	assert_int_equal(row->shadow.exits.cr3_load, row->sim_shadow.exits.cr3_load);
	assert_int_equal(row->shadow.exits.invlpg, row->sim_shadow.exits.invlpg);
	/* and the VMM fills the same shadow entries: no fault the shadow already allowed */
	assert_int_equal(row->shadow.exits.hidden_fault, row->sim_shadow.exits.hidden_fault);
	assert_true(row->shadow.exits.pt_write >= row->sim_shadow.exits.pt_write);
	assert_true(row->shadow.exits.pt_write <= row->sim_shadow.exits.pt_write + GK_MAX_AS);
	assert_false(row->sim_shadow.have_exit_costs);
	json_t *costs = compare_costs_json(&cmp);
	assert_true(json_array_size(costs) > 0);
	json_decref(costs);
	/* a real VM's TLB and walks are not observable: the table says so (null, "-"), not 0 */
	json_t *doc = compare_to_json(&cmp);
	json_t *jrow = json_array_get(json_object_get(doc, "rows"), 0);
	assert_true(json_is_null(json_object_get(json_object_get(jrow, "shadow"), "tlb_misses")));
	assert_true(json_is_null(json_object_get(json_object_get(jrow, "ept"), "modeled_cycles")));
	assert_true(json_integer_value(json_object_get(json_object_get(jrow, "sim_ept"), "walks")) > 0);
	json_decref(doc);
	struct compare_mmu_cells cells;
	compare_mmu_cells(&row->ept, &cells);
	assert_string_equal(cells.walks, "-");
	compare_mmu_cells(&row->sim_ept, &cells);
	assert_true(strtoull(cells.walks, NULL, 10) == row->sim_ept.mmu_user.walks);
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_shadow");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksums_equal_everywhere),
		cmocka_unit_test(test_large_guest_pages),
		cmocka_unit_test(test_churn_pt_writes_follow_pages_mapped),
		cmocka_unit_test(test_ctxsw_cr3_loads_follow_switches),
		cmocka_unit_test(test_root_cache_eviction),
		cmocka_unit_test(test_every_exit_is_timed),
		cmocka_unit_test(test_compare_puts_sim_beside_kvm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
