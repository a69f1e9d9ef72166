/* compare.c — the comparison as a table, JSON and CSV: why one strategy wins — references per
 * walk, page-table-write, CR3 and invlpg exits, hidden faults, modeled cycles; on kvm the
 * measured figures beside sim's modeled ones (compare_costs.c). The runs themselves are made
 * by vmm/cli/compare_run.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "results/compare.h"

static double refs_per_walk(const struct run_result *r)
{
	return r->mmu_user.walks ? (double)r->mmu_user.walk_refs / (double)r->mmu_user.walks : 0.0;
}

void compare_mmu_cells(const struct run_result *r, struct compare_mmu_cells *out)
{
	if (!r->have_mmu) {
		*out = (struct compare_mmu_cells){ "-", "-", "-", "-" };
		return;
	}
	snprintf(out->tlb_misses, sizeof(out->tlb_misses), "%" PRIu64, r->mmu_user.tlb_misses);
	snprintf(out->walks, sizeof(out->walks), "%" PRIu64, r->mmu_user.walks);
	snprintf(out->refs_per_walk, sizeof(out->refs_per_walk), "%.2f", refs_per_walk(r));
	snprintf(out->modeled_cycles, sizeof(out->modeled_cycles), "%" PRIu64, r->modeled_cycles);
}

/* Skipped strategies have no checksum to compare. */
static bool checksum_matches(const struct run_result *native, const struct run_result *r)
{
	return r->state == RUN_SKIPPED || (r->have_checksum && r->checksum == native->checksum);
}

static bool checksums_equal(const struct compare *c, const struct compare_row *r)
{
	return r->native.have_checksum && checksum_matches(&r->native, &r->ept) &&
	       checksum_matches(&r->native, &r->shadow) &&
	       (!c->with_sim || (checksum_matches(&r->native, &r->sim_ept) && checksum_matches(&r->native, &r->sim_shadow)));
}

static double cycle_ratio(const struct compare *c, const struct compare_row *r)
{
	uint64_t ept = compare_modeled(c, r, false)->modeled_cycles, shadow = compare_modeled(c, r, true)->modeled_cycles;
	return shadow ? (double)ept / (double)shadow : 0.0;
}

static double time_ratio(const struct compare_row *r)
{
	return r->shadow.run_s > 0 ? r->ept.run_s / r->shadow.run_s : 0.0;
}

static void print_strategy(FILE *f, const char *wl, const char *mmu, const struct run_result *r, bool winner)
{
	if (r->state == RUN_SKIPPED) {
		fprintf(f, "%-7s %-10s skipped: %s\n", wl, mmu, r->message);
		return;
	}
	struct compare_mmu_cells m;
	compare_mmu_cells(r, &m);
	fprintf(f, "%-7s %-10s %12s %11s %6s %10" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
		   " %15s %8.3f%s\n",
		wl, mmu, m.tlb_misses, m.walks, m.refs_per_walk, r->exits.pt_write, r->exits.cr3_load,
		r->exits.hidden_fault, r->exits.invlpg, r->exits.ept_violation, m.modeled_cycles, r->run_s,
		winner ? "  <= cheaper" : "");
}

void compare_print(const struct compare *c, FILE *f)
{
	if (c->with_sim)
		fprintf(f, "%s rows are measured (time_s: the guest's measured phase); :sim rows are the same workload "
			   "on the simulator (counters exact, cycles modeled)\n", c->base.platform);
	fprintf(f, "%-7s %-10s %12s %11s %6s %10s %9s %9s %9s %9s %15s %8s\n", "load", "mmu", "tlb_misses", "walks",
		"refs/w", "pt_write", "cr3_load", "hidden", "invlpg", "ept_viol", "modeled_cycles", "time_s");
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		double ratio = cycle_ratio(c, r);
		print_strategy(f, r->workload->name, "ept", &r->ept, !c->with_sim && ratio > 0 && ratio < 1);
		print_strategy(f, "", "shadow", &r->shadow, !c->with_sim && ratio > 1);
		if (c->with_sim) {
			print_strategy(f, "", "ept:sim", &r->sim_ept, ratio > 0 && ratio < 1);
			print_strategy(f, "", "shadow:sim", &r->sim_shadow, ratio > 1);
			fprintf(f, "%-7s ept/shadow measured time on %s %.3f\n", "", c->base.platform, time_ratio(r));
		}
		fprintf(f, "%-7s ept/shadow modeled cycles %.3f; checksums %s native (0x%016" PRIx64 "); native %.3f s\n",
			"", ratio, checksums_equal(c, r) ? "equal" : "DIFFER from", r->native.checksum, r->native.run_s);
	}
	if (c->with_sim)
		compare_print_costs(c, f);
}

static json_t *strategy_json(const struct run_result *r)
{
	char hex[19];
	snprintf(hex, sizeof(hex), "0x%016" PRIx64, r->checksum);
	json_t *ex = json_object();
#define EXIT_JSON(name) json_object_set_new(ex, #name, json_integer((json_int_t)r->exits.name));
	MMU_EXIT_REASONS(EXIT_JSON)
#undef EXIT_JSON
	/* null, not 0, where the platform cannot count (kvm: no observable TLB or walks) */
#define MMU_FIELD(v) (r->have_mmu ? json_integer((json_int_t)(v)) : json_null())
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:o}", "state", run_state_name(r->state),
			 "checksum", hex, "tlb_misses", MMU_FIELD(r->mmu_user.tlb_misses), "walks",
			 MMU_FIELD(r->mmu_user.walks), "walk_refs", MMU_FIELD(r->mmu_user.walk_refs), "refs_per_walk",
			 r->have_mmu ? json_real(refs_per_walk(r)) : json_null(), "modeled_cycles",
			 MMU_FIELD(r->modeled_cycles), "run_s", r->run_s, "exits", ex, "exit_costs",
			 result_exit_costs_json(r));
#undef MMU_FIELD
}

json_t *compare_to_json(const struct compare *c)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		double ratio = cycle_ratio(c, r);
		json_t *row = json_pack("{s:s, s:o, s:o, s:o, s:f, s:s, s:b}",
			"workload", r->workload->name, "native", strategy_json(&r->native),
			"ept", strategy_json(&r->ept), "shadow", strategy_json(&r->shadow),
			"ept_over_shadow_cycles", ratio, "winner", ratio < 1 ? "ept" : "shadow",
			"checksums_equal", checksums_equal(c, r));
		if (c->with_sim) {
			json_object_set_new(row, "sim_ept", strategy_json(&r->sim_ept));
			json_object_set_new(row, "sim_shadow", strategy_json(&r->sim_shadow));
			json_object_set_new(row, "ept_over_shadow_time", json_real(time_ratio(r)));
		}
		json_array_append_new(rows, row);
	}
	json_t *doc = json_pack("{s:i, s:s, s:s, s:I, s:I, s:o}", "schema_version", RESULT_SCHEMA_VERSION, "kind",
				"compare", "platform", c->base.platform, "mem_bytes", (json_int_t)c->base.params.mem_bytes,
				"seed", (json_int_t)c->base.params.seed, "rows", rows);
	if (c->with_sim)
		json_object_set_new(doc, "exit_costs", compare_costs_json(c));
	return doc;
}

/* Measured costs per reason (mean handler and round-trip us), empty where none were timed. */
static void csv_costs(FILE *f, const struct run_result *r)
{
	for (unsigned k = 0; k < MMU_EXIT_REASON_COUNT; k++)
		if (r->exit_costs[k].handled || r->exit_costs[k].roundtrips)
			fprintf(f, ",%.3f,%.3f", r->exit_costs[k].handler_ns / 1e3, r->exit_costs[k].roundtrip_ns / 1e3);
		else
			fputs(",,", f);
}

static void compare_emit_csv(FILE *f, const void *arg)
{
	const struct compare *c = arg;
	fputs("workload,mmu,tlb_misses,walks,walk_refs,pt_write,cr3_load,hidden_fault,invlpg,ept_violation,modeled_cycles,"
	      "run_s,checksum", f);
#define COST_COLUMNS(name) fputs("," #name "_handler_us," #name "_roundtrip_us", f);
	MMU_EXIT_REASONS(COST_COLUMNS)
#undef COST_COLUMNS
	fputc('\n', f);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		const struct run_result *rs[5] = { &r->native, &r->ept, &r->shadow, &r->sim_ept, &r->sim_shadow };
		static const char *const names[5] = { "native", "ept", "shadow", "ept:sim", "shadow:sim" };
		for (int k = 0; k < (c->with_sim ? 5 : 3); k++) {
			const struct run_result *x = rs[k];
			fprintf(f, "%s,%s,", r->workload->name, names[k]);
			if (x->have_mmu) /* empty cells where the platform cannot count (kvm) */
				fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64, x->mmu_user.tlb_misses, x->mmu_user.walks,
					x->mmu_user.walk_refs);
			else
				fputs(",,", f);
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", x->exits.pt_write,
				x->exits.cr3_load, x->exits.hidden_fault, x->exits.invlpg, x->exits.ept_violation);
			if (x->have_mmu)
				fprintf(f, "%" PRIu64, x->modeled_cycles);
			fprintf(f, ",%.6f,0x%016" PRIx64, x->run_s, x->checksum);
			csv_costs(f, rs[k]);
			fputc('\n', f);
		}
	}
}

int compare_write_csv(const struct compare *c, const char *path)
{
	return atomic_write_stream(path, compare_emit_csv, c);
}
