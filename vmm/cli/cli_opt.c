/* cli_opt.c — option tables that carry their own help (see cli_opt.h): the getopt_long array
 * and the --help text generated from them, and getopt_long with abbreviations refused. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/cli/cli_opt.h"

#define HELP_COLUMN 29 /* where help text starts: "  --platform native|sim|kvm  where..." */

void cli_getopt_add(struct cli_getopt *g, const struct cli_opt *t)
{
	for (; !cli_opt_is_end(t); t++) {
		if (!t->name)
			continue; /* a group heading */
		if (g->n == CLI_MAX_OPTS) {
			fprintf(stderr, "memvirt: more than %d options: raise CLI_MAX_OPTS\n", CLI_MAX_OPTS);
			abort();
		}
		g->opts[g->n++] = (struct option){ t->name, t->has_arg, NULL, t->code };
	}
	g->opts[g->n] = (struct option){ 0 };
}

void cli_getopt_init(struct cli_getopt *g, const char *shortopts, const struct cli_opt *t)
{
	g->shortopts = shortopts;
	g->n = 0;
	cli_getopt_add(g, t);
	optind = 1;
}

const struct cli_opt *cli_opts_find(const struct cli_opt *t, const char *name)
{
	for (; !cli_opt_is_end(t); t++)
		if (t->name && strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

/* Help text, each '\n' continued at the help column. */
static void print_help_text(FILE *f, const char *help)
{
	for (const char *nl; (nl = strchr(help, '\n')); help = nl + 1)
		fprintf(f, "%.*s\n%*s", (int)(nl - help), help, HELP_COLUMN, "");
	fprintf(f, "%s\n", help);
}

void cli_opts_help(FILE *f, const struct cli_opt *t)
{
	for (; !cli_opt_is_end(t); t++) {
		if (!t->name) {
			fprintf(f, "%s\n", t->help);
			continue;
		}
		int w = fprintf(f, "  --%s%s%s", t->name, t->metavar ? " " : "", t->metavar ? t->metavar : "");
		/* an option too wide for the column puts its help on the next line */
		fprintf(f, "%*s", w < HELP_COLUMN - 1 ? HELP_COLUMN - w : 0, "");
		if (w >= HELP_COLUMN - 1)
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		print_help_text(f, t->help);
		if (t->more)
			t->more(f);
	}
}

/* The argument that holds the option getopt_long has just returned: the last one it took, or
 * the one before when the value was given separately (`--mem 64m`). */
static const char *typed_option(char **argv, const struct option *o)
{
	int i = optind - 1;
	if (o->has_arg != no_argument && optarg == argv[i] && i > 1)
		i--;
	return argv[i];
}

/* Whether `typed` ("--name" or "--name=value") names o in full. */
static bool names_in_full(const char *typed, const struct option *o)
{
	size_t len = strlen(o->name);
	return strncmp(typed, "--", 2) == 0 && strncmp(typed + 2, o->name, len) == 0 &&
	       (typed[2 + len] == '\0' || typed[2 + len] == '=');
}

/* One line on what getopt_long refused: an unknown option, or a known one without its value
 * (or with a value it does not take). */
static void getopt_error(char **argv, const char *shortopts, const struct option *opts)
{
	const char *arg = argv[optind - 1];
	if (strncmp(arg, "--", 2) != 0) {
		if (optopt > 0 && optopt < 128)
			cli_error("%s: option -%c %s", argv[0], optopt,
				  strchr(shortopts, optopt) ? "needs a value" : "is not known (see --help)");
		else
			cli_error("%s: unexpected '%s' (see --help)", argv[0], arg);
		return;
	}
	size_t len = strcspn(arg + 2, "=");
	for (const struct option *o = opts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, arg + 2, len) == 0) {
			cli_error("%s: option --%s %s (see --help)", argv[0], o->name,
				  o->has_arg == no_argument ? "takes no value" : "needs a value");
			return;
		}
	cli_error("%s: unknown option '%.*s' (see --help)", argv[0], (int)len + 2, arg);
}

int cli_getopt(struct cli_getopt *g, int argc, char **argv)
{
	int index = -1;
	opterr = 0;
	int c = getopt_long(argc, argv, g->shortopts, g->opts, &index);
	if (c == '?' || c == ':') {
		getopt_error(argv, g->shortopts, g->opts);
		return '?';
	}
	if (c != -1 && index >= 0) {
		const struct option *o = &g->opts[index];
		const char *typed = typed_option(argv, o);
		if (!names_in_full(typed, o)) {
			cli_error("%s: unknown option '%.*s' (abbreviations are refused: --%s in full)", argv[0],
				  (int)strcspn(typed, "="), typed, o->name);
			return '?';
		}
	}
	return c;
}
