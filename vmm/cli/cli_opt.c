/* cli_opt.c — option tables that carry their own help (see cli_opt.h): the getopt_long array
 * and the --help text generated from them, getopt_long with abbreviations refused, and the
 * refusal of an option given where it does not apply — all from the tables, so that what the
 * help says of an option and what the parser does with it cannot disagree. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/cli_opt.h"

#define HELP_COLUMN 29 /* where help text starts: "  --platform native|sim|kvm  where..." */

void cli_opt_where(const struct cli_opt *t, const struct cli_opt *o, unsigned *applies, unsigned *recorded)
{
	const struct cli_opt *group = NULL;
	for (const struct cli_opt *e = t; e <= o; e++)
		if (!e->name)
			group = e;
	const struct cli_opt *from = o->applies || !group ? o : group;
	*applies = from->applies ? from->applies : CLI_ANYWHERE;
	*recorded = from->applies ? from->recorded : 0;
}

/* The words (words[i] naming bits[i]) of the bits set in mask, joined "a, b and c". */
static const char *join_bits(unsigned mask, const unsigned *bits, const char *const *words, size_t nbits, char *buf,
			     size_t n)
{
	size_t used = 0, count = 0, k = 0;
	for (size_t i = 0; i < nbits; i++)
		count += (mask & bits[i]) != 0;
	buf[0] = 0;
	for (size_t i = 0; i < nbits && used < n; i++) {
		if (!(mask & bits[i]))
			continue;
		k++;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", k == 1 ? "" : k == count ? " and " : ", ", words[i]);
	}
	return buf;
}

const char *cli_applies_text(unsigned mask, char *buf, size_t n)
{
	static const unsigned plat[] = { CLI_NATIVE, CLI_SIM, CLI_KVM };
	static const char *const plat_words[] = { "native", "sim", "kvm" };
	static const unsigned cmd[] = { CLI_RUN, CLI_COMPARE, CLI_XFILE, CLI_SCENARIO };
	static const char *const cmd_words[] = { "run", "compare and demo", "experiment files", "scenarios" };
	if (mask & CLI_PLATFORMS)
		return (mask & CLI_PLATFORMS) == CLI_PLATFORMS ? snprintf(buf, n, "every platform"), buf
		       : join_bits(mask, plat, plat_words, ARRAY_SIZE(plat), buf, n);
	return join_bits(mask, cmd, cmd_words, ARRAY_SIZE(cmd), buf, n);
}

/* "sim and kvm; recorded on kvm": where an entry applies, in a heading. */
static void where_text(unsigned applies, unsigned recorded, char *buf, size_t n)
{
	char a[64], r[64];
	cli_applies_text(applies & CLI_PLATFORMS, a, sizeof(a));
	snprintf(buf, n, "%s%s%s", a, recorded ? "; recorded on " : "", recorded ? cli_applies_text(recorded, r, sizeof(r)) : "");
}

/* What an option's mark says where it differs from its group: "sim", "run only", "not in
 * compare and demo". */
static void mark_text(unsigned applies, unsigned recorded, const struct cli_opt *group, char *buf, size_t n)
{
	char w[128] = "", c[96];
	unsigned cmds = applies & CLI_COMMANDS, missing = CLI_COMMANDS & ~cmds;
	if ((applies ^ group->applies) & CLI_PLATFORMS || recorded != group->recorded)
		where_text(applies, recorded, w, sizeof(w));
	if (group->recorded & ~recorded & ~applies) { /* recorded for the others, refused for this one */
		char r[64];
		snprintf(w + strlen(w), sizeof(w) - strlen(w), "; refused on %s",
			 cli_applies_text(group->recorded & ~recorded & ~applies, r, sizeof(r)));
	}
	c[0] = 0;
	if (missing && cmds && (cmds & (cmds - 1)) == 0) { /* one command */
		cli_applies_text(cmds, c, sizeof(c));
		snprintf(c + strlen(c), sizeof(c) - strlen(c), " only");
	} else if (missing) {
		char m[64];
		snprintf(c, sizeof(c), "not in %s", cli_applies_text(missing, m, sizeof(m)));
	}
	snprintf(buf, n, "%s%s%s", w, w[0] && c[0] ? "; " : "", c);
}

void cli_getopt_add(struct cli_getopt *g, const struct cli_opt *t)
{
	for (const struct cli_opt *o = t; !cli_opt_is_end(o); o++) {
		if (!o->name)
			continue; /* a group heading */
		if (g->n == CLI_MAX_OPTS) {
			fprintf(stderr, "memvirt: more than %d options: raise CLI_MAX_OPTS\n", CLI_MAX_OPTS);
			abort();
		}
		cli_opt_where(t, o, &g->applies[g->n], &g->recorded[g->n]);
		g->given[g->n] = false;
		g->opts[g->n++] = (struct option){ o->name, o->has_arg, NULL, o->code };
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

static void option_help(FILE *f, const struct cli_opt *o, const char *mark)
{
	int w = fprintf(f, "  --%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
	/* an option too wide for the column puts its help on the next line */
	fprintf(f, "%*s", w < HELP_COLUMN - 1 ? HELP_COLUMN - w : 0, "");
	if (w >= HELP_COLUMN - 1)
		fprintf(f, "\n%*s", HELP_COLUMN, "");
	print_help_text(f, o->help);
	if (mark)
		fprintf(f, "%*s[%s]\n", HELP_COLUMN, "", mark);
	if (o->more)
		o->more(f);
}

size_t cli_opts_help_for(FILE *f, const struct cli_opt *t, unsigned command)
{
	const struct cli_opt *group = NULL;
	size_t left_out = 0;
	bool heading_due = false;
	for (const struct cli_opt *o = t; !cli_opt_is_end(o); o++) {
		unsigned applies, recorded;
		char where[128], mine[128];
		if (!o->name) { /* printed before its first option for this command */
			group = o;
			heading_due = true;
			continue;
		}
		cli_opt_where(t, o, &applies, &recorded);
		if (command && !(applies & command)) {
			left_out++;
			continue;
		}
		if (heading_due && group->applies) {
			where_text(group->applies, group->recorded, where, sizeof(where));
			size_t len = strlen(group->help);
			fprintf(f, "%.*s [%s]:\n", (int)(len && group->help[len - 1] == ':' ? len - 1 : len), group->help, where);
		} else if (heading_due) {
			fprintf(f, "%s\n", group->help);
		}
		heading_due = false;
		/* an option that applies elsewhere than its group says where */
		bool own = group && group->applies && o->applies &&
			   (o->applies != group->applies || o->recorded != group->recorded);
		if (own)
			mark_text(o->applies, o->recorded, group, mine, sizeof(mine));
		option_help(f, o, own && mine[0] ? mine : NULL);
	}
	return left_out;
}

void cli_opts_help(FILE *f, const struct cli_opt *t)
{
	cli_opts_help_for(f, t, 0);
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
		g->given[index] = true;
		const char *typed = typed_option(argv, o);
		if (!names_in_full(typed, o)) {
			cli_error("%s: unknown option '%.*s' (abbreviations are refused: --%s in full)", argv[0],
				  (int)strcspn(typed, "="), typed, o->name);
			return '?';
		}
	}
	return c;
}

int cli_getopt_refuse(const struct cli_getopt *g, unsigned command, unsigned platform,
		      const char *(*why_not)(unsigned bit))
{
	const unsigned checks[] = { command, platform };
	for (size_t k = 0; k < ARRAY_SIZE(checks); k++) {
		unsigned bit = checks[k];
		for (size_t i = 0; bit && i < g->n; i++) {
			if (!g->given[i] || (g->applies[i] & bit) || (g->recorded[i] & bit))
				continue;
			char yes[96], no[64];
			const char *why = why_not ? why_not(bit) : NULL;
			cli_applies_text(g->applies[i] & (k == 0 ? CLI_COMMANDS : CLI_PLATFORMS), yes, sizeof(yes));
			cli_error("--%s applies to %s, not %s%s%s%s", g->opts[i].name, yes, cli_applies_text(bit, no, sizeof(no)),
				  why ? " (" : "", why ? why : "", why ? ")" : "");
			return EXIT_USAGE;
		}
	}
	return 0;
}
