/* platforms.c — the table of platforms and lookup by name. */
#include <string.h>

#include "vmm/run/platform.h"

static const struct platform *const platforms[] = { &platform_native, &platform_sim, &platform_kvm, NULL };

const struct platform *platform_find(const char *name)
{
	for (const struct platform *const *p = platforms; name && *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}
