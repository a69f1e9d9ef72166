/* cli_balloon.c — the run option --balloon (repeatable), parsed into the struct
 * balloon_config of the caller's struct cli_run, which the run configuration then points at.
 * The value's syntax and its help live with the balloon (balloon/balloon.h), so the option
 * table and the parser cannot disagree. */
#include "balloon/balloon.h"
#include "vmm/cli/cli.h"

enum { OPT_BALLOON = CLI_OPT_BALLOON };

const struct cli_opt cli_balloon_options[] = {
	CLI_OPT_GROUP_AT("Balloon (see docs/balloon.md):", CLI_SIM | CLI_KVM | CLI_COMMANDS, 0),
	CLI_OPT_ARG("balloon", OPT_BALLOON, BALLOON_OPT_METAVAR, BALLOON_OPT_HELP),
	CLI_OPT_END(),
};

int cli_balloon_option(int opt, const char *arg, struct cli_run *r)
{
	char why[160];
	if (opt != OPT_BALLOON)
		return EXIT_USAGE;
	if (balloon_config_add(&r->balloon, arg, why, sizeof(why)) < 0)
		return cli_bad_value("balloon", arg, "%s", why);
	r->cfg.balloon = &r->balloon;
	return 0;
}
