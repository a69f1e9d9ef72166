/* cli_opt.h — option tables that carry their own help, in the manner of kvmtool's OPT_*
 * entries: one table per group of options, from which both getopt_long's struct option array
 * and the --help text are generated, so that the two cannot disagree. cli_getopt wraps
 * getopt_long with the refusals the command promises (abbreviations included). */
#ifndef MEMVIRT_CLI_OPT_H
#define MEMVIRT_CLI_OPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Where an option applies (struct cli_opt.applies), a bit each: the platforms whose runs it
 * changes and the places that take it. One rule, kept by the parser (cli_getopt_refuse): an
 * option given where it does not apply is refused with one line saying where it does
 * ("--mmu applies to sim and kvm, not native"), whatever its value — never silently ignored —
 * except on a platform in `recorded`: there it is taken and recorded in the result without
 * changing the run (the simulator's model options on kvm, which compare's :sim rows and a
 * sweep over platforms use). --help derives each group's "[where]" from the same bits. */
enum cli_applies {
	CLI_NATIVE = 1u << 0,
	CLI_SIM = 1u << 1,
	CLI_KVM = 1u << 2,
	CLI_RUN = 1u << 3,      /* memvirt run's command line */
	CLI_COMPARE = 1u << 4,  /* memvirt compare's and demo's */
	CLI_XFILE = 1u << 5,    /* a key of an experiment file (memvirt sweep FILE.ini) */
	CLI_SCENARIO = 1u << 6, /* a key of a scenario's [vm NAME] (memvirt host; sweep over a scenario) */
};
#define CLI_PLATFORMS (CLI_NATIVE | CLI_SIM | CLI_KVM)
#define CLI_COMMANDS (CLI_RUN | CLI_COMPARE | CLI_XFILE | CLI_SCENARIO)
#define CLI_ANYWHERE (CLI_PLATFORMS | CLI_COMMANDS)

struct cli_opt {
	const char *name;      /* long name without "--"; NULL for a group heading or the end */
	int has_arg;           /* no_argument or required_argument */
	int code;              /* what getopt_long returns for it */
	const char *metavar;   /* its value in --help ("SIZE", "on|off"); NULL for a flag */
	const char *help;      /* one line; '\n' continues on a line aligned under it. For a
				* group: the heading. NULL (with name NULL): the end of the table */
	void (*more)(FILE *f); /* prints lines after the help (a list of names), or NULL */
	unsigned applies;      /* CLI_* bits. On an option: its own; 0 = its group's. On a group
				* heading: its options'; 0 = not restricted (a command's own
				* options, parsed by that command alone) */
	unsigned recorded;     /* platforms where it is taken and recorded only (see above); with
				* applies, the option's own or (applies 0) its group's */
};

#define CLI_OPT_GROUP(heading) { .help = (heading) }
/* A group whose options apply (and are recorded) where the bits say; the heading in --help gets
 * "[sim and kvm]" and the like from them. */
#define CLI_OPT_GROUP_AT(heading, at, rec) { .help = (heading), .applies = (at), .recorded = (rec) }
#define CLI_OPT_ARG(n, c, mv, h) { .name = (n), .has_arg = required_argument, .code = (c), .metavar = (mv), .help = (h) }
#define CLI_OPT_ARG_MORE(n, c, mv, h, fn) \
	{ .name = (n), .has_arg = required_argument, .code = (c), .metavar = (mv), .help = (h), .more = (fn) }
#define CLI_OPT_FLAG(n, c, h) { .name = (n), .has_arg = no_argument, .code = (c), .help = (h) }
/* An option that applies elsewhere than its group (recorded nowhere). */
#define CLI_OPT_ARG_AT(n, c, mv, h, at) \
	{ .name = (n), .has_arg = required_argument, .code = (c), .metavar = (mv), .help = (h), .applies = (at) }
#define CLI_OPT_FLAG_AT(n, c, h, at) { .name = (n), .has_arg = no_argument, .code = (c), .help = (h), .applies = (at) }
#define CLI_OPT_END() { 0 }

/* Whether an entry ends its table. */
static inline int cli_opt_is_end(const struct cli_opt *o) { return !o->name && !o->help; }

/* The entry named `name` (exactly), or NULL. */
const struct cli_opt *cli_opts_find(const struct cli_opt *t, const char *name);
/* Where the entry o of table t applies and is recorded: its own bits, or its group's. */
void cli_opt_where(const struct cli_opt *t, const struct cli_opt *o, unsigned *applies, unsigned *recorded);
/* "sim and kvm", "every platform", "run, experiment files and scenarios": the bits of `mask`
 * (platforms when it has any, else commands) in words, into buf. */
const char *cli_applies_text(unsigned mask, char *buf, size_t n);
/* The table as --help text: headings flush left ("[where]" added from the group's bits),
 * "  --name METAVAR" with the help aligned, and an option that applies elsewhere than its
 * group marked so. */
void cli_opts_help(FILE *f, const struct cli_opt *t);
/* The same, for the command `command` (a CLI_RUN.. bit): options that do not apply to it left
 * out; returns how many were. */
size_t cli_opts_help_for(FILE *f, const struct cli_opt *t, unsigned command);

#define CLI_MAX_OPTS 96 /* options of one command, all its tables together */

/* One parse of a command line: getopt_long's array, built from the command's tables, and for
 * each option where it applies and whether it was given. */
struct cli_getopt {
	const char *shortopts;  /* getopt's ("+h": stop at the first non-option) */
	size_t n;
	struct option opts[CLI_MAX_OPTS + 1];
	unsigned applies[CLI_MAX_OPTS], recorded[CLI_MAX_OPTS];
	bool given[CLI_MAX_OPTS];
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
/* After the parse: the first option given (in table order) that does not apply to `command` (a
 * CLI_RUN.. bit), then the first that does not apply to `platform` (a CLI_NATIVE.. bit; 0: not
 * checked), is refused with one line — "--mmu applies to sim and kvm, not native (WHY)", WHY
 * being why_not(the bit), left out when that is NULL — and 2 (EXIT_USAGE) returned; else 0.
 * An option recorded on the platform passes. Options of unrestricted tables always pass. */
int cli_getopt_refuse(const struct cli_getopt *g, unsigned command, unsigned platform,
		      const char *(*why_not)(unsigned bit));

#endif
