/* cmd_compare.c — `memvirt compare` and `memvirt demo`: the same comparison, the second on
 * built-in defaults, writing its report under results/demo/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "results/compare.h"
#include "vmm/run/platform.h"

enum { OPT_WORKLOADS, OPT_OUT, NCOMPARE_OPTS };

static const struct cli_opt compare_options[] = {
	CLI_OPT_GROUP("Comparison options:"),
	CLI_OPT_ARG("workloads", OPT_WORKLOADS, "LIST", "comma-separated workloads (default: the paging ones: seq, gups, pchase,\nchurn, ctxsw; idle, phases and dup are for hosts of several VMs)"),
	CLI_OPT_ARG("out", OPT_OUT, "DIR", "write compare.json, compare.csv, report.html and per-run JSON"),
	CLI_OPT_END(),
};

/* Takes `--NAME VALUE` or `--NAME=VALUE` out of argv (compare's own options, the rest being
 * run options), returning VALUE or NULL. */
static const char *take_option(int *argc, char **argv, const char *name)
{
	const char *val = NULL;
	size_t len = strlen(name);
	for (int i = 1; i < *argc; i++) {
		int drop = 0;
		if (strncmp(argv[i], "--", 2) != 0 || strncmp(argv[i] + 2, name, len) != 0)
			continue;
		if (argv[i][2 + len] == '=') {
			val = argv[i] + 2 + len + 1;
			drop = 1;
		} else if (argv[i][2 + len] == '\0' && i + 1 < *argc) {
			val = argv[i + 1];
			drop = 2;
		}
		if (drop) {
			memmove(&argv[i], &argv[i + drop], (size_t)(*argc - i - drop + 1) * sizeof(char *));
			*argc -= drop;
			i--;
		}
	}
	return val;
}

static int write_outputs(const struct compare *c, const char *dir, const char *json_path)
{
	char path[4096];
	int rc = 0;
	json_t *doc = compare_to_json(c);
	if (json_path)
		rc = result_write_atomic(json_path, doc);
	if (dir && rc == 0) {
		snprintf(path, sizeof(path), "%s/compare.json", dir);
		rc = result_write_atomic(path, doc);
		snprintf(path, sizeof(path), "%s/compare.csv", dir);
		if (rc == 0)
			rc = compare_write_csv(c, path);
		snprintf(path, sizeof(path), "%s/report.html", dir);
		if (rc == 0)
			rc = compare_write_html(c, path);
	}
	json_decref(doc);
	if (rc < 0)
		cli_error("cannot write the comparison: %s", result_file_strerror(rc));
	return rc;
}

static int compare_main(struct compare *c, const char *dir)
{
	if (dir) {
		int rc = cli_dir_value("out", dir, NULL);
		if (rc)
			return rc;
		c->out_dir = dir;
	}
	enum run_state st = compare_run(c);
	compare_print(c, stdout);
	if (write_outputs(c, dir, c->base.json_path) < 0)
		return 1;
	if (dir)
		printf("\nreport: %s/report.html (also compare.json, compare.csv and one JSON per run)\n", dir);
	return st == RUN_OK ? 0 : st == RUN_INTERRUPTED ? 130 : 1;
}

/* One compare or demo command: the comparison and the run options its base configuration
 * points into. On the heap: the rows hold five run results per workload. */
struct compare_cmd {
	struct compare c;
	struct cli_run run;
	const char *dir;
};

/* Parses into k->run (defaults already set), then makes it the comparison's base, whose
 * experiment and memory options point into k->run: both live as long as k. */
static int parse_compare(int argc, char **argv, struct compare_cmd *k, const char *usage)
{
	char bad[64];
	const char *given[NCOMPARE_OPTS] = { 0 };
	for (const struct cli_opt *o = compare_options; !cli_opt_is_end(o); o++)
		if (o->name)
			given[o->code] = take_option(&argc, argv, o->name);
	k->dir = given[OPT_OUT] ? : k->dir;
	/* What a comparison chooses itself (--mmu, --workload, --json, --runtime, ...) is refused,
	 * not silently overridden: the option tables say which (CLI_COMPARE). */
	int rc = cli_parse_run_options(argc, argv, &k->run);
	if (rc == CLI_HELP) {
		cli_run_help(stdout, usage, compare_options, CLI_COMPARE);
		printf("\n%s runs on --platform sim unless told kvm (native is the baseline it adds itself).\n", argv[0]);
	}
	if (rc)
		return rc;
	k->c.base = k->run.cfg;
	if (compare_set_workloads(&k->c, given[OPT_WORKLOADS], bad, sizeof(bad)) < 0)
		return cli_bad_value("workloads", bad, "unknown workload or too many");
	return 0;
}

static struct compare_cmd *compare_cmd_new(void)
{
	struct compare_cmd *k = calloc(1, sizeof(*k));
	if (!k) {
		cli_error("out of memory");
		return NULL;
	}
	cli_run_init(&k->run);
	k->run.command = CLI_COMPARE;
	k->run.cfg.platform = "sim";
	return k;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_cmd *k = compare_cmd_new();
	if (!k)
		return 1;
	int rc = parse_compare(argc, argv, k, "memvirt compare [--workloads LIST] [--out DIR] [run options]");
	if (rc == 0 && strcmp(k->c.base.platform, "native") == 0)
		rc = cli_bad_value("platform", "native", "compare needs sim or kvm (native is the baseline it adds itself)");
	rc = rc == CLI_HELP ? 0 : rc ? rc : compare_main(&k->c, k->dir);
	free(k);
	return rc;
}

/* The demo prefers real KVM and falls back to the simulator, saying so. */
static const char *demo_platform(void)
{
	const struct platform *kvm = platform_find("kvm");
	const char *why = kvm->unavailable();
	if (!why) {
		const char *no_shadow = kvm->mmu_unsupported ? kvm->mmu_unsupported("shadow") : NULL;
		printf("demo: using the kvm platform%s%s\n", no_shadow ? "; shadow paging skipped: " : "",
		       no_shadow ? no_shadow : " (ept and shadow measured; sim beside them, modeled)");
		return "kvm";
	}
	printf("demo: kvm platform unavailable (%s); using sim\n", why);
	return "sim";
}

int cmd_demo(int argc, char **argv)
{
	struct compare_cmd *k = compare_cmd_new();
	if (!k)
		return 1;
	k->dir = "results/demo";
	k->run.cfg.params.mem_bytes = 16ULL << 20;
	int rc = parse_compare(argc, argv, k, "memvirt demo [--out DIR (default results/demo)] [run options]");
	if (rc == CLI_HELP) {
		rc = 0;
	} else if (rc == 0) {
		k->c.base.platform = demo_platform();
		printf("demo: %zu workloads, %llu MiB each, native vs %s under ept and shadow paging\n\n", k->c.n,
		       (unsigned long long)(k->c.base.params.mem_bytes >> 20), k->c.base.platform);
		rc = compare_main(&k->c, k->dir);
	}
	free(k);
	return rc;
}
