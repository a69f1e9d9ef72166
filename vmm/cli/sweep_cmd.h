/* sweep_cmd.h — what the two kinds of `memvirt sweep` share: the command's options, where its
 * results go, and stopping between runs on Ctrl-C. An experiment file's points are single runs
 * (cmd_sweep.c); a scenario's points are hosts of several VMs (sweep_scenario.c). */
#ifndef MEMVIRT_CLI_SWEEP_CMD_H
#define MEMVIRT_CLI_SWEEP_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define SLURM_MAX_ARGS 16

/* --slurm: the job array's sbatch script (sweep_slurm.c). */
struct slurm_opts {
	bool on, submit;
	const char *partition, *time, *constraint;
	unsigned array_limit;                 /* at most this many tasks at once (%N), 0 = no limit */
	size_t nargs;
	const char *args[SLURM_MAX_ARGS];     /* --sbatch-arg, each one #SBATCH line */
};

struct sweep_opts {
	const char *file, *out;
	bool list, dry_run, one, resume, rerun_flagged;
	size_t point;
	struct slurm_opts slurm;
};

/* Where a sweep stands: repetitions done (run or skipped) of the total, and an estimate of the
 * time left from the wall time of those that ran (setup included: that is what a user waits). */
struct sweep_progress {
	double t0;
	size_t total, done, ran;
};
void sweep_progress_start(struct sweep_progress *p, size_t total);
/* One more repetition done; ran: it ran (rather than --resume skipping it). */
void sweep_progress_step(struct sweep_progress *p, bool ran);
/* "[3/24, 12 s, about 84 s left]" */
void sweep_progress_text(const struct sweep_progress *p, char *buf, size_t n);

/* results/<file name without directory and .ini> */
void sweep_default_dir(char *buf, size_t n, const char *file);
/* DIR/points/NNNN-<name>-r<k>.json */
void sweep_point_path(char *buf, size_t n, const char *dir, size_t index, const char *name, unsigned rep);

/* A stop signal (run_stop_signals) between runs (during a run the run driver takes it and
 * writes the run as interrupted): the signal caught, or 0. */
extern volatile sig_atomic_t sweep_stop_signal;
void sweep_catch_stop_signals(void);

/* After the runs: without --point, merge DIR and print the summary. Returns the exit status
 * (rc, the runs', unless the merge failed). */
int sweep_merge_after(const struct sweep_opts *o, const char *dir, int rc);

/* --slurm: writes DIR/slurm/memvirt-sweep.sbatch, a job array of `npoints` tasks (task K runs
 * point K, all its repetitions), and with --submit submits it. `name` names the job; `kvm`
 * says some point runs on kvm (the script then says which nodes can run it). Exit status. */
int sweep_slurm(const struct sweep_opts *o, const char *name, size_t npoints, unsigned repeat, bool kvm);

/* memvirt sweep on a scenario file: every point (or --point N) a host run, written as
 * DIR/points/NNNN-<scenario>-r<k>.json with a sweep object, then merged. Exit status. */
int sweep_scenario(const struct sweep_opts *o);

#endif
