/* bench_host.c — the cost of the host layer (`memvirt host`, vmm/run/host.h), measured in one
 * run. Each iteration runs two sides, and which goes first alternates:
 *  - host_vs_run/<platform>/<workload>: one VM through host_execute (a one-VM host_spec)
 *    against the same configuration through run_execute (what `memvirt run` does); counters
 *    host_ops_per_s and run_ops_per_s (measured phase: ops / run_s) and host_over_run, the
 *    ratio of the two throughputs (target: within 2% of 1), with its min/median/max over the
 *    pairs to show the noise;
 *  - aggregate_seq/<platform>/N: N seq VMs at once through host_execute against N processes at
 *    once (forked children, each calling run_execute with the same configuration and sending
 *    its result back through a pipe); counters host_ops_per_s and procs_ops_per_s (the sum of
 *    each VM's or process's measured-phase rate), *_wall_ops_per_s (all ops over the wall time
 *    of the launch, setup included), host_over_procs and host_over_procs_wall.
 * A failed run, or a checksum that differs from the first run's, reports an error instead of a
 * number. kvm cases skip with the reason when /dev/kvm cannot run a VM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/bench_runs.h"
#include "bench/gbench_c.h"
#include "mmu/util.h"
#include "vmm/run/host.h"
#include "vmm/util/clock.h"
#include "vmm/run/run.h"

#define MiB (1ULL << 20)
#define MOPS (1ULL << 20) /* 2^20 operations */
#define MAX_N 8
#define MAX_PAIRS 64

struct bench_case {
	const char *platform, *workload;
	uint64_t mem, ops; /* ops 0: the workload's default */
	size_t n;          /* VMs (or processes) at once */
};

/* One VM's or one process's outcome. */
struct outcome {
	int ok;
	uint64_t checksum, ops;
	double run_s;
};

/* Runs n copies of c at once on one side; fills o[0..n) and the launch's wall time. */
typedef int (*side_fn)(const struct run_config *c, size_t n, struct outcome *o, double *wall);

static struct run_config case_config(const struct bench_case *k)
{
	uint64_t guest_page = strcmp(k->platform, "kvm") == 0 ? 2 * MiB : 4096;
	return bench_config(k->workload, k->platform, k->mem, guest_page, k->ops);
}

/* ---- The sides ------------------------------------------------------------------------- */

static struct outcome outcome_of(const struct run_result *r)
{
	return (struct outcome){ .ok = r->state == RUN_OK && r->have_checksum, .checksum = r->checksum,
				 .ops = r->ops, .run_s = r->run_s };
}

/* `memvirt run`: one VM through run_execute. */
static int side_run(const struct run_config *c, size_t n, struct outcome *o, double *wall)
{
	static struct run_result r;
	double t0 = monotonic_seconds();
	(void)n;
	run_execute(c, &r, NULL);
	*wall = monotonic_seconds() - t0;
	o[0] = outcome_of(&r);
	return 0;
}

/* One VM's outcome from the host document's vms.NAME entry. */
static struct outcome outcome_of_entry(const json_t *entry)
{
	const json_t *res = json_object_get(json_object_get(entry, "result"), "result");
	const char *state = json_string_value(json_object_get(entry, "state"));
	const char *sum = json_string_value(json_object_get(res, "checksum"));
	if (!state || strcmp(state, "ok") != 0 || !sum)
		return (struct outcome){ 0 };
	return (struct outcome){ .ok = 1, .checksum = strtoull(sum, NULL, 16),
				 .ops = (uint64_t)json_integer_value(json_object_get(res, "ops")),
				 .run_s = json_number_value(json_object_get(res, "run_s")) };
}

/* `memvirt host`: n VMs vm1..vmN through host_execute. */
static int side_host(const struct run_config *c, size_t n, struct outcome *o, double *wall)
{
	static struct host_spec spec; /* large: 64 configurations */
	json_t *doc = NULL;
	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "bench");
	spec.n = n;
	for (size_t v = 0; v < n; v++) {
		snprintf(spec.vm[v].name, sizeof(spec.vm[v].name), "vm%zu", v + 1);
		spec.vm[v].cfg = *c;
	}
	double t0 = monotonic_seconds();
	host_execute(&spec, &doc);
	*wall = monotonic_seconds() - t0;
	if (!doc)
		return -1;
	for (size_t v = 0; v < n; v++)
		o[v] = outcome_of_entry(json_object_get(json_object_get(doc, "vms"), spec.vm[v].name));
	json_decref(doc);
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The child's side of side_procs: one run, its outcome down the pipe (one write of less than
 * PIPE_BUF bytes: atomic), and out without running the parent's atexit handlers. */
static void child_run(const struct run_config *c, int fd)
{
	static struct run_result r;
	run_execute(c, &r, NULL);
	struct outcome out = outcome_of(&r);
	_exit(write(fd, &out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
}

/* n processes at once, each running c through run_execute. Every child is waited for. */
static int side_procs(const struct run_config *c, size_t n, struct outcome *o, double *wall)
{
	pid_t pid[MAX_N];
	size_t started = 0;
	int fd[2], rc = 0;
	if (n > MAX_N || pipe(fd) < 0)
		return -1;
	fflush(NULL); /* nothing buffered twice */
	double t0 = monotonic_seconds();
	for (; started < n; started++) {
		pid_t p = fork();
		if (p < 0) {
			rc = -1;
			break;
		}
		if (p == 0) {
			close(fd[0]);
			child_run(c, fd[1]);
		}
		pid[started] = p;
	}
	close(fd[1]);
	for (size_t i = 0; rc < 0 && i < started; i++)
		kill(pid[i], SIGTERM); /* a run ends early, as "interrupted", on SIGTERM */
	for (size_t i = 0; i < started; i++) {
		int status;
		while (waitpid(pid[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -1;
	}
	*wall = monotonic_seconds() - t0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = read_full(fd[0], &o[i], sizeof(o[i]));
	close(fd[0]);
	return rc;
}

/* ---- Pairs of sides -------------------------------------------------------------------- */

/* Per-iteration ratios: min, median and max show the noise. */
struct spread {
	double v[MAX_PAIRS];
	size_t n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void spread_counters(gbench_state *st, const char *name, struct spread *s)
{
	char key[96];
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_double);
	double median = s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
	snprintf(key, sizeof(key), "%s_min", name);
	gbench_counter(st, key, s->v[0], 0);
	snprintf(key, sizeof(key), "%s_median", name);
	gbench_counter(st, key, median, 0);
	snprintf(key, sizeof(key), "%s_max", name);
	gbench_counter(st, key, s->v[s->n - 1], 0);
}

/* The sum of each run's measured-phase rate, and all ops over the wall time; -1 when a run
 * failed or its checksum differs from *first (set by the first run seen). */
static int rates(const struct outcome *o, size_t n, double wall, double *rate, double *wall_rate,
		 uint64_t *first, bool *have_first)
{
	double ops = 0;
	*rate = 0;
	for (size_t i = 0; i < n; i++) {
		if (!o[i].ok || o[i].run_s <= 0 || (*have_first && o[i].checksum != *first))
			return -1;
		*first = o[i].checksum;
		*have_first = true;
		*rate += (double)o[i].ops / o[i].run_s;
		ops += (double)o[i].ops;
	}
	*wall_rate = wall > 0 ? ops / wall : 0;
	return 0;
}

/* Runs side a and side b in each iteration (a first in even iterations, b first in odd ones)
 * and reports both rates and a_over_b; with n > 1 also the wall-time rates. The iteration time
 * is side a's: its measured phase for one VM, the launch's wall time for several. */
static void bench_sides(gbench_state *st, const struct bench_case *k, side_fn fa, const char *a, side_fn fb,
			const char *b)
{
	const struct run_config c = case_config(k);
	struct outcome o[MAX_N];
	struct spread ratio = { .n = 0 }, wall_ratio = { .n = 0 };
	double rate_sum[2] = { 0, 0 }, wall_sum[2] = { 0, 0 };
	uint64_t first = 0;
	bool have_first = false;
	size_t iters = 0;
	char key[96];
	if (strcmp(k->platform, "kvm") == 0 && !bench_kvm_usable(st))
		return;
	while (gbench_keep_running(st)) {
		double rate[2], wall_rate[2], time_a = 0;
		for (size_t leg = 0; leg < 2; leg++) {
			size_t s = (leg + iters) % 2;
			double wall;
			if ((s ? fb : fa)(&c, k->n, o, &wall) < 0 ||
			    rates(o, k->n, wall, &rate[s], &wall_rate[s], &first, &have_first) < 0) {
				gbench_skip_with_error(st, "a run failed or its checksum differs from the first run's");
				return;
			}
			if (s == 0)
				time_a = k->n == 1 ? o[0].run_s : wall;
		}
		for (size_t s = 0; s < 2; s++) {
			rate_sum[s] += rate[s];
			wall_sum[s] += wall_rate[s];
		}
		if (iters < MAX_PAIRS) {
			ratio.v[ratio.n++] = rate[0] / rate[1];
			wall_ratio.v[wall_ratio.n++] = wall_rate[0] / wall_rate[1];
		}
		iters++;
		gbench_set_iteration_time(st, time_a);
	}
	if (!iters)
		return;
	const char *side[2] = { a, b };
	for (size_t s = 0; s < 2; s++) {
		snprintf(key, sizeof(key), "%s_ops_per_s", side[s]);
		gbench_counter(st, key, rate_sum[s] / (double)iters, 0);
		if (k->n > 1) {
			snprintf(key, sizeof(key), "%s_wall_ops_per_s", side[s]);
			gbench_counter(st, key, wall_sum[s] / (double)iters, 0);
		}
	}
	snprintf(key, sizeof(key), "%s_over_%s", a, b);
	gbench_counter(st, key, rate_sum[0] / rate_sum[1], 0);
	spread_counters(st, key, &ratio);
	if (k->n > 1) {
		snprintf(key, sizeof(key), "%s_over_%s_wall", a, b);
		gbench_counter(st, key, wall_sum[0] / wall_sum[1], 0);
		spread_counters(st, key, &wall_ratio);
	}
}

static void bench_host_vs_run(gbench_state *st, void *arg)
{
	bench_sides(st, arg, side_host, "host", side_run, "run");
}

static void bench_aggregate(gbench_state *st, void *arg)
{
	bench_sides(st, arg, side_host, "host", side_procs, "procs");
}

/* ---- Cases ----------------------------------------------------------------------------- */

/* Measured phases of a few tenths of a second; gups on sim is ~40x slower per op, so smaller. */
static const struct bench_case vs_run[] = {
	{ "native", "seq", 64 * MiB, 128 * MOPS, 1 }, { "native", "gups", 64 * MiB, 16 * MOPS, 1 },
	{ "sim", "seq", 64 * MiB, 128 * MOPS, 1 },    { "sim", "gups", 16 * MiB, 0, 1 },
	{ "kvm", "seq", 64 * MiB, 128 * MOPS, 1 },    { "kvm", "gups", 64 * MiB, 16 * MOPS, 1 },
};

static const char *const aggregate_platforms[] = { "native", "sim", "kvm" };
static const size_t aggregate_n[] = { 1, 2, 4, 8 };
static struct bench_case aggregate[ARRAY_SIZE(aggregate_platforms) * ARRAY_SIZE(aggregate_n)];

int main(int argc, char **argv)
{
	char name[96];
	for (size_t i = 0; i < ARRAY_SIZE(vs_run); i++) {
		snprintf(name, sizeof(name), "host_vs_run/%s/%s", vs_run[i].platform, vs_run[i].workload);
		bench_register_manual(name, bench_host_vs_run, (void *)&vs_run[i], 20);
	}
	for (size_t p = 0, i = 0; p < ARRAY_SIZE(aggregate_platforms); p++) {
		for (size_t j = 0; j < ARRAY_SIZE(aggregate_n); j++, i++) {
			aggregate[i] = (struct bench_case){ aggregate_platforms[p], "seq", 64 * MiB, 64 * MOPS,
							    aggregate_n[j] };
			snprintf(name, sizeof(name), "aggregate_seq/%s/%zu", aggregate_platforms[p], aggregate_n[j]);
			bench_register_manual(name, bench_aggregate, &aggregate[i], 4);
		}
	}
	return gbench_main(argc, argv);
}
