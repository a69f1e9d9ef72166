/* actions.c — the actions and their log (see actions.h). Every action is logged whether the
 * mechanism accepted it or not: a refused action (-errno) is a decision too, and its reason
 * then says what the mechanism answered. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overcommit/actions.h"
#include "vmm/util/clock.h"

static const char *const action_names[] = { "target", "ksm", "reclaim", "limit", "state" };

const char *oc_action_name(enum oc_action a) { return action_names[a]; }

void oc_in(struct oc_inputs *in, const char *name, double value)
{
	if (in->n < OC_MAX_INPUTS)
		in->in[in->n++] = (struct oc_input){ name, value };
}

void oc_in_u64(struct oc_inputs *in, const char *name, uint64_t value)
{
	oc_in(in, name, value == OC_ABSENT ? NAN : (double)value);
}

void oc_actions_init(struct oc_actions *a, const struct oc_backend *be)
{
	*a = (struct oc_actions){ .be = be };
}

void oc_actions_fini(struct oc_actions *a)
{
	free(a->log);
	a->log = NULL;
	a->n = a->cap = 0;
}

/* A new entry of the log, or NULL when the log is full (the decision is counted as dropped). */
static struct oc_decision *entry(struct oc_actions *a, int vm, enum oc_action act, const struct oc_inputs *in)
{
	if (a->n == OC_LOG_MAX) {
		a->dropped++;
		return NULL;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct oc_decision *p = realloc(a->log, cap * sizeof(*p));
		if (!p) {
			a->dropped++;
			return NULL;
		}
		a->log = p;
		a->cap = cap;
	}
	struct oc_decision *d = &a->log[a->n++];
	*d = (struct oc_decision){ .t_ms = a->view ? a->view->t_ms : 0, .vm = vm, .action = act };
	if (in)
		d->inputs = *in;
	return d;
}

static void reason(struct oc_decision *d, int rc, const char *fmt, va_list ap)
{
	if (!d)
		return;
	d->rc = rc;
	int used = vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	if (rc < 0 && used >= 0 && (size_t)used < sizeof(d->reason))
		snprintf(d->reason + used, sizeof(d->reason) - (size_t)used, " (refused: %s)", strerror(-rc));
}

int oc_set_target(struct oc_actions *a, size_t vm, uint64_t bytes, const struct oc_inputs *in, const char *fmt, ...)
{
	/* up to whole frames: the VM keeps at most what the policy computed, never a frame more
	 * (guest RAM is whole frames, so this never passes it) */
	bytes = (bytes + 4095) & ~4095ULL;
	if (vm >= OC_MAX_VMS || bytes == a->target[vm])
		return 0;
	double c0 = thread_cpu_us();
	int rc = a->be->set_target ? a->be->set_target(a->be->ctx, vm, bytes) : -ENOSYS;
	a->mech_cpu_us += thread_cpu_us() - c0;
	struct oc_decision *d = entry(a, (int)vm, OC_TARGET, in);
	if (d)
		*d = (struct oc_decision){ .t_ms = d->t_ms, .vm = d->vm, .action = d->action, .inputs = d->inputs,
					   .from_num = true, .to_num = true, .from = (double)a->target[vm],
					   .to = (double)bytes };
	va_list ap;
	va_start(ap, fmt);
	reason(d, rc, fmt, ap);
	va_end(ap);
	if (rc == 0)
		a->target[vm] = bytes;
	return rc;
}

int oc_set_ksm(struct oc_actions *a, bool on, const struct oc_inputs *in, const char *fmt, ...)
{
	if (on == a->ksm_on)
		return 0;
	double c0 = thread_cpu_us();
	int rc = a->be->ksm ? a->be->ksm(a->be->ctx, on) : -ENOSYS;
	a->mech_cpu_us += thread_cpu_us() - c0;
	struct oc_decision *d = entry(a, -1, OC_KSM, in);
	if (d) {
		snprintf(d->from_s, sizeof(d->from_s), "%s", a->ksm_on ? "on" : "off");
		snprintf(d->to_s, sizeof(d->to_s), "%s", on ? "on" : "off");
	}
	va_list ap;
	va_start(ap, fmt);
	reason(d, rc, fmt, ap);
	va_end(ap);
	if (rc == 0)
		a->ksm_on = on;
	return rc;
}

int64_t oc_reclaim(struct oc_actions *a, size_t vm, uint64_t bytes, const struct oc_inputs *in, const char *fmt, ...)
{
	bytes &= ~4095ULL;
	if (!bytes || vm >= OC_MAX_VMS)
		return 0;
	double c0 = thread_cpu_us();
	int64_t got = a->be->reclaim ? a->be->reclaim(a->be->ctx, vm, bytes) : -ENOSYS;
	a->mech_cpu_us += thread_cpu_us() - c0;
	struct oc_decision *d = entry(a, (int)vm, OC_RECLAIM, in);
	if (d) {
		d->to_num = true;
		d->to = (double)bytes;
		if (got >= 0)
			oc_in(&d->inputs, "advised_bytes", (double)got);
	}
	va_list ap;
	va_start(ap, fmt);
	reason(d, got < 0 ? (int)got : 0, fmt, ap);
	va_end(ap);
	if (got > 0)
		a->reclaimed_bytes += (uint64_t)got;
	return got;
}

int oc_set_limit(struct oc_actions *a, uint64_t bytes, const struct oc_inputs *in, const char *fmt, ...)
{
	if (bytes == a->limit)
		return 0;
	double c0 = thread_cpu_us();
	int rc = a->be->set_limit ? a->be->set_limit(a->be->ctx, bytes) : -ENOSYS;
	a->mech_cpu_us += thread_cpu_us() - c0;
	struct oc_decision *d = entry(a, -1, OC_LIMIT, in);
	if (d) {
		d->from_num = d->to_num = true;
		d->from = (double)a->limit;
		d->to = (double)bytes;
	}
	va_list ap;
	va_start(ap, fmt);
	reason(d, rc, fmt, ap);
	va_end(ap);
	if (rc == 0)
		a->limit = bytes;
	return rc;
}

int oc_set_state(struct oc_actions *a, const char *state, const struct oc_inputs *in, const char *fmt, ...)
{
	if (strcmp(state, a->state) == 0)
		return 0;
	struct oc_decision *d = entry(a, -1, OC_STATE, in);
	if (d) {
		snprintf(d->from_s, sizeof(d->from_s), "%s", a->state);
		snprintf(d->to_s, sizeof(d->to_s), "%s", state);
	}
	va_list ap;
	va_start(ap, fmt);
	reason(d, 0, fmt, ap);
	va_end(ap);
	snprintf(a->state, sizeof(a->state), "%s", state);
	return 0;
}

static json_t *value_json(bool num, double x, const char *s)
{
	if (num)
		return x == floor(x) && fabs(x) < 9e15 ? json_integer((json_int_t)x) : json_real(x);
	return *s ? json_string(s) : json_null();
}

json_t *oc_decisions_json(const struct oc_actions *a, const char *const *names, size_t nnames)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < a->n; i++) {
		const struct oc_decision *d = &a->log[i];
		json_t *in = json_object();
		for (size_t k = 0; k < d->inputs.n; k++) {
			double x = d->inputs.in[k].value;
			json_object_set_new(in, d->inputs.in[k].name, isnan(x) ? json_null() : value_json(true, x, ""));
		}
		json_array_append_new(
			arr, json_pack("{s:f, s:o, s:s, s:o, s:o, s:s, s:o}", "t_ms", d->t_ms, "vm",
				       d->vm >= 0 && (size_t)d->vm < nnames ? json_string(names[d->vm]) : json_null(),
				       "action", oc_action_name(d->action), "from", value_json(d->from_num, d->from, d->from_s),
				       "to", value_json(d->to_num, d->to, d->to_s), "reason", d->reason, "inputs", in));
	}
	return arr;
}
