/* cmd_merge.c — `memvirt merge DIR`: summarise the point results a sweep (or a job array of
 * `memvirt sweep --point N`) wrote under DIR/points/ (merge.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/merge.h"

int cmd_merge(int argc, char **argv)
{
	char why[1024];
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: memvirt merge DIR\n\nReads DIR/points/*.json (written by memvirt sweep) and writes "
		       "DIR/summary.json,\nDIR/summary.csv and DIR/report.html: per point mean, sd, min-max of run_s and "
		       "ops_per_s,\ndifference against the baseline point, Welch's t-test at 95%%, checksum agreement.\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("merge: expected one directory (usage: memvirt merge DIR)");
		return EXIT_USAGE;
	}
	int rc = merge_dir(argv[1], stdout, why, sizeof(why));
	if (rc < 0) {
		cli_error("%s", why);
		return rc == -ENOENT ? EXIT_USAGE : 1; /* no such directory, or nothing in it */
	}
	return 0;
}
