/* whole_run.h — a run's counters over the whole run (setup, measured phase and checksum pass),
 * for tests that assert what a run did in all (every first touch, every address-space switch):
 * since schema_version 2 a run_result's own counters are the measured phase's and the others
 * are in res->phases[] (results/result_phases.c). Header-only; the caller links results/. A
 * few results can be used in one expression (a ring of four). */
#ifndef MEMVIRT_TESTS_COMMON_WHOLE_RUN_H
#define MEMVIRT_TESTS_COMMON_WHOLE_RUN_H

#include "results/result.h"

static inline const struct result_counters *whole_run(const struct run_result *r)
{
	static _Thread_local struct result_counters ring[4];
	static _Thread_local unsigned next;
	struct result_counters *t = &ring[next++ % 4];
	result_counters_total(r, t);
	return t;
}

#endif
