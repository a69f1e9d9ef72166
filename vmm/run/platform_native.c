/* platform_native.c — the `native` platform: the workload runs as an ordinary host process.
 * It is the baseline for efficiency ratios and for checksums. Address spaces are emulated
 * by bookkeeping only: the workload keeps per-space buffers at distinct addresses, so a
 * switch costs nothing here (that is the point of the baseline). What a workload leaves
 * mapped (ctxsw keeps its buffers to the end, a failed workload whatever it had) is unmapped
 * when the run ends, as a process's exit would: a host or sweep of many runs in one process
 * does not keep them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/run/platform.h"

#define NATIVE_MAX_AS 64
#define NATIVE_MAX_MAPS 128 /* live mappings (ctxsw: one per space, at most 64) */

struct native_map {
	wl_addr_t addr;
	uint64_t bytes;
};

struct native_state {
	struct phase_clock clock;
	int nr_as, cur_as;
	uint64_t mapped_bytes, mapped_peak; /* mapped_bytes is published as wl_ctx.used_bytes */
	wl_addr_t published; /* the mapping published as guest RAM, 0 = none */
	struct guest_ram_handle *ram;
	size_t nmaps;
	struct native_map maps[NATIVE_MAX_MAPS]; /* what is mapped now */
};

/* The workload's first mapping (the main buffer of seq, gups and pchase) stands for guest RAM,
 * so telemetry sees its residency and pageout/limit act on it. It is private anonymous memory:
 * reclaim refuses to discard it (MADV_DONTNEED would zero it). */
static void native_publish(struct wl_ctx *c, void *p, uint64_t bytes)
{
	struct native_state *s = c->platform;
	if (s->published)
		return;
	s->published = (wl_addr_t)(uintptr_t)p;
	guest_ram_publish(s->ram, &(struct guest_ram){ .base = p, .bytes = bytes, .fd = -1 });
}

static struct native_state *native_of(struct wl_ctx *c) { return c->platform; }

static wl_addr_t native_map(struct wl_ctx *c, uint64_t bytes)
{
	struct native_state *s = native_of(c);
	if (bytes == 0 || s->nmaps == NATIVE_MAX_MAPS)
		return 0;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	s->maps[s->nmaps++] = (struct native_map){ (wl_addr_t)(uintptr_t)p, bytes };
	s->mapped_bytes += bytes;
	if (s->mapped_bytes > s->mapped_peak)
		s->mapped_peak = s->mapped_bytes;
	c->used_bytes = s->mapped_bytes;
	native_publish(c, p, bytes);
	return (wl_addr_t)(uintptr_t)p;
}

/* Only a whole mapping of this run is unmapped (the workload's own address, not any). */
static int native_unmap(struct wl_ctx *c, wl_addr_t a, uint64_t bytes)
{
	struct native_state *s = native_of(c);
	size_t i = 0;
	while (i < s->nmaps && !(s->maps[i].addr == a && s->maps[i].bytes == bytes))
		i++;
	if (i == s->nmaps)
		return -EINVAL;
	if (a == s->published)
		guest_ram_publish(s->ram, NULL); /* withdrawn before it goes away */
	if (munmap((void *)(uintptr_t)a, bytes) < 0)
		return -errno;
	s->maps[i] = s->maps[--s->nmaps];
	s->mapped_bytes -= bytes;
	c->used_bytes = s->mapped_bytes;
	return 0;
}

static int native_as_create(struct wl_ctx *c)
{
	struct native_state *s = native_of(c);
	return s->nr_as < NATIVE_MAX_AS ? s->nr_as++ : -ENOSPC;
}

static int native_as_switch(struct wl_ctx *c, int as)
{
	struct native_state *s = native_of(c);
	if (as < 0 || as >= s->nr_as)
		return -EINVAL;
	s->cur_as = as;
	return 0;
}

static void native_phase(struct wl_ctx *c, enum wl_phase p) { (void)phase_clock_mark(&native_of(c)->clock, p, c); }

static const struct wl_sys native_sys = {
	.map = native_map, .unmap = native_unmap, .as_create = native_as_create,
	.as_switch = native_as_switch, .phase = native_phase, .sleep_us = platform_sleep_us,
};

static int native_run(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		      struct balloon *balloon, struct run_result *res)
{
	if (balloon) { /* no guest kernel, so nobody to give memory back */
		snprintf(res->message, sizeof(res->message), "--balloon needs a guest kernel: --platform sim or kvm");
		return -ENOTSUP;
	}
	struct native_state s = { .nr_as = 1, .ram = ram };
	ctx->sys = &native_sys;
	ctx->platform = &s;
	phase_clock_start(&s.clock);
	int rc = wl_run(cfg->workload, ctx, &cfg->params, &res->checksum);
	phase_clock_finish(&s.clock, res);
	while (s.nmaps) /* what the workload left mapped */
		native_unmap(ctx, s.maps[s.nmaps - 1].addr, s.maps[s.nmaps - 1].bytes);
	run_measured_ops(cfg, ctx, res);
	res->guest_bytes = s.mapped_peak;
	res->host_resident_bytes = s.mapped_peak;
	res->backend = "anon";
	if (rc < 0) {
		snprintf(res->message, sizeof(res->message), "workload %s failed: %s", cfg->workload->name,
			 strerror(-rc));
		return rc;
	}
	res->have_checksum = true;
	return 0;
}

static const char *native_unavailable(void) { return NULL; }

static const char *native_discard_refused(const struct run_config *cfg)
{
	(void)cfg;
	return "a native workload's memory is private anonymous memory, where a discard would zero its data: use "
	       "--platform sim, or kvm with --backend memfd, or --reclaim pageout";
}

static const char *native_wss_refused(const struct run_config *cfg)
{
	(void)cfg;
	return "a native workload's memory is private anonymous memory, which invalidation would zero: use "
	       "--platform sim, or kvm with --backend memfd";
}

const struct platform platform_native = {
	.name = "native",
	.summary = "the workload alone, as an ordinary host process (baseline)",
	.unavailable = native_unavailable,
	.run = native_run,
	.discard_refused = native_discard_refused,
	.wss_refused = native_wss_refused,
};
