/* cmd_merge.c — `memvirt merge DIR [--metrics a,b] [-o OUT] [--baseline B] [--paired AXIS]
 * [--plot x=AXIS,series=AXIS,metric=PATH[,log=on|off]]... [--error sd|iqr|none]`:
 * summarise the point results a sweep (or a job array of `memvirt sweep --point N`) wrote under
 * DIR/points/ (merge.h). Why options that re-merge rather than re-run: the results hold every
 * figure, so another baseline, other metrics or a pairing by seed is a second look at the same
 * data, and -o keeps the first summary instead of overwriting it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "results/merge.h"

enum { OPT_BASELINE = 'b', OPT_PAIRED = 'P', OPT_PLOT = 'L', OPT_ERROR = 'E' };

/* The --plot choices of one merge (the caller's, not process-wide). */
struct plots {
	struct trend_plot p[TREND_MAX_PLOTS];
	size_t n;
};

static const struct cli_opt merge_options[] = {
	CLI_OPT_ARG("metrics", 'm', "LIST",
		    "dotted paths into the result documents (mmu.modeled_cycles,exits.total,\n"
		    "kvm_stats.vcpu.pf_taken); default: the experiment file's `metrics`, else\n"
		    MERGE_DEFAULT_METRICS " (and " MERGE_SIM_METRIC " on sim)"),
	CLI_OPT_ARG("out", 'o', "OUT",
		    "write summary.json, summary.csv and report.html into OUT (made if\n"
		    "missing; each file written atomically) instead of DIR: a second merge\n"
		    "with another baseline or pairing keeps the first (also -o OUT)"),
	CLI_OPT_ARG("baseline", OPT_BASELINE, "B",
		    "what the differences and tests are against, instead of the experiment\n"
		    "file's `baseline`: JOB (its first point) or KEY=VALUE (for each point,\n"
		    "the point with that setting and its other settings the same: mmu=ept)"),
	CLI_OPT_ARG("paired", OPT_PAIRED, "AXIS",
		    "compare pair by pair along AXIS (usually seed): each point with its\n"
		    "baseline's point of the same AXIS value; the differences of their means\n"
		    "go through a paired t-test, one row per group of points that differ only\n"
		    "in AXIS"),
	CLI_OPT_ARG("plot", OPT_PLOT, "x=AXIS,series=AXIS,metric=PATH[,log=on|off]",
		    "draw METRIC against the swept AXIS x, one line per value of the swept\n"
		    "AXIS series (optional), as plot-METRIC-vs-X-by-SERIES.svg beside the\n"
		    "page and on it; every other swept axis held fixed: one chart per\n"
		    "combination of its values (-p1, -p2 ...). log: x on a log scale (default\n"
		    "auto: when the values span 16x). METRIC must be one merged (--metrics).\n"
		    "Repeatable, up to 16; replaces the experiment file's `plot =`"),
	CLI_OPT_ARG("error", OPT_ERROR, "sd|iqr|none",
		    "error bars of every chart (default sd): mean \302\261 one sample standard\n"
		    "deviation; iqr: the median with the interquartile range (q1 to q3, robust\n"
		    "to one disturbed repetition); none: the mean alone. Replaces the\n"
		    "experiment file's `error =`"),
	CLI_OPT_FLAG("partial", 'p',
		     "merge what is there when points or repetitions are missing or failed,\n"
		     "the gaps named in the summary (without it such a sweep is refused: exit 1)"),
	CLI_OPT_FLAG("help", 'h', "print this help"),
	CLI_OPT_END(),
};

#define USAGE                                                                                       \
	"memvirt merge DIR [--metrics LIST] [-o OUT] [--baseline JOB|KEY=VALUE] [--paired AXIS] [--partial]\n" \
	"                  [--plot x=AXIS,series=AXIS,metric=PATH[,log=on|off]]... [--error sd|iqr|none]"

static void usage(void)
{
	printf("usage: " USAGE "\n\nReads DIR/points/*.json (written by memvirt sweep; earlier attempts a re-run replaced,\n"
	       "in DIR/points/superseded/, are counted, never averaged) and writes summary.json,\n"
	       "summary.csv and report.html: per point and metric mean, sd, median, IQR, min-max,\n"
	       "the difference of the means and of the medians against the baseline, Welch's t-test\n"
	       "and the Mann-Whitney U test at 95%%, checksum agreement; per repetition an outlier\n"
	       "flag (outside 1.5 IQR) and a host-interference flag from its telemetry (CPU wait\n"
	       "at least %.0f%% of the measured phase; host swap at least %.0f pages/s or memory\n"
	       "stalls at least %.0f%% in a run without reclaim of its own).\n\n",
	       MERGE_CPU_WAIT_FRAC * 100, MERGE_SWAP_PAGES_PER_S, MERGE_PSI_FRAC * 100);
	cli_opts_help(stdout, merge_options);
}

/* A key of the settings: letters, digits, '_', '-', '.' (a scenario's "vm a.count"-style keys
 * have a blank), at most 63 characters. */
static bool is_key(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. ") == n;
}

static int baseline_value(const char *v)
{
	const char *eq = strchr(v, '=');
	if (!v[0] || strlen(v) >= 320)
		return cli_bad_value("baseline", v, "expected JOB or KEY=VALUE");
	if (eq && (eq == v || !eq[1]))
		return cli_bad_value("baseline", v, "expected KEY=VALUE with both sides, such as mmu=ept");
	return 0;
}

/* DIR and the options, in any order. Returns 0, CLI_HELP, or EXIT_USAGE after one line. */
static int parse_args(int argc, char **argv, struct merge_opts *o, struct metric_list *l, struct plots *pl)
{
	static const char *const errors[] = { "sd", "iqr", "none", NULL }; /* enum trend_error's order */
	struct cli_getopt g;
	char why[512];
	int opt, rc;
	cli_getopt_init(&g, "ho:", merge_options); /* DIR may come before or after the options */
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		switch (opt) {
		case 'h': return usage(), CLI_HELP;
		case 'p': o->partial = true; break;
		case 'o': o->out = optarg; break;
		case OPT_BASELINE:
			if ((rc = baseline_value(optarg)) != 0)
				return rc;
			o->baseline = optarg;
			break;
		case OPT_PAIRED:
			if (!is_key(optarg))
				return cli_bad_value("paired", optarg, "expected a setting's key, such as seed");
			o->paired = optarg;
			break;
		case OPT_PLOT:
			if (pl->n == TREND_MAX_PLOTS)
				return cli_bad_value("plot", optarg, "more than %d plots", TREND_MAX_PLOTS);
			if (trend_plot_parse(optarg, &pl->p[pl->n], why, sizeof(why)) < 0)
				return cli_error("invalid --plot value %s", why), EXIT_USAGE;
			pl->n++;
			break;
		case OPT_ERROR:
			if ((rc = cli_choice_value("error", optarg, errors, &o->error_bars)) != 0)
				return rc;
			o->error_given = true;
			break;
		case 'm':
			if (metric_list_parse(optarg, l, why, sizeof(why)) < 0)
				return cli_bad_value("metrics", optarg, "%s", why);
			o->metrics = l;
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind == argc - 1) {
		o->dir = argv[optind];
		return 0;
	}
	if (optind < argc)
		cli_error("merge: unexpected '%s': one directory only", argv[optind + 1]);
	else
		cli_error("merge: expected one directory (usage: " USAGE ")");
	return EXIT_USAGE;
}

/* The merge itself, options parsed: 0, or the exit status after one line. */
static int merge_run(const struct merge_opts *o)
{
	char why[1024];
	int rc;
	if (o->out && (rc = cli_dir_value("out", o->out, NULL)) != 0)
		return rc;
	rc = merge_dir(o, stdout, why, sizeof(why));
	if (rc < 0) {
		cli_error("%s", why);
		return rc == -ENOENT || rc == -EDOM ? EXIT_USAGE : 1; /* no such directory, nothing in it, a bad value */
	}
	return 0;
}

int cmd_merge(int argc, char **argv)
{
	struct metric_list metrics = { 0 };
	struct merge_opts o = { 0 };
	struct plots *plots = calloc(1, sizeof(*plots)); /* ~9 KiB */
	if (!plots)
		return cli_error("merge: out of memory"), 1;
	int rc = parse_args(argc, argv, &o, &metrics, plots);
	o.plots = plots->p;
	o.nplots = plots->n;
	if (rc == 0)
		rc = merge_run(&o);
	else if (rc == CLI_HELP)
		rc = 0;
	free(plots);
	return rc;
}
