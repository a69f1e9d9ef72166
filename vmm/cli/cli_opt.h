/* cli_opt.h — option tables that carry their own help, in the manner of kvmtool's OPT_*
 * entries: one table per group of options, from which both getopt_long's struct option array
 * and the --help text are generated, so that the two cannot disagree. cli_getopt wraps
 * getopt_long with the refusals the command promises (abbreviations included). */
#ifndef MEMVIRT_CLI_OPT_H
#define MEMVIRT_CLI_OPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

struct cli_opt {
	const char *name;      /* long name without "--"; NULL for a group heading or the end */
	int has_arg;           /* no_argument or required_argument */
	int code;              /* what getopt_long returns for it */
	const char *metavar;   /* its value in --help ("SIZE", "on|off"); NULL for a flag */
	const char *help;      /* one line; '\n' continues on a line aligned under it. For a
				* group: the heading. NULL (with name NULL): the end of the table */
	void (*more)(FILE *f); /* prints lines after the help (a list of names), or NULL */
};

#define CLI_OPT_GROUP(heading) { .help = (heading) }
#define CLI_OPT_ARG(n, c, mv, h) { .name = (n), .has_arg = required_argument, .code = (c), .metavar = (mv), .help = (h) }
#define CLI_OPT_ARG_MORE(n, c, mv, h, fn) \
	{ .name = (n), .has_arg = required_argument, .code = (c), .metavar = (mv), .help = (h), .more = (fn) }
#define CLI_OPT_FLAG(n, c, h) { .name = (n), .has_arg = no_argument, .code = (c), .help = (h) }
#define CLI_OPT_END() { 0 }

/* Whether an entry ends its table. */
static inline int cli_opt_is_end(const struct cli_opt *o) { return !o->name && !o->help; }

/* The entry named `name` (exactly), or NULL. */
const struct cli_opt *cli_opts_find(const struct cli_opt *t, const char *name);
/* The table as --help text: headings flush left, "  --name METAVAR" with the help aligned. */
void cli_opts_help(FILE *f, const struct cli_opt *t);

#define CLI_MAX_OPTS 96 /* options of one command, all its tables together */

/* One parse of a command line: getopt_long's array, built from the command's tables. */
struct cli_getopt {
	const char *shortopts;  /* getopt's ("+h": stop at the first non-option) */
	size_t n;
	struct option opts[CLI_MAX_OPTS + 1];
};

/* Starts parsing a new argv (optind = 1) with the options of `table`. */
void cli_getopt_init(struct cli_getopt *g, const char *shortopts, const struct cli_opt *table);
/* Adds another table's options (more than CLI_MAX_OPTS in all is a programming error: abort). */
void cli_getopt_add(struct cli_getopt *g, const struct cli_opt *table);
/* getopt_long (opterr off) for sub-command argv[0]: returns an option's code, -1 at the end,
 * or '?' after printing one line naming the argument at fault — an unknown option, a missing
 * value, or an abbreviation: getopt_long takes a unique prefix (`--time` for `--timeseries`),
 * the CLI refuses it, so that a typo cannot silently set another option. */
int cli_getopt(struct cli_getopt *g, int argc, char **argv);

#endif
