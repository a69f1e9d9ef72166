/* share_host.c — a host's page-sharing engine for sim VMs (see share_host.h): the VM registry
 * and domains, the engine's operations over the VMs' p2ms and the pool, the pass (hashing while
 * the VMs run, holding them only to commit merges), the scanner thread and host.sharing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ept/p2m.h"
#include "vmm/run/share_host.h"
#include "vmm/util/clock.h"

static struct p2m *p2m_of_engine_vm(struct share_host *sh, unsigned vm)
{
	const struct share_slot *s = &sh->slot[sh->engine_slot[vm]];
	return s->vm ? p2m_from(s->vm->p2m) : NULL;
}

/* ---- The engine's operations (ksm/ksm_merge.h) -------------------------------------------
 * op_peek runs while the VM runs (hashing); the others only while every VM is parked. */

/* A racy read, safe because nothing it touches can go away: the p2m walk reads table entries
 * through hostmem_ptr, bounds-checked, in the VM's host memory, which stays mapped for the VM's
 * whole life (a table page freed is zeroed and kept, a guest frame released is a hole that
 * reads as zeros); the state comes from the book, under its own mutex; and the VM cannot end
 * meanwhile (leaving takes the engine lock the scan holds). What can change under the read —
 * a first-touch allocation, a cow_break, a balloon or reclaim unback, the frame reused for
 * another gpa — only makes the hash wrong, and the commit re-reads and compares in full. One
 * side effect: a frame released (punched out of the VM's memfd) between the walk and the read
 * is faulted back in as a zeroed page (shmem allocates on a read of a hole), one page the host
 * holds until the frame is reused or released again; the window of it is one frame's hash, and
 * no figure counts it (host_resident_bytes counts p2m-backed frames). A shared frame, or a pool
 * frame in the window, is not read: the pool may be punching it out. */
static const void *op_peek(void *ctx, unsigned vm, uint64_t frame)
{
	struct share_host *sh = ctx;
	struct p2m *p = p2m_of_engine_vm(sh, vm);
	uint64_t hpa;
	if (!p || p2m_get_state(p, frame * P2M_FRAME) == P2M_SHARED || p2m_lookup(p, frame * P2M_FRAME, &hpa) < 0 ||
	    hostmem_in_window(p->host, hpa))
		return NULL;
	return hostmem_ptr(p->host, hpa);
}

static const void *op_page(void *ctx, unsigned vm, uint64_t frame)
{
	struct share_host *sh = ctx;
	struct p2m *p = p2m_of_engine_vm(sh, vm);
	uint64_t hpa;
	if (!p || p2m_lookup(p, frame * P2M_FRAME, &hpa) < 0)
		return NULL;
	return hostmem_ptr(p->host, hpa);
}

static int op_merge(void *ctx, unsigned vm, uint64_t frame, unsigned into_vm, uint64_t into)
{
	struct share_host *sh = ctx;
	struct p2m *p = p2m_of_engine_vm(sh, vm), *pi = p2m_of_engine_vm(sh, into_vm);
	unsigned dom = sh->slot[sh->engine_slot[vm]].domain, dom_into = sh->slot[sh->engine_slot[into_vm]].domain;
	uint64_t pf;
	int rc;
	if (!p || !pi)
		return -ENOENT;
	if (p2m_shared_frame(pi, into * P2M_FRAME, &pf) < 0 &&
	    (rc = p2m_share_new(pi, into * P2M_FRAME, &sh->pool, dom_into, &pf)) < 0)
		return rc; /* `into` is the first of its content: it moves into the pool */
	return p2m_share(p, frame * P2M_FRAME, &sh->pool, pf, dom);
}

static bool op_shared(void *ctx, unsigned vm, uint64_t frame)
{
	struct p2m *p = p2m_of_engine_vm(ctx, vm);
	return p && p2m_get_state(p, frame * P2M_FRAME) == P2M_SHARED;
}

/* ---- Set-up ---------------------------------------------------------------------------- */

int share_host_init(struct share_host *sh, uint64_t pool_bytes, uint64_t period_us)
{
	memset(sh, 0, sizeof(*sh));
	if (period_us && (period_us < SHARE_MIN_PERIOD_US || period_us > SHARE_MAX_PERIOD_US))
		return -EINVAL;
	int rc = p2m_pool_init(&sh->pool, pool_bytes);
	if (rc < 0)
		return rc;
	const struct ksm_merge_ops ops = { .page = op_page, .merge = op_merge, .shared = op_shared, .peek = op_peek,
					   .ctx = sh };
	(void)ksm_merge_init(&sh->engine, &ops);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sh->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&sh->lock, NULL);
	pthread_mutex_init(&sh->engine_lock, NULL);
	sh->period_us = period_us;
	sh->t0 = monotonic_seconds();
	sh->first_pass_ms = -1;
	return 0;
}

bool share_domain_name_ok(const char *d)
{
	size_t n = strlen(d);
	if (n == 0 || n > SHARE_DOMAIN_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z') || (d[i] >= '0' && d[i] <= '9') ||
		      d[i] == '-' || d[i] == '_' || d[i] == '.'))
			return false;
	return true;
}

int share_host_add(struct share_host *sh, const char *name, const char *domain)
{
	bool own = !domain || !domain[0]; /* a domain of its own, named as the VM */
	if (!own && !share_domain_name_ok(domain))
		return -EINVAL;
	if (sh->nslots == SHARE_MAX_VMS)
		return -E2BIG;
	unsigned d = 0;
	while (!own && d < sh->ndomains && (sh->domain_own[d] || strcmp(sh->domain[d], domain) != 0))
		d++;
	if (own || d == sh->ndomains) {
		d = sh->ndomains;
		if (d == SHARE_MAX_VMS || d >= P2M_POOL_DOMAINS)
			return -E2BIG;
		snprintf(sh->domain[d], sizeof(sh->domain[d]), "%s", own ? name : domain);
		sh->domain_own[d] = own;
		sh->ndomains++;
	}
	struct share_slot *s = &sh->slot[sh->nslots];
	*s = (struct share_slot){ .domain = d, .engine_vm = -1 };
	snprintf(s->name, sizeof(s->name), "%s", name);
	return (int)sh->nslots++;
}

void share_host_window(const struct share_host *sh, struct mmu_config *cfg)
{
	cfg->share_fd = sh->pool.fd;
	cfg->share_bytes = p2m_pool_bytes(&sh->pool);
}

/* ---- The pass ------------------------------------------------------------------------- */

static int row_reserve(struct share_host *sh)
{
	if (sh->nrows < sh->cap)
		return 0;
	size_t cap = sh->cap ? 2 * sh->cap : 256;
	struct share_row *r = realloc(sh->rows, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	sh->rows = r;
	sh->cap = cap;
	return 0;
}

/* The row after a pass: engine figures of the VMs in it now (scanned and CPU over all, gone
 * ones included), the pool's exact saving and breaks. Also keeps the peak's per-domain figures. */
static void record(struct share_host *sh, double start_ms)
{
	struct share_row row = { .time_ms = (monotonic_seconds() - sh->t0) * 1e3 };
	struct share_domain_figures dom[SHARE_MAX_VMS] = { { 0 } };
	struct p2m_pool_counts pc;
	p2m_pool_counts(&sh->pool, &pc);
	for (unsigned v = 0; v < sh->engine.nvms; v++) {
		struct ksm_merge_figures f;
		ksm_merge_figures(&sh->engine, (int)v, &f);
		row.scanned += f.scanned;
		row.scan_cpu_s += f.scan_cpu_s;
		if (sh->engine.vm[v].gone)
			continue;
		row.shared += f.shared;
		row.sharing += f.sharing;
		row.zero += f.zero;
		row.volatile_pages += f.volatile_pages;
		struct share_domain_figures *d = &dom[sh->slot[sh->engine_slot[v]].domain];
		d->shared += f.shared;
		d->sharing += f.sharing;
		d->zero += f.zero;
	}
	row.cow_breaks = pc.cow_breaks;
	row.saved_bytes = (pc.refs - pc.used) * P2M_FRAME;
	for (unsigned d = 0; d < sh->ndomains; d++)
		dom[d].saved_bytes = (pc.dom_refs[d] - pc.dom_used[d]) * P2M_FRAME;
	if (sh->first_pass_ms < 0)
		sh->first_pass_ms = start_ms;
	if (row.saved_bytes > sh->peak_saved_bytes || sh->nrows == 0) { /* the first pass at the peak: every VM
									    * that made it still in the engine */
		sh->peak_saved_bytes = row.saved_bytes;
		sh->at_peak = row;
		memcpy(sh->dom_at_peak, dom, sizeof(dom));
	}
	if (row_reserve(sh) == 0)
		sh->rows[sh->nrows++] = row;
}

static struct timespec deadline_in(double s)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double t = (double)ts.tv_sec + ts.tv_nsec * 1e-9 + s;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	return ts;
}

/* sh->lock held. Stops the world (every VM in the engine but the caller, when the caller is
 * one of them), commits the queued merges, gives each VM's released frames back, lets the VMs
 * go. The merges, -ETIMEDOUT when some VM reached no safe point in time (the queue is dropped
 * and counted in merges_skipped: its frames come back next pass), or -errno. */
static int64_t world_commit(struct share_host *sh, bool self)
{
	double t0 = monotonic_seconds();
	sh->pass_running = true;
	atomic_store_explicit(&sh->stop, 1, memory_order_release);
	struct timespec dl = deadline_in(SHARE_STOP_TIMEOUT_S);
	int64_t rc = 0;
	while (sh->parked + (self ? 1u : 0u) < sh->active)
		if (pthread_cond_timedwait(&sh->cv, &sh->lock, &dl) == ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	if (rc == 0 || sh->parked + (self ? 1u : 0u) >= sh->active) {
		rc = ksm_merge_commit(&sh->engine);
		for (unsigned v = 0; v < sh->engine.nvms; v++) {
			struct p2m *p = p2m_of_engine_vm(sh, v);
			if (p)
				p2m_release_flush(p);
		}
	} else {
		ksm_merge_drop(&sh->engine);
		sh->passes_skipped++;
	}
	atomic_store_explicit(&sh->stop, 0, memory_order_release);
	sh->pass_running = false;
	double held = monotonic_seconds() - t0;
	sh->stops++;
	sh->stopped_s += held;
	sh->stopped_max_s = held > sh->stopped_max_s ? held : sh->stopped_max_s;
	pthread_cond_broadcast(&sh->cv);
	return rc;
}

static bool quitting(struct share_host *sh)
{
	pthread_mutex_lock(&sh->lock);
	bool q = sh->quit;
	pthread_mutex_unlock(&sh->lock);
	return q;
}

/* One pass: engine_lock held, sh->lock not. The VMs run while it hashes, SHARE_SCAN_CHUNK
 * frames at a time (the engine lock is the pass's: a VM joining or leaving waits for the end
 * of the pass), and are held only while a batch of merges is committed. Returns the merges,
 * or -errno (sh->error set). */
static int64_t pass(struct share_host *sh, bool self)
{
	double start_ms = (monotonic_seconds() - sh->t0) * 1e3;
	int64_t rc = 0;
	int more;
	ksm_merge_begin(&sh->engine);
	do {
		more = ksm_merge_scan(&sh->engine, SHARE_SCAN_CHUNK);
		if (more < 0) {
			rc = more;
			break;
		}
		if (sh->engine.ntodo) {
			pthread_mutex_lock(&sh->lock);
			int64_t m = world_commit(sh, self);
			pthread_mutex_unlock(&sh->lock);
			if (m < 0 && m != -ETIMEDOUT) {
				rc = m;
				break;
			}
		}
	} while (more > 0 && (self || !quitting(sh)));
	int64_t merged = ksm_merge_end(&sh->engine);
	pthread_mutex_lock(&sh->lock);
	record(sh, start_ms);
	if (rc < 0 && !sh->error) {
		sh->error = (int)rc;
		snprintf(sh->why, sizeof(sh->why), "a sharing pass failed: %s", strerror((int)-rc));
	}
	pthread_mutex_unlock(&sh->lock);
	return rc < 0 ? rc : merged;
}

/* ---- The VMs' side -------------------------------------------------------------------- */

int share_host_join(struct share_host *sh, int slot, struct mmu_vm *vm, char *msg, size_t msglen)
{
	if (slot < 0 || (unsigned)slot >= sh->nslots)
		return -EINVAL;
	struct share_slot *s = &sh->slot[slot];
	pthread_mutex_lock(&sh->engine_lock); /* not in the engine yet: waiting holds up no pass */
	pthread_mutex_lock(&sh->lock);
	int rc = ksm_merge_add_vm(&sh->engine, vm->cfg.ram_bytes / P2M_FRAME, s->domain);
	if (rc >= 0) {
		sh->engine_slot[rc] = slot;
		s->engine_vm = rc;
		s->vm = vm;
		sh->active++;
		rc = 0;
		pthread_mutex_unlock(&sh->lock);
		for (unsigned n = 0; sh->period_us == 0 && !sh->error && n < SHARE_JOIN_MAX_PASSES; n++) {
			int64_t m = pass(sh, true);
			if (m < 0)
				break;
			if (m == 0 && n >= 1) /* the first pass only records hashes */
				break;
		}
		pthread_mutex_lock(&sh->lock);
		if (sh->error) {
			rc = sh->error;
			snprintf(msg, msglen, "--share: %s", sh->why);
		}
	} else {
		snprintf(msg, msglen, "--share: cannot add the VM to the sharing engine: %s", strerror(-rc));
	}
	pthread_mutex_unlock(&sh->lock);
	pthread_mutex_unlock(&sh->engine_lock);
	mmu_fast_invalidate(vm); /* a pass of its own may have changed its p2m */
	return rc;
}

void share_host_leave(struct share_host *sh, int slot)
{
	if (slot < 0 || (unsigned)slot >= sh->nslots)
		return;
	struct share_slot *s = &sh->slot[slot];
	pthread_mutex_lock(&sh->lock);
	bool in = s->vm && !s->left;
	pthread_mutex_unlock(&sh->lock);
	if (!in)
		return;
	/* A pass under way holds the engine lock until its end, and may want this VM held to
	 * commit meanwhile: it counts as parked while it waits (it holds nothing: its measured
	 * phase is over). */
	share_host_idle_begin(sh);
	pthread_mutex_lock(&sh->engine_lock);
	pthread_mutex_lock(&sh->lock);
	ksm_merge_figures(&sh->engine, s->engine_vm, &s->fig);
	s->passes = sh->engine.passes;
	ksm_merge_remove_vm(&sh->engine, (unsigned)s->engine_vm);
	s->vm = NULL;
	s->left = true;
	sh->active--;
	sh->parked--;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->lock);
	pthread_mutex_unlock(&sh->engine_lock);
}

void share_host_park(struct share_host *sh)
{
	pthread_mutex_lock(&sh->lock);
	if (atomic_load_explicit(&sh->stop, memory_order_acquire)) {
		sh->parked++;
		pthread_cond_broadcast(&sh->cv);
		while (atomic_load_explicit(&sh->stop, memory_order_acquire))
			pthread_cond_wait(&sh->cv, &sh->lock);
		sh->parked--;
	}
	pthread_mutex_unlock(&sh->lock);
}

void share_host_idle_begin(struct share_host *sh)
{
	pthread_mutex_lock(&sh->lock);
	sh->parked++;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->lock);
}

void share_host_idle_end(struct share_host *sh)
{
	pthread_mutex_lock(&sh->lock);
	while (atomic_load_explicit(&sh->stop, memory_order_acquire))
		pthread_cond_wait(&sh->cv, &sh->lock);
	sh->parked--;
	pthread_mutex_unlock(&sh->lock);
}

void share_host_note_end(struct share_host *sh)
{
	struct p2m_pool_counts pc;
	pthread_mutex_lock(&sh->lock);
	p2m_pool_counts(&sh->pool, &pc);
	sh->pool_end_frames = pc.used > sh->pool_end_frames ? pc.used : sh->pool_end_frames;
	pthread_mutex_unlock(&sh->lock);
}

uint64_t share_host_pool_end_bytes(struct share_host *sh)
{
	pthread_mutex_lock(&sh->lock);
	uint64_t b = sh->pool_end_frames * P2M_FRAME;
	pthread_mutex_unlock(&sh->lock);
	return b;
}

/* ---- The scanner thread --------------------------------------------------------------- */

static void *scanner(void *arg)
{
	struct share_host *sh = arg;
	pthread_mutex_lock(&sh->lock);
	while (!sh->quit) {
		struct timespec dl = deadline_in((double)sh->period_us * 1e-6);
		while (!sh->quit && pthread_cond_timedwait(&sh->cv, &sh->lock, &dl) != ETIMEDOUT)
			;
		if (sh->quit || !sh->active || sh->error)
			continue;
		pthread_mutex_unlock(&sh->lock);
		pthread_mutex_lock(&sh->engine_lock);
		(void)pass(sh, false);
		pthread_mutex_unlock(&sh->engine_lock);
		pthread_mutex_lock(&sh->lock);
	}
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

int share_host_start(struct share_host *sh)
{
	if (!sh->period_us || sh->thread_on)
		return 0;
	int err = pthread_create(&sh->thread, NULL, scanner, sh);
	if (err)
		return -err;
	sh->thread_on = true;
	return 0;
}

void share_host_stop(struct share_host *sh)
{
	if (!sh->thread_on)
		return;
	pthread_mutex_lock(&sh->lock);
	sh->quit = true;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->lock);
	pthread_join(sh->thread, NULL);
	sh->thread_on = false;
}

void share_host_fini(struct share_host *sh)
{
	share_host_stop(sh);
	ksm_merge_fini(&sh->engine);
	p2m_pool_fini(&sh->pool);
	free(sh->rows);
	pthread_cond_destroy(&sh->cv);
	pthread_mutex_destroy(&sh->lock);
	pthread_mutex_destroy(&sh->engine_lock);
	memset(sh, 0, sizeof(*sh));
}

/* ---- host.sharing ----------------------------------------------------------------------- */

static json_t *u64j(uint64_t v) { return json_integer((json_int_t)v); }

/* One row per pass, thinned to at most SHARE_SERIES_MAX_ROWS (every stride-th, the last kept), as
 * host.memory is. */
static json_t *series_json(const struct share_host *sh)
{
	json_t *rows = json_array();
	size_t stride = sh->nrows > SHARE_SERIES_MAX_ROWS ? (sh->nrows + SHARE_SERIES_MAX_ROWS - 1) / SHARE_SERIES_MAX_ROWS : 1;
	for (size_t i = 0; i < sh->nrows; i++) {
		if (i % stride && i + 1 != sh->nrows)
			continue;
		const struct share_row *r = &sh->rows[i];
		json_array_append_new(rows, json_pack("[f, o, o, o, o, o, o, o, f]", r->time_ms, u64j(r->scanned),
						      u64j(r->shared), u64j(r->sharing), u64j(r->zero),
						      u64j(r->volatile_pages), u64j(r->cow_breaks),
						      u64j(r->saved_bytes), r->scan_cpu_s));
	}
	return json_pack("{s:[s, s, s, s, s, s, s, s, s], s:o, s:I}", "columns", "time_ms", "scanned", "shared", "sharing",
			 "zero", "volatile", "cow_breaks", "saved_bytes", "scan_cpu_s", "rows", rows, "stride",
			 (json_int_t)stride);
}

static json_t *domains_json(const struct share_host *sh)
{
	json_t *o = json_object();
	for (unsigned d = 0; d < sh->ndomains; d++) {
		json_t *vms = json_array();
		for (unsigned s = 0; s < sh->nslots; s++)
			if (sh->slot[s].domain == d)
				json_array_append_new(vms, json_string(sh->slot[s].name));
		const struct share_domain_figures *f = &sh->dom_at_peak[d];
		bool clash = false; /* a VM's own domain named like a named one: the keys stay apart */
		for (unsigned e = 0; sh->domain_own[d] && e < sh->ndomains; e++)
			clash |= !sh->domain_own[e] && strcmp(sh->domain[e], sh->domain[d]) == 0;
		char key[sizeof(sh->domain[d]) + 8];
		snprintf(key, sizeof(key), "%s%s", sh->domain[d], clash ? " (own)" : "");
		json_object_set_new(o, key, json_pack("{s:o, s:o, s:o, s:o, s:o}", "vms", vms, "shared",
								u64j(f->shared), "sharing", u64j(f->sharing), "zero",
								u64j(f->zero), "saved_bytes", u64j(f->saved_bytes)));
	}
	return o;
}

/* The time from the first pass's start until the saving first reached 90% of its peak. */
static double time_to_90pct(const struct share_host *sh)
{
	for (size_t i = 0; i < sh->nrows && sh->peak_saved_bytes; i++)
		if (sh->rows[i].saved_bytes * 10 >= sh->peak_saved_bytes * 9)
			return (sh->rows[i].time_ms - sh->first_pass_ms) * 1e-3;
	return 0;
}

json_t *share_host_json(struct share_host *sh)
{
	pthread_mutex_lock(&sh->engine_lock);
	pthread_mutex_lock(&sh->lock);
	struct ksm_merge_figures all;
	ksm_merge_figures(&sh->engine, -1, &all);
	struct p2m_pool_counts pc;
	p2m_pool_counts(&sh->pool, &pc);
	const struct share_row *last = sh->nrows ? &sh->rows[sh->nrows - 1] : NULL;
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:f}",
			      "engine", "memvirt-merge", "period_ms", (json_int_t)(sh->period_us / 1000), "passes",
			      (json_int_t)sh->engine.passes, "passes_skipped", (json_int_t)sh->passes_skipped, "scanned",
			      u64j(all.scanned), "merges", u64j(all.merges), "shared", u64j(sh->at_peak.shared),
			      "sharing", u64j(sh->at_peak.sharing), "zero", u64j(sh->at_peak.zero), "volatile",
			      u64j(last ? last->volatile_pages : 0), "cow_breaks", u64j(pc.cow_breaks), "saved_bytes",
			      u64j(sh->peak_saved_bytes), "final_saved_bytes", u64j(last ? last->saved_bytes : 0),
			      "pool_peak_bytes", u64j(pc.peak_used * P2M_FRAME), "scan_cpu_s", all.scan_cpu_s,
			      "time_to_90pct_s", time_to_90pct(sh));
	json_object_set_new(o, "stopped_s", json_real(sh->stopped_s));
	json_object_set_new(o, "stopped_max_s", json_real(sh->stopped_max_s));
	json_object_set_new(o, "stops", u64j(sh->stops));
	json_object_set_new(o, "pool_end_bytes", u64j(sh->pool_end_frames * P2M_FRAME));
	json_object_set_new(o, "error", sh->error ? json_string(sh->why) : json_null());
	json_object_set_new(o, "domains", domains_json(sh));
	json_object_set_new(o, "series", series_json(sh));
	pthread_mutex_unlock(&sh->lock);
	pthread_mutex_unlock(&sh->engine_lock);
	return o;
}
