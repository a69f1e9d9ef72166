/* host.c — a host of several VMs (see host.h): the VMs become one run set (run.h), which
 * runs them at once under one monitor; then the host document is assembled from each VM's
 * schema-1 result and the monitor's host series.
 *
 * Per-VM memory figures are each VM's own: its result's memory{} (frames per state from its
 * frame book on sim and kvm, host-resident bytes behind its guest RAM) and, over time, its
 * series' guest_resident_bytes (mincore over that VM's guest RAM alone). The VMM process's
 * RSS and the host's MemAvailable are the host's side of the same clock.
 *
 * Page sharing is the host's too (KSM is one ksmd and one set of knobs for the machine): with
 * [host] ksm = on or ksm-scan = on the set carries a KSM session, and the document's host.ksm
 * holds what it set, sampled and estimated (ksm/ksm.h, docs/page-sharing.md). The own merge
 * engine over the sim VMs with share = on is the host's as well (share_host.h): one engine and
 * one pool for all of them, passes every [host] share-period, host.sharing.
 *
 * So are the memory budget and the overcommit policy (host_policy.h, docs/overcommit.md): the
 * budget's cgroup holds the whole process, the policy moves memory between the VMs, and the
 * document's host.budget and host.policy say what held and what was decided. Every VM of a
 * ballooning policy gets a balloon; its configuration is copied, so the caller's stays as
 * given. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/host/hostinfo.h"
#include "vmm/run/host.h"
#include "vmm/run/run_record.h"
#include "vmm/run/host_policy.h"
#include "vmm/run/run.h"
#include "vmm/run/share_host.h"

#define HOST_SERIES_MAX_ROWS 2000

static json_t *u64j(uint64_t v) { return json_integer((json_int_t)v); }

/* A VM's column of the memory series at tick i: null for a VM the monitor did not sample. */
static json_t *vm_value(const struct run_set *set, size_t v, size_t i, size_t field)
{
	const struct run_vm *vm = &set->vm[v];
	const struct tel_series *ts = &vm->exp.target.series;
	if (vm->exp.monitor != &set->monitor || i >= ts->n)
		return json_null();
	uint64_t x = *(const uint64_t *)((const char *)&ts->s[i] + field);
	return x == TEL_ABSENT ? json_null() : u64j(x);
}

/* Per-VM column c of memory_series_json (its per_vm[] order) for VM v at tick i. */
static json_t *vm_column(const struct run_set *set, size_t c, size_t v, size_t i)
{
	switch (c) {
	case 0:
		return vm_value(set, v, i, offsetof(struct tel_sample, guest_resident_bytes));
	case 1:
		return vm_value(set, v, i, offsetof(struct tel_sample, guest_used_bytes));
	case 2:
		return vm_value(set, v, i, offsetof(struct tel_sample, balloon_bytes));
	default:
		return vm_value(set, v, i, offsetof(struct tel_sample, wss_bytes));
	}
}

/* time_ms, rss_bytes, available_bytes, then each VM's guest-resident bytes (what the host holds
 * behind its guest RAM), then each VM's guest-used bytes (what its guest kernel has handed out),
 * one row per tick, thinned to at most HOST_SERIES_MAX_ROWS. A host with a budget or a policy
 * (`oc`) also has usage_bytes after available_bytes (the budget cgroup's; null without a
 * budget), and after the per-VM columns each VM's balloon bytes (null without a balloon) and
 * working-set estimate (null when not estimated); a plain host's columns stay as they were. */
static json_t *memory_series_json(const struct run_set *set, bool oc)
{
	const struct tel_host_series *hs = &set->monitor.host;
	static const char *const per_vm[] = { "guest_resident_bytes", "guest_used_bytes", "balloon_bytes", "wss_bytes" };
	size_t nper = oc ? 4 : 2;
	json_t *cols = json_pack("[s, s, s]", "time_ms", "rss_bytes", "available_bytes");
	if (oc)
		json_array_append_new(cols, json_string("usage_bytes"));
	for (size_t c = 0; c < nper; c++)
		for (size_t v = 0; v < set->n; v++)
			json_array_append_new(cols, json_sprintf("%s.%s", set->vm[v].name, per_vm[c]));
	json_t *rows = json_array();
	size_t stride = hs->n > HOST_SERIES_MAX_ROWS ? (hs->n + HOST_SERIES_MAX_ROWS - 1) / HOST_SERIES_MAX_ROWS : 1;
	for (size_t i = 0; i < hs->n; i += stride) {
		json_t *row = json_pack("[f, o, o]", hs->s[i].time_ms, u64j(hs->s[i].rss_bytes),
					u64j(hs->s[i].available_bytes));
		if (oc)
			json_array_append_new(row, tel_value_json(hs->s[i].usage_bytes));
		for (size_t c = 0; c < nper; c++)
			for (size_t v = 0; v < set->n; v++)
				json_array_append_new(row, vm_column(set, c, v, i));
		json_array_append_new(rows, row);
	}
	return json_pack("{s:o, s:o, s:I}", "columns", cols, "rows", rows, "stride", (json_int_t)stride);
}

static uint64_t rss_peak(const struct run_set *set)
{
	uint64_t peak = 0;
	for (size_t i = 0; i < set->monitor.host.n; i++)
		if (set->monitor.host.s[i].rss_bytes > peak)
			peak = set->monitor.host.s[i].rss_bytes;
	return peak;
}

/* Totals over the VMs: operations, throughput (the sum of each VM's own measured-phase rate),
 * guest and host-resident memory, frames per state. Host-resident memory counts each frame of
 * the sharing pool once (share_host_note_end): each VM's own frames, without its 1/refs share
 * of the pool, plus the pool's frames at the VMs' ends. */
static json_t *totals_json(const struct run_set *set, uint64_t mem_total, struct share_host *share)
{
	uint64_t ops = 0, guest = 0, resident = 0, frames[P2M_STATES] = { 0 };
	double rate = 0, create_max = 0, first = -1, last = 0;
	size_t counted[4] = { 0 };
	bool have_frames = false;
	for (size_t v = 0; v < set->n; v++) {
		const struct run_vm *vm = &set->vm[v];
		const struct run_result *r = &vm->res;
		counted[r->state < 4 ? r->state : RUN_FAILED]++;
		ops += r->ops;
		rate += r->run_s > 0 ? (double)r->ops / r->run_s : 0.0;
		guest += r->guest_bytes;
		resident += r->host_resident_bytes - r->sharing.pool_pss_bytes;
		create_max = r->have_create && r->create_s > create_max ? r->create_s : create_max;
		first = first < 0 || vm->start_s < first ? vm->start_s : first;
		last = vm->end_s > last ? vm->end_s : last;
		for (unsigned s = 0; r->have_frames && s < P2M_STATES; s++)
			frames[s] += r->frames[s];
		have_frames |= r->have_frames;
	}
	if (share)
		resident += share_host_pool_end_bytes(share);
	json_t *fr = json_null();
	if (have_frames) {
		fr = json_object();
		for (unsigned s = 0; s < P2M_STATES; s++)
			json_object_set_new(fr, p2m_state_name((enum p2m_state)s), u64j(frames[s]));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:f, s:I, s:I, s:I, s:o, s:f}", "vms", (json_int_t)set->n,
			 "ok", (json_int_t)counted[RUN_OK], "failed", (json_int_t)counted[RUN_FAILED], "interrupted",
			 (json_int_t)counted[RUN_INTERRUPTED], "ops", (json_int_t)ops, "ops_per_s", rate,
			 "guest_bytes", (json_int_t)guest, "wall_s", last - (first < 0 ? 0 : first),
			 "host_resident_bytes", (json_int_t)resident, "rss_peak_bytes", (json_int_t)rss_peak(set),
			 "host_mem_total_bytes", (json_int_t)mem_total, "frames", fr, "create_s_max",
			 create_max);
}

/* What memory pressure cost the host, for comparing policies: the VMM process's major faults
 * and the host's pages swapped in and out over the run (first to last tick of the first VM
 * sampled: process- and host-wide counters, the same in every VM's series), into totals. */
static void pressure_totals(const struct run_set *set, json_t *totals)
{
	for (size_t v = 0; v < set->n; v++) {
		const struct run_vm *vm = &set->vm[v];
		const struct tel_series *ts = &vm->exp.target.series;
		if (vm->exp.monitor != &set->monitor || ts->n < 2)
			continue;
		const struct tel_sample *a = &ts->s[0], *b = &ts->s[ts->n - 1];
		json_object_set_new(totals, "majflt", u64j(tel_counter_delta(a->majflt, b->majflt)));
		json_object_set_new(totals, "pswpin", u64j(tel_counter_delta(a->pswpin, b->pswpin)));
		json_object_set_new(totals, "pswpout", u64j(tel_counter_delta(a->pswpout, b->pswpout)));
		return;
	}
}

/* The operations every VM lost in its throughput dips (each VM's dips[].ops_lost), into totals:
 * read from the VMs' documents, which are built after the host's part. */
static void ops_lost_total(json_t *vms, json_t *totals)
{
	const char *name;
	json_t *vm;
	double lost = 0;
	json_object_foreach(vms, name, vm) {
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(vm, "dips"), i, d)
			lost += json_number_value(json_object_get(d, "ops_lost"));
	}
	json_object_set_new(totals, "ops_lost", json_real(lost));
}

/* The VM's schema-1 run result, with what only a host knows about it in `vm`. */
static json_t *vm_entry_json(struct run_vm *vm, unsigned shares, json_t *context)
{
	json_t *doc = run_vm_doc(vm, context);
	if (vm->cfg->finish_doc) /* as a run's (a sweep names the VM's series relative to the point) */
		vm->cfg->finish_doc(doc);
	json_object_set_new(doc, "vm", json_pack("{s:s, s:f, s:f, s:I}", "name", vm->name, "start_s", vm->start_s, "end_s",
						  vm->end_s, "shares", (json_int_t)(shares ? shares : OC_DEFAULT_SHARES)));
	return doc;
}

static json_t *status_json(const struct run_set *set, enum run_state worst)
{
	char msg[1024] = "";
	size_t used = 0;
	for (size_t v = 0; v < set->n && used < sizeof(msg); v++) {
		const struct run_vm *vm = &set->vm[v];
		if (vm->res.state == RUN_OK || vm->res.state == RUN_SKIPPED)
			continue;
		used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%svm %s %s: %s", used ? "; " : "", vm->name,
					 run_state_name(vm->res.state), vm->res.message);
	}
	return json_pack("{s:s, s:s}", "state", run_state_name(worst), "message", msg);
}

static json_t *config_json(const struct host_spec *spec, const struct run_set *set, uint64_t sample_us)
{
	json_t *names = json_array();
	for (size_t v = 0; v < set->n; v++)
		json_array_append_new(names, json_string(set->vm[v].name));
	return json_pack("{s:s, s:o, s:I, s:o, s:O?}", "name", spec->name, "scenario",
			 spec->path ? json_string(spec->path) : json_null(), "sample_us", (json_int_t)sample_us, "vms",
			 names, "settings", spec->settings);
}

/* The document a killed host leaves (run_record.h): what is known before it runs — the context,
 * the host's configuration (sample_us as asked: 0 is the smallest VM period) and each VM's
 * killed run document with its configuration. The host part and every measurement are null;
 * the reason goes in the top status.message, each VM's says the host was killed. No series is
 * kept: the VMs share one monitor, whose samples die with the process. */
static json_t *killed_host_doc(const struct host_spec *spec, const struct run_set *set)
{
	struct hostinfo hi;
	hostinfo_probe(&hi);
	json_t *context = hostinfo_context_json(&hi);
	json_t *vms = json_object();
	for (size_t v = 0; v < set->n; v++) {
		json_t *doc = run_record_killed_doc(set->vm[v].cfg, json_null(), NULL);
		json_object_set_new(doc, "context", json_null()); /* the host's, at the top */
		json_object_set_new(doc, "status", json_pack("{s:s, s:s}", "state", run_state_name(RUN_KILLED), "message",
							     "the host was killed: see the host's status.message"));
		json_object_set_new(doc, "vm", json_pack("{s:s, s:n, s:n, s:I}", "name", set->vm[v].name, "start_s", "end_s",
							 "shares", (json_int_t)(spec->vm[v].shares ? spec->vm[v].shares : OC_DEFAULT_SHARES)));
		json_object_set_new(vms, set->vm[v].name, doc);
	}
	json_t *doc = json_pack("{s:I, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:o}, s:o, s:o, s:n, s:o}", "schema_version",
				(json_int_t)RESULT_SCHEMA_VERSION, "kind", "host", "tool", "name", "memvirt", "version",
				MEMVIRT_VERSION, "git", MEMVIRT_GIT, "status", "state", run_state_name(RUN_KILLED), "message",
				run_record_reason_mark(), "context", context, "config", config_json(spec, set, spec->sample_us),
				"host", "vms", vms);
	if (spec->doc_extra)
		json_object_update(doc, (json_t *)spec->doc_extra);
	return doc;
}

static json_t *host_doc(const struct host_spec *spec, struct run_set *set, const struct host_oc *oc,
			struct share_host *share, enum run_state worst)
{
	struct hostinfo hi;
	hostinfo_probe(&hi);
	json_t *context = hostinfo_context_json(&hi);
	/* the host part first: a VM's document takes its series (run_vm_doc frees it) */
	json_t *host = json_pack("{s:o, s:o, s:o, s:o, s:o}", "totals", totals_json(set, hi.mem_total_kib * 1024, share),
				 "memory", set->shared_monitor ? memory_series_json(set, spec->budget_bytes || spec->policy) : json_null(), "ksm",
				 set->ksm ? ksm_session_json(set->ksm) : json_null(), "budget", host_oc_budget_json(oc),
				 "policy", host_oc_policy_json(oc));
	pressure_totals(set, json_object_get(host, "totals"));
	/* the own merge engine's (share = on): the host's engine over every sharing VM */
	json_object_set_new(host, "sharing", share ? share_host_json(share) : json_null());
	json_t *vms = json_object();
	for (size_t v = 0; v < set->n; v++)
		json_object_set_new(vms, set->vm[v].name,
				    vm_entry_json(&set->vm[v], spec->vm[v].shares, json_deep_copy(context)));
	ops_lost_total(vms, json_object_get(host, "totals"));
	return json_pack("{s:I, s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:o, s:o, s:o}", "schema_version",
			 (json_int_t)RESULT_SCHEMA_VERSION, "kind", "host", "tool", "name", "memvirt", "version",
			 MEMVIRT_VERSION, "git", MEMVIRT_GIT, "status", status_json(set, worst), "context", context,
			 "config", config_json(spec, set, set->monitor.sample_us), "host", host, "vms", vms);
}

/* A policy that balloons gives every VM a balloon: the VM's own --balloon targets, or an empty
 * configuration (a balloon only the policy drives). The configurations are copied so that the
 * caller's stay as given. */
static struct run_config *vm_configs(const struct host_spec *spec)
{
	static const struct balloon_config policy_driven = { .deflate_on_oom = true }; /* as --balloon's default */
	struct run_config *cfg = calloc(spec->n ? spec->n : 1, sizeof(*cfg));
	for (size_t v = 0; cfg && v < spec->n; v++) {
		cfg[v] = spec->vm[v].cfg;
		if (spec->policy && spec->policy->needs_balloon && !cfg[v].balloon)
			cfg[v].balloon = &policy_driven;
	}
	return cfg;
}

/* The sharing engine of the sim VMs with share = on (share_host.h): its pool holds at most
 * every such VM's guest RAM; each VM's configuration gets the engine and its slot. 0 when no
 * VM shares (nothing set up), 1 when set up, -errno with why. */
static int share_begin(const struct host_spec *spec, struct run_config *cfgs, struct share_host *sh, char *why,
		       size_t n)
{
	uint64_t pool = 0;
	for (size_t v = 0; v < spec->n; v++)
		if (cfgs[v].sim.share && strcmp(cfgs[v].platform, "sim") == 0)
			pool += (cfgs[v].sim.ram_bytes + 4095) & ~4095ULL;
	if (!pool)
		return 0;
	int rc = share_host_init(sh, pool, spec->ksm.share_period_set ? spec->ksm.share_period_us : SHARE_DEFAULT_PERIOD_US);
	if (rc < 0) {
		snprintf(why, n, "cannot set up the page-sharing engine: %s", strerror(-rc));
		return rc;
	}
	for (size_t v = 0; v < spec->n; v++) {
		if (!cfgs[v].sim.share || strcmp(cfgs[v].platform, "sim") != 0)
			continue;
		if ((rc = share_host_add(sh, spec->vm[v].name, cfgs[v].share_domain)) < 0) {
			snprintf(why, n, "vm %s: share_domain '%s': %s", spec->vm[v].name,
				 cfgs[v].share_domain ? cfgs[v].share_domain : "", strerror(-rc));
			share_host_fini(sh);
			return rc;
		}
		cfgs[v].share_host = sh;
		cfgs[v].share_slot = rc;
	}
	if ((rc = share_host_start(sh)) < 0) {
		snprintf(why, n, "cannot start the page-sharing scanner thread: %s", strerror(-rc));
		share_host_fini(sh);
		return rc;
	}
	return 1;
}

enum run_state host_execute(const struct host_spec *spec, json_t **doc_out)
{
	/* On the heap, and not freed when interrupted: the workers may still be using them. */
	struct run_set *set = calloc(1, sizeof(*set));
	struct run_vm *vms = calloc(spec->n ? spec->n : 1, sizeof(*vms));
	struct run_config *cfgs = vm_configs(spec);
	struct host_oc *oc = calloc(1, sizeof(*oc));
	bool sharing = spec->ksm.on || spec->ksm.scan;
	struct ksm_session *ksm = sharing ? calloc(1, sizeof(*ksm)) : NULL;
	struct share_host *share = calloc(1, sizeof(*share));
	char why[512] = "";
	bool got = set && vms && cfgs && oc && share && (!sharing || ksm);
	int share_ok = got ? share_begin(spec, cfgs, share, why, sizeof(why)) : -ENOMEM;
	if (share_ok < 0) {
		if (why[0])
			fprintf(stderr, "memvirt: %s\n", why);
		free(share);
		free(set);
		free(vms);
		free(cfgs);
		free(oc);
		free(ksm);
		*doc_out = NULL;
		return RUN_FAILED;
	}
	if (!share_ok) { /* no VM shares: nothing will point at it, not even an interrupted set */
		free(share);
		share = NULL;
	}
	for (size_t v = 0; v < spec->n; v++) {
		vms[v].name = spec->vm[v].name;
		vms[v].cfg = &cfgs[v];
		vms[v].plat = spec->vm[v].plat;
	}
	*set = (struct run_set){ .n = spec->n, .vm = vms, .sample_us = spec->sample_us, .progress = spec->progress,
				 .progress_label = spec->name, .host = true, .ksm_opts = sharing ? &spec->ksm : NULL,
				 .ksm = ksm };
	/* The budget's cgroup is entered by the run driver, before any VM allocates, and left after
	 * the last one ended, with the stop signals blocked throughout, so that a Ctrl-C cannot
	 * skip leaving it (a SIGKILL is the janitor's). */
	host_oc_init(oc, spec);
	host_oc_attach(oc, set);
	/* Before any VM's thread, outside the budget's cgroup: the janitor that writes a "killed"
	 * document should the host die. */
	struct run_record record = { .janitor = { .fd = -1 }, .series_fd = -1 };
	if (spec->json_path) {
		json_t *killed = killed_host_doc(spec, set);
		run_record_arm_doc(&record, spec->json_path, killed);
		json_decref(killed);
	}
	enum run_state worst = run_set_execute(set);
	if (share_ok)
		share_host_stop(share); /* the VMs ended (or were abandoned): no more passes */
	*doc_out = host_doc(spec, set, oc, share_ok ? share : NULL, worst);
	if (spec->doc_extra)
		json_object_update(*doc_out, (json_t *)spec->doc_extra);
	int rc = spec->json_path ? result_write_atomic(spec->json_path, *doc_out) : 0;
	if (rc < 0) { /* a host whose document is lost has failed, whatever it measured */
		fprintf(stderr, "memvirt: cannot write %s: %s\n", spec->json_path, result_file_strerror(rc));
		if (worst != RUN_INTERRUPTED)
			worst = RUN_FAILED;
	}
	run_record_disarm(&record, true); /* this janitor restores nothing: the sessions' and the budget's do */
	host_oc_fini(oc);
	run_set_fini(set);
	if (ksm)
		ksm_session_fini(ksm);
	free(ksm);
	if (worst != RUN_INTERRUPTED) { /* else the abandoned workers may still park in the engine */
		if (share_ok)
			share_host_fini(share);
		free(share);
		for (size_t v = 0; v < spec->n; v++)
			run_vm_fini(&vms[v]);
		free(vms);
		free(cfgs);
		free(oc);
		free(set);
	}
	return worst;
}
