/* swap.c — what swap the host has (see swap.h). */
#include <stdio.h>
#include <string.h>

#include "vmm/host/swap.h"
#include "vmm/host/sysfs.h"

void host_swap_probe(struct host_swap *s)
{
	*s = (struct host_swap){ 0 };
	proc_meminfo_kib("SwapTotal", &s->total_kib);
	proc_meminfo_kib("SwapFree", &s->free_kib);
	s->zram0 = sysfs_exists("/dev/zram0");
}

bool host_has_swap(void)
{
	struct host_swap s;
	host_swap_probe(&s);
	return s.total_kib > 0;
}

bool host_swap_device_on(const char *device)
{
	char line[512];
	bool found = false;
	size_t n = strlen(device);
	FILE *f = fopen("/proc/swaps", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		found |= strncmp(line, device, n) == 0 && (line[n] == ' ' || line[n] == '\t');
	fclose(f);
	return found;
}
