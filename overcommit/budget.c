/* budget.c — the host's memory budget (see budget.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "overcommit/budget.h"
#include "vmm/util/clock.h"
#include "vmm/host/swap.h"
#include "vmm/host/sysfs.h"

int oc_budget_check(uint64_t bytes, uint64_t zram_bytes, char *why, size_t n)
{
	(void)bytes;
	if (geteuid() != 0)
		return snprintf(why, n, "a memory budget needs root (it creates a memory cgroup%s)",
				zram_bytes ? " and zram swap" : ""), -EPERM;
	if (!memcg_host_version())
		return snprintf(why, n, "a memory budget needs the memory cgroup controller, which this host lacks"), -ENODEV;
	/* guest RAM is anonymous or shmem memory: under the limit the host can only swap it, and
	 * without swap the cgroup's OOM killer would take the whole VMM, every VM at once */
	if (!zram_bytes && !host_has_swap())
		return snprintf(why, n, "a memory budget needs swap for the host to reclaim guest RAM into, and this "
			 "host has none: add [host] swap = zram:SIZE"), -ENODEV;
	return 0;
}

/* The cgroup's OOM kills so far: "oom_kill N" in memory.oom_control (v1) or memory.events (v2). */
static uint64_t oom_kills(const struct oc_budget *b)
{
	char path[640], line[128];
	uint64_t v = UINT64_MAX;
	snprintf(path, sizeof(path), "%s/%s", b->hs.memcg.path, b->hs.memcg.version == 1 ? "memory.oom_control" : "memory.events");
	FILE *f = fopen(path, "re");
	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

int oc_budget_begin(struct oc_budget *b, uint64_t bytes, uint64_t zram_bytes, char *why, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*b = (struct oc_budget){ .bytes = bytes, .zram_bytes = zram_bytes,
				 .slack_bytes = OC_CHARGE_BATCH_PAGES * 4096ULL * (uint64_t)(cpus > 0 ? cpus : 1),
				 .oom_before = UINT64_MAX, .oom_after = UINT64_MAX };
	int rc = oc_budget_check(bytes, zram_bytes, why, n);
	if (rc < 0)
		return rc;
	if ((rc = host_state_begin(&b->hs, zram_bytes, true, NULL, why, n)) < 0)
		return rc;
	if ((rc = memcg_set_limit(&b->hs.memcg, bytes)) < 0) {
		snprintf(why, n, "cannot set the budget's limit %llu MiB on %s: %s (the VMM alone may use more)",
			 (unsigned long long)(bytes >> 20), b->hs.memcg.path, strerror(-rc));
		host_state_end(&b->hs);
		return rc;
	}
	b->began = true;
	b->began_s = monotonic_seconds();
	b->oom_before = oom_kills(b);
	uint64_t step = bytes / 32 > OC_GUARD_STEP_MIN ? bytes / 32 : OC_GUARD_STEP_MIN;
	(void)oom_guard_start(&b->guard, &b->hs.memcg, bytes, step); /* off: its json says why */
	return 0;
}

uint64_t oc_budget_usage(const struct oc_budget *b)
{
	uint64_t u;
	return b->began && memcg_usage(&b->hs.memcg, &u) == 0 ? u : UINT64_MAX;
}

int oc_budget_set_limit(struct oc_budget *b, uint64_t bytes)
{
	if (!b->began)
		return -ENODEV;
	int rc = memcg_set_limit(&b->hs.memcg, bytes);
	if (rc == 0)
		oom_guard_limit_set(&b->guard, bytes);
	return rc;
}

void oc_budget_end(struct oc_budget *b)
{
	if (!b->began)
		return;
	oom_guard_stop(&b->guard);
	b->oom_after = oom_kills(b);
	host_state_end(&b->hs);
	b->began = false;
}

json_t *oc_budget_json(const struct oc_budget *b, uint64_t peak_usage, double over_ms)
{
	uint64_t ooms = b->oom_before != UINT64_MAX && b->oom_after != UINT64_MAX ? b->oom_after - b->oom_before : 0;
	return json_pack("{s:I, s:I, s:s, s:i, s:I, s:f, s:o, s:I, s:b, s:b, s:o}", "bytes", (json_int_t)b->bytes, "slack_bytes",
			 (json_int_t)b->slack_bytes, "cgroup", b->hs.memcg.path, "version", b->hs.memcg.version,
			 "peak_usage_bytes", (json_int_t)peak_usage, "over_ms", over_ms, "swap",
			 b->zram_bytes ? json_pack("{s:s, s:I}", "kind", "zram", "bytes", (json_int_t)b->zram_bytes)
				       : json_null(),
			 "oom_kills", (json_int_t)ooms, "cgroup_removed", !b->hs.memcg.created, "swap_restored",
			 !b->hs.zram.swap_on && !b->hs.zram.sized, "oom_guard", oom_guard_json(&b->guard, b->began_s));
}
