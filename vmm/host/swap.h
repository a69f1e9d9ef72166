/* swap.h — what swap the host has: the one place that answers "is there swap?" for host
 * probing (memvirt info, the result's context), the reclaim checks (pageout needs swap) and
 * zram set-up (is /dev/zram0 already swap?). */
#ifndef MEMVIRT_HOST_SWAP_H
#define MEMVIRT_HOST_SWAP_H

#include <stdbool.h>
#include <stdint.h>

struct host_swap {
	uint64_t total_kib, free_kib; /* /proc/meminfo SwapTotal, SwapFree: 0 when unreadable */
	bool zram0;                   /* /dev/zram0 exists (can be made into swap) */
};

/* Fills *s; a missing file reads as no swap, never an error. */
void host_swap_probe(struct host_swap *s);
/* True when any swap is active on the host (SwapTotal is not zero). */
bool host_has_swap(void);
/* True when /proc/swaps lists `device` (such as "/dev/zram0") as active swap. */
bool host_swap_device_on(const char *device);

#endif
