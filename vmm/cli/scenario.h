/* scenario.h — a scenario file (docs/scenarios.md): a host and its VMs in the experiment
 * files' INI dialect. [host] holds what belongs to the host (sample-us: the monitor's period;
 * repeat and metrics for sweeps); each [vm NAME] holds exactly `memvirt run`'s options for one
 * VM, or `count = N` identical VMs NAME-1 ... NAME-N. A value with commas is a sweep axis over
 * the whole scenario (count included): `memvirt sweep` runs every point, `memvirt host
 * --point K` one of them. Every VM's options go through the run options' own parser, and the
 * host-wide checks (VM names, files two VMs would both write, guest memory the host could
 * never back) are made before any VM starts: a bad file is one line naming file, line, key
 * and value. */
#ifndef MEMVIRT_CLI_SCENARIO_H
#define MEMVIRT_CLI_SCENARIO_H

#include <stddef.h>

#include <jansson.h>

#include "results/metric_path.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/experiment_file.h"
#include "vmm/cli/sweep.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/reclaim/experiment.h"
#include "vmm/run/host.h"

#define SCENARIO_MAX_AXES (XF_MAX_SETTINGS * (XF_MAX_JOBS + 1))

struct scenario_vm_store {
	struct sweep_args args;          /* the strings the VM's configuration points at */
	struct cli_run run;              /* the configuration, with its experiment and memory options */
	char series[4200];               /* a sweep's repetition: where its time series goes */
	char share_domain[32];           /* share_domain = NAME ("": a domain of the VM's own) */
};

struct scenario {
	struct experiment_file xf;
	size_t naxes;
	const struct xf_setting *axis[SCENARIO_MAX_AXES]; /* every setting, [host] first, file order */
	unsigned nitems[SCENARIO_MAX_AXES];               /* items in each one's comma list */
	size_t npoints;                  /* the product of the items */
	unsigned repeat;                 /* [host] repeat (sweeps) */
	struct metric_list metrics;      /* [host] metrics (sweeps); n = 0 when not given */
	struct host_spec spec;           /* the point last configured */
	struct scenario_vm_store store[HOST_MAX_VMS];
};

/* Reads and checks the file's shape (heap: it is large); the host's name is the file's stem.
 * Returns 0, or EXIT_USAGE with one line in why. */
int scenario_load(const char *path, struct scenario *sc, char *why, size_t n);
/* Configures point k (0 <= k < npoints) into sc->spec: every VM's options through the run
 * options' parser, then the host-wide checks. Returns 0, or EXIT_USAGE with one line in why. */
int scenario_configure(struct scenario *sc, size_t k, char *why, size_t n);
/* The settings of point k as {"host": {key: value}, "vm NAME": {key: value}} (for documents). */
json_t *scenario_point_settings(const struct scenario *sc, size_t k);
/* "key=value ..." of point k's axes (settings with more than one item), into buf. */
void scenario_point_text(const struct scenario *sc, size_t k, char *buf, size_t n);

#endif
