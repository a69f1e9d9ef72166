/* zram.h — a compressed-RAM swap device for one run (`--swap zram:SIZE`): /dev/zram0 is
 * sized, given a swap header and switched on at the start, and switched off and reset at the
 * end — on every path, including Ctrl-C (the run driver calls teardown after the run, with
 * SIGINT/SIGTERM still blocked). A device that is already in use is never touched. */
#ifndef MEMVIRT_ZRAM_H
#define MEMVIRT_ZRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zram_swap {
	bool sized;    /* disksize was written by us: reset it */
	bool swap_on;  /* swapon succeeded: swapoff it */
	uint64_t bytes;
};

/* Needs root and an unused /dev/zram0. Returns 0, or a negative errno with a one-line reason
 * in why (-EPERM not root, -ENODEV no zram, -EBUSY zram0 in use, ...). Undoes itself on error. */
int zram_swap_setup(struct zram_swap *z, uint64_t bytes, char *why, size_t whylen);
/* Switches the swap off and resets the device; safe to call twice or after a failed setup.
 * Returns 0 or the first negative errno (the caller says it out loud: host state is left). */
int zram_swap_teardown(struct zram_swap *z);

#endif
