/* runner.c — the policy's thread and its accounting (see runner.h). It wakes on an absolute
 * schedule like the monitor (a slow step delays the next but does not shift the clock). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "overcommit/runner.h"
#include "vmm/util/clock.h"

int oc_runner_init(struct oc_runner *r, const struct oc_source *src, const struct oc_backend *be, uint64_t period_us,
		   double t0)
{
	r->src = *src;
	r->period_us = period_us ? period_us : OC_DEFAULT_PERIOD_US;
	r->t0 = t0;
	r->prev_psi = OC_ABSENT;
	r->prev_ms = -1;
	r->cost_us = NULL;
	r->steps = r->cap = 0;
	r->running = false;
	atomic_store(&r->stop, false);
	oc_actions_init(&r->act, be);
	return r->pc.ops->init ? r->pc.ops->init(&r->pc) : 0;
}

void oc_runner_step(struct oc_runner *r)
{
	double c0 = thread_cpu_us(), m0 = r->act.mech_cpu_us;
	struct oc_view *v = &r->view;
	memset(v, 0, sizeof(*v));
	v->usage_bytes = v->psi_some_us = OC_ABSENT;
	r->src.read(r->src.ctx, v);
	v->t_ms = (monotonic_seconds() - r->t0) * 1e3;
	v->period_ms = r->prev_ms >= 0 ? v->t_ms - r->prev_ms : 0;
	if (v->psi_some_us != OC_ABSENT && r->prev_psi != OC_ABSENT && v->period_ms > 0 && v->psi_some_us >= r->prev_psi)
		v->psi_some_frac = (double)(v->psi_some_us - r->prev_psi) / (v->period_ms * 1e3);
	r->prev_psi = v->psi_some_us;
	r->prev_ms = v->t_ms;
	if (r->steps == 0) { /* what the mechanisms hold before the first action */
		for (size_t i = 0; i < v->n; i++)
			r->act.target[i] = v->vm[i].balloon_target;
		r->act.ksm_on = v->ksm_on;
		r->act.limit = v->limit_bytes;
	}
	r->act.view = v;
	r->pc.ops->step(&r->pc, v, &r->act);
	/* the policy layer's own cost: the mechanisms' time (a page-out of MiBs) is theirs */
	double cost = thread_cpu_us() - c0 - (r->act.mech_cpu_us - m0);
	if (r->steps == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		double *p = realloc(r->cost_us, cap * sizeof(*p));
		if (!p)
			return;
		r->cost_us = p;
		r->cap = cap;
	}
	r->cost_us[r->steps++] = cost;
}

static void *runner_main(void *arg)
{
	struct oc_runner *r = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&r->stop)) {
		oc_runner_step(r);
		next.tv_nsec += (long)(r->period_us % 1000000) * 1000;
		next.tv_sec += (time_t)(r->period_us / 1000000) + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		while (!atomic_load(&r->stop) && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return NULL;
}

int oc_runner_start(struct oc_runner *r)
{
	int err = pthread_create(&r->thread, NULL, runner_main, r);
	if (err)
		return -err;
	r->running = true;
	return 0;
}

void oc_runner_stop(struct oc_runner *r)
{
	if (!r->running)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	r->running = false;
}

void oc_runner_fini(struct oc_runner *r)
{
	oc_runner_stop(r);
	if (r->pc.ops && r->pc.ops->fini)
		r->pc.ops->fini(&r->pc);
	oc_actions_fini(&r->act);
	free(r->cost_us);
	r->cost_us = NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static json_t *cost_json(const struct oc_runner *r)
{
	if (!r->steps)
		return json_pack("{s:n, s:n, s:n, s:n}", "mean", "p50", "p99", "max");
	double *s = malloc(r->steps * sizeof(*s)), sum = 0;
	if (!s)
		return json_null();
	memcpy(s, r->cost_us, r->steps * sizeof(*s));
	qsort(s, r->steps, sizeof(*s), cmp_double);
	for (size_t i = 0; i < r->steps; i++)
		sum += s[i];
	json_t *o = json_pack("{s:f, s:f, s:f, s:f}", "mean", sum / (double)r->steps, "p50", s[r->steps / 2], "p99",
			      s[(size_t)((double)(r->steps - 1) * 0.99)], "max", s[r->steps - 1]);
	free(s);
	return o;
}

json_t *oc_runner_json(const struct oc_runner *r, const char *const *names, size_t n)
{
	json_t *knobs = json_object();
	for (size_t i = 0; i < r->pc.ops->nknobs; i++)
		json_object_set_new(knobs, r->pc.ops->knobs[i].name, json_real(r->pc.knob[i]));
	json_t *j = json_pack("{s:s, s:f, s:o, s:I, s:o, s:o, s:I, s:I, s:I}", "name", r->pc.ops->name, "period_ms",
			 (double)r->period_us / 1e3, "knobs", knobs, "steps", (json_int_t)r->steps, "step_cpu_us",
			 cost_json(r), "decisions", oc_decisions_json(&r->act, names, n), "decisions_dropped",
			 (json_int_t)r->act.dropped, "decisions_max", (json_int_t)OC_LOG_MAX, "reclaimed_bytes",
			 (json_int_t)r->act.reclaimed_bytes);
	json_object_set_new(j, "actions_cpu_us", json_real(r->act.mech_cpu_us));
	return j;
}
