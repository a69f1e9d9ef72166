/* damon.c — the host's DAMON schemes, read from sysfs (see damon.h). */
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/host/damon.h"
#include "vmm/host/sysfs.h"

#define ADMIN "/sys/kernel/mm/damon/admin/kdamonds"

static uint64_t u64_at(const char *dir, const char *rel)
{
	char path[512];
	uint64_t v = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	(void)sysfs_read_u64(path, &v);
	return v;
}

static void str_at(const char *dir, const char *rel, char *buf, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (sysfs_read(path, buf, n) < 0)
		buf[0] = 0;
}

static void probe_scheme(const char *dir, struct damon_scheme *s)
{
	str_at(dir, "action", s->action, sizeof(s->action));
	s->min_age = u64_at(dir, "access_pattern/age/min");
	s->max_age = u64_at(dir, "access_pattern/age/max");
	s->min_accesses = u64_at(dir, "access_pattern/nr_accesses/min");
	s->max_accesses = u64_at(dir, "access_pattern/nr_accesses/max");
	s->quota_bytes = u64_at(dir, "quotas/bytes");
	s->quota_ms = u64_at(dir, "quotas/ms");
	s->quota_reset_ms = u64_at(dir, "quotas/reset_interval_ms");
	s->nr_tried = u64_at(dir, "stats/nr_tried");
	s->sz_tried = u64_at(dir, "stats/sz_tried");
	s->nr_applied = u64_at(dir, "stats/nr_applied");
	s->sz_applied = u64_at(dir, "stats/sz_applied");
	s->qt_exceeds = u64_at(dir, "stats/qt_exceeds");
}

static void probe_kdamond(const char *dir, struct damon_kdamond *k)
{
	char state[16], ctx[400], sch[480];
	str_at(dir, "state", state, sizeof(state));
	k->on = strcmp(state, "on") == 0;
	k->pid = (long)u64_at(dir, "pid");
	k->refresh_ms = u64_at(dir, "refresh_ms");
	snprintf(ctx, sizeof(ctx), "%s/contexts/0", dir);
	str_at(ctx, "operations", k->operations, sizeof(k->operations));
	k->aggr_us = u64_at(ctx, "monitoring_attrs/intervals/aggr_us");
	uint64_t n = u64_at(ctx, "schemes/nr_schemes");
	for (uint64_t i = 0; i < n && k->nschemes < DAMON_MAX_SCHEMES; i++) {
		snprintf(sch, sizeof(sch), "%s/schemes/%llu", ctx, (unsigned long long)i);
		probe_scheme(sch, &k->scheme[k->nschemes++]);
	}
}

void damon_probe(struct damon_state *d)
{
	char dir[128];
	*d = (struct damon_state){ .present = sysfs_exists("/sys/kernel/mm/damon/admin") };
	uint64_t n = d->present ? u64_at(ADMIN, "nr_kdamonds") : 0;
	for (uint64_t i = 0; i < n && d->nkdamonds < DAMON_MAX_KDAMONDS; i++) {
		snprintf(dir, sizeof(dir), ADMIN "/%llu", (unsigned long long)i);
		probe_kdamond(dir, &d->kdamond[d->nkdamonds++]);
	}
}

int damon_stats_open(int *fd, int max)
{
	glob_t g;
	int n = 0;
	if (glob(ADMIN "/*/contexts/*/schemes/*/stats/sz_applied", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
		int f = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);
		if (f >= 0)
			fd[n++] = f;
	}
	globfree(&g);
	return n;
}

uint64_t damon_stats_read(const int *fd, int n)
{
	uint64_t sum = 0;
	bool any = false;
	for (int i = 0; i < n; i++) {
		char buf[32];
		ssize_t r = pread(fd[i], buf, sizeof(buf) - 1, 0); /* offset 0: the kernel formats it afresh */
		if (r <= 0)
			continue;
		buf[r] = 0;
		sum += strtoull(buf, NULL, 10);
		any = true;
	}
	return any ? sum : UINT64_MAX;
}

bool damon_reclaims(const struct damon_state *d)
{
	for (int i = 0; i < d->nkdamonds; i++)
		for (int j = 0; d->kdamond[i].on && j < d->kdamond[i].nschemes; j++)
			if (strcmp(d->kdamond[i].scheme[j].action, "pageout") == 0)
				return true;
	return false;
}

/* An age in aggregation intervals, in seconds (null for "no bound": the maximum u32/u64). */
static json_t *age_s(uint64_t age, uint64_t aggr_us)
{
	return age >= UINT32_MAX ? json_null() : json_real((double)age * (double)aggr_us / 1e6);
}

static json_t *scheme_json(const struct damon_scheme *s, uint64_t aggr_us)
{
	return json_pack("{s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}", "action", s->action,
			 "min_age_s", age_s(s->min_age, aggr_us), "max_age_s", age_s(s->max_age, aggr_us), "min_accesses",
			 (json_int_t)s->min_accesses, "max_accesses", (json_int_t)s->max_accesses, "quota_bytes",
			 (json_int_t)s->quota_bytes, "quota_ms", (json_int_t)s->quota_ms, "quota_reset_ms",
			 (json_int_t)s->quota_reset_ms, "stats", "nr_tried", (json_int_t)s->nr_tried, "sz_tried",
			 (json_int_t)s->sz_tried, "nr_applied", (json_int_t)s->nr_applied, "sz_applied",
			 (json_int_t)s->sz_applied, "qt_exceeds", (json_int_t)s->qt_exceeds);
}

json_t *damon_json(const struct damon_state *d)
{
	json_t *ks = json_array();
	for (int i = 0; i < d->nkdamonds; i++) {
		const struct damon_kdamond *k = &d->kdamond[i];
		json_t *schemes = json_array();
		for (int j = 0; j < k->nschemes; j++)
			json_array_append_new(schemes, scheme_json(&k->scheme[j], k->aggr_us));
		json_array_append_new(ks, json_pack("{s:s, s:I, s:I, s:s, s:I, s:o}", "state", k->on ? "on" : "off", "pid",
						    (json_int_t)k->pid, "refresh_ms", (json_int_t)k->refresh_ms,
						    "operations", k->operations, "aggr_us", (json_int_t)k->aggr_us,
						    "schemes", schemes));
	}
	return json_pack("{s:b, s:b, s:o}", "present", d->present, "reclaims", damon_reclaims(d), "kdamonds", ks);
}

void damon_describe(const struct damon_state *d, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	if (!d->present) {
		snprintf(buf, n, "absent");
		return;
	}
	for (int i = 0; i < d->nkdamonds; i++) {
		const struct damon_kdamond *k = &d->kdamond[i];
		for (int j = 0; k->on && j < k->nschemes && used + 1 < n; j++) {
			const struct damon_scheme *s = &k->scheme[j];
			used += (size_t)snprintf(buf + used, n - used,
						 "%skdamond %d (pid %ld, %s): %s of memory idle >= %.0f s, quota %llu MiB "
						 "per %llu ms",
						 used ? "; " : "", i, k->pid, k->operations, s->action,
						 (double)s->min_age * (double)k->aggr_us / 1e6,
						 (unsigned long long)(s->quota_bytes >> 20),
						 (unsigned long long)s->quota_reset_ms);
		}
	}
	if (!used)
		snprintf(buf, n, "present, no scheme running");
}
