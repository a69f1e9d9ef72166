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

const struct wl_workload *const WL_REGISTRY[] = {
	WL_REF(seq), WL_REF(gups), WL_REF(pchase), WL_REF(churn), WL_REF(ctxsw), NULL,
};

#ifndef WL_SIM
/* One definition serves both flavours: it reads only the parameter table. */
void wl_params_defaults(const struct wl_workload *w, struct wl_params *p)
{
	for (const struct wl_param_desc *d = w->params; d && d->name; d++)
		*(uint64_t *)((char *)p + d->offset) = d->def;
}
#endif
