/* main.c — the memvirt command: dispatches to a sub-command. */
#include <stdio.h>
#include <string.h>

#include "mmu/util.h"
#include "vmm/cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "run one workload on one platform and write its result" },
	{ "host", cmd_host, "run a scenario: several VMs at once on one host, one result document" },
	{ "compare", cmd_compare, "run workloads under both paging strategies and tabulate them" },
	{ "report", cmd_report, "write an HTML report (throughput, dips, reclaim, faults) for one run" },
	{ "sweep", cmd_sweep, "run the points of a fio-style experiment file (sweeps, job arrays)" },
	{ "merge", cmd_merge, "summarise a sweep's results: mean, spread, baseline difference, significance" },
	{ "demo", cmd_demo, "run the built-in demo experiment and write a report under results/" },
	{ "list", cmd_list, "list workloads and their parameters" },
	{ "info", cmd_info, "show what this host can do (CPU, NUMA, KVM, KSM, swap, ...)" },
};

static void usage(FILE *f)
{
	fputs("usage: memvirt <command> [options]   (memvirt <command> --help for its options)\n\n"
	      "memvirt is a memory-virtualisation testbed: the same guest runs natively, on a\n"
	      "software MMU (sim) or on KVM, under shadow or EPT-style paging.\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fputs("\nexit status: 0 success, 1 the run failed, 2 usage error, 130 interrupted\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("memvirt %s (%s)\n", MEMVIRT_VERSION, MEMVIRT_GIT);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try memvirt --help)", argv[1]);
	return EXIT_USAGE;
}
