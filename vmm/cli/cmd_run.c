/* cmd_run.c — `memvirt run`: one workload, one platform, one result document. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

/* The counters of a phase around the measured one (phases{} in the document), when counted. */
static void print_phase(const char *what, const struct result_counters *c)
{
	if (!c->have || !(c->have_mmu || c->have_exit_costs))
		return;
	printf("  %s (not in the figures above): exits %" PRIu64 ", guest faults %" PRIu64, what,
	       exit_counters_total(&c->exits), c->guest_faults);
	if (c->have_mmu)
		printf(", tlb misses %" PRIu64 ", modeled cycles %" PRIu64, c->mmu_user.tlb_misses, c->modeled_cycles);
	printf("\n");
}

static void print_summary(const struct run_config *cfg, const struct run_result *r)
{
	if (r->state != RUN_OK) {
		fprintf(stderr, "memvirt: run %s: %s\n", run_state_name(r->state), r->message);
		return;
	}
	printf("%s on %s (mmu %s): checksum 0x%016" PRIx64 ", %" PRIu64 " ops in %.3f s (%.3g ops/s), setup %.3f s\n",
	       cfg->workload->name, cfg->platform, cfg->mmu, r->checksum, r->ops, r->run_s,
	       r->run_s > 0 ? (double)r->ops / r->run_s : 0.0, r->setup_s);
	if (r->have_mmu)
		printf("  measured phase: tlb hits %" PRIu64 ", misses %" PRIu64 ", walks %" PRIu64
		       " (%.2f refs/walk), guest faults %" PRIu64 ", exits %" PRIu64 ", modeled cycles %" PRIu64 "\n",
		       r->mmu_user.tlb_hits, r->mmu_user.tlb_misses, r->mmu_user.walks,
		       r->mmu_user.walks ? (double)r->mmu_user.walk_refs / (double)r->mmu_user.walks : 0.0,
		       r->guest_faults, exit_counters_total(&r->exits), r->modeled_cycles);
	print_phase("setup phase", &r->phases[RESULT_PHASE_SETUP]);
	print_phase("checksum pass", &r->phases[RESULT_PHASE_CHECK]);
	if (cfg->json_path)
		printf("  result: %s\n", cfg->json_path);
}

/* One line on the dips the run driver found (they live in the result document only). */
/* One line on the dips the run driver found (they live in the result document only): how
 * many, what they cost, and the largest — the one a reader should look at first. A baseline
 * of (nearly) nothing means no dip could be seen at all, which is said, not hidden behind
 * "none". */
static void print_dips(const json_t *doc)
{
	const json_t *dips = json_object_get(doc, "dips");
	const json_t *tel = json_object_get(doc, "telemetry");
	size_t n = json_array_size(dips);
	if (!json_is_array(dips))
		return; /* telemetry off: nothing was looked for */
	if (!(json_number_value(json_object_get(tel, "baseline_ops_per_s")) > 0)) {
		printf("  dips: not looked for: the baseline throughput is 0 (the measured phase made no progress the "
		       "monitor could see before its first event)\n");
		return;
	}
	if (n == 0) {
		printf("  dips: none\n");
		return;
	}
	double lost = 0;
	size_t i;
	json_t *d;
	json_array_foreach(dips, i, d)
		lost += json_number_value(json_object_get(d, "ops_lost"));
	/* the largest episode (dips close together: one disturbance seen in pieces), else dip */
	const json_t *eps = json_object_get(doc, "dip_episodes");
	const json_t *largest = json_array_size(eps) ? json_array_get(eps, 0) : json_array_get(dips, 0);
	json_array_foreach(json_array_size(eps) ? eps : dips, i, d)
		if (json_number_value(json_object_get(d, "ops_lost")) > json_number_value(json_object_get(largest, "ops_lost")))
			largest = d;
	size_t in_largest = json_array_size(json_object_get(largest, "dips"));
	printf("  dips: %zu in %zu episodes, %.3g ops lost; largest at %.1f ms for %.1f ms (%zu dip%s, depth %.2f, "
	       "cause %s)\n", n, json_array_size(eps), lost, json_number_value(json_object_get(largest, "start_ms")),
	       json_number_value(json_object_get(largest, "duration_ms")), in_largest ? in_largest : 1,
	       in_largest > 1 ? "s" : "", json_number_value(json_object_get(largest, "depth")),
	       json_string_value(json_object_get(largest, "cause")));
}

/* Reclaim events the measured phase ended before (status pending): a fixed run's phase lasts
 * whatever its operations take, which could not be checked before the run (a time-based run's
 * could: cli_experiment.c refuses such an event). One line each, on stderr. */
static void print_missed_events(const json_t *doc)
{
	size_t i;
	const json_t *ev;
	double run_s = json_number_value(json_object_get(json_object_get(doc, "result"), "run_s"));
	json_array_foreach(json_object_get(json_object_get(doc, "reclaim"), "events"), i, ev) {
		const char *st = json_string_value(json_object_get(ev, "status"));
		if (st && strcmp(st, "pending") == 0)
			fprintf(stderr, "memvirt: warning: --reclaim %s at %.3g s never happened: the measured phase ended "
					"after %.3g s; give it room with --runtime TIME\n",
				json_string_value(json_object_get(ev, "action")),
				json_number_value(json_object_get(ev, "at_ms")) / 1e3, run_s);
	}
}

int cmd_run(int argc, char **argv)
{
	struct cli_run run;
	struct run_result res;
	cli_run_init(&run);
	int rc = cli_parse_run_options(argc, argv, &run);
	if (rc == CLI_HELP) {
		cli_run_help(stdout, "memvirt run [options]", NULL, CLI_RUN);
		return 0;
	}
	if (rc)
		return rc;
	json_t *doc = NULL;
	enum run_state st = run_execute(&run.cfg, &res, &doc);
	print_summary(&run.cfg, &res);
	if (st == RUN_OK) {
		print_dips(doc);
		print_missed_events(doc);
	}
	json_decref(doc);
	return run_exit_status(st);
}
