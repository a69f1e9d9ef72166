/* result_phases.c — a run's counters split by phase (schema_version 2, docs/result-schema.md
 * "Phases"). The measured phase's counters stay where version 1 had the whole run's (mmu{},
 * exits{}, exit_costs{}, faults{}, kvm_stats{}), so that everything that reads a result —
 * compare, sweep metrics, a reader's own scripts — compares measured work with measured work;
 * setup (with a time-based run's ramp) and the checksum pass go to phases{}. Platforms take
 * cumulative snapshots at the phase marks and subtract them here: the phases partition the
 * run, and their sum is what version 1 reported (tests/golden checks exactly that). */
#include "results/result.h"

/* Counter structs are plain arrays of uint64_t: subtract or add them word by word. */
static void words_diff(uint64_t *out, const uint64_t *to, const uint64_t *from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = to[i] - from[i];
}

static void words_add(uint64_t *out, const uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] += a[i];
}

_Static_assert(sizeof(struct mmu_counters) % sizeof(uint64_t) == 0, "mmu_counters holds only uint64_t");
_Static_assert(sizeof(struct exit_counters) % sizeof(uint64_t) == 0, "exit_counters holds only uint64_t");
#define WORDS(t) (sizeof(t) / sizeof(uint64_t))

void mmu_counters_diff(struct mmu_counters *out, const struct mmu_counters *to, const struct mmu_counters *from)
{
	words_diff((uint64_t *)out, (const uint64_t *)to, (const uint64_t *)from, WORDS(*out));
}

void exit_counters_diff(struct exit_counters *out, const struct exit_counters *to, const struct exit_counters *from)
{
	words_diff((uint64_t *)out, (const uint64_t *)to, (const uint64_t *)from, WORDS(*out));
}

void result_counters_measured(const struct run_result *r, struct result_counters *out)
{
	*out = (struct result_counters){
		.have = true, .have_mmu = r->have_mmu, .mmu_user = r->mmu_user, .mmu_kernel = r->mmu_kernel,
		.modeled_cycles = r->modeled_cycles, .modeled_cycles_kernel = r->modeled_cycles_kernel,
		.exits = r->exits, .have_exit_costs = r->have_exit_costs, .host_mmu_flushes = r->host_mmu_flushes,
		.host_mmu_flush_ns = r->host_mmu_flush_ns, .host_minor_faults = r->host_minor_faults,
		.host_major_faults = r->host_major_faults, .guest_faults = r->guest_faults,
		.n_kvm_stats = r->n_kvm_stats,
	};
	for (unsigned i = 0; i < MMU_EXIT_REASON_COUNT; i++)
		out->exit_costs[i] = r->exit_costs[i];
	for (unsigned i = 0; i < r->n_kvm_stats && i < RESULT_KVM_STATS_MAX; i++)
		out->kvm_stats[i] = r->kvm_stats[i];
}

/* Means weighted by their counts. */
static double mean_add(double mean, uint64_t n, double mean2, uint64_t n2)
{
	return n + n2 ? (mean * (double)n + mean2 * (double)n2) / (double)(n + n2) : 0.0;
}

static void counters_add(struct result_counters *t, const struct result_counters *c)
{
	if (!c->have)
		return;
	words_add((uint64_t *)&t->mmu_user, (const uint64_t *)&c->mmu_user, WORDS(t->mmu_user));
	words_add((uint64_t *)&t->mmu_kernel, (const uint64_t *)&c->mmu_kernel, WORDS(t->mmu_kernel));
	words_add((uint64_t *)&t->exits, (const uint64_t *)&c->exits, WORDS(t->exits));
	t->modeled_cycles += c->modeled_cycles;
	t->modeled_cycles_kernel += c->modeled_cycles_kernel;
	for (unsigned i = 0; i < MMU_EXIT_REASON_COUNT; i++) {
		struct result_exit_cost *a = &t->exit_costs[i];
		const struct result_exit_cost *b = &c->exit_costs[i];
		a->handler_ns = mean_add(a->handler_ns, a->handled, b->handler_ns, b->handled);
		a->roundtrip_ns = mean_add(a->roundtrip_ns, a->roundtrips, b->roundtrip_ns, b->roundtrips);
		a->handled += b->handled;
		a->roundtrips += b->roundtrips;
	}
	t->host_mmu_flush_ns = mean_add(t->host_mmu_flush_ns, t->host_mmu_flushes, c->host_mmu_flush_ns,
					c->host_mmu_flushes);
	t->host_mmu_flushes += c->host_mmu_flushes;
	t->host_minor_faults += c->host_minor_faults;
	t->host_major_faults += c->host_major_faults;
	t->guest_faults += c->guest_faults;
	for (unsigned i = 0; i < c->n_kvm_stats && i < t->n_kvm_stats; i++)
		t->kvm_stats[i].delta += c->kvm_stats[i].delta;
}

void result_counters_total(const struct run_result *r, struct result_counters *out)
{
	result_counters_measured(r, out);
	for (unsigned p = 0; p < RESULT_PHASES; p++)
		counters_add(out, &r->phases[p]);
}
