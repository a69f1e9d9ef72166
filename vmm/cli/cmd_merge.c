/* cmd_merge.c — `memvirt merge DIR [--metrics a,b]`: summarise the point results a sweep (or a
 * job array of `memvirt sweep --point N`) wrote under DIR/points/ (merge.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "results/merge.h"

static void usage(void)
{
	printf("usage: memvirt merge DIR [--metrics PATH,PATH,...]\n\nReads DIR/points/*.json (written by memvirt "
	       "sweep) and writes DIR/summary.json,\nDIR/summary.csv and DIR/report.html: per point and metric mean, "
	       "sd, min-max,\ndifference against the baseline point, Welch's t-test at 95%%, checksum agreement.\n\n"
	       "  --metrics LIST  dotted paths into the result documents (mmu.modeled_cycles,exits.total,\n"
	       "                  kvm_stats.vcpu.pf_taken); default: the experiment file's `metrics`, else\n"
	       "                  " MERGE_DEFAULT_METRICS " (and " MERGE_SIM_METRIC " on sim)\n");
}

/* --metrics LIST or --metrics=LIST at argv[*i]. Returns 0, or EXIT_USAGE after one line. */
static int metrics_opt(int argc, char **argv, int *i, struct metric_list *l)
{
	char why[512];
	const char *v = NULL;
	if (strncmp(argv[*i], "--metrics=", 10) == 0)
		v = argv[*i] + 10;
	else if (strcmp(argv[*i], "--metrics") == 0 && *i + 1 < argc)
		v = argv[++*i];
	else if (strcmp(argv[*i], "--metrics") == 0)
		return cli_error("merge: --metrics needs a value (e.g. --metrics mmu.modeled_cycles,exits.total)"),
		       EXIT_USAGE;
	else
		return cli_error("merge: unknown option '%s' (usage: memvirt merge DIR [--metrics LIST])", argv[*i]),
		       EXIT_USAGE;
	if (metric_list_parse(v, l, why, sizeof(why)) == 0)
		return 0;
	cli_error("invalid --metrics value '%s': %s", v, why);
	return EXIT_USAGE;
}

/* DIR and --metrics, in any order. Returns 0, or EXIT_USAGE after one line. */
static int parse_args(int argc, char **argv, const char **dir, struct metric_list *l)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (metrics_opt(argc, argv, &i, l))
				return EXIT_USAGE;
		} else if (*dir) {
			cli_error("merge: unexpected '%s': one directory only", argv[i]);
			return EXIT_USAGE;
		} else
			*dir = argv[i];
	}
	if (*dir)
		return 0;
	cli_error("merge: expected one directory (usage: memvirt merge DIR [--metrics LIST])");
	return EXIT_USAGE;
}

int cmd_merge(int argc, char **argv)
{
	char why[1024];
	struct metric_list metrics = { 0 };
	const char *dir = NULL;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage();
		return 0;
	}
	if (parse_args(argc, argv, &dir, &metrics))
		return EXIT_USAGE;
	int rc = merge_dir(dir, &metrics, stdout, why, sizeof(why));
	if (rc < 0) {
		cli_error("%s", why);
		return rc == -ENOENT ? EXIT_USAGE : 1; /* no such directory, or nothing in it */
	}
	return 0;
}
