/* cmd_sweep.c — `memvirt sweep FILE.ini`: list, dry-run or run the points of an experiment
 * file (all of them, or one with --point N for a job array), each repetition written as the
 * ordinary result document DIR/points/NNNN-<job>-r<k>.json (atomically, with a "sweep"
 * object saying which point it is), then merged (merge.h). Every point is checked before
 * anything runs or is written. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/util.h"
#include "vmm/cli/cli.h"
#include "results/merge.h"
#include "vmm/util/clock.h"
#include "vmm/util/parse.h"
#include "vmm/run/run.h"
#include "vmm/cli/sweep.h"
#include "vmm/cli/sweep_cmd.h"

#define USAGE "memvirt sweep FILE.ini [--out DIR] [--list] [--point N] [--dry-run] [--resume] [--rerun-flagged] [--slurm [--submit] ...]"

/* One sweep command, on the heap (the file alone is about a megabyte). args and run hold the
 * point being checked or run: its argv and the configuration parsed from it, reused point
 * after point. */
struct sweep_cmd {
	struct sweep_opts o;
	struct experiment_file xf;
	struct sweep s;
	struct sweep_args args;
	struct cli_run run;
};

static const struct cli_opt sweep_options[] = {
	CLI_OPT_ARG("out", 'o', "DIR", "where results go (default results/<file name without .ini>)"),
	CLI_OPT_FLAG("list", 'l', "print the points (index, job, settings) and exit"),
	CLI_OPT_ARG("point", 'p', "N", "run only point N, all its repetitions (for job arrays); no merge"),
	CLI_OPT_FLAG("dry-run", 'n', "check the file and print what would run and be written"),
	CLI_OPT_FLAG("resume", 'r',
		     "skip repetitions whose DIR/points file already holds an ok result of\n"
		     "this same sweep (same file, job, point, repetition, settings); re-run\n"
		     "the rest (missing, failed, interrupted, unreadable, or another\n"
		     "experiment's), one line each saying why. Without it every repetition\n"
		     "runs and is overwritten."),
	CLI_OPT_FLAG("rerun-flagged", 'F',
		     "run again the repetitions whose result shows host interference in its\n"
		     "measured phase (the merge's flag: CPU wait, host swap, memory stalls),\n"
		     "one line each saying why; the original is kept, marked superseded, in\n"
		     "DIR/points/superseded/ and never averaged. Other repetitions stay as\n"
		     "they are (add --resume to run the missing ones too)."),
	CLI_OPT_GROUP("On a Slurm cluster (docs/experiment-files.md, \"On a cluster\"):"),
	CLI_OPT_FLAG("slurm", 'S',
		     "write DIR/slurm/memvirt-sweep.sbatch: a job array, one task per point\n"
		     "(all its repetitions); DIR must be absolute, on a filesystem the nodes share"),
	CLI_OPT_FLAG("submit", 'U', "with --slurm: submit it (sbatch) and print the job id"),
	CLI_OPT_ARG("partition", 'P', "P", "with --slurm: #SBATCH --partition"),
	CLI_OPT_ARG("time", 'T', "T", "with --slurm: #SBATCH --time (per task)"),
	CLI_OPT_ARG("constraint", 'C', "C", "with --slurm: #SBATCH --constraint (kvm points: nodes with /dev/kvm)"),
	CLI_OPT_ARG("array-limit", 'A', "N", "with --slurm: at most N tasks at once (--array=0-M%N)"),
	CLI_OPT_ARG("sbatch-arg", 'B', "ARG", "with --slurm: one more #SBATCH line, e.g. --mem=4G (repeatable)"),
	CLI_OPT_FLAG("help", 'h', "print this help"),
	CLI_OPT_END(),
};

static void sweep_help(void)
{
	printf("usage: " USAGE "\n\n"
	       "Runs the points of a fio-style experiment file (docs/experiment-files.md): [global] and one\n"
	       "section per job, keys are memvirt run options, comma lists are sweep axes. A scenario file\n"
	       "([host] and [vm NAME] sections, docs/scenarios.md) sweeps hosts of several VMs: each point\n"
	       "is one memvirt host run, its axes any host or VM key (count included).\n");
	cli_opts_help(stdout, sweep_options);
	printf("Without --point every point runs, then DIR is merged (memvirt merge DIR).\n");
}

static int parse_opts(int argc, char **argv, struct sweep_opts *o)
{
	struct cli_getopt g;
	uint64_t v;
	int c;
	cli_getopt_init(&g, "h", sweep_options); /* options may follow the file (GNU argument permutation) */
	while ((c = cli_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'l': o->list = true; break;
		case 'n': o->dry_run = true; break;
		case 'r': o->resume = true; break;
		case 'F': o->rerun_flagged = true; break;
		case 'h': sweep_help(); return CLI_HELP;
		case 'S': o->slurm.on = true; break;
		case 'U': o->slurm.submit = true; break;
		case 'P': o->slurm.partition = optarg; break;
		case 'T': o->slurm.time = optarg; break;
		case 'C': o->slurm.constraint = optarg; break;
		case 'A':
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > 1000000)
				return cli_bad_value("array-limit", optarg, "expected a number of tasks, at least 1");
			o->slurm.array_limit = (unsigned)v;
			break;
		case 'B':
			if (o->slurm.nargs == SLURM_MAX_ARGS)
				return cli_bad_value("sbatch-arg", optarg, "at most %d of them", SLURM_MAX_ARGS);
			o->slurm.args[o->slurm.nargs++] = optarg;
			break;
		case 'p':
			if (parse_u64(optarg, &v) < 0 || v >= SWEEP_MAX_POINTS)
				return cli_bad_value("point", optarg, "expected a point index (see --list)");
			o->point = (size_t)v;
			o->one = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_error("sweep: expected one experiment file (usage: " USAGE ")"), EXIT_USAGE;
	o->file = argv[optind];
	const struct slurm_opts *s = &o->slurm;
	if (o->rerun_flagged && (s->on || o->list || o->dry_run))
		return cli_error("sweep: --rerun-flagged re-runs here what DIR holds: not with --%s",
				 s->on ? "slurm" : o->list ? "list" : "dry-run"), EXIT_USAGE;
	if (!s->on && (s->submit || s->partition || s->time || s->constraint || s->array_limit || s->nargs))
		return cli_error("sweep: --submit, --partition, --time, --constraint, --array-limit and --sbatch-arg go "
				 "with --slurm"), EXIT_USAGE;
	return 0;
}

/* Every point's configuration, checked before anything runs; *kvm: some point runs on kvm. */
static int check_points(struct sweep_cmd *k, bool *kvm)
{
	const struct sweep *s = &k->s;
	char why[1024];
	*kvm = false;
	for (size_t i = 0; i < s->npoints; i++) {
		if (sweep_point_config(&s->points[i], s->xf->path, &k->args, &k->run, why, sizeof(why)) != 0)
			return cli_error("%s", why), EXIT_USAGE;
		*kvm |= strcmp(k->run.cfg.platform, "kvm") == 0;
	}
	return 0;
}

static unsigned max_repeat(const struct sweep *s)
{
	unsigned r = 1;
	for (size_t i = 0; i < s->npoints; i++)
		r = s->points[i].repeat > r ? s->points[i].repeat : r;
	return r;
}

void sweep_point_path(char *buf, size_t n, const char *dir, size_t index, const char *name, unsigned rep)
{
	snprintf(buf, n, "%s/points/%04zu-%s-r%u.json", dir, index, name, rep);
}

const char *sweep_series_path(char *buf, size_t n, const char *point_json)
{
	size_t len = strlen(point_json);
	snprintf(buf, n, "%.*s.csv", (int)(len > 5 ? len - 5 : len), point_json); /* NNNN-<job>-r<k>.json */
	return buf;
}

/* The document names its series by the file name alone: relative to itself, where the report
 * looks first when the sweep folder was moved or is read from elsewhere. */
void sweep_series_recorded(json_t *doc)
{
	json_t *holders[] = { json_object_get(doc, "telemetry"), json_object_get(json_object_get(doc, "config"), "telemetry") };
	for (size_t i = 0; i < ARRAY_SIZE(holders); i++) {
		const char *path = json_string_value(json_object_get(holders[i], "timeseries"));
		if (path && strrchr(path, '/'))
			json_object_set_new(holders[i], "timeseries", json_string(strrchr(path, '/') + 1));
	}
}

bool sweep_series_supersede(json_t *doc, const char *canon, const char *old)
{
	char from[4200], to[4400];
	const char *name = json_string_value(json_object_get(json_object_get(doc, "telemetry"), "timeseries"));
	sweep_series_path(from, sizeof(from), canon);
	if (!name || strcmp(name, strrchr(from, '/') + 1) != 0)
		return false; /* not a series the sweep placed beside the result */
	sweep_series_path(to, sizeof(to), old);
	json_object_set_new(json_object_get(doc, "telemetry"), "timeseries", json_string(strrchr(to, '/') + 1));
	json_object_set_new(json_object_get(json_object_get(doc, "config"), "telemetry"), "timeseries",
			    json_string(strrchr(to, '/') + 1));
	return true;
}

int sweep_series_move(const char *canon, const char *old)
{
	char from[4200], to[4400];
	sweep_series_path(from, sizeof(from), canon);
	sweep_series_path(to, sizeof(to), old);
	return rename(from, to) == 0 || errno == ENOENT ? 0 : -errno;
}

static void point_path(char *buf, size_t n, const char *dir, const struct sweep_point *p, unsigned rep)
{
	sweep_point_path(buf, n, dir, p->index, p->job->name, rep);
}

/* What the merge will summarise: the file's metrics, or the default rule (merge_metrics.c). */
static void print_metrics(const struct sweep *s)
{
	if (!s->metrics.n) {
		printf("metrics: %s, plus %s when the first result merged ran on sim (the default; no metrics key)\n",
		       MERGE_DEFAULT_METRICS, MERGE_SIM_METRIC);
		return;
	}
	printf("metrics:");
	for (size_t i = 0; i < s->metrics.n; i++)
		printf("%s %s", i ? "," : "", s->metrics.path[i]);
	printf("\n");
}

static void print_points(const struct sweep *s, const struct sweep_opts *o, const char *dir)
{
	char text[4096], path[4200];
	for (size_t i = 0; i < s->npoints; i++) {
		const struct sweep_point *p = &s->points[i];
		if (o->one && i != o->point)
			continue;
		sweep_point_text(p, text, sizeof(text));
		printf("%4zu  %-16s x%-3u %s\n", p->index, p->job->name, p->repeat, text);
		for (unsigned r = 1; o->dry_run && r <= p->repeat; r++) {
			point_path(path, sizeof(path), dir, p, r);
			printf("        would write %s\n", path);
		}
	}
	print_metrics(s);
	if (!o->one)
		printf("%zu points; baseline: %s%s\n", s->npoints,
		       !s->baseline ? "the first point" : strchr(s->baseline, '=') ? "for each point, the one with " : "the first point of job ",
		       s->baseline ? s->baseline : "");
}

/* One repetition: run with the sweep object (and `rerun`, taken, for a re-run of a flagged
 * one) added to its document, which the run writes atomically to the point's file — also when
 * it is killed (vmm/run/run_record.h). Returns the run state. */
static enum run_state run_one(struct sweep_cmd *k, const struct sweep_point *p, unsigned rep, const char *dir,
			      struct sweep_progress *prog, json_t *rerun)
{
	const struct sweep *s = &k->s;
	struct run_result res;
	char why[1024], path[4200];
	sweep_point_config(p, s->xf->path, &k->args, &k->run, why, sizeof(why)); /* checked before */
	point_path(path, sizeof(path), dir, p, rep);
	char series[4200];
	if (k->run.experiment.timeseries_path) /* each repetition its own, beside its result */
		k->run.experiment.timeseries_path = sweep_series_path(series, sizeof(series), path);
	json_t *extra = json_pack("{s:o}", "sweep", sweep_point_json(s, p, rep));
	if (rerun)
		json_object_set_new(extra, "rerun", rerun);
	k->run.cfg.json_path = path;
	k->run.cfg.doc_extra = extra;
	k->run.cfg.finish_doc = k->run.experiment.timeseries_path ? sweep_series_recorded : NULL;
	enum run_state st = run_execute(&k->run.cfg, &res, NULL); /* a lost result makes it failed */
	k->run.cfg.json_path = NULL;
	k->run.cfg.doc_extra = NULL;
	k->run.cfg.finish_doc = NULL;
	json_decref(extra);
	char where[96];
	sweep_progress_step(prog, true);
	sweep_progress_text(prog, where, sizeof(where));
	printf("%s point %zu %s r%u/%u: %s, %.3f s, %.3g ops/s%s%s\n", where, p->index, p->job->name, rep,
	       p->repeat, run_state_name(st), res.run_s, res.run_s > 0 ? (double)res.ops / res.run_s : 0.0,
	       st == RUN_OK ? "" : " — ", st == RUN_OK ? "" : res.message);
	fflush(stdout);
	return st;
}

/* Finish writing the current file, then stop. */
volatile sig_atomic_t sweep_stop_signal;

static void on_stop(int sig)
{
	sweep_stop_signal = sig;
}

void sweep_catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t stop;
	sigemptyset(&sa.sa_mask);
	run_stop_signals(&stop); /* the same signals that end a run end a sweep */
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&stop, sig) == 1)
			sigaction(sig, &sa, NULL);
}

/* --resume: whether repetition rep of p is already done; when not, says why it runs. */
static bool resume_skips(const struct sweep *s, const struct sweep_point *p, unsigned rep, const char *dir)
{
	char path[4200], why[512];
	point_path(path, sizeof(path), dir, p, rep);
	if (sweep_rep_done(s, p, rep, path, why, sizeof(why)))
		return true;
	printf("resume: point %zu %s r%u/%u: re-running %s: %s\n", p->index, p->job->name, rep, p->repeat,
	       strrchr(path, '/') + 1, why);
	return false;
}

static void print_skipped(size_t skipped, size_t total, const char *dir)
{
	if (skipped == total)
		printf("resume: all %zu repetitions skipped, already done in %s/points; nothing run\n", total, dir);
	else
		printf("resume: %zu of %zu repetitions skipped, already done in %s/points\n", skipped, total, dir);
}

/* --rerun-flagged: 1 when repetition rep of p is to run again (its original kept), 0 when it
 * stays, -1 when its original could not be kept (it then stays too, and the sweep fails). */
static int rerun_wanted(const struct sweep *s, const struct sweep_point *p, unsigned rep, const char *dir,
			json_t **rerun)
{
	char msg[1024];
	int rc = sweep_rerun_check(s, p, rep, dir, rerun, msg, sizeof(msg));
	if (rc < 0)
		cli_error("point %zu %s r%u: %s", p->index, p->job->name, rep, msg);
	else if (rc > 0)
		printf("rerun: point %zu %s r%u/%u: %s\n", p->index, p->job->name, rep, p->repeat, msg);
	return rc < 0 ? -1 : rc;
}

/* Runs the chosen points (with --resume, those not done yet; with --rerun-flagged, those
 * flagged); stops at an interrupt (completed files stay as they are). */
static int run_points(struct sweep_cmd *k, const char *dir)
{
	const struct sweep *s = &k->s;
	const struct sweep_opts *o = &k->o;
	size_t total = 0, skipped = 0;
	struct sweep_progress prog;
	int status = 0;
	for (size_t i = 0; i < s->npoints; i++)
		total += !o->one || i == o->point ? s->points[i].repeat : 0;
	sweep_progress_start(&prog, total);
	for (size_t i = 0; i < s->npoints; i++) {
		if (o->one && i != o->point)
			continue;
		for (unsigned r = 1; r <= s->points[i].repeat; r++) {
			json_t *rerun = NULL;
			int again = o->rerun_flagged ? rerun_wanted(s, &s->points[i], r, dir, &rerun) : 0;
			if (again < 0)
				status = 1;
			if (again <= 0 && (o->rerun_flagged || o->resume) &&
			    (!o->resume || again < 0 || resume_skips(s, &s->points[i], r, dir))) {
				skipped++;
				sweep_progress_step(&prog, false);
				continue;
			}
			enum run_state st = run_one(k, &s->points[i], r, dir, &prog, rerun);
			if (st == RUN_INTERRUPTED || sweep_stop_signal) {
				printf("interrupted: the repetitions written so far stay in %s/points; merging them\n", dir);
				return 130;
			}
			if (st == RUN_FAILED)
				status = 1;
		}
	}
	if (o->resume)
		print_skipped(skipped, total, dir);
	else if (o->rerun_flagged)
		printf("rerun: %zu of %zu repetitions run again (host interference), the rest kept\n", total - skipped, total);
	return status;
}

void sweep_progress_start(struct sweep_progress *p, size_t total)
{
	*p = (struct sweep_progress){ .t0 = monotonic_seconds(), .total = total };
}

void sweep_progress_step(struct sweep_progress *p, bool ran)
{
	p->done++;
	p->ran += ran;
}

void sweep_progress_text(const struct sweep_progress *p, char *buf, size_t n)
{
	double spent = monotonic_seconds() - p->t0;
	if (!p->ran || p->done >= p->total)
		snprintf(buf, n, "[%zu/%zu, %.0f s]", p->done, p->total, spent);
	else
		snprintf(buf, n, "[%zu/%zu, %.0f s, about %.0f s left]", p->done, p->total, spent,
			 spent / (double)p->ran * (double)(p->total - p->done));
}

void sweep_default_dir(char *buf, size_t n, const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
		len -= 4;
	snprintf(buf, n, "results/%.*s", (int)len, base);
}

static int sweep_main(struct sweep_cmd *k)
{
	const struct sweep *s = &k->s;
	const struct sweep_opts *o = &k->o;
	char dir[2048];
	if (o->out)
		snprintf(dir, sizeof(dir), "%s", o->out);
	else
		sweep_default_dir(dir, sizeof(dir), o->file);
	if (o->one && o->point >= s->npoints)
		return cli_error("invalid --point value '%zu': the sweep has points 0 to %zu", o->point, s->npoints - 1),
		       EXIT_USAGE;
	if (o->list || o->dry_run) {
		print_points(s, o, dir);
		return 0;
	}
	int rc = cli_dir_value("out", dir, "points");
	if (rc)
		return rc;
	sweep_catch_stop_signals();
	return sweep_merge_after(o, dir, run_points(k, dir));
}

int sweep_merge_after(const struct sweep_opts *o, const char *dir, int rc)
{
	char why[1024];
	struct merge_opts mo = { .dir = dir, .partial = true };
	if (o->one)
		return rc;
	if (merge_dir(&mo, stdout, why, sizeof(why)) < 0) {
		cli_error("%s", why);
		return rc ? rc : 1;
	}
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_cmd *k = calloc(1, sizeof(*k));
	char why[1024];
	if (!k)
		return cli_error("out of memory"), 1;
	int rc = parse_opts(argc, argv, &k->o);
	if (rc) {
		free(k);
		return rc == CLI_HELP ? 0 : rc;
	}
	if (xf_is_scenario_file(k->o.file) && k->o.rerun_flagged) {
		cli_error("sweep: --rerun-flagged is for experiment files, not scenarios (%s): their results are hosts "
			  "of several VMs", k->o.file);
		free(k);
		return EXIT_USAGE;
	}
	if (xf_is_scenario_file(k->o.file)) {
		rc = sweep_scenario(&k->o);
		free(k);
		return rc;
	}
	if (xf_load(k->o.file, &k->xf, why, sizeof(why)) < 0 || sweep_build(&k->s, &k->xf, why, sizeof(why)) < 0) {
		cli_error("%s", why);
		free(k);
		return EXIT_USAGE;
	}
	bool kvm;
	rc = check_points(k, &kvm);
	if (rc == 0 && k->o.slurm.on) {
		char name[128];
		xf_stem(k->o.file, name, sizeof(name));
		rc = sweep_slurm(&k->o, name, k->s.npoints, max_repeat(&k->s), kvm);
	} else if (rc == 0) {
		rc = sweep_main(k);
	}
	sweep_free(&k->s);
	free(k);
	return rc;
}
