/* compare_costs.c — on kvm, what each exit reason cost: for every workload and strategy,
 * the exits kvm took and their measured cost (mean µs in the VMM's handler, mean µs round
 * trip as the guest's TSC saw it), beside the exits sim counted for the same workload and
 * the cycles its cost model charges each. A reader sees at once which figure is measured
 * and which is modeled. Reasons that occurred on neither platform are left out. */
#include <inttypes.h>
#include <stdio.h>

#include "results/compare.h"
#include "results/html.h"

static const char *const reason_names[] = {
#define EXIT_NAME(name) #name,
	MMU_EXIT_REASONS(EXIT_NAME)
#undef EXIT_NAME
};

static uint64_t exit_count(const struct exit_counters *e, enum mmu_exit_reason r)
{
	return ((const uint64_t *)e)[r];
}

/* The cost model's cycles for one exit of reason r. */
static uint64_t modeled_cycles(const struct mmu_cost *c, enum mmu_exit_reason r)
{
	const uint64_t per[] = {
#define EXIT_COST(name) c->exit_##name,
		MMU_EXIT_REASONS(EXIT_COST)
#undef EXIT_COST
	};
	return per[r];
}

/* One line of the table: a reason of one strategy of one workload. */
struct cost_line {
	const char *workload, *mmu, *reason;
	uint64_t kvm_n, sim_n, sim_cycles;
	double handler_us, roundtrip_us;
};

typedef void (*cost_line_fn)(const struct cost_line *l, void *arg);

static void strategy_lines(const struct compare *c, const char *wl, const char *mmu, const struct run_result *k,
			   const struct run_result *s, cost_line_fn fn, void *arg)
{
	for (unsigned r = 0; r < MMU_EXIT_REASON_COUNT; r++) {
		struct cost_line l = { .workload = wl, .mmu = mmu, .reason = reason_names[r],
				       .kvm_n = exit_count(&k->exits, r), .sim_n = exit_count(&s->exits, r),
				       .sim_cycles = modeled_cycles(&c->base.sim.cost, r),
				       .handler_us = k->exit_costs[r].handler_ns / 1e3,
				       .roundtrip_us = k->exit_costs[r].roundtrip_ns / 1e3 };
		if (l.kvm_n || l.sim_n)
			fn(&l, arg);
	}
}

static void for_each_line(const struct compare *c, cost_line_fn fn, void *arg)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		strategy_lines(c, r->workload->name, "ept", &r->ept, &r->sim_ept, fn, arg);
		strategy_lines(c, r->workload->name, "shadow", &r->shadow, &r->sim_shadow, fn, arg);
	}
}

static void print_line(const struct cost_line *l, void *arg)
{
	fprintf(arg, "%-7s %-6s %-13s %8" PRIu64 " %11.2f %13.2f %9" PRIu64 " %11" PRIu64 "\n", l->workload, l->mmu,
		l->reason, l->kvm_n, l->handler_us, l->roundtrip_us, l->sim_n, l->sim_cycles);
}

void compare_print_costs(const struct compare *c, FILE *f)
{
	fprintf(f, "\nexit costs — %s: measured (exits; mean us in the VMM handler; mean us round trip timed by the "
		   "guest) | sim: modeled (exits; cycles charged per exit)\n", c->base.platform);
	fprintf(f, "%-7s %-6s %-13s %8s %11s %13s %9s %11s\n", "load", "mmu", "reason", "exits", "handler_us",
		"roundtrip_us", "sim_exits", "sim_cycles");
	for_each_line(c, print_line, f);
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].shadow.host_mmu_flushes)
			fprintf(f, "%-7s shadow: %" PRIu64 " host MMU flushes, %.1f us each (inside the handler times)\n",
				c->rows[i].workload->name, c->rows[i].shadow.host_mmu_flushes,
				c->rows[i].shadow.host_mmu_flush_ns / 1e3);
}

static void json_line(const struct cost_line *l, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:I, s:f, s:f, s:I, s:I}", "workload", l->workload,
					     "mmu", l->mmu, "reason", l->reason, "exits", (json_int_t)l->kvm_n,
					     "handler_us", l->handler_us, "roundtrip_us", l->roundtrip_us, "sim_exits",
					     (json_int_t)l->sim_n, "sim_cycles_per_exit", (json_int_t)l->sim_cycles));
}

json_t *compare_costs_json(const struct compare *c)
{
	json_t *a = json_array();
	for_each_line(c, json_line, a);
	return a;
}

static void html_line(const struct cost_line *l, void *arg)
{
	html_printf(arg, "<tr><td class=l>%s</td><td class=l>%s</td><td class=l>%s</td><td>%" PRIu64
		     "</td><td>%.2f</td><td>%.2f</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n",
		l->workload, l->mmu, l->reason, l->kvm_n, l->handler_us, l->roundtrip_us, l->sim_n, l->sim_cycles);
}

void compare_html_costs(FILE *f, const struct compare *c)
{
	html_printf(f, "<h2>Exit costs: measured on %s, modeled on sim</h2>\n<p>Measured: exits the VMM handled, the mean "
		   "time in its handler, and the mean round trip the guest timed with its TSC around the exiting "
		   "instruction. Modeled: the exits sim counted for the same workload and the cycles its cost model "
		   "charges each (an assumption, see docs/reading-reports.md).</p>\n<table><tr><th>workload</th>"
		   "<th>mmu</th><th>reason</th><th>exits</th><th>handler (us)</th><th>round trip (us)</th>"
		   "<th>sim exits</th><th>sim cycles/exit</th></tr>\n", c->base.platform);
	for_each_line(c, html_line, f);
	fputs("</table>\n", f);
}
