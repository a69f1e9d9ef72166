/* cmd_report.c — `memvirt report RESULT.json -o DIR`: writes DIR/index.html for one run
 * (report.h) or host; `memvirt report SUMMARY.json --plot METRIC[:AXIS] -o FILE.svg` (or
 * --plot x=AXIS,series=AXIS,metric=PATH, with --error sd|iqr|none) exports one chart of a
 * merged sweep (trend_plot.h) as a standalone SVG file, for a paper. -o is a directory for a
 * page and a file for a chart: each is what the command writes. It says which of the four
 * documents memvirt writes it got — a run result, a host result (both drawn), a sweep summary
 * or a comparison (each has its page already: refused, saying where it is) — so that a wrong
 * file is named for what it is, not for what it lacks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "results/report.h"
#include "results/result.h"
#include "results/trend_plot.h"

static const struct cli_opt report_options[] = {
	CLI_OPT_ARG("out", 'o', "DIR", "where index.html goes (required; also -o DIR); with --plot, the SVG file"),
	CLI_OPT_ARG("plot", 'p', "METRIC[:AXIS]",
		    "SUMMARY.json only (memvirt merge): write one trend chart, METRIC (one the\n"
		    "summary has) against the swept AXIS (default: the first), as the SVG file -o;\n"
		    "or x=AXIS,series=AXIS,metric=PATH[,log=on|off] as merge --plot draws it\n"
		    "(panels past the first beside -o as FILE-p2.svg ...)"),
	CLI_OPT_ARG("error", 'e', "sd|iqr|none",
		    "with --plot: error bars (default sd): mean \302\261 one sample standard\n"
		    "deviation, the median with the interquartile range, or the mean alone"),
	CLI_OPT_FLAG("help", 'h', "print this help"),
	CLI_OPT_END(),
};

static void usage(void)
{
	fputs("usage: memvirt report RESULT.json -o DIR\n"
	      "       memvirt report SUMMARY.json --plot METRIC[:AXIS] [--error sd|iqr|none] -o FILE.svg\n\n"
	      "Writes DIR/index.html: one self-contained page with the run's throughput over time, dips "
	      "and reclaim events, host faults, swap and guest RAM residency (see docs/reclaim.md). "
	      "With --plot, one chart of a sweep's summary against a swept axis (docs/reading-reports.md).\n",
	      stdout);
	cli_opts_help(stdout, report_options);
}

static int parse(int argc, char **argv, const char **json, const char **dir, const char **plot, int *error)
{
	static const char *const errors[] = { "sd", "iqr", "none", NULL }; /* enum trend_error's order */
	struct cli_getopt g;
	const char *error_arg = NULL;
	int opt, rc;
	cli_getopt_init(&g, "o:p:e:h", report_options);
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		if (opt == 'h')
			return usage(), CLI_HELP;
		if (opt == 'e') {
			if ((rc = cli_choice_value("error", optarg, errors, error)) != 0)
				return rc;
			error_arg = optarg;
		} else if (opt == 'p')
			*plot = optarg;
		else if (opt == 'o')
			*dir = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_error("report: expected one RESULT.json (see --help)"), EXIT_USAGE;
	*json = argv[optind];
	if (error_arg && !*plot)
		return cli_bad_value("error", error_arg, "error bars are drawn on a sweep's charts: with --plot only"),
		       EXIT_USAGE;
	if (!*dir)
		return cli_error(*plot ? "report: missing -o FILE.svg" : "report: missing -o DIR"), EXIT_USAGE;
	return 0;
}

/* --plot: the document must be a sweep summary; the spec is checked against it. */
static int plot(const char *json, const char *spec, int error, const char *out)
{
	char why[768];
	json_error_t err;
	json_t *doc = result_load_file(json, &err);
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	int rc = 0;
	if (!doc)
		rc = (cli_error("invalid SUMMARY.json '%s': %s", json, err.text), EXIT_USAGE);
	else if (!kind || strcmp(kind, "sweep-summary") != 0)
		rc = cli_bad_value("plot", spec, "%s is not a sweep summary (memvirt merge writes summary.json)", json);
	else if ((rc = cli_file_value("out", out)) != 0)
		;
	else {
		char what[64];
		snprintf(what, sizeof(what), "a sweep summary (%zu points)", json_array_size(json_object_get(doc, "points")));
		if ((rc = trend_export(doc, spec, (enum trend_error)error, out, stdout, what, why, sizeof(why))) == -EINVAL)
			rc = (cli_error("invalid --plot value %s", why), EXIT_USAGE);
		else if (rc < 0)
			rc = (cli_error("%s", why), 1);
	}
	json_decref(doc);
	return rc;
}

/* "a run result (sim, ept, seq)" or "a host result (s: 2 VMs)": what report got, into buf. */
static const char *doc_kind_text(const json_t *doc, char *buf, size_t n)
{
	const json_t *c = json_object_get(doc, "config");
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	if (kind && strcmp(kind, "host") == 0)
		snprintf(buf, n, "a host result (%s: %zu VMs)", json_string_value(json_object_get(c, "name")) ?: "?",
			 json_object_size(json_object_get(doc, "vms")));
	else
		snprintf(buf, n, "a run result (%s, %s, %s)", json_string_value(json_object_get(c, "platform")) ?: "?",
			 json_string_value(json_object_get(c, "mmu")) ?: "?",
			 json_string_value(json_object_get(c, "workload")) ?: "?");
	return buf;
}

int cmd_report(int argc, char **argv)
{
	const char *json = NULL, *dir = NULL, *spec = NULL;
	int error = TREND_ERROR_SD;
	int rc = parse(argc, argv, &json, &dir, &spec, &error);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	if (spec)
		return plot(json, spec, error, dir);
	char why[512], path[4200], what[160];
	struct report r;
	json_error_t err;
	json_t *doc = result_load_file(json, &err); /* report_load below says what is wrong */
	if (doc && strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "host") == 0) {
		if ((rc = cli_dir_value("out", dir, NULL)) != 0)
			;
		else if ((rc = report_host_write(doc, json, dir, why, sizeof(why))) < 0)
			rc = (cli_error("invalid RESULT.json '%s': %s", json, why), EXIT_USAGE);
		else
			rc = (printf("report: %s: %s/index.html\n", doc_kind_text(doc, what, sizeof(what)), dir), 0);
		json_decref(doc);
		return rc;
	}
	json_decref(doc);
	if (report_load(json, &r, why, sizeof(why)) < 0)
		return cli_error("invalid RESULT.json '%s': %s", json, why), EXIT_USAGE;
	if ((rc = cli_dir_value("out", dir, NULL)) != 0) {
		report_free(&r);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/index.html", dir);
	rc = report_write_html(&r, path);
	if (rc < 0)
		return report_free(&r), cli_error("cannot write %s: %s", path, result_file_strerror(rc)), 1;
	printf("report: %s: %s\n", doc_kind_text(r.doc, what, sizeof(what)), path);
	report_free(&r);
	return 0;
}
