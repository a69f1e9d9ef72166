/* test_policies.c — the policies' step functions on synthetic views (no VMs, no host state):
 * static splits the budget equally; mom shrinks guests under 20% free and moves at most 5% a
 * step, and grows them back when the host has room; esx gives the active VM more than the idle
 * one with a 75% tax and the same with none, from an estimate or, without one, from progress;
 * psi lowers allowances (and pages out) while pressure is under its target and backs off when
 * it rises — also on the VMM's own refaults, which this host's PSI misses — and holds in its
 * hysteresis band. Also: knobs refused by name and range, water-filling's bounds, the log's cap. A
 * recording backend stands for the mechanisms. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "overcommit/actions.h"
#include "overcommit/policy.h"

#define MiB (1ULL << 20)

struct rec {
	uint64_t target[OC_MAX_VMS];
	int targets, ksm_calls, reclaims, limits;
	bool ksm;
	uint64_t reclaimed[OC_MAX_VMS];
};

static int rec_target(void *c, size_t vm, uint64_t bytes)
{
	struct rec *r = c;
	r->target[vm] = bytes;
	r->targets++;
	return 0;
}
static int rec_ksm(void *c, bool on)
{
	struct rec *r = c;
	r->ksm = on;
	r->ksm_calls++;
	return 0;
}
static int64_t rec_reclaim(void *c, size_t vm, uint64_t bytes)
{
	struct rec *r = c;
	r->reclaimed[vm] += bytes;
	r->reclaims++;
	return (int64_t)bytes;
}
static int rec_limit(void *c, uint64_t bytes)
{
	struct rec *r = c;
	(void)bytes;
	r->limits++;
	return 0;
}

struct fixture {
	struct rec rec;
	struct oc_backend be;
	struct oc_actions act;
	struct oc_ctx ctx;
	struct oc_view view;
};

static void setup(struct fixture *f, const char *policy, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->be = (struct oc_backend){ rec_target, rec_ksm, rec_reclaim, rec_limit, &f->rec };
	oc_actions_init(&f->act, &f->be);
	const struct oc_policy_ops *ops = oc_policy_find(policy);
	assert_non_null(ops);
	oc_ctx_init(&f->ctx, ops, n);
	if (ops->init)
		assert_int_equal(ops->init(&f->ctx), 0);
	f->view.n = n;
	f->view.usage_bytes = f->view.psi_some_us = OC_ABSENT;
	for (size_t i = 0; i < n; i++)
		f->view.vm[i] = (struct oc_vm_view){ .name = i ? "b" : "a", .running = true, .has_balloon = true,
						     .shares = OC_DEFAULT_SHARES, .guest_bytes = 64 * MiB,
						     .resident_bytes = OC_ABSENT, .used_bytes = OC_ABSENT,
						     .wss_bytes = OC_ABSENT, .ops_per_s = 1000 };
}

static void knob(struct fixture *f, const char *k, const char *v)
{
	char why[256];
	assert_int_equal(oc_knob_set(&f->ctx, k, v, why, sizeof(why)), 0);
}

/* One step, the balloon targets then reflected in the view as a host would. */
static void step(struct fixture *f)
{
	f->act.view = &f->view;
	f->ctx.ops->step(&f->ctx, &f->view, &f->act);
	for (size_t i = 0; i < f->view.n; i++)
		f->view.vm[i].balloon_target = f->act.target[i];
}

static void teardown(struct fixture *f)
{
	if (f->ctx.ops->fini)
		f->ctx.ops->fini(&f->ctx);
	oc_actions_fini(&f->act);
}

static void test_static_equal_split(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "static", 2);
	knob(&f, "headroom", "0");
	f.view.budget_bytes = 80 * MiB;
	step(&f);
	/* 40 MiB each: a 24 MiB balloon in each 64 MiB guest */
	assert_int_equal(f.rec.target[0], 24 * MiB);
	assert_int_equal(f.rec.target[1], 24 * MiB);
	assert_int_equal(f.act.n, 2);
	step(&f); /* the same targets again are not actions */
	assert_int_equal(f.act.n, 2);
	assert_int_equal(f.rec.targets, 2);
	/* a VM smaller than its share keeps all its RAM and the other takes the rest */
	f.view.vm[0].guest_bytes = 16 * MiB;
	step(&f);
	assert_int_equal(f.rec.target[0], 0);
	assert_int_equal(f.rec.target[1], 0); /* 64 MiB fits in the 64 MiB left */
	teardown(&f);
}

static void test_mom_inflates_under_pressure_at_most_5pct(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "mom", 2);
	f.view.budget_bytes = f.view.limit_bytes = 100 * MiB;
	f.view.usage_bytes = 90 * MiB; /* 10% free: under 20% */
	f.view.ksm_available = true;
	f.view.vm[0].used_bytes = 8 * MiB;  /* lots free: shrinks */
	f.view.vm[1].used_bytes = 60 * MiB; /* 4 MiB free of 64 < 20%: left alone under pressure */
	step(&f);
	assert_true(f.rec.ksm); /* KSM under pressure */
	uint64_t step1 = f.rec.target[0];
	assert_true(step1 > 0);
	assert_true(step1 <= (uint64_t)(0.05 * 64 * MiB) + 4096);
	assert_int_equal(f.rec.target[1], 0);
	for (int i = 0; i < 50; i++) { /* each step at most 5% of what the guest holds */
		uint64_t before = oc_vm_alloc(&f.view.vm[0]);
		step(&f);
		uint64_t after = oc_vm_alloc(&f.view.vm[0]);
		assert_true(after <= before);
		assert_true(before - after <= (uint64_t)(0.05 * (double)before) + 4096);
	}
	/* it stops when the guest keeps 20% free: 8 MiB used -> about 10 MiB held */
	assert_true(oc_vm_alloc(&f.view.vm[0]) >= 10 * MiB - 4096);
	assert_true(oc_vm_alloc(&f.view.vm[0]) <= 11 * MiB);
	/* no pressure: KSM off, the guest with too little free grows back, 5% at a time */
	f.view.usage_bytes = 50 * MiB;
	f.view.vm[0].used_bytes = 10 * MiB;
	uint64_t before = oc_vm_alloc(&f.view.vm[0]);
	step(&f);
	assert_false(f.rec.ksm);
	uint64_t after = oc_vm_alloc(&f.view.vm[0]);
	assert_true(after > before && after - before <= (uint64_t)(0.05 * (double)before) + 4096);
	/* every decision says why, with its inputs */
	assert_true(f.act.n > 2 && f.act.log[1].inputs.n > 0 && strlen(f.act.log[1].reason) > 0);
	teardown(&f);
}

/* The bytes each VM is left with under esx at `tax`, VM 0 idle and VM 1 active. */
static void esx_split(const char *tax, bool estimate, uint64_t *idle, uint64_t *active)
{
	struct fixture f;
	setup(&f, "esx", 2);
	knob(&f, "tax", tax);
	knob(&f, "headroom", "0");
	f.view.budget_bytes = f.view.limit_bytes = 80 * MiB;
	f.view.usage_bytes = 60 * MiB;
	for (int i = 0; i < 2; i++)
		f.view.vm[i].resident_bytes = 48 * MiB;
	if (estimate) {
		f.view.vm[0].wss_bytes = 2 * MiB;
		f.view.vm[1].wss_bytes = 48 * MiB;
	} else {
		f.view.vm[0].ops_per_s = 0;
	}
	step(&f);
	*idle = oc_vm_alloc(&f.view.vm[0]);
	*active = oc_vm_alloc(&f.view.vm[1]);
	assert_true(*idle + *active <= 80 * MiB);
	teardown(&f);
}

static void test_esx_idle_tax(void **st)
{
	(void)st;
	uint64_t idle, active;
	esx_split("0", true, &idle, &active); /* shares alone: equal */
	assert_int_equal(idle, 40 * MiB);
	assert_int_equal(active, 40 * MiB);
	esx_split("0.75", true, &idle, &active);
	assert_true(active > idle);
	assert_true(active >= 55 * MiB); /* weights 1000/(1/0.96...) vs 1000/4ish */
	esx_split("0.75", false, &idle, &active); /* no estimate: progress stands in */
	assert_true(active > idle);
	esx_split("0", false, &idle, &active);
	assert_int_equal(idle, active);
}

static void test_esx_states(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "esx", 2);
	f.view.budget_bytes = f.view.limit_bytes = 100 * MiB;
	f.view.usage_bytes = 50 * MiB;
	step(&f);
	assert_string_equal(f.act.state, "high");
	assert_int_equal(f.rec.reclaims, 0);
	f.view.usage_bytes = 99 * MiB; /* 1% free: low, the host pages out the VM holding most per share */
	f.view.vm[1].resident_bytes = 60 * MiB;
	f.view.vm[0].resident_bytes = 10 * MiB;
	step(&f);
	assert_string_equal(f.act.state, "low");
	assert_int_equal(f.rec.reclaims, 1);
	assert_true(f.rec.reclaimed[1] > 0 && f.rec.reclaimed[0] == 0);
	teardown(&f);
}

/* In low, the host pages out the VM of lowest rho on what it holds: with the tax the idle VM
 * (its pages cost four times), without it the one holding most. */
static void test_esx_reclaims_lowest_rho(void **st)
{
	(void)st;
	static const char *const taxes[] = { "0.75", "0" };
	for (int t = 0; t < 2; t++) {
		struct fixture f;
		setup(&f, "esx", 2);
		knob(&f, "tax", taxes[t]);
		f.view.budget_bytes = f.view.limit_bytes = 100 * MiB;
		f.view.usage_bytes = 100 * MiB;
		f.view.vm[0].ops_per_s = 0; /* idle */
		f.view.vm[0].resident_bytes = 20 * MiB;
		f.view.vm[1].resident_bytes = 50 * MiB;
		step(&f);
		assert_int_equal(f.rec.reclaims, 1);
		assert_true(t == 0 ? f.rec.reclaimed[0] > 0 && !f.rec.reclaimed[1] : f.rec.reclaimed[1] > 0 && !f.rec.reclaimed[0]);
		teardown(&f);
	}
}

static double allowance(struct fixture *f, size_t i) { return oc_psi_allowance(&f->ctx, i); }

static void test_psi_probes_then_backs_off(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "psi", 1);
	f.view.vm[0].resident_bytes = 64 * MiB;
	f.view.psi_some_us = 0;
	f.view.psi_some_frac = 0; /* no pressure: probe */
	step(&f);
	double a1 = allowance(&f, 0);
	assert_true(a1 < 64.0 * MiB);
	assert_string_equal(f.act.state, "probe");
	assert_int_equal(f.rec.reclaims, 1);
	step(&f);
	assert_true(allowance(&f, 0) < a1);
	double low = allowance(&f, 0);
	int reclaims = f.rec.reclaims;
	f.view.psi_some_frac = 0.05; /* well above the target: back off */
	step(&f);
	assert_string_equal(f.act.state, "backoff");
	assert_true(allowance(&f, 0) > low);
	assert_int_equal(f.rec.reclaims, reclaims); /* no page-out while backing off */
	teardown(&f);
}

/* This host's PSI (system-wide, v1) does not see the refaults of psi's own page-outs: the
 * VMM's major faults over the step are pressure too, and they stop the probe. */
static void test_psi_backs_off_on_own_refaults(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "psi", 2);
	knob(&f, "refault-us", "50");
	f.view.period_ms = 100;
	f.view.psi_some_us = 0;
	f.view.psi_some_frac = 0; /* the system-wide figure stays at nothing throughout */
	for (size_t i = 0; i < 2; i++) {
		f.view.vm[i].resident_bytes = 64 * MiB;
		f.view.vm[i].majflt = 1000;
	}
	step(&f); /* the first step has no previous fault count: probe */
	assert_string_equal(f.act.state, "probe");
	step(&f); /* no new faults: probe again */
	assert_string_equal(f.act.state, "probe");
	double low = allowance(&f, 0);
	int reclaims = f.rec.reclaims;
	/* 200 faults in 100 ms at 50 us each: 10% of the step stalled, far over 0.17% */
	f.view.vm[0].majflt = f.view.vm[1].majflt = 1200;
	step(&f);
	assert_string_equal(f.act.state, "backoff");
	assert_true(allowance(&f, 0) > low);
	assert_int_equal(f.rec.reclaims, reclaims);
	/* with refault-us = 0 the same faults are no pressure: PSI alone, the old behaviour */
	knob(&f, "refault-us", "0");
	f.view.vm[0].majflt = f.view.vm[1].majflt = 1400;
	step(&f);
	assert_string_equal(f.act.state, "probe");
	teardown(&f);
}

/* Between target * (1 - hysteresis) and the target, psi holds: allowances unchanged, no
 * page-out even for a VM above its allowance. */
static void test_psi_holds_in_band(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "psi", 1);
	knob(&f, "target", "0.01");
	knob(&f, "hysteresis", "0.5");
	f.view.period_ms = 100;
	f.view.psi_some_us = 0;
	f.view.vm[0].resident_bytes = 64 * MiB;
	f.view.psi_some_frac = 0;
	step(&f);
	step(&f);
	double a = allowance(&f, 0);
	int reclaims = f.rec.reclaims;
	assert_true(reclaims >= 1 && a < 64.0 * MiB);
	f.view.psi_some_frac = 0.007; /* in the band [0.005, 0.01] */
	step(&f);
	assert_string_equal(f.act.state, "hold");
	assert_true(allowance(&f, 0) == a);
	assert_int_equal(f.rec.reclaims, reclaims);
	f.view.psi_some_frac = 0.004; /* under the band: probe again */
	step(&f);
	assert_string_equal(f.act.state, "probe");
	assert_true(allowance(&f, 0) < a);
	teardown(&f);
}

static void test_knobs_refused_by_name(void **st)
{
	(void)st;
	struct oc_ctx c;
	char why[256];
	oc_ctx_init(&c, oc_policy_find("esx"), 2);
	assert_true(c.knob[oc_knob_index(c.ops, "tax")] == 0.75);
	assert_int_equal(oc_knob_set(&c, "taxes", "0.5", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "taxes"));
	assert_non_null(strstr(why, "tax,"));
	assert_int_equal(oc_knob_set(&c, "tax", "1.5", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "'tax'"));
	assert_int_equal(oc_knob_set(&c, "tax", "x", why, sizeof(why)), -EINVAL);
	oc_ctx_init(&c, oc_policy_find("none"), 2);
	assert_int_equal(oc_knob_set(&c, "tax", "0", why, sizeof(why)), -EINVAL);
	assert_null(oc_policy_find("balloon"));
	/* every knob's default lies in its range and names its source */
	for (size_t p = 0; oc_policy_at(p); p++)
		for (size_t k = 0; k < oc_policy_at(p)->nknobs; k++) {
			const struct oc_knob *kb = &oc_policy_at(p)->knobs[k];
			assert_true(kb->def >= kb->min && kb->def <= kb->max);
			assert_true(kb->help && *kb->help && kb->source && *kb->source);
		}
}

static void test_water_fill_bounds(void **st)
{
	(void)st;
	double w[3] = { 1, 1, 2 };
	uint64_t lo[3] = { 0, 30, 0 }, hi[3] = { 10, 100, 100 }, out[3];
	uint64_t given = oc_water_fill(100, 3, w, lo, hi, out);
	assert_int_equal(out[0], 10); /* capped: its 25 goes to the others */
	assert_true(out[1] >= 30);
	assert_true(out[2] >= out[1]);
	assert_true(given <= 100 && given >= 98);
}

static void test_log_is_bounded(void **st)
{
	(void)st;
	struct fixture f;
	setup(&f, "none", 1);
	f.act.view = &f.view;
	for (uint64_t i = 1; i <= OC_LOG_MAX + 10; i++)
		oc_set_target(&f.act, 0, i * 4096, NULL, "step %llu", (unsigned long long)i);
	assert_int_equal(f.act.n, OC_LOG_MAX);
	assert_int_equal(f.act.dropped, 10);
	assert_int_equal(f.rec.targets, OC_LOG_MAX + 10); /* dropped from the log, not from the VM */
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_equal_split),
		cmocka_unit_test(test_mom_inflates_under_pressure_at_most_5pct),
		cmocka_unit_test(test_esx_idle_tax),
		cmocka_unit_test(test_esx_states),
		cmocka_unit_test(test_esx_reclaims_lowest_rho),
		cmocka_unit_test(test_psi_probes_then_backs_off),
		cmocka_unit_test(test_psi_backs_off_on_own_refaults),
		cmocka_unit_test(test_psi_holds_in_band),
		cmocka_unit_test(test_knobs_refused_by_name),
		cmocka_unit_test(test_water_fill_bounds),
		cmocka_unit_test(test_log_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
