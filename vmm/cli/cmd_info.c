/* cmd_info.c — `memvirt info`: what this host can do, as a table or as JSON. */
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/host/hostinfo.h"
#include "vmm/run/platform.h"

int cmd_info(int argc, char **argv)
{
	bool as_json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			as_json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("usage: memvirt info [--json]\n\nShows the host's CPU, NUMA topology, huge pages, "
			     "KVM (and its MMU mode), KSM, userfaultfd, swap and memory cgroups.");
			return 0;
		} else {
			cli_error("info: unknown option '%s' (see --help)", argv[i]);
			return EXIT_USAGE;
		}
	}
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
