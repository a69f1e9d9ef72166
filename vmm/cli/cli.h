/* cli.h — the memvirt command: sub-commands and the options they share. Errors are printed
 * as one line naming the bad value; usage errors exit 2, failed runs 1. */
#ifndef MEMVIRT_CLI_H
#define MEMVIRT_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "balloon/balloon.h"
#include "results/result.h"
#include "vmm/cli/cli_opt.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/reclaim/experiment.h"

#define EXIT_USAGE 2
#define CLI_HELP 1 /* what option parsers return for --help: the caller prints it and exits 0 */

/* One parsed run: the configuration and the storage it points into (cfg.experiment points at
 * experiment, cfg.memory at memory), so that every parsed configuration owns its own and two
 * of them never share. Strings (json and time-series paths) still point into the argv parsed.
 * Copy with cli_run_copy, never with `=` (the copy would point into the original). */
struct cli_run {
	struct run_config cfg;
	struct experiment experiment;
	struct guest_mem_opts memory;
	struct balloon_config balloon; /* cfg.balloon points here once --balloon is given */
	unsigned command;              /* where the options are given (cli_opt.h's CLI_RUN..): an
					* option that does not apply there is refused. cli_run_init:
					* CLI_RUN (a file's keys are checked as the file is read) */
};
/* The defaults (cli_run_defaults, experiment_defaults, guest_mem_defaults), pointers set. */
void cli_run_init(struct cli_run *r);
/* *dst = *src, with dst->cfg pointing into dst. */
void cli_run_copy(struct cli_run *dst, const struct cli_run *src);

/* Parses run options (argv[0] is the sub-command) into r, which cli_run_init has filled (a
 * caller may change defaults in between). Returns 0, CLI_HELP for --help (nothing printed:
 * see cli_run_help), or EXIT_USAGE after printing one error line. */
int cli_parse_run_options(int argc, char **argv, struct cli_run *r);
/* "usage: LINE", then the command's own options (own, or NULL), then every run option that
 * applies to `command` (CLI_RUN, CLI_COMPARE) with the groups' "[where]", and a line naming
 * those that do not: all generated from the option tables. */
void cli_run_help(FILE *f, const char *usage_line, const struct cli_opt *own, unsigned command);
/* Whether `name` (without "--", exactly: no abbreviations) is a run option: its has_arg
 * (no_argument or required_argument), or -ENOENT. */
int cli_run_option_arg(const char *name);
/* Where run option `name` applies (cli_opt.h's CLI_* bits), or -ENOENT. */
int cli_run_option_applies(const char *name);
/* Defaults: platform native, mmu ept, workload seq, 64 MiB, seed 1, sim geometry; no
 * experiment or memory options (NULL: their defaults). */
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
/* The one line for a value an option refuses, "invalid --OPT value 'VAL': WHY" (WHY from
 * fmt); returns EXIT_USAGE. */
int cli_bad_value(const char *opt, const char *val, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One of a NULL-terminated list of words into *index, else cli_bad_value naming them all. */
int cli_choice_value(const char *opt, const char *val, const char *const *words, int *index);
/* on/off (parse_bool), else cli_bad_value. */
int cli_bool_value(const char *opt, const char *val, bool *out);
/* A file the command will write, in a directory that exists (result_path_check), else
 * cli_bad_value. */
int cli_file_value(const char *opt, const char *path);
/* A directory the command will write into, made if missing (result_make_dirs, of dir/sub
 * when sub is not NULL), else cli_bad_value naming dir. */
int cli_dir_value(const char *opt, const char *dir, const char *sub);
/* While buf is not NULL, cli_error writes its message into buf instead of stderr, so that a
 * caller reading options from a file can print one line naming the file and line. */
void cli_error_capture(char *buf, size_t n);

/* cli_experiment.c: --sample-us, --timeseries, --reclaim, --swap, --dip-*, --overhead-windows
 * (a table with its group heading); option codes from CLI_OPT_EXPERIMENT up. */
#define CLI_OPT_EXPERIMENT 1000
extern const struct cli_opt cli_experiment_options[];
int cli_experiment_option(int opt, const char *arg, struct experiment *e);
int cli_experiment_finish(const struct experiment *e);
/* What the platform would refuse of the experiment when its time came (a discard of private
 * anonymous guest RAM), refused before the run: EXIT_USAGE after one line, or 0. */
int cli_experiment_check_platform(const struct run_config *cfg);

/* cli_memory.c: --backend, --thp, --numa-node, --numa-policy, --uffd, --uffd-around,
 * --uffd-poll, --uffd-resolve (kvm guest memory; a table with its group heading); option
 * codes from CLI_OPT_MEMORY up. */
#define CLI_OPT_MEMORY 1100
extern const struct cli_opt cli_memory_options[];
int cli_memory_option(int opt, const char *arg, struct guest_mem_opts *m);

/* cli_balloon.c: --balloon (a table with its group heading); option codes from CLI_OPT_BALLOON
 * up. Sets r->cfg.balloon. */
#define CLI_OPT_BALLOON 1200
extern const struct cli_opt cli_balloon_options[];
int cli_balloon_option(int opt, const char *arg, struct cli_run *r);

/* compare_run.c: runs every row of a comparison (results/compare.h); returns RUN_OK, or the
 * first non-ok state (interrupted stops early). */
struct compare;
enum run_state compare_run(struct compare *c);
/* Parses "seq,gups,..." (NULL: every workload) into c->rows; returns 0 or -EINVAL with the
 * offending name in bad (at most n bytes). */
int compare_set_workloads(struct compare *c, const char *list, char *bad, size_t n);

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
