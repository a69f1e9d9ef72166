/* test_kvm_equivalence.c — Popek–Goldberg equivalence on real KVM: every workload gives the
 * same checksum on kvm (guest kernel in ring 0, workload in ring 3) as natively and on sim,
 * for several seeds and footprints, with 4 KiB and 2 MiB guest pages; and the kvm result
 * carries what the guest and the VMM counted. Sizes stay small: ring-0 guest code may be
 * emulated (~1 µs per instruction), so each run takes at most a few thousand guest faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "mmu/util.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/run/run.h"

static const char *const workloads[] = { "seq", "gups", "pchase", "churn", "ctxsw" };
static struct run_result rn, rk, rs;

static uint64_t ops_for(const char *wl) { return strcmp(wl, "churn") == 0 ? 1500 : 20000; }

static void run_ok(struct run_config *c, struct run_result *r)
{
	enum run_state st = run_execute(c, r, NULL);
	if (st != RUN_OK)
		fprintf(stderr, "%s on %s: %s\n", c->workload->name, c->platform, r->message);
	assert_int_equal(st, RUN_OK);
	assert_true(r->have_checksum);
}

static void check_workloads(uint64_t mem, uint64_t seed, uint64_t guest_page)
{
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++) {
		struct run_config n = kvm_test_config(workloads[i], "native", mem, seed, ops_for(workloads[i]));
		struct run_config k = kvm_test_config(workloads[i], "kvm", mem, seed, ops_for(workloads[i]));
		struct run_config s = kvm_test_config(workloads[i], "sim", mem, seed, ops_for(workloads[i]));
		k.sim.guest_page = s.sim.guest_page = guest_page;
		cli_finish_config(&k, NULL);
		cli_finish_config(&s, NULL);
		k.mmu = s.mmu = "ept";
		run_ok(&n, &rn);
		run_ok(&k, &rk);
		run_ok(&s, &rs);
		assert_true(rk.checksum == rn.checksum);
		assert_true(rs.checksum == rn.checksum);
		/* the guest kernel took faults, reported its phases, and the VMM counted them */
		assert_true(whole_run(&rk)->guest_faults > 0);
		assert_true(whole_run(&rk)->exits.hypercall >= 3);
		/* the pages the workload touched are backed on the host (churn touches one region) */
		assert_true(rk.host_resident_bytes >= (strcmp(workloads[i], "churn") == 0 ? k.params.region_bytes : mem));
		assert_int_equal(whole_run(&rk)->exits.pt_write + whole_run(&rk)->exits.cr3_load + whole_run(&rk)->exits.hidden_fault, 0);
	}
}

static void test_equivalence_4k_pages(void **st)
{
	(void)st;
	check_workloads(256 << 10, 1, 4096);
	check_workloads(1 << 20, 7, 4096);
	check_workloads(768 << 10, 12345, 4096);
}

static void test_equivalence_2m_pages(void **st)
{
	(void)st;
	check_workloads(4 << 20, 3, 2 << 20);
}

/* The workloads' own parameters change what the guest kernel does (more address spaces,
 * more frequent switches, smaller regions mapped and unmapped more often). */
static void test_equivalence_workload_parameters(void **st)
{
	(void)st;
	struct run_config n = kvm_test_config("ctxsw", "native", 512 << 10, 21, 20000);
	struct run_config k = kvm_test_config("ctxsw", "kvm", 512 << 10, 21, 20000);
	n.params.procs = k.params.procs = 8;
	n.params.switch_every = k.params.switch_every = 7;
	run_ok(&n, &rn);
	run_ok(&k, &rk);
	assert_true(rk.checksum == rn.checksum);
	n = kvm_test_config("churn", "native", 512 << 10, 22, 1000);
	k = kvm_test_config("churn", "kvm", 512 << 10, 22, 1000);
	n.params.region_bytes = k.params.region_bytes = 64 << 10;
	run_ok(&n, &rn);
	run_ok(&k, &rk);
	assert_true(rk.checksum == rn.checksum);
	assert_int_equal(whole_run(&rk)->guest_faults, 1000); /* one fault per page touched */
}

/* seq touches every page of its buffer once: exactly mem / page faults in the guest. */
static void test_guest_fault_count_is_exact(void **st)
{
	(void)st;
	struct run_config k = kvm_test_config("seq", "kvm", 1 << 20, 5, 1000);
	run_ok(&k, &rk);
	assert_int_equal(whole_run(&rk)->guest_faults, (1 << 20) / 4096);
	k.sim.guest_page = 2 << 20;
	k.params.mem_bytes = 4 << 20;
	cli_finish_config(&k, NULL);
	k.mmu = "ept";
	run_ok(&k, &rk);
	assert_int_equal(whole_run(&rk)->guest_faults, 2);
}

/* Timing comes from the guest's TSC, and KVM's statistics cover the measured phase. */
static void test_result_has_guest_timing_and_kvm_stats(void **st)
{
	(void)st;
	struct run_config k = kvm_test_config("churn", "kvm", 1 << 20, 2, 300);
	run_ok(&k, &rk);
	assert_true(rk.setup_s > 0 && rk.run_s > 0);
	assert_true(rk.n_kvm_stats > 0);
	bool exits_seen = false;
	for (unsigned i = 0; i < rk.n_kvm_stats; i++)
		if (strcmp(rk.kvm_stats[i].name, "vcpu.exits") == 0)
			exits_seen = rk.kvm_stats[i].delta > 0;
	assert_true(exits_seen);
	json_t *doc = NULL;
	assert_int_equal(run_execute(&k, &rk, &doc), RUN_OK);
	assert_true(json_is_object(json_object_get(doc, "kvm_stats")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "memory"), "backend")), "anon");
	json_decref(doc);
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_equivalence");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equivalence_4k_pages),
		cmocka_unit_test(test_equivalence_2m_pages),
		cmocka_unit_test(test_equivalence_workload_parameters),
		cmocka_unit_test(test_guest_fault_count_is_exact),
		cmocka_unit_test(test_result_has_guest_timing_and_kvm_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
