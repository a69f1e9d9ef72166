/* cmd_merge.c — `memvirt merge DIR [--metrics a,b]`: summarise the point results a sweep (or a
 * job array of `memvirt sweep --point N`) wrote under DIR/points/ (merge.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "results/merge.h"

static const struct cli_opt merge_options[] = {
	CLI_OPT_ARG("metrics", 'm', "LIST",
		    "dotted paths into the result documents (mmu.modeled_cycles,exits.total,\n"
		    "kvm_stats.vcpu.pf_taken); default: the experiment file's `metrics`, else\n"
		    MERGE_DEFAULT_METRICS " (and " MERGE_SIM_METRIC " on sim)"),
	CLI_OPT_FLAG("partial", 'p',
		     "merge what is there when points or repetitions are missing or failed,\n"
		     "the gaps named in the summary (without it such a sweep is refused: exit 1)"),
	CLI_OPT_FLAG("help", 'h', "print this help"),
	CLI_OPT_END(),
};

static void usage(void)
{
	printf("usage: memvirt merge DIR [--metrics PATH,PATH,...] [--partial]\n\nReads DIR/points/*.json (written by memvirt "
	       "sweep) and writes DIR/summary.json,\nDIR/summary.csv and DIR/report.html: per point and metric mean, "
	       "sd, min-max,\ndifference against the baseline point, Welch's t-test at 95%%, checksum agreement.\n\n");
	cli_opts_help(stdout, merge_options);
}

/* DIR and --metrics, in any order. Returns 0, CLI_HELP, or EXIT_USAGE after one line. */
static int parse_args(int argc, char **argv, const char **dir, struct metric_list *l, bool *partial)
{
	struct cli_getopt g;
	char why[512];
	int opt;
	cli_getopt_init(&g, "h", merge_options); /* DIR may come before or after the options */
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		if (opt == 'h')
			return usage(), CLI_HELP;
		if (opt == 'p') {
			*partial = true;
			continue;
		}
		if (opt != 'm')
			return EXIT_USAGE;
		if (metric_list_parse(optarg, l, why, sizeof(why)) < 0)
			return cli_bad_value("metrics", optarg, "%s", why);
	}
	if (optind == argc - 1) {
		*dir = argv[optind];
		return 0;
	}
	if (optind < argc)
		cli_error("merge: unexpected '%s': one directory only", argv[optind + 1]);
	else
		cli_error("merge: expected one directory (usage: memvirt merge DIR [--metrics LIST])");
	return EXIT_USAGE;
}

int cmd_merge(int argc, char **argv)
{
	char why[1024];
	struct metric_list metrics = { 0 };
	const char *dir = NULL;
	bool partial = false;
	int rc = parse_args(argc, argv, &dir, &metrics, &partial);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	rc = merge_dir(dir, &metrics, partial, stdout, why, sizeof(why));
	if (rc < 0) {
		cli_error("%s", why);
		return rc == -ENOENT ? EXIT_USAGE : 1; /* no such directory, or nothing in it */
	}
	return 0;
}
