/* cmd_host.c — `memvirt host SCENARIO.ini`: a host of several VMs at once (scenario.h,
 * vmm/run/host.h): one line per VM, the host's totals, and one result document. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overcommit/budget.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/scenario.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"
#include "vmm/util/parse.h"

enum { OPT_JSON = 1, OPT_POINT, OPT_LIST, OPT_NO_PROGRESS, OPT_HELP = 'h' };

static const struct cli_opt host_options[] = {
	CLI_OPT_ARG("json", OPT_JSON, "FILE", "write the host document to FILE (atomically)"),
	CLI_OPT_ARG("point", OPT_POINT, "K", "run point K of a scenario with sweep axes (see --list)"),
	CLI_OPT_FLAG("list", OPT_LIST, "print the VMs (and the points), run nothing"),
	CLI_OPT_FLAG("no-progress", OPT_NO_PROGRESS, "do not draw progress on the terminal"),
	CLI_OPT_FLAG("help", OPT_HELP, "print this help"),
	CLI_OPT_END(),
};

static void usage(void)
{
	fputs("usage: memvirt host SCENARIO.ini [options]\n\n"
	      "Runs every VM of a scenario at once on one host, each on its own platform and paging\n"
	      "strategy, sampled by one monitor on one clock, and writes one document: the host's\n"
	      "totals and memory over time, and each VM's own result (docs/scenarios.md).\n\n"
	      "A scenario is an INI file: [host] (sample-us; repeat and metrics for sweeps) and one\n"
	      "[vm NAME] section per VM whose keys are memvirt run's options, or count = N for N\n"
	      "identical VMs NAME-1 ... NAME-N. A value with commas is a sweep axis: memvirt sweep\n"
	      "runs every point. memvirt report draws the document.\n\n"
	      "Page sharing is the host's ([host] keys, docs/page-sharing.md):\n"
	      "  ksm = on|off                 drive Linux KSM over every VM's guest RAM (root); every\n"
	      "                               knob is restored afterwards, also if memvirt is killed\n"
	      "  ksm-scan = on|off            estimate what could be shared (XXH3 over guest RAM)\n"
	      "  ksm-sample-ms = N            KSM counters' sampling period (default 100)\n"
	      "  ksm-scan-every-ms = N        0: hash each VM once; else a pass every N ms, pages\n"
	      "                               changed since the last pass left out (volatile)\n"
	      "  ksm-pages-to-scan, ksm-sleep-ms, ksm-zero-pages (use_zero_pages), ksm-smart-scan,\n"
	      "  ksm-advisor = none|scan-time, ksm-advisor-max-cpu, ksm-advisor-min-pages,\n"
	      "  ksm-advisor-max-pages, ksm-advisor-target-s, ksm-merge-across-nodes,\n"
	      "  ksm-max-page-sharing       the /sys/kernel/mm/ksm knobs of the same names\n"
	      "  share-period = TIME          the own merge engine (sim VMs with share = on): a pass over\n"
	      "                               them all every TIME (default 1s; 0: when each VM's\n"
	      "                               measured phase begins), frames merged across VMs\n"
	      "  [vm NAME] share_domain = D   merge only with VMs of domain D (default: its own)\n\n"
	      "Overcommit is the host's too ([host] keys, docs/overcommit.md):\n"
	      "  budget = SIZE | RATIOx       one memory cgroup over the VMM process, limit SIZE (or the\n"
	      "                               VMs' guest RAM / RATIO); root; restored on every path\n"
	      "  swap = zram:SIZE             zram swap for the budget to reclaim guest RAM into\n"
	      "  policy = NAME                who gives up what (below); knobs in a [policy] section\n"
	      "  policy-period = TIME         the policy's step (default 100ms)\n"
	      "  [vm NAME] shares = N         esx shares (default 1000)\n\n",
	      stdout);
	for (size_t i = 0; oc_policy_at(i); i++) {
		const struct oc_policy_ops *p = oc_policy_at(i);
		printf("  policy %-7s %s\n", p->name, p->help);
		for (size_t k = 0; k < p->nknobs; k++)
			printf("    %-14s %-8g %s (%s)\n", p->knobs[k].name, p->knobs[k].def, p->knobs[k].help, p->knobs[k].source);
	}
	fputs("\n", stdout);
	cli_opts_help(stdout, host_options);
}

struct host_args {
	const char *file, *json;
	size_t point;
	bool have_point, list, progress;
};

static int parse(int argc, char **argv, struct host_args *a)
{
	struct cli_getopt g;
	int opt, rc;
	uint64_t v;
	*a = (struct host_args){ .progress = true };
	cli_getopt_init(&g, "h", host_options);
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		switch (opt) {
		case OPT_HELP:
			return usage(), CLI_HELP;
		case OPT_JSON:
			if ((rc = cli_file_value("json", optarg)) != 0)
				return rc;
			a->json = optarg;
			break;
		case OPT_POINT:
			if (parse_u64(optarg, &v) < 0)
				return cli_bad_value("point", optarg, "expected a point number (see --list)");
			a->point = (size_t)v;
			a->have_point = true;
			break;
		case OPT_LIST:
			a->list = true;
			break;
		case OPT_NO_PROGRESS:
			a->progress = false;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_error("host: expected one SCENARIO.ini (see --help)"), EXIT_USAGE;
	a->file = argv[optind];
	return 0;
}

static void list_vms(const struct scenario *sc, size_t k)
{
	char axes[1024];
	scenario_point_text(sc, k, axes, sizeof(axes));
	if (sc->npoints > 1)
		printf("point %zu: %s\n", k, axes);
	for (size_t i = 0; i < sc->spec.n; i++) {
		const struct run_config *c = &sc->spec.vm[i].cfg;
		printf("  vm %-12s %s/%s %s, mem %" PRIu64 " MiB, seed %" PRIu64 "\n", sc->spec.vm[i].name, c->platform,
		       c->mmu, c->workload->name, c->params.mem_bytes >> 20, c->params.seed);
	}
}

static int list(struct scenario *sc)
{
	char why[1024];
	printf("%s: %zu point%s\n", sc->xf.path, sc->npoints, sc->npoints == 1 ? "" : "s");
	for (size_t k = 0; k < sc->npoints; k++) {
		if (scenario_configure(sc, k, why, sizeof(why)) != 0)
			return cli_error("%s", why), EXIT_USAGE;
		list_vms(sc, k);
	}
	return 0;
}

static void print_vm(const json_t *vm)
{
	const char *name = json_string_value(json_object_get(json_object_get(vm, "vm"), "name"));
	const json_t *doc = vm, *res = json_object_get(doc, "result");
	const json_t *cfg = json_object_get(doc, "config"), *st = json_object_get(doc, "status");
	const char *state = json_string_value(json_object_get(st, "state"));
	printf("  %-12s %-6s %-6s %-7s ", name, json_string_value(json_object_get(cfg, "platform")),
	       json_string_value(json_object_get(cfg, "mmu")), json_string_value(json_object_get(cfg, "workload")));
	if (strcmp(state, "ok") != 0) {
		printf("%s: %s\n", state, json_string_value(json_object_get(st, "message")));
		return;
	}
	const json_t *create = json_object_get(res, "create_s");
	printf("checksum %s, %.3g ops/s, run %.3f s", json_string_value(json_object_get(res, "checksum")),
	       json_number_value(json_object_get(res, "ops_per_s")), json_number_value(json_object_get(res, "run_s")));
	if (json_is_number(create))
		printf(", created in %.2f ms", 1e3 * json_number_value(create));
	printf("\n");
}

/* Page sharing, when the host had it: what KSM saved, how fast, at what CPU cost; and what the
 * own scanner estimated could be saved. */
static void print_ksm(const json_t *k)
{
	const json_t *est = json_object_get(k, "estimate"), *t90 = json_object_get(k, "time_to_savings_s");
	if (!json_is_object(k))
		return;
	if (json_is_true(json_object_get(k, "on")))
		printf("  ksm: saved %.1f MiB (peak), 90%% of it after %s%.2f s, ksmd CPU %.2f s, knobs %s\n",
		       (double)json_integer_value(json_object_get(k, "saved_bytes")) / 1048576.0, json_is_number(t90) ? "" : "(never) ",
		       json_number_value(t90), json_number_value(json_object_get(k, "ksmd_cpu_s")),
		       json_is_true(json_object_get(json_object_get(k, "knobs"), "restored")) ? "restored" : "NOT restored");
	if (json_is_object(est))
		printf("  estimate (xxh3 scan): %lld pages scanned, %lld zero; sharable %.1f MiB within VMs, "
		       "%.1f MiB across VMs; hashing %.2f GB/s per core\n", json_integer_value(json_object_get(est, "scanned")),
		       json_integer_value(json_object_get(est, "zero")),
		       (double)json_integer_value(json_object_get(est, "saved_within_vm_pages")) * 4096 / 1048576.0,
		       (double)json_integer_value(json_object_get(est, "saved_across_vms_bytes")) / 1048576.0,
		       json_number_value(json_object_get(est, "hash_gb_per_s")));
}

/* The own merge engine, when sim VMs shared: its peak saving, how fast, at what CPU cost, and how
 * long it held the VMs (only to commit merges). */
static void print_sharing(const json_t *s)
{
	if (!json_is_object(s))
		return;
	printf("  sharing (memvirt-merge): saved %.1f MiB (peak) in %zu domain%s, 90%% of it after %.2f s, %lld passes "
	       "(%lld skipped), scanner CPU %.2f s, VMs held %.2f s in %lld holds (longest %.1f ms), %lld cow breaks\n",
	       (double)json_integer_value(json_object_get(s, "saved_bytes")) / 1048576.0,
	       json_object_size(json_object_get(s, "domains")), json_object_size(json_object_get(s, "domains")) == 1 ? "" : "s",
	       json_number_value(json_object_get(s, "time_to_90pct_s")), json_integer_value(json_object_get(s, "passes")),
	       json_integer_value(json_object_get(s, "passes_skipped")), json_number_value(json_object_get(s, "scan_cpu_s")),
	       json_number_value(json_object_get(s, "stopped_s")), json_integer_value(json_object_get(s, "stops")),
	       1e3 * json_number_value(json_object_get(s, "stopped_max_s")), json_integer_value(json_object_get(s, "cow_breaks")));
}

static void print_summary(const json_t *doc, const char *json)
{
	const json_t *vms = json_object_get(doc, "vms"), *vm;
	const char *key;
	const json_t *t = json_object_get(json_object_get(doc, "host"), "totals");
	printf("host %s: %lld VMs (%lld ok, %lld failed, %lld interrupted) in %.2f s\n",
	       json_string_value(json_object_get(json_object_get(doc, "config"), "name")),
	       json_integer_value(json_object_get(t, "vms")), json_integer_value(json_object_get(t, "ok")),
	       json_integer_value(json_object_get(t, "failed")), json_integer_value(json_object_get(t, "interrupted")),
	       json_number_value(json_object_get(t, "wall_s")));
	json_object_foreach((json_t *)vms, key, vm)
		print_vm(vm);
	printf("  total: %.3g ops/s, guest memory %lld MiB, host-resident %lld MiB, VMM RSS peak %lld MiB\n",
	       json_number_value(json_object_get(t, "ops_per_s")), json_integer_value(json_object_get(t, "guest_bytes")) >> 20,
	       json_integer_value(json_object_get(t, "host_resident_bytes")) >> 20,
	       json_integer_value(json_object_get(t, "rss_peak_bytes")) >> 20);
	print_ksm(json_object_get(json_object_get(doc, "host"), "ksm"));
	print_sharing(json_object_get(json_object_get(doc, "host"), "sharing"));
	if (json)
		printf("  result: %s\n", json);
}

/* Loads, configures and runs the scenario in sc; *keep: sc must outlive the call (an
 * interrupted run's workers may still use it). Returns the exit status. */
static int host_main(const struct host_args *a, struct scenario *sc, bool *keep)
{
	char why[1024];
	int rc;
	if ((rc = scenario_load(a->file, sc, why, sizeof(why))) != 0)
		return cli_error("%s", why), rc;
	if (a->list)
		return list(sc);
	if (sc->npoints > 1 && !a->have_point)
		return cli_error("%s: the scenario has %zu points (its values with commas are sweep axes): run one with "
				 "--point K, or all with memvirt sweep %s", a->file, sc->npoints, a->file), EXIT_USAGE;
	if (a->point >= sc->npoints)
		return cli_error("invalid --point value '%zu': the scenario has %zu point%s", a->point, sc->npoints,
				 sc->npoints == 1 ? "" : "s"), EXIT_USAGE;
	if ((rc = scenario_configure(sc, a->point, why, sizeof(why))) != 0)
		return cli_error("%s", why), rc;
	if (sc->spec.budget_bytes && oc_budget_check(sc->spec.budget_bytes, sc->spec.zram_bytes, why, sizeof(why)) < 0)
		return cli_error("%s: %s", a->file, why), EXIT_USAGE;
	sc->spec.progress = a->progress;
	sc->spec.settings = scenario_point_settings(sc, a->point);
	sc->spec.json_path = a->json; /* written by host_execute, or by its janitor if killed */
	json_t *doc = NULL;
	enum run_state st = host_execute(&sc->spec, &doc);
	*keep = st == RUN_INTERRUPTED;
	if (!doc)
		return cli_error("host: out of memory"), 1;
	print_summary(doc, a->json);
	json_decref(doc);
	json_decref(sc->spec.settings);
	return run_exit_status(st);
}

int cmd_host(int argc, char **argv)
{
	struct host_args a;
	int rc = parse(argc, argv, &a);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	/* On the heap: large, and it must outlive an interrupted run's workers. */
	struct scenario *sc = malloc(sizeof(*sc));
	if (!sc)
		return cli_error("out of memory"), 1;
	bool keep = false;
	rc = host_main(&a, sc, &keep);
	if (!keep)
		free(sc);
	return rc;
}
