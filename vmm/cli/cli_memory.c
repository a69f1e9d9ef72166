/* cli_memory.c — the run options for the kvm platform's guest memory (--backend, --thp,
 * --numa-node, --numa-policy, --uffd and its --uffd-around, --uffd-poll, --uffd-resolve),
 * parsed into the struct guest_mem_opts of the caller's struct cli_run, which the run
 * configuration points at. */
#include <stdio.h>
#include <string.h>

#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/util/parse.h"

enum { OPT_BACKEND = CLI_OPT_MEMORY, OPT_THP, OPT_NUMA_NODE, OPT_NUMA_POLICY, OPT_UFFD, OPT_UFFD_AROUND,
       OPT_UFFD_POLL, OPT_UFFD_RESOLVE };

const struct cli_opt cli_memory_options[] = {
	CLI_OPT_GROUP_AT("Guest memory (see docs/kvm-platform.md):", CLI_KVM | CLI_COMMANDS, 0),
	CLI_OPT_ARG("backend", OPT_BACKEND, "anon|memfd|hugetlb",
		    "what backs guest RAM (default anon; hugetlb needs free 2 MiB pages)"),
	CLI_OPT_ARG("thp", OPT_THP, "on|off", "transparent huge pages for guest RAM (default: the host's setting)"),
	CLI_OPT_ARG("numa-node", OPT_NUMA_NODE, "N", "place guest RAM on node N ..."),
	CLI_OPT_ARG("numa-policy", OPT_NUMA_POLICY, "bind|preferred|interleave", "... with this policy (default bind)"),
	CLI_OPT_FLAG("uffd", OPT_UFFD, "resolve first touches of guest RAM in the VMM (userfaultfd),\n"
				       "each fault counted as exits.ept_violation"),
	CLI_OPT_ARG("uffd-around", OPT_UFFD_AROUND, "SIZE|off",
		    "with --uffd: resolve the aligned SIZE block (4k..2m, a power of two) holding each\n"
		    "faulting page: one violation, the other pages counted as around (default 64k;\n"
		    "off = 4k: one page per violation)"),
	CLI_OPT_ARG("uffd-poll", OPT_UFFD_POLL, "sleep|busy",
		    "with --uffd: the handler sleeps in poll() (default) or spins on the\n"
		    "userfaultfd (busy: faster wake-up, one host CPU spent while the VM runs)"),
	CLI_OPT_ARG("uffd-resolve", OPT_UFFD_RESOLVE, "copy|zeropage",
		    "with --uffd: UFFDIO_COPY of zeroes (default) or UFFDIO_ZEROPAGE (anon: the\n"
		    "shared zero page, so each first write also takes a copy-on-write fault)"),
	CLI_OPT_END(),
};

int cli_memory_option(int opt, const char *arg, struct guest_mem_opts *m)
{
	int choice, rc;
	uint64_t node;
	bool on;
	switch (opt) {
	case OPT_BACKEND:
		if ((rc = cli_choice_value("backend", arg, (const char *const[]){ "anon", "memfd", "hugetlb", NULL },
					   &choice)) == 0)
			m->backend = (enum guest_mem_backend)choice;
		return rc;
	case OPT_THP:
		if ((rc = cli_bool_value("thp", arg, &on)) == 0)
			m->thp = on ? GUEST_MEM_THP_ON : GUEST_MEM_THP_OFF;
		return rc;
	case OPT_NUMA_NODE:
		if (parse_u64(arg, &node) < 0 || node > 1023)
			return cli_bad_value("numa-node", arg, "expected a node number (see memvirt info)");
		m->numa_node = (int)node;
		return 0;
	case OPT_NUMA_POLICY:
		if ((rc = cli_choice_value("numa-policy", arg,
					   (const char *const[]){ "bind", "preferred", "interleave", NULL }, &choice)) == 0)
			m->numa_policy = (enum guest_mem_policy)choice;
		return rc;
	case OPT_UFFD:
		m->uffd = true;
		return 0;
	case OPT_UFFD_AROUND: {
		uint64_t around = 4096;
		char why[128];
		if (strcmp(arg, "off") != 0 && (parse_size(arg, &around) < 0 || around == 0 ||
						 uffd_track_opts_check(&(struct uffd_track_opts){ .around = around }, 4096,
								       why, sizeof(why)) < 0))
			return cli_bad_value("uffd-around", arg, "expected off or a power of two from 4k to 2m");
		m->uffd_opts.around = around;
		return 0;
	}
	case OPT_UFFD_POLL:
		if ((rc = cli_choice_value("uffd-poll", arg, (const char *const[]){ "sleep", "busy", NULL }, &choice)) ==
		    0)
			m->uffd_opts.poll = (enum uffd_poll)choice;
		return rc;
	case OPT_UFFD_RESOLVE:
		if ((rc = cli_choice_value("uffd-resolve", arg, (const char *const[]){ "copy", "zeropage", NULL },
					   &choice)) == 0)
			m->uffd_opts.resolve = (enum uffd_resolve)choice;
		return rc;
	}
	return EXIT_USAGE;
}
