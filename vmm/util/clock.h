/* clock.h — the one clock every run, monitor and handler reads: CLOCK_MONOTONIC, in seconds
 * (run timelines, sample times) and in nanoseconds (timing short handlers exactly); and
 * sleeping on it (the workloads' sleep system call on every platform). */
#ifndef MEMVIRT_VMM_UTIL_CLOCK_H
#define MEMVIRT_VMM_UTIL_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

double monotonic_seconds(void);
uint64_t monotonic_ns(void);
/* The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) in microseconds: what a piece of
 * work cost, apart from the time it waited. */
double thread_cpu_us(void);
/* Sleeps `us` microseconds of CLOCK_MONOTONIC (an absolute deadline, so signals that
 * interrupt it do not stretch it). A signal that finds *stop set (stop may be NULL) ends it
 * early: -EINTR. Else 0, or -errno from clock_nanosleep. */
int monotonic_sleep_us(uint64_t us, const atomic_bool *stop);

#endif
