/* run.c — the run driver (see run.h). Each VM's workload runs in a worker thread with the stop
 * signals (run_stop_signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE) blocked; the calling
 * thread waits for the workers or a signal, and draws progress in between. An interrupted run
 * is written with state "interrupted" and what was known so far — never a half-written file.
 * Once a run has been interrupted, a stop signal that still has its default action is caught
 * instead (run_late_signal) before the signals are unblocked: a second Ctrl-C during the
 * teardown cannot kill the process before the caller has written the document.
 *
 * Order, and why: every VM's experiment session (host set-up, reclaim thread, telemetry
 * target) begins before any worker starts, and the shared monitor starts after the last VM is
 * added to it, so every VM's series starts on the same tick; on the way out the monitor stops
 * before the sessions end (their reclaim threads joined, host state restored), all with the
 * signals still blocked, so a Ctrl-C cannot skip the restoring of host state. Page sharing
 * (a host's KSM knobs, ksm/ksm.h) wraps all of it: set before the first VM begins, restored
 * after the last session ended. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm/ksm.h"
#include "vmm/host/hostinfo.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"
#include "vmm/run/run_record.h"

static void *run_worker(void *arg)
{
	struct run_vm *vm = arg;
	if (vm->began)
		experiment_worker_started(&vm->exp, gettid());
	vm->rc = vm->plat->run(vm->cfg, &vm->ctx, &vm->ram, vm->have_balloon ? &vm->balloon : NULL, &vm->res);
	vm->worker_end_s = monotonic_seconds() - vm->t0;
	atomic_store(&vm->done, true); /* publishes worker_end_s */
	return NULL;
}

static const struct experiment *experiment_of(const struct run_config *cfg)
{
	return cfg->experiment ? cfg->experiment : &experiment_defaults;
}

static void vm_fail(struct run_vm *vm, const char *fmt, const char *a, const char *b)
{
	vm->res.state = RUN_FAILED;
	snprintf(vm->res.message, sizeof(vm->res.message), fmt, a, b);
	atomic_store(&vm->done, true);
}

/* ---- Progress -------------------------------------------------------------------------- */

static double vm_fraction(const struct run_vm *vm)
{
	const struct wl_params *p = &vm->cfg->params;
	if (p->runtime_us) /* time-based: the measured phase's share of its time */
		return vm->measure_seen ? fmin(1.0, (monotonic_seconds() - vm->measure_seen) / ((double)p->runtime_us / 1e6))
					: 0.0;
	uint64_t total = vm->cfg->workload->ops(&vm->cfg->params) * (p->loops ? p->loops : 1);
	double f = total ? (double)vm->ctx.progress / (double)total : 0.0;
	return f > 1 ? 1 : f;
}

static void progress_one(const struct run_vm *vm, double t, bool final)
{
	/* setup (allocation, first touches) can be long on kvm, where guest faults are slow:
	 * say so rather than sit at 0% */
	if (vm->ctx.ramping && vm->ctx.phase == WL_PHASE_SETUP && !atomic_load(&vm->done))
		fprintf(stderr, "\r\033[K  %s on %s: ramp (not measured), %.1f s%s", vm->cfg->workload->name,
			vm->plat->name, t, final ? "\n" : "  ");
	else if (vm->ctx.phase == WL_PHASE_SETUP && !atomic_load(&vm->done))
		fprintf(stderr, "\r\033[K  %s on %s: setting up (allocating and touching memory), %.1f s%s",
			vm->cfg->workload->name, vm->plat->name, t, final ? "\n" : "  ");
	else if (vm->cfg->params.runtime_us)
		fprintf(stderr, "\r\033[K  %s on %s: %5.1f%% of %.1f s measured, %llu ops, %.1f s%s",
			vm->cfg->workload->name, vm->plat->name, 100.0 * vm_fraction(vm),
			(double)vm->cfg->params.runtime_us / 1e6, (unsigned long long)vm->ctx.progress, t,
			final ? "\n" : "  ");
	else
		fprintf(stderr, "\r\033[K  %s on %s: %5.1f%% of %llu ops, %.1f s%s", vm->cfg->workload->name,
			vm->plat->name, 100.0 * vm_fraction(vm),
			(unsigned long long)vm->cfg->workload->ops(&vm->cfg->params), t, final ? "\n" : "  ");
}

/* Several VMs: one line, each VM's state in a few characters ("a 45%", "b setup", "c done"). */
static void progress_many(const struct run_set *set, double t, bool final)
{
	size_t done = 0;
	fprintf(stderr, "\r\033[K  %s%s%zu VMs, %.1f s:", set->progress_label ? set->progress_label : "",
		set->progress_label ? ": " : "", set->n, t);
	for (size_t i = 0; i < set->n; i++) {
		const struct run_vm *vm = &set->vm[i];
		if (atomic_load(&vm->done)) {
			done++;
			fprintf(stderr, " %s %s", vm->name, vm->res.state == RUN_FAILED ? "failed" : "done");
		} else if (vm->ctx.phase == WL_PHASE_SETUP) {
			fprintf(stderr, " %s setup", vm->name);
		} else {
			fprintf(stderr, " %s %.0f%%", vm->name, 100.0 * vm_fraction(vm));
		}
	}
	fprintf(stderr, " (%zu/%zu done)%s", done, set->n, final ? "\n" : "");
}

static void progress_draw(const struct run_set *set, bool final)
{
	double t = monotonic_seconds() - set->t0;
	if (set->n == 1)
		progress_one(&set->vm[0], t, final);
	else
		progress_many(set, t, final);
	fflush(stderr);
}

static bool all_done(const struct run_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (!atomic_load(&set->vm[i].done))
			return false;
	return true;
}

/* Waits for every worker; returns the signal that interrupted the run, or 0. */
static int run_wait(struct run_set *set, const sigset_t *sigs)
{
	bool show = set->progress && isatty(STDERR_FILENO);
	double next = set->t0 + 0.5, period = run_timed_period(set);
	struct timespec tick = { 0, (long)(period * 1e9) };
	while (!all_done(set)) {
		for (size_t i = 0; i < set->n; i++)
			run_timed_tick(&set->vm[i], monotonic_seconds());
		int sig = sigtimedwait(sigs, NULL, &tick);
		if (sig > 0) {
			if (show)
				progress_draw(set, true);
			return sig;
		}
		if (show && monotonic_seconds() >= next) {
			progress_draw(set, false);
			next += 0.5;
		}
	}
	if (show && next > set->t0 + 0.5)
		progress_draw(set, true);
	return 0;
}

/* ---- Start and end --------------------------------------------------------------------- */

/* The shared monitor's period: the host's, else the smallest period a VM asks for. */
static uint64_t shared_period(const struct run_set *set)
{
	uint64_t us = set->sample_us;
	for (size_t i = 0; !set->sample_us && i < set->n; i++) {
		uint64_t v = experiment_of(set->vm[i].cfg)->sample_us;
		if (v && (!us || v < us))
			us = v;
	}
	return us;
}

/* The balloon's columns of the VM's telemetry (results/series.h). */
static void run_balloon_read(void *balloon, struct tel_sample *s)
{
	struct balloon_sample b;
	balloon_sample(balloon, &b);
	s->balloon_bytes = b.balloon_bytes;
	s->guest_free_bytes = b.guest_free_bytes == UINT64_MAX ? TEL_ABSENT : b.guest_free_bytes;
	s->balloon_reported_bytes = b.reported_bytes;
}

static void vm_begin(struct run_set *set, struct run_vm *vm)
{
	char why[512];
	const char *unavailable;
	guest_ram_handle_init(&vm->ram);
	if (vm->cfg->balloon) {
		balloon_init(&vm->balloon, vm->cfg->balloon);
		vm->have_balloon = true;
	}
	vm->t0 = set->t0;
	if (atomic_load(&vm->done))
		return; /* failed before it began (page sharing could not be set up) */
	if (!vm->plat)
		vm->plat = platform_find(vm->cfg->platform);
	unavailable = vm->plat ? vm->plat->unavailable() : "unknown platform";
	if (unavailable) {
		vm_fail(vm, "platform %s unavailable: %s", vm->cfg->platform, unavailable);
		return;
	}
	int rc = experiment_begin(&vm->exp, experiment_of(vm->cfg), &vm->ctx, &vm->ram,
				  set->shared_monitor ? &set->monitor : NULL, set->t0, vm->keep, why, sizeof(why));
	if (rc < 0) {
		vm_fail(vm, "%s%s", why, "");
		return;
	}
	vm->began = true;
	if (vm->have_balloon) { /* the monitor samples what the balloon holds */
		vm->exp.target.balloon_read = run_balloon_read;
		vm->exp.target.balloon_arg = &vm->balloon;
	}
}

static void vm_start(struct run_set *set, struct run_vm *vm)
{
	if (atomic_load(&vm->done))
		return;
	vm->start_s = monotonic_seconds() - set->t0;
	int err = pthread_create(&vm->thread, NULL, run_worker, vm);
	if (err)
		vm_fail(vm, "cannot start the run thread: %s%s", strerror(err), "");
	else
		vm->thread_started = true;
}

static void vm_interrupted(struct run_vm *vm, int sig)
{
	if (atomic_load(&vm->done))
		return; /* finished before the signal: its result stands */
	/* The worker is left to die with the process: its state is not ours to publish. */
	vm->res.state = RUN_INTERRUPTED;
	vm->res.have_checksum = false;
	snprintf(vm->res.message, sizeof(vm->res.message), "interrupted by %s after %llu of %llu ops", strsignal(sig),
		 (unsigned long long)vm->ctx.progress, (unsigned long long)vm->cfg->workload->ops(&vm->cfg->params));
}

static void vm_joined(struct run_vm *vm)
{
	if (!vm->thread_started)
		return;
	pthread_join(vm->thread, NULL);
	vm->res.state = vm->rc < 0 ? RUN_FAILED : RUN_OK;
}

static enum run_state worst_state(const struct run_set *set)
{
	enum run_state worst = RUN_OK;
	for (size_t i = 0; i < set->n; i++) {
		enum run_state s = set->vm[i].res.state;
		if (s == RUN_INTERRUPTED || (s == RUN_FAILED && worst == RUN_OK))
			worst = s;
	}
	return worst;
}

/* Page sharing begins before any VM (its janitor is forked while the process has no other
 * threads); a failure fails every VM, since none would run as asked. */
static void ksm_begin(struct run_set *set)
{
	char why[512];
	if (!set->ksm || !set->ksm_opts)
		return;
	if (ksm_session_begin(set->ksm, set->ksm_opts, set->t0, why, sizeof(why)) < 0) {
		for (size_t i = 0; i < set->n; i++)
			vm_fail(&set->vm[i], "%s%s", why, "");
		return;
	}
	set->ksm_began = true;
}

/* A host's budget (host_policy.h), after page sharing began and before any VM allocates; a
 * failure fails every VM. */
static void host_begin(struct run_set *set)
{
	char why[512];
	if (set->host_begin && set->host_begin(set, set->hook_arg, why, sizeof(why)) < 0)
		for (size_t i = 0; i < set->n; i++)
			if (!atomic_load(&set->vm[i].done))
				vm_fail(&set->vm[i], "%s%s", why, "");
}

/* Once every VM began: the sampler marks each VM's guest RAM as it is published. */
static void ksm_start(struct run_set *set)
{
	if (!set->ksm_began)
		return;
	for (size_t i = 0; i < set->n; i++)
		ksm_session_add(set->ksm, set->vm[i].name ? set->vm[i].name : "vm", &set->vm[i].ram, &set->vm[i].ctx);
	if (ksm_session_start(set->ksm) < 0)
		for (size_t i = 0; i < set->n; i++)
			vm_fail(&set->vm[i], "cannot start the KSM sampler thread%s%s", "", "");
}

static void ksm_end(struct run_set *set)
{
	if (!set->ksm_began)
		return;
	ksm_session_stop(set->ksm);
	ksm_session_restore(set->ksm);
}

static const int run_stop_signal_list[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };

void run_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(run_stop_signal_list) / sizeof(run_stop_signal_list[0]); i++)
		sigaddset(set, run_stop_signal_list[i]);
}

volatile sig_atomic_t run_late_signal;

static void on_late_signal(int sig)
{
	run_late_signal = sig;
}

/* Called with the stop signals still blocked. When the run was interrupted, or a stop signal
 * came during the teardown, those whose action is still the default (which ends the process)
 * are caught from now on: the caller writes the document, then exits with the run's status.
 * A handler a caller installed itself (memvirt sweep's) is left alone. */
static void catch_late_signals(int sig, const sigset_t *sigs)
{
	sigset_t pending;
	sigpending(&pending);
	bool late = sig != 0;
	for (size_t i = 0; i < sizeof(run_stop_signal_list) / sizeof(run_stop_signal_list[0]); i++)
		late |= sigismember(&pending, run_stop_signal_list[i]) == 1 && sigismember(sigs, run_stop_signal_list[i]) == 1;
	if (!late)
		return;
	for (size_t i = 0; i < sizeof(run_stop_signal_list) / sizeof(run_stop_signal_list[0]); i++) {
		struct sigaction old, sa = { .sa_handler = on_late_signal, .sa_flags = SA_RESTART };
		sigemptyset(&sa.sa_mask);
		if (sigaction(run_stop_signal_list[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(run_stop_signal_list[i], &sa, NULL);
	}
}

/* An interrupted set is never freed (its workers may still be using it, until the process
 * ends): it is kept on this list, so that it is known to be kept on purpose — LeakSanitizer
 * sees it as reachable, not as a leak. */
static struct run_set *abandoned_sets;
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;

static void abandon(struct run_set *set)
{
	pthread_mutex_lock(&abandoned_lock);
	set->abandoned_next = abandoned_sets;
	abandoned_sets = set;
	pthread_mutex_unlock(&abandoned_lock);
}

enum run_state run_set_execute(struct run_set *set)
{
	sigset_t sigs, old;
	run_stop_signals(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	if (!set->t0)
		set->t0 = monotonic_seconds();
	uint64_t period = set->host || set->n > 1 ? shared_period(set) : 0;
	set->shared_monitor = period != 0;
	if (set->shared_monitor) {
		telemetry_init(&set->monitor, period, 0, set->t0);
		set->monitor.usage_cg = set->usage_cg;
	}
	ksm_begin(set);
	host_begin(set);
	for (size_t i = 0; i < set->n; i++)
		vm_begin(set, &set->vm[i]);
	if (set->shared_monitor && telemetry_start(&set->monitor) < 0)
		for (size_t i = 0; i < set->n; i++)
			vm_fail(&set->vm[i], "cannot start the monitor thread%s%s", "", "");
	ksm_start(set);
	for (size_t i = 0; i < set->n; i++)
		vm_start(set, &set->vm[i]);
	if (set->started)
		set->started(set, set->hook_arg);

	int sig = run_wait(set, &sigs);
	if (set->stopping)
		set->stopping(set, set->hook_arg);
	if (sig)
		abandon(set);
	for (size_t i = 0; i < set->n; i++) {
		if (sig)
			vm_interrupted(&set->vm[i], sig);
		else
			vm_joined(&set->vm[i]);
		/* a worker still running (interrupted) ends now, as far as the results go */
		set->vm[i].end_s = atomic_load(&set->vm[i].done) && set->vm[i].thread_started ? set->vm[i].worker_end_s
											 : monotonic_seconds() - set->t0;
	}
	if (set->shared_monitor)
		telemetry_stop(&set->monitor);
	for (size_t i = 0; i < set->n; i++)
		if (set->vm[i].began)
			experiment_end(&set->vm[i].exp);
	if (set->host_end)
		set->host_end(set, set->hook_arg);
	ksm_end(set);
	catch_late_signals(sig, &sigs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return worst_state(set);
}

void run_set_fini(struct run_set *set)
{
	if (set->shared_monitor)
		telemetry_fini(&set->monitor);
}

json_t *run_vm_doc(struct run_vm *vm, json_t *context)
{
	if (!context) {
		struct hostinfo hi;
		hostinfo_probe(&hi);
		context = hostinfo_context_json(&hi);
	}
	json_t *doc = result_to_json(vm->cfg, &vm->res, context);
	if (vm->exp.opts) /* the session was begun, even if its beginning failed */
		experiment_finish_doc(&vm->exp, doc);
	return doc;
}

enum run_state run_execute(const struct run_config *cfg, struct run_result *res, json_t **doc_out)
{
	/* On the heap, and not freed when interrupted: the worker may still be using it. */
	struct run_vm *vm = calloc(1, sizeof(*vm));
	struct run_set *set = calloc(1, sizeof(*set));
	if (!vm || !set) {
		free(vm);
		free(set);
		*res = (struct run_result){ .state = RUN_FAILED };
		snprintf(res->message, sizeof(res->message), "out of memory");
		return RUN_FAILED;
	}
	vm->cfg = cfg;
	*set = (struct run_set){ .n = 1, .vm = vm, .progress = cfg->progress };
	/* Before any thread: the janitor that writes a "killed" document should the run die. */
	struct run_record record;
	struct experiment_keep keep;
	run_record_arm(&record, cfg, &keep);
	vm->keep = &keep;
	enum run_state st = run_set_execute(set);
	vm->keep = NULL;
	json_t *doc = run_vm_doc(vm, NULL);
	if (cfg->doc_extra)
		json_object_update(doc, (json_t *)cfg->doc_extra);
	if (cfg->finish_doc)
		cfg->finish_doc(doc);
	if (cfg->json_path) {
		int rc = result_write_atomic(cfg->json_path, doc);
		if (rc < 0) { /* a run whose result is lost has failed, whatever it measured */
			fprintf(stderr, "memvirt: cannot write %s: %s\n", cfg->json_path, result_file_strerror(rc));
			if (st != RUN_INTERRUPTED)
				st = RUN_FAILED;
		}
	}
	run_record_disarm(&record, vm->exp.host.teardown_rc == 0);
	*res = vm->res;
	if (doc_out)
		*doc_out = doc;
	else
		json_decref(doc);
	run_set_fini(set);
	if (st != RUN_INTERRUPTED) {
		run_vm_fini(vm);
		free(vm);
		free(set);
	}
	return st;
}

void run_vm_fini(struct run_vm *vm)
{
	guest_ram_handle_fini(&vm->ram);
	if (vm->have_balloon)
		balloon_fini(&vm->balloon);
	vm->have_balloon = false;
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
