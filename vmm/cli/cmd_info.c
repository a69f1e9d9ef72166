/* cmd_info.c — `memvirt info`: what this host can do, as a table or as JSON. */
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/host/hostinfo.h"
#include "vmm/run/platform.h"

static const struct cli_opt info_options[] = {
	CLI_OPT_FLAG("json", 'j', "print the JSON `context` block every result document carries"),
	CLI_OPT_FLAG("help", 'h', "print this help"),
	CLI_OPT_END(),
};

int cmd_info(int argc, char **argv)
{
	struct cli_getopt g;
	bool as_json = false;
	int opt;
	cli_getopt_init(&g, "+h", info_options);
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		if (opt == 'j') {
			as_json = true;
		} else if (opt == 'h') {
			puts("usage: memvirt info [--json]\n\nShows the host's CPU, NUMA topology, huge pages, "
			     "KVM (and its MMU mode), KSM, userfaultfd, swap and memory cgroups.\n");
			cli_opts_help(stdout, info_options);
			return 0;
		} else {
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_error("info: unexpected argument '%s' (see --help)", argv[optind]), EXIT_USAGE;
	struct hostinfo hi;
	hostinfo_probe(&hi);
	if (as_json) {
		json_t *j = hostinfo_context_json(&hi);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		hostinfo_print(&hi, stdout);
		/* /dev/kvm can be present yet lack a capability the kvm platform needs */
		const char *why = platform_find("kvm")->unavailable();
		printf("  %-15s %s%s\n", "kvm platform", why ? "unavailable: " : "usable", why ? why : "");
	}
	return 0;
}
