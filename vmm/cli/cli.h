/* cli.h — the memvirt command: sub-commands and the options they share. Errors are printed
 * as one line naming the bad value; usage errors exit 2, failed runs 1. */
#ifndef MEMVIRT_CLI_H
#define MEMVIRT_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "results/result.h"

#define EXIT_USAGE 2

/* Parses run options (argv[0] is the sub-command) into cfg, after filling defaults.
 * Returns 0, 1 when --help was printed, or EXIT_USAGE after printing one error line. */
int cli_parse_run_options(int argc, char **argv, struct run_config *cfg, const char *usage_line);
void cli_run_options_help(FILE *f);
/* Whether `name` (without "--", exactly: no abbreviations) is a run option: its has_arg
 * (no_argument or required_argument), or -ENOENT. */
int cli_run_option_arg(const char *name);
/* Defaults: platform native, mmu ept, workload seq, 64 MiB, seed 1, sim geometry. */
void cli_run_defaults(struct run_config *cfg);
/* Fills the workload-specific parameters' defaults, and derived sim sizes. */
int cli_finish_config(struct run_config *cfg, const char *guest_mem_arg);
/* A complete configuration without the command line (benchmarks, tests): the defaults, then
 * this workload with its parameter defaults, platform, strategy and footprint; no progress.
 * Returns 0 or -EINVAL (unknown workload). Callers may adjust fields and call
 * cli_finish_config again. */
int cli_config_for(struct run_config *cfg, const char *workload, const char *platform, const char *mmu,
		   uint64_t mem_bytes);
/* Workload parameters of kind FRAC, TIME or SCHEDULE (cli_wl_param.c): parse text into p
 * (0, or EXIT_USAGE after one error line naming the value); print p's value as it is written. */
int cli_wl_param_parse(const struct wl_param_desc *d, const char *text, struct wl_params *p);
void cli_wl_param_format(const struct wl_param_desc *d, const struct wl_params *p, char *buf, size_t n);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* While buf is not NULL, cli_error writes its message into buf instead of stderr, so that a
 * caller reading options from a file can print one line naming the file and line. */
void cli_error_capture(char *buf, size_t n);

/* cli_experiment.c: --sample-us, --timeseries, --reclaim, --swap, --dip-*; option codes from
 * CLI_OPT_EXPERIMENT up. */
#define CLI_OPT_EXPERIMENT 1000
extern const struct option cli_experiment_options[];
extern const size_t cli_experiment_noptions;
int cli_experiment_option(int opt, const char *arg, struct run_config *cfg);
int cli_experiment_finish(const struct run_config *cfg);
void cli_experiment_help(FILE *f);

/* cli_memory.c: --backend, --thp, --numa-node, --numa-policy, --uffd (kvm guest memory);
 * option codes from CLI_OPT_MEMORY up. */
#define CLI_OPT_MEMORY 1100
#define CLI_MEMORY_MAX_OPTS 8
extern const struct option cli_memory_options[];
extern const size_t cli_memory_noptions;
int cli_memory_option(int opt, const char *arg, struct run_config *cfg);
void cli_memory_help(FILE *f);

/* compare_run.c: runs every row of a comparison (results/compare.h); returns RUN_OK, or the
 * first non-ok state (interrupted stops early). */
struct compare;
enum run_state compare_run(struct compare *c);
/* Parses "seq,gups,..." into c->rows; returns 0 or -EINVAL with *bad the offending name. */
int compare_set_workloads(struct compare *c, const char *list, const char **bad);

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_host(int argc, char **argv);

#endif
