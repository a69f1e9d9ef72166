/* find.c — look a workload up by name in either registry. */
#include <string.h>

#include "workloads/wl.h"

const struct wl_workload *wl_find(const struct wl_workload *const *reg, const char *name)
{
	for (; *reg; reg++)
		if (strcmp((*reg)->name, name) == 0)
			return *reg;
	return NULL;
}
