/* result_json.c — turns a run's configuration and outcome into the schema_version 2 JSON
 * document (see docs/result-schema.md). Field names here are the contract. The counter blocks
 * (mmu, exits, exit_costs, faults, kvm_stats) are written by one set of functions for the
 * measured phase at the top and for each other phase under phases{} (result_phases.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/util.h"
#include "results/result.h"

#ifndef MEMVIRT_VERSION
#define MEMVIRT_VERSION "0.0.0"
#endif
#ifndef MEMVIRT_GIT
#define MEMVIRT_GIT "unknown"
#endif

const char *run_state_name(enum run_state s)
{
	static const char *const names[] = { "ok", "failed", "interrupted", "skipped", "killed" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "failed";
}

static json_t *json_u64(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *params_json(const struct run_config *cfg)
{
	json_t *o = json_object();
	const struct wl_param_desc *d = cfg->workload ? cfg->workload->params : NULL;
	for (; d && d->name; d++) {
		const uint64_t *v = (const uint64_t *)((const char *)&cfg->params + d->offset);
		if (d->kind == WL_PARAM_FRAC) { /* stored in ppm, written as the fraction */
			json_object_set_new(o, d->name, json_real((double)*v / WL_FRAC_ONE));
		} else if (d->kind == WL_PARAM_SCHEDULE) { /* [{bytes, ops}, ...]; [] = derived */
			const struct wl_ws_step *s = (const struct wl_ws_step *)v;
			json_t *a = json_array();
			for (unsigned i = 0; i < WL_WS_STEPS && s[i].bytes; i++)
				json_array_append_new(a, json_pack("{s:I, s:I}", "bytes", (json_int_t)s[i].bytes, "ops",
								   (json_int_t)s[i].ops));
			json_object_set_new(o, d->name, a);
		} else { /* integers, sizes in bytes, durations (WL_PARAM_TIME) in µs */
			json_object_set_new(o, d->name, json_u64(*v));
		}
	}
	return o;
}

/* Shadow paging's own refinements on sim (null elsewhere). */
static json_t *shadow_json(const struct run_config *cfg, const struct run_result *r)
{
	if (!r->have_shadow)
		return json_null();
	return json_pack("{s:b, s:I, s:I}", "write_flood", cfg->sim.shadow_write_flood, "flood_unprotects",
			 (json_int_t)r->shadow_flood_unprotects, "unprotected_writes",
			 (json_int_t)r->shadow_unprotected_writes);
}

static json_t *sim_config_json(const struct mmu_config *m)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:I, s:b, s:b, s:b, s:b, s:I, s:I}",
			 "levels", (json_int_t)m->levels, "guest_page", (json_int_t)m->guest_page,
			 "host_page", (json_int_t)m->host_page, "host_memory", m->host_anon ? "anon" : "memfd",
			 "tlb_entries", (json_int_t)m->tlb_entries, "pwc", m->pwc, "ntlb", m->ntlb, "pcid", m->pcid,
			 "share", m->share, "guest_mem", (json_int_t)m->ram_bytes, "pt_pool", (json_int_t)m->pt_pool_bytes);
}

/* The kvm VM's geometry (the same options as sim's; backend and uffd are in memory{} and exits{}). */
static json_t *kvm_config_json(const struct mmu_config *m)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "levels", (json_int_t)m->levels, "guest_page",
			 (json_int_t)m->guest_page, "guest_mem", (json_int_t)m->ram_bytes, "pt_pool",
			 (json_int_t)m->pt_pool_bytes);
}

static json_t *config_json(const struct run_config *cfg, uint64_t ops)
{
	bool sim = cfg->platform && cfg->platform[0] == 's';
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}",
			      "platform", cfg->platform ? cfg->platform : "",
			      "mmu", cfg->mmu ? cfg->mmu : "none",
			      "workload", cfg->workload ? cfg->workload->name : "",
			      "seed", (json_int_t)cfg->params.seed,
			      "mem_bytes", (json_int_t)cfg->params.mem_bytes,
			      "ops", (json_int_t)ops);
	json_object_set_new(c, "params", params_json(cfg));
	/* time-based runs (--runtime, --ramp) and a fixed run's --loops */
	json_object_set_new(c, "runtime_s", cfg->params.runtime_us ? json_real((double)cfg->params.runtime_us / 1e6)
								    : json_null());
	json_object_set_new(c, "ramp_s", json_real((double)cfg->params.ramp_us / 1e6));
	json_object_set_new(c, "loops", json_u64(cfg->params.loops ? cfg->params.loops : 1));
	json_object_set_new(c, "sim", sim ? sim_config_json(&cfg->sim) : json_null());
	json_object_set_new(c, "kvm", cfg->platform && strcmp(cfg->platform, "kvm") == 0
					      ? kvm_config_json(&cfg->sim) : json_null());
	return c;
}

static json_t *counters_json(const struct mmu_counters *m, uint64_t modeled)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "accesses", (json_int_t)m->accesses, "tlb_hits", (json_int_t)m->tlb_hits,
			 "tlb_misses", (json_int_t)m->tlb_misses, "walks", (json_int_t)m->walks,
			 "walk_refs", (json_int_t)m->walk_refs, "pwc_hits", (json_int_t)m->pwc_hits,
			 "ntlb_hits", (json_int_t)m->ntlb_hits, "guest_faults", (json_int_t)m->guest_faults,
			 "modeled_cycles", (json_int_t)modeled);
}

static json_t *mmu_json(const struct result_counters *r)
{
	if (!r->have_mmu)
		return json_pack("{s:n, s:n, s:n, s:n, s:n, s:n}", "tlb_hits", "tlb_misses", "walks",
				 "walk_refs", "modeled_cycles", "kernel");
	json_t *m = counters_json(&r->mmu_user, r->modeled_cycles);
	json_object_set_new(m, "kernel", counters_json(&r->mmu_kernel, r->modeled_cycles_kernel));
	return m;
}

static json_t *exits_json(const struct exit_counters *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "total", json_u64(exit_counters_total(e)));
#define EXIT_JSON(name) json_object_set_new(o, #name, json_u64(e->name));
	MMU_EXIT_REASONS(EXIT_JSON)
#undef EXIT_JSON
	return o;
}

/* Per reason, only where something was timed; null when nothing was (native, sim). */
static json_t *exit_costs_json(const struct result_counters *r)
{
	static const char *const names[] = {
#define EXIT_NAME(name) #name,
		MMU_EXIT_REASONS(EXIT_NAME)
#undef EXIT_NAME
	};
	if (!r->have_exit_costs)
		return json_null();
	json_t *o = json_object();
	for (unsigned i = 0; i < MMU_EXIT_REASON_COUNT; i++) {
		const struct result_exit_cost *c = &r->exit_costs[i];
		if (c->handled || c->roundtrips)
			json_object_set_new(o, names[i], json_pack("{s:I, s:f, s:I, s:f}", "handled", (json_int_t)c->handled,
								   "handler_us", c->handler_ns / 1e3, "roundtrips",
								   (json_int_t)c->roundtrips, "roundtrip_us",
								   c->roundtrip_ns / 1e3));
	}
	json_object_set_new(o, "host_mmu_flushes", json_u64(r->host_mmu_flushes));
	json_object_set_new(o, "host_mmu_flush_us", json_real(r->host_mmu_flush_ns / 1e3));
	return o;
}

json_t *result_exit_costs_json(const struct run_result *r)
{
	struct result_counters *m = malloc(sizeof(*m)); /* large: off the stack */
	if (!m)
		return json_null();
	result_counters_measured(r, m);
	json_t *o = exit_costs_json(m);
	free(m);
	return o;
}

static json_t *result_block_json(const struct run_result *r)
{
	char hex[19];
	snprintf(hex, sizeof(hex), "0x%016" PRIx64, r->checksum);
	double ops_per_s = r->run_s > 0 ? (double)r->ops / r->run_s : 0.0;
	return json_pack("{s:o, s:f, s:f, s:I, s:f, s:o, s:I}",
			 "checksum", r->have_checksum ? json_string(hex) : json_null(),
			 "setup_s", r->setup_s, "run_s", r->run_s, "ops", (json_int_t)r->ops,
			 "ops_per_s", ops_per_s, "create_s", r->have_create ? json_real(r->create_s) : json_null(),
			 "passes", (json_int_t)r->passes);
}

static json_t *kvm_stats_json(const struct result_counters *r)
{
	if (r->n_kvm_stats == 0)
		return json_null();
	json_t *o = json_object();
	for (unsigned i = 0; i < r->n_kvm_stats && i < RESULT_KVM_STATS_MAX; i++)
		json_object_set_new(o, r->kvm_stats[i].name, json_integer((json_int_t)r->kvm_stats[i].delta));
	return o;
}

static json_t *frames_json(const struct run_result *r)
{
	if (!r->have_frames)
		return json_null();
	json_t *o = json_object();
	for (unsigned s = 0; s < P2M_STATES; s++)
		json_object_set_new(o, p2m_state_name((enum p2m_state)s), json_u64(r->frames[s]));
	return o;
}

static json_t *frame_moves_json(const struct run_result *r)
{
	if (!r->have_frames)
		return json_null();
	return json_pack("{s:I, s:I}", "reclaimed", (json_int_t)r->frames_reclaimed, "refaulted",
			 (json_int_t)r->frames_refaulted);
}

static json_t *memory_json(const struct run_result *r)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:s}", "guest_bytes", (json_int_t)r->guest_bytes,
			      "host_resident_bytes", (json_int_t)r->host_resident_bytes,
			      "host_rss_peak_bytes", (json_int_t)r->host_rss_peak_bytes,
			      "backend", r->backend ? r->backend : "anon");
	json_object_set_new(o, "frames", frames_json(r));
	json_object_set_new(o, "frame_moves", frame_moves_json(r));
	return o;
}

/* kvm --uffd: violations, pages made resident (touched + around), the handler's timing. */
static json_t *uffd_json(const struct run_result *r)
{
	const struct result_uffd *u = &r->uffd;
	if (!r->have_uffd)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:f, s:f, s:I, s:f}", "violations",
			 (json_int_t)u->violations, "pages_touched", (json_int_t)u->pages_touched, "pages_around",
			 (json_int_t)u->pages_around, "pages_resident", (json_int_t)(u->pages_touched + u->pages_around),
			 "page_bytes", (json_int_t)u->page_bytes, "around_bytes", (json_int_t)u->around_bytes, "poll",
			 u->poll ? u->poll : "sleep", "resolve", u->resolve ? u->resolve : "copy", "resolve_us",
			 u->resolve_us, "gap_us", u->gap_us, "gaps", (json_int_t)u->gaps, "handler_cpu_s",
			 u->handler_cpu_s);
}

static json_t *balloon_json(const struct result_balloon *b)
{
	if (!b->have)
		return json_null();
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:f, s:f, s:o, s:o}", "target", json_u64(b->target), "actual",
			      json_u64(b->actual), "inflated", json_u64(b->inflated), "deflated", json_u64(b->deflated),
			      "inflate_s", b->inflate_s, "deflate_s", b->deflate_s, "oom_deflates",
			      json_u64(b->oom_deflates), "messages", json_u64(b->messages));
	json_object_set_new(o, "reported", json_u64(b->reported));
	json_object_set_new(o, "report_messages", json_u64(b->report_messages));
	json_object_set_new(o, "report_s", json_real(b->report_s));
	json_t *st = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "free", json_u64(b->guest_free), "total",
			       json_u64(b->guest_total), "available", json_u64(b->guest_available), "major_faults",
			       json_u64(b->guest_major_faults), "minor_faults", json_u64(b->guest_minor_faults),
			       "oom_events", json_u64(b->guest_oom_events), "alloc_stalls", json_u64(b->guest_alloc_stalls));
	if (!b->have_stats) /* no statistics passed the checks: the figures are unknown, not zero */
		json_object_clear(st);
	json_object_set_new(st, "polls", json_u64(b->stats_polls));
	json_object_set_new(st, "refused", json_u64(b->stats_refused));
	json_object_set_new(o, "stats", st);
	json_object_set_new(o, "vmm_rss", json_pack("{s:o, s:o, s:I, s:o, s:o, s:I}", "inflate_before",
						    json_u64(b->inflate_rss_before), "inflate_after",
						    json_u64(b->inflate_rss_after), "inflate_drop",
						    (json_int_t)b->inflate_rss_drop, "deflate_before",
						    json_u64(b->deflate_rss_before), "deflate_after",
						    json_u64(b->deflate_rss_after), "deflate_drop",
						    (json_int_t)b->deflate_rss_drop));
	return o;
}

json_t *result_sharing_json(const struct result_sharing *s)
{
	if (!s->have)
		return json_null();
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:f, s:f}", "engine", "memvirt-merge",
			 "scanned", json_u64(s->scanned), "shared", json_u64(s->shared), "sharing",
			 json_u64(s->sharing), "zero", json_u64(s->zero), "volatile", json_u64(s->volatile_pages),
			 "merges", json_u64(s->merges), "cow_breaks", json_u64(s->cow_breaks), "made_shared",
			 json_u64(s->made_shared), "saved_bytes",
			 json_u64(s->saved_bytes), "passes", (int)s->passes, "scan_cpu_s", s->scan_cpu_s,
			 "time_to_90pct_s", s->time_to_90pct_s);
}

/* The counter blocks of one phase, set on `o`: at the top of the document for the measured
 * phase, in phases.setup / phases.check for the others. */
static void counter_blocks_set(json_t *o, const struct result_counters *c)
{
	json_object_set_new(o, "mmu", mmu_json(c));
	json_object_set_new(o, "exits", exits_json(&c->exits));
	json_object_set_new(o, "exit_costs", exit_costs_json(c));
	json_object_set_new(o, "faults", json_pack("{s:I, s:I, s:I}", "host_minor", (json_int_t)c->host_minor_faults,
						  "host_major", (json_int_t)c->host_major_faults, "guest",
						  (json_int_t)c->guest_faults));
	json_object_set_new(o, "kvm_stats", kvm_stats_json(c));
}

/* phases{setup, check}: each phase's blocks, or null when the platform did not record it. */
static json_t *phases_json(const struct run_result *r)
{
	static const char *const names[RESULT_PHASES] = { [RESULT_PHASE_SETUP] = "setup", [RESULT_PHASE_CHECK] = "check" };
	json_t *o = json_object();
	for (unsigned p = 0; p < RESULT_PHASES; p++) {
		json_t *b = r->phases[p].have ? json_object() : json_null();
		if (r->phases[p].have)
			counter_blocks_set(b, &r->phases[p]);
		json_object_set_new(o, names[p], b);
	}
	return o;
}

json_t *result_to_json(const struct run_config *cfg, const struct run_result *r, json_t *context)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(RESULT_SCHEMA_VERSION));
	json_object_set_new(doc, "tool", json_pack("{s:s, s:s, s:s}", "name", "memvirt",
						  "version", MEMVIRT_VERSION, "git", MEMVIRT_GIT));
	json_object_set_new(doc, "status", json_pack("{s:s, s:s}", "state", run_state_name(r->state),
						    "message", r->message));
	json_object_set_new(doc, "context", context ? context : json_object());
	json_object_set_new(doc, "config", config_json(cfg, r->ops));
	json_object_set_new(doc, "result", result_block_json(r));
	struct result_counters *measured = malloc(sizeof(*measured));
	if (measured) {
		result_counters_measured(r, measured);
		counter_blocks_set(doc, measured);
		free(measured);
	}
	json_object_set_new(doc, "memory", memory_json(r));
	json_object_set_new(doc, "uffd", uffd_json(r));
	json_object_set_new(doc, "phases", phases_json(r));
	json_object_set_new(doc, "shadow", shadow_json(cfg, r));
	json_object_set_new(doc, "balloon", balloon_json(&r->balloon));
	json_object_set_new(doc, "sharing", result_sharing_json(&r->sharing));
	return doc;
}
