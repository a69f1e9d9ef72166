/* clock.h — the one clock every run, monitor and handler reads: CLOCK_MONOTONIC, in seconds
 * (run timelines, sample times) and in nanoseconds (timing short handlers exactly). */
#ifndef MEMVIRT_VMM_UTIL_CLOCK_H
#define MEMVIRT_VMM_UTIL_CLOCK_H

#include <stdint.h>

double monotonic_seconds(void);
uint64_t monotonic_ns(void);

#endif
