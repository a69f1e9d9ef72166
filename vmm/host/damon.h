/* damon.h — the host's own proactive reclaim, as DAMON's sysfs interface shows it
 * (/sys/kernel/mm/damon/admin): each kdamond, its monitoring contexts and their schemes — which
 * action (pageout, lru_deprio, ...) on memory that has been idle how long, under which quota.
 * A host that pages out idle memory on its own can take guest RAM behind memvirt's back, the
 * very thing memvirt studies, so every result's context says what was running.
 *
 * Read only: memvirt never writes here (not even DAMON's "update_schemes_stats" command), so
 * the schemes' statistics are as fresh as the kernel's own refresh (refresh_ms; 0 = only when
 * someone asks), and are reported as such. */
#ifndef MEMVIRT_VMM_HOST_DAMON_H
#define MEMVIRT_VMM_HOST_DAMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define DAMON_MAX_KDAMONDS 4
#define DAMON_MAX_SCHEMES 4

struct damon_scheme {
	char action[24];               /* pageout, lru_deprio, hugepage, ... */
	uint64_t min_age, max_age;     /* in aggregation intervals */
	uint64_t min_accesses, max_accesses;
	uint64_t quota_bytes, quota_ms, quota_reset_ms;
	uint64_t nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds; /* as last refreshed */
};

struct damon_kdamond {
	bool on;
	long pid;
	uint64_t refresh_ms;           /* how often the kernel refreshes the stats; 0 = never by itself */
	char operations[16];           /* of its first context: paddr, vaddr, fvaddr */
	uint64_t aggr_us;              /* aggregation interval: ages count these */
	int nschemes;
	struct damon_scheme scheme[DAMON_MAX_SCHEMES];
};

struct damon_state {
	bool present;                  /* /sys/kernel/mm/damon/admin exists */
	int nkdamonds;
	struct damon_kdamond kdamond[DAMON_MAX_KDAMONDS];
};

/* Reads what is there (nothing is an error: present stays false). */
void damon_probe(struct damon_state *d);
/* Whether some running kdamond has a scheme that takes memory away (pageout). */
bool damon_reclaims(const struct damon_state *d);
/* context.damon: {present, kdamonds: [{state, pid, refresh_ms, operations, aggr_us, schemes:
 * [{action, min_age_s, max_age_s, min_accesses, max_accesses, quota_bytes, quota_ms,
 * quota_reset_ms, stats{nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds}}]}]} */
json_t *damon_json(const struct damon_state *d);
/* The schemes' statistics as a monitor samples them: stats/sz_applied of every scheme of every
 * kdamond, opened read only (at most max; the fds into fd[]): how many were opened. Summed by
 * damon_stats_read: the bytes DAMON's actions were applied to, cumulative, as fresh as the
 * kernel last refreshed them (refresh_ms; a kdamond with refresh_ms 0 refreshes only on an
 * "update_schemes_stats" command, which memvirt never writes: its figure then stays put), or
 * UINT64_MAX (TEL_ABSENT) with none open. */
int damon_stats_open(int *fd, int max);
uint64_t damon_stats_read(const int *fd, int n);
/* One line per running scheme, for memvirt info: "pageout of memory idle >= 60 s (paddr), ..." */
void damon_describe(const struct damon_state *d, char *buf, size_t n);

#endif
