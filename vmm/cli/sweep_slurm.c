/* sweep_slurm.c — `memvirt sweep FILE --slurm`: a sweep as a Slurm job array. One array task
 * per point, each running `memvirt sweep FILE --point K --out DIR` — all repetitions of its
 * point, so that a task is a unit a user can re-run and a point's repetitions share a node
 * (comparable numbers). The script is self-describing (its comments say what it runs, where
 * the results go and what to do afterwards) and refers to the binary, the file and DIR by
 * absolute path, since tasks run on other nodes in other directories; the task itself first
 * checks that the three are there, so a node that lacks the shared filesystem fails with one
 * line in its error file instead of leaving a silent hole. A task on a node without a usable
 * /dev/kvm still writes each kvm repetition as a failed result document saying why.
 *
 * What can be known here is refused here (exit 2, one line): no sbatch on the PATH, a relative
 * --out (nodes resolve it elsewhere), more tasks than the cluster's MaxArraySize. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results/result.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/sweep_cmd.h"

/* The absolute path of program `prog` on the PATH, or false. */
static bool on_path(const char *prog, char *out, size_t n)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, n, "%s/%s", *d ? d : ".", prog);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Runs argv with stdout into buf (n bytes), stderr passed on unless quiet; returns its exit
 * status, or -1. */
static int capture(char *const argv[], char *buf, size_t n, bool quiet)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		int null = quiet ? open("/dev/null", O_WRONLY) : -1;
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	size_t got = 0;
	for (ssize_t r; got + 1 < n && (r = read(fd[0], buf + got, n - 1 - got)) > 0;)
		got += (size_t)r;
	buf[got] = 0;
	close(fd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The cluster's MaxArraySize from `scontrol show config`, or 0 when it cannot be asked. */
static unsigned long max_array_size(void)
{
	char scontrol[4200], out[65536];
	if (!on_path("scontrol", scontrol, sizeof(scontrol)))
		return 0;
	char *argv[] = { scontrol, "show", "config", NULL };
	if (capture(argv, out, sizeof(out), true) != 0)
		return 0;
	const char *p = strstr(out, "MaxArraySize");
	p = p ? strchr(p, '=') : NULL;
	return p ? strtoul(p + 1, NULL, 10) : 0;
}

struct script {
	const struct slurm_opts *s;
	const char *name, *bin, *file, *dir;
	size_t npoints;
	unsigned repeat;
	bool kvm;
};

static void emit(FILE *f, const void *arg)
{
	const struct script *x = arg;
	fprintf(f, "#!/bin/bash\n"
		   "# memvirt sweep as a Slurm job array, written by `memvirt sweep --slurm` (memvirt %s).\n"
		   "# Experiment: %s (%zu points, %u repetitions each).\n"
		   "# Array task K runs point K with all its repetitions, each written atomically as\n"
		   "#   %s/points/KKKK-<job>-r<R>.json\n"
		   "# Tasks need the binary, the experiment file and that folder at these same paths (a\n"
		   "# shared filesystem); each task checks them first and fails with one line if not.\n",
		MEMVIRT_VERSION, x->file, x->npoints, x->repeat, x->dir);
	if (x->kvm)
		fprintf(f, "# Some points run on kvm: their nodes need a usable /dev/kvm%s%s%s. A task on a node\n"
			   "# without one writes those repetitions as failed result documents saying why.\n",
			x->s->constraint ? " (--constraint=" : "", x->s->constraint ? x->s->constraint : "",
			x->s->constraint ? ")" : "; give --constraint FEATURE");
	fprintf(f, "# When the array has finished:  %s merge %s\n"
		   "#   (--partial merges around failed tasks; `%s sweep %s --out %s --resume`\n"
		   "#    re-runs only what is missing or failed)\n",
		x->bin, x->dir, x->bin, x->file, x->dir);
	fprintf(f, "#SBATCH --job-name=memvirt-%s\n#SBATCH --array=0-%zu", x->name, x->npoints - 1);
	if (x->s->array_limit)
		fprintf(f, "%%%u", x->s->array_limit);
	fprintf(f, "\n#SBATCH --output=%s/slurm/%%A_%%a.out\n#SBATCH --error=%s/slurm/%%A_%%a.err\n", x->dir, x->dir);
	if (x->s->partition)
		fprintf(f, "#SBATCH --partition=%s\n", x->s->partition);
	if (x->s->time)
		fprintf(f, "#SBATCH --time=%s\n", x->s->time);
	if (x->s->constraint)
		fprintf(f, "#SBATCH --constraint=%s\n", x->s->constraint);
	for (size_t i = 0; i < x->s->nargs; i++)
		fprintf(f, "#SBATCH %s\n", x->s->args[i]);
	fprintf(f, "set -u\n"
		   "for p in '%s' '%s' '%s/points'; do\n"
		   "  [ -e \"$p\" ] || { echo \"memvirt task $SLURM_ARRAY_TASK_ID on $(hostname): $p is not reachable "
		   "from this node (shared filesystem?)\" >&2; exit 2; }\n"
		   "done\n"
		   "exec '%s' sweep '%s' --point \"$SLURM_ARRAY_TASK_ID\" --out '%s'\n",
		x->bin, x->file, x->dir, x->bin, x->file, x->dir);
}

/* Values go into a shell script between single quotes and into #SBATCH lines. */
static int check_value(const char *opt, const char *v)
{
	return v && strpbrk(v, "'\n\r") ? cli_bad_value(opt, v, "no quotes or newlines") : 0;
}

static int check(const struct sweep_opts *o, size_t npoints, char *sbatch, size_t n)
{
	int rc;
	if (!on_path("sbatch", sbatch, n))
		return cli_error("--slurm: sbatch is not on the PATH (install Slurm's client, or run on a login node)"),
		       EXIT_USAGE;
	if (o->out && o->out[0] != '/')
		return cli_bad_value("out", o->out, "give an absolute path on a filesystem the nodes share: a relative "
				     "one is resolved on each node in its own directory"), EXIT_USAGE;
	if (o->one || o->list || o->dry_run || o->resume)
		return cli_error("--slurm writes a job array of every point: not with --point, --list, --dry-run or "
				 "--resume"), EXIT_USAGE;
	unsigned long max = max_array_size();
	if (max && npoints > max - 1)
		return cli_error("--slurm: %zu points need array indices 0-%zu, but the cluster's MaxArraySize is %lu",
				 npoints, npoints - 1, max), EXIT_USAGE;
	const char *vals[] = { o->out, o->file, o->slurm.partition, o->slurm.time, o->slurm.constraint };
	const char *names[] = { "out", "file", "partition", "time", "constraint" };
	for (size_t i = 0; i < 5; i++)
		if ((rc = check_value(names[i], vals[i])) != 0)
			return rc;
	for (size_t i = 0; i < o->slurm.nargs; i++)
		if ((rc = check_value("sbatch-arg", o->slurm.args[i])) != 0)
			return rc;
	return 0;
}

static int submit(const char *sbatch, const char *script, const char *dir, const char *bin, size_t npoints)
{
	char out[4096];
	char *argv[] = { (char *)sbatch, "--parsable", (char *)script, NULL };
	int st = capture(argv, out, sizeof(out), false);
	out[strcspn(out, ";\n")] = 0; /* "JOBID[;CLUSTER]" */
	if (st != 0 || !out[0]) {
		cli_error("--submit: sbatch %s failed (exit %d)", script, st);
		return 1;
	}
	printf("submitted job %s: %zu array tasks\nwhen it has finished:  %s merge %s\n", out, npoints, bin, dir);
	return 0;
}

int sweep_slurm(const struct sweep_opts *o, const char *name, size_t npoints, unsigned repeat, bool kvm)
{
	char sbatch[4200], bin[PATH_MAX], file[PATH_MAX], cwd[PATH_MAX], dir[2 * PATH_MAX + 64], script[2 * PATH_MAX + 128];
	int rc = check(o, npoints, sbatch, sizeof(sbatch));
	if (rc)
		return rc;
	ssize_t len = readlink("/proc/self/exe", bin, sizeof(bin) - 1);
	if (len < 0 || !realpath(o->file, file) || !getcwd(cwd, sizeof(cwd)))
		return cli_error("--slurm: cannot resolve the absolute paths of memvirt and %s", o->file), 1;
	bin[len] = 0;
	if (o->out)
		snprintf(dir, sizeof(dir), "%s", o->out);
	else {
		char rel[2048];
		sweep_default_dir(rel, sizeof(rel), o->file);
		snprintf(dir, sizeof(dir), "%s/%s", cwd, rel);
	}
	if ((rc = cli_dir_value("out", dir, "points")) != 0 || (rc = cli_dir_value("out", dir, "slurm")) != 0)
		return rc;
	snprintf(script, sizeof(script), "%s/slurm/memvirt-sweep.sbatch", dir);
	struct script x = { &o->slurm, name, bin, file, dir, npoints, repeat, kvm };
	if ((rc = atomic_write_stream(script, emit, &x)) < 0)
		return cli_error("cannot write %s: %s", script, strerror(-rc)), 1;
	printf("job array: %s (%zu tasks, one per point)\n", script, npoints);
	if (!o->slurm.submit) {
		printf("submit it with:  sbatch %s\nwhen it has finished:  %s merge %s\n", script, bin, dir);
		return 0;
	}
	return submit(sbatch, script, dir, bin, npoints);
}
