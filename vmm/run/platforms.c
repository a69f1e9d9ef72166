/* platforms.c — the table of platforms and lookup by name, and what host-thread platforms
 * share (the sleep system call). */
#include <errno.h>
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

int platform_sleep_us(struct wl_ctx *c, uint64_t us)
{
	(void)c;
	return us == 0 || us > WL_SLEEP_MAX_US ? -EINVAL : monotonic_sleep_us(us, NULL);
}
