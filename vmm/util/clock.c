/* clock.c — CLOCK_MONOTONIC in seconds and nanoseconds, and sleeping on it (see clock.h). */
#include <errno.h>
#include <time.h>

#include "vmm/util/clock.h"

double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int monotonic_sleep_us(uint64_t us, const atomic_bool *stop)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	uint64_t ns = (uint64_t)t.tv_nsec + us % 1000000 * 1000;
	t.tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
	t.tv_nsec = (long)(ns % 1000000000);
	for (;;) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		if (rc == 0)
			return 0;
		if (rc != EINTR)
			return -rc;
		if (stop && atomic_load(stop))
			return -EINTR;
	}
}
