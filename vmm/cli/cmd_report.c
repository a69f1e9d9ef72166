/* cmd_report.c — `memvirt report RESULT.json -o DIR`: writes DIR/index.html for one run
 * (report.h). */
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "results/report.h"
#include "results/result.h"

static const struct cli_opt report_options[] = {
	CLI_OPT_ARG("out", 'o', "DIR", "where index.html goes (required; also -o DIR)"),
	CLI_OPT_FLAG("help", 'h', "print this help"),
	CLI_OPT_END(),
};

static void usage(void)
{
	fputs("usage: memvirt report RESULT.json -o DIR\n\n"
	      "Writes DIR/index.html: one self-contained page with the run's throughput over time, dips "
	      "and reclaim events, host faults, swap and guest RAM residency (see docs/reclaim.md).\n",
	      stdout);
	cli_opts_help(stdout, report_options);
}

static int parse(int argc, char **argv, const char **json, const char **dir)
{
	struct cli_getopt g;
	int opt;
	cli_getopt_init(&g, "o:h", report_options);
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		if (opt == 'h')
			return usage(), CLI_HELP;
		if (opt != 'o')
			return EXIT_USAGE;
		*dir = optarg;
	}
	if (optind != argc - 1)
		return cli_error("report: expected one RESULT.json (see --help)"), EXIT_USAGE;
	*json = argv[optind];
	if (!*dir)
		return cli_error("report: missing -o DIR"), EXIT_USAGE;
	return 0;
}

int cmd_report(int argc, char **argv)
{
	const char *json = NULL, *dir = NULL;
	int rc = parse(argc, argv, &json, &dir);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	char why[512], path[4200];
	struct report r;
	json_error_t err;
	json_t *doc = result_load_file(json, &err); /* report_load below says what is wrong */
	if (doc && strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "host") == 0) {
		if ((rc = cli_dir_value("out", dir, NULL)) != 0)
			;
		else if ((rc = report_host_write(doc, json, dir, why, sizeof(why))) < 0)
			rc = (cli_error("invalid RESULT.json '%s': %s", json, why), EXIT_USAGE);
		else
			rc = (printf("report: %s/index.html\n", dir), 0);
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
	report_free(&r);
	if (rc < 0)
		return cli_error("cannot write %s: %s", path, result_file_strerror(rc)), 1;
	printf("report: %s\n", path);
	return 0;
}
