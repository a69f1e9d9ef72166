/* registry.c — the table of workloads for one build flavour (compiled once direct, once
 * with WL_SIM), and lookup by name. */
#include "workloads/wl.h"

#ifdef WL_SIM
#define WL_REF(name) &wl_##name##_sim
#define WL_REGISTRY wl_registry_sim
#else
#define WL_REF(name) &wl_##name##_direct
#define WL_REGISTRY wl_registry_direct
#endif

extern WL_EXPORT(seq);
extern WL_EXPORT(gups);
extern WL_EXPORT(pchase);
extern WL_EXPORT(churn);
extern WL_EXPORT(ctxsw);
extern WL_EXPORT(idle);
extern WL_EXPORT(phases);
extern WL_EXPORT(dup);

const struct wl_workload *const WL_REGISTRY[] = {
	WL_REF(seq), WL_REF(gups), WL_REF(pchase), WL_REF(churn), WL_REF(ctxsw),
	WL_REF(idle), WL_REF(phases), WL_REF(dup), NULL,
};

#ifndef WL_SIM
/* One definition serves both flavours: it reads only the parameter table. A schedule's
 * default is the empty one (the workload derives its own). */
void wl_params_defaults(const struct wl_workload *w, struct wl_params *p)
{
	for (const struct wl_param_desc *d = w->params; d && d->name; d++) {
		if (d->kind == WL_PARAM_SCHEDULE) {
			struct wl_ws_step *s = (struct wl_ws_step *)((char *)p + d->offset);
			for (unsigned i = 0; i < WL_WS_STEPS; i++)
				s[i] = (struct wl_ws_step){ 0, 0 };
			continue;
		}
		*(uint64_t *)((char *)p + d->offset) = d->def;
	}
}
#endif
