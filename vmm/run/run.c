/* run.c — the run driver (see run.h). The workload runs in a worker thread with SIGINT and
 * SIGTERM blocked; the calling thread waits for either the worker or a signal, and draws
 * progress in between. An interrupted run is written with state "interrupted" and what was
 * known so far — never a half-written file. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/reclaim/experiment.h"
#include "vmm/host/hostinfo.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"

struct run_job {
	const struct platform *plat;
	const struct run_config *cfg;
	struct run_result *res;
	struct wl_ctx ctx;
	int rc;
	atomic_bool done;
	struct guest_ram_handle ram; /* published by the platform, used by monitor and reclaim */
	struct experiment_session *exp; /* telemetry and reclaim threads, host set-up */
};

static void *run_worker(void *arg)
{
	struct run_job *job = arg;
	experiment_worker_started(job->exp, gettid());
	job->rc = job->plat->run(job->cfg, &job->ctx, &job->ram, job->res);
	atomic_store(&job->done, true);
	return NULL;
}

static void progress_draw(const struct run_job *job, uint64_t total, double t0, bool final)
{
	uint64_t done = job->ctx.progress;
	double pct = total ? 100.0 * (double)done / (double)total : 0.0;
	/* setup (allocation, first touches) can be long on kvm, where guest faults are slow:
	 * say so rather than sit at 0% */
	if (job->ctx.phase == WL_PHASE_SETUP)
		fprintf(stderr, "\r\033[K  %s on %s: setting up (allocating and touching memory), %.1f s%s",
			job->cfg->workload->name, job->plat->name, monotonic_seconds() - t0, final ? "\n" : "  ");
	else
		fprintf(stderr, "\r\033[K  %s on %s: %5.1f%% of %llu ops, %.1f s%s",
			job->cfg->workload->name, job->plat->name, pct > 100 ? 100 : pct, (unsigned long long)total,
			monotonic_seconds() - t0, final ? "\n" : "  ");
	fflush(stderr);
}

/* Waits for the worker; returns the signal that interrupted the run, or 0. */
static int run_wait(struct run_job *job, const sigset_t *sigs)
{
	bool show = job->cfg->progress && isatty(STDERR_FILENO);
	uint64_t total = job->cfg->workload->ops(&job->cfg->params);
	double t0 = monotonic_seconds(), next = t0 + 0.5;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	while (!atomic_load(&job->done)) {
		int sig = sigtimedwait(sigs, NULL, &tick);
		if (sig > 0) {
			if (show)
				progress_draw(job, total, t0, true);
			return sig;
		}
		if (show && monotonic_seconds() >= next) {
			progress_draw(job, total, t0, false);
			next += 0.5;
		}
	}
	if (show && next > t0 + 0.5)
		progress_draw(job, total, t0, true);
	return 0;
}

static void run_start_failed(struct run_result *res, const struct run_config *cfg, const char *why)
{
	res->state = RUN_FAILED;
	snprintf(res->message, sizeof(res->message), "platform %s unavailable: %s", cfg->platform, why);
}

static void run_finish_doc(const struct run_config *cfg, struct run_result *res, struct experiment_session *exp,
			   json_t **doc_out)
{
	struct hostinfo hi;
	hostinfo_probe(&hi);
	json_t *doc = result_to_json(cfg, res, hostinfo_context_json(&hi));
	if (exp->opts)
		experiment_finish_doc(exp, doc);
	if (cfg->json_path) {
		int rc = result_write_atomic(cfg->json_path, doc);
		if (rc < 0)
			fprintf(stderr, "memvirt: cannot write %s: %s\n", cfg->json_path, strerror(-rc));
	}
	if (doc_out)
		*doc_out = doc;
	else
		json_decref(doc);
}

/* Host set-up, monitor and reclaim threads: begun before the worker starts, ended after it
 * finished or the run was interrupted — with SIGINT/SIGTERM still blocked, so a Ctrl-C cannot
 * skip the restoring of host state. */
static bool run_begin_experiment(struct run_job *job, struct experiment_session *exp)
{
	char why[512];
	const struct run_config *cfg = job->cfg;
	int rc = experiment_begin(exp, cfg->experiment ? cfg->experiment : &experiment_defaults, &job->ctx, &job->ram, why, sizeof(why));
	if (rc < 0) {
		job->res->state = RUN_FAILED;
		snprintf(job->res->message, sizeof(job->res->message), "%s", why);
	}
	job->exp = exp;
	return rc == 0;
}

static void run_in_thread(const struct platform *plat, const struct run_config *cfg, struct run_result *res,
			  struct experiment_session *exp)
{
	static struct run_job job; /* outlives us if the run is interrupted and we exit */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	job = (struct run_job){ .plat = plat, .cfg = cfg, .res = res };
	guest_ram_handle_init(&job.ram);
	pthread_t th;
	if (!run_begin_experiment(&job, exp)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return;
	}
	int err = pthread_create(&th, NULL, run_worker, &job);
	if (err) {
		res->state = RUN_FAILED;
		snprintf(res->message, sizeof(res->message), "cannot start the run thread: %s", strerror(err));
	} else if ((err = run_wait(&job, &sigs)) != 0) {
		/* The worker is left to die with the process: its state is not ours to publish. */
		res->state = RUN_INTERRUPTED;
		res->have_checksum = false;
		snprintf(res->message, sizeof(res->message), "interrupted by %s after %llu of %llu ops",
			 strsignal(err), (unsigned long long)job.ctx.progress,
			 (unsigned long long)cfg->workload->ops(&cfg->params));
	} else {
		pthread_join(th, NULL);
		res->state = job.rc < 0 ? RUN_FAILED : RUN_OK;
	}
	experiment_end(exp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

enum run_state run_execute(const struct run_config *cfg, struct run_result *res, json_t **doc_out)
{
	static struct experiment_session exp; /* outlives an interrupted worker, like the job */
	const struct platform *plat = platform_find(cfg->platform);
	const char *why = plat ? plat->unavailable() : "unknown platform";
	*res = (struct run_result){ 0 };
	exp = (struct experiment_session){ 0 };
	if (why)
		run_start_failed(res, cfg, why);
	else
		run_in_thread(plat, cfg, res, &exp);
	run_finish_doc(cfg, res, &exp, doc_out);
	return res->state;
}

int run_exit_status(enum run_state s)
{
	switch (s) {
	case RUN_OK:
	case RUN_SKIPPED:
		return 0;
	case RUN_INTERRUPTED:
		return 130;
	default:
		return 1;
	}
}
