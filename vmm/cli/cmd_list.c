/* cmd_list.c — `memvirt list`: the workloads, what they do and the parameters they take. */
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "workloads/wl.h"

/* A size as it would be typed: 2m rather than 2097152 bytes. */
static void size_text(uint64_t v, char *buf, size_t n)
{
	static const char units[] = "kmgt";
	int u = -1;
	while (u < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, u < 0 ? "%llu bytes" : "%llu%c", (unsigned long long)v, u < 0 ? 0 : units[u]);
}

static void list_param(const struct wl_param_desc *d, const struct wl_params *defaults)
{
	char def[160];
	if (d->is_size && d->kind == WL_PARAM_NUMBER)
		size_text(*(const uint64_t *)((const char *)defaults + d->offset), def, sizeof(def));
	else
		cli_wl_param_format(d, defaults, def, sizeof(def));
	printf("      --%-14s %s (default %s)\n", d->name, d->help, def);
}

int cmd_list(int argc, char **argv)
{
	(void)argv;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("usage: memvirt list\n\nLists the workloads and their parameters.");
		return 0;
	}
	if (argc > 1) {
		cli_error("list: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	puts("workloads (all take --mem SIZE, --ops N, --seed N):");
	for (const struct wl_workload *const *w = wl_registry_direct; *w; w++) {
		struct wl_params defaults = { 0 };
		wl_params_defaults(*w, &defaults);
		printf("  %-8s %s%s\n", (*w)->name, (*w)->summary,
		       (*w)->overcommit ? " [overcommit: for hosts of several VMs; compare and demo leave it out]" : "");
		for (const struct wl_param_desc *d = (*w)->params; d && d->name; d++)
			list_param(d, &defaults);
	}
	return 0;
}
