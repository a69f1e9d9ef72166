/* platform_sim.c — the `sim` platform: the guest kernel (guest/) and the workload run on the
 * host, and every workload load and store is translated by memvirt's software MMU (TLB, then
 * an ept or shadow walk on a miss) before it touches host memory. The guest kernel's own
 * accesses go through the same machine and are charged to mmu.kernel.
 *
 * A workload access that the guest kernel cannot resolve (a segfault in a real guest) ends
 * the run: the slow path records the error and longjmps back to sim_run. */
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon/balloon.h"
#include "ept/p2m.h"
#include "guest/gk.h"
#include "mmu/cost.h"
#include "paging/registry.h"
#include "shadow/shadow.h"
#include "vmm/mem/book_sync.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"
#include "vmm/run/sim_share.h"

_Static_assert(RUN_MAX_GUEST_RAM_BYTES == GK_MAX_RAM_BYTES, "run.h states the guest kernel's RAM limit");

/* The machine's cumulative counters at a phase mark, the fast path's TLB hits folded in: the
 * phases' counters are differences of these (results/result_phases.c). */
struct sim_snap {
	bool have;
	struct mmu_counters user, kernel;
	struct exit_counters exits;
	uint64_t guest_faults;
};

struct sim_state {
	struct mmu_vm vm;
	struct sim_snap at_measure, at_done;
	struct gk *gk;
	struct phase_clock clock;
	jmp_buf fatal;
	int fatal_rc;
	uint64_t fatal_va;
	struct balloon *balloon;          /* NULL: the VM has none */
	uint64_t balloon_entries[GK_BALLOON_BATCH];
	char balloon_why[256];            /* a refused balloon message (the run stops) */
	struct sim_share share;           /* --share on: the host's sharing engine (sim_share.h) */
	char share_why[256];
};

static struct sim_state *sim_of(struct wl_ctx *c) { return c->platform; }

/* ---- The guest kernel's hardware: the simulated machine ---------------------------------- */

/* Kernel accesses are charged to mmu.kernel; a kernel access may happen in the middle of a
 * workload access (a page fault), so the previous owner is restored afterwards. */
static uint64_t *sim_kernel_word(struct mmu_vm *vm, uint64_t gpa, struct mmu_counters **saved)
{
	*saved = vm->cur;
	vm->cur = &vm->kernel;
	vm->kernel.accesses++;
	return mmu_gpa_ptr(vm, gpa);
}

static uint64_t sim_phys_read(void *hw, uint64_t gpa)
{
	struct mmu_counters *saved;
	uint64_t *p = sim_kernel_word(hw, gpa, &saved);
	uint64_t v = p ? *p : 0;
	((struct mmu_vm *)hw)->cur = saved;
	return v;
}

/* hw is the machine, the first member of the sim state. */
_Static_assert(offsetof(struct sim_state, vm) == 0, "the machine is the sim state's first member");
static struct sim_state *sim_of_hw(void *hw) { return (struct sim_state *)hw; }
static void sim_fatal(struct sim_state *s, int rc, uint64_t va);

static void sim_phys_write(void *hw, uint64_t gpa, uint64_t v)
{
	struct mmu_counters *saved;
	int rc = sim_share_before_write(&sim_of_hw(hw)->share, gpa, sizeof(v));
	if (rc < 0)
		sim_fatal(sim_of_hw(hw), rc, gpa);
	uint64_t *p = sim_kernel_word(hw, gpa, &saved);
	if (p)
		*p = v;
	((struct mmu_vm *)hw)->cur = saved;
}

/* Zeroes a frame one host page at a time: a 2 MiB guest frame may sit on 4 KiB host pages
 * that are not contiguous in host memory. */
static void sim_phys_zero(void *hw, uint64_t gpa, uint64_t bytes)
{
	struct mmu_vm *vm = hw;
	uint64_t step = vm->cfg.host_page < bytes ? vm->cfg.host_page : bytes;
	int rc = sim_share_before_write(&sim_of_hw(hw)->share, gpa, bytes);
	if (rc < 0)
		sim_fatal(sim_of_hw(hw), rc, gpa);
	for (uint64_t off = 0; off < bytes; off += step) {
		struct mmu_counters *saved;
		uint64_t *p = sim_kernel_word(vm, gpa + off, &saved);
		if (p)
			memset(p, 0, step);
		vm->cur = saved;
	}
}

static void sim_pt_write(void *hw, uint64_t gpa, uint64_t v) { mmu_pt_write(hw, gpa, v); }


/* ---- The balloon device: the same checks as on kvm, releases through the sim p2m ---------- */

/* Host pages wholly inside the range are unbacked (their simulated host frame is freed) and
 * their frames set to `state`; a range smaller than a host page (--host-page 2m or 1g and a
 * 4 KiB entry, or 1g and a reported 2 MiB chunk) keeps its host page: ballooned frames are
 * only marked in the book, reported ones stay as they are (still backed). */
static int sim_unback_range(void *ctx, uint64_t off, uint64_t bytes, enum p2m_state state, char *why, size_t whylen)
{
	struct p2m *p = p2m_from(((struct sim_state *)ctx)->vm.p2m);
	uint64_t page = p->page_size;
	for (uint64_t gpa = off; gpa < off + bytes;) {
		if (gpa % page == 0 && off + bytes - gpa >= page) {
			int rc = p2m_unback(p, gpa, state);
			if (rc == -ENOENT) /* never backed: nothing to free */
				rc = (int)p2m_book_set_range(&p->book, gpa, page, state);
			if (rc < 0) {
				p2m_release_flush(p);
				snprintf(why, whylen, "balloon: unbacking guest page 0x%llx failed: %s", (unsigned long long)gpa,
					 strerror(-rc));
				return rc;
			}
			gpa += page;
			continue;
		}
		uint64_t end = (gpa / page + 1) * page;
		end = end < off + bytes ? end : off + bytes;
		if (state == P2M_BALLOONED)
			(void)p2m_book_set_range(&p->book, gpa, end - gpa, P2M_BALLOONED);
		gpa = end;
	}
	p2m_release_flush(p);
	return 0;
}

static int sim_balloon_release(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t whylen)
{
	return sim_unback_range(ctx, off, bytes, P2M_BALLOONED, why, whylen);
}

/* Free page reporting: the chunk stays the guest's; a later touch backs it with a zero frame. */
static int sim_balloon_report(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t whylen)
{
	return sim_unback_range(ctx, off, bytes, P2M_UNBACKED, why, whylen);
}

static int sim_balloon_reuse(void *ctx, uint64_t off, uint64_t bytes)
{
	struct p2m *p = p2m_from(((struct sim_state *)ctx)->vm.p2m);
	int64_t rc = p2m_book_move_range(&p->book, off, bytes, P2M_BALLOONED, P2M_UNBACKED);
	return rc < 0 ? (int)rc : 0;
}

static const char *sim_balloon_area(void *ctx, uint64_t gpa)
{
	struct sim_state *s = ctx;
	return gpa < s->vm.cfg.ram_bytes + s->vm.cfg.pt_pool_bytes ? "the page-table pool" : "no memory of this VM";
}

static int64_t sim_balloon_doorbell(void *bhw, uint32_t op, uint32_t n, uint32_t flags)
{
	struct sim_state *s = bhw;
	int rc = balloon_message(s->balloon, op, s->balloon_entries, n, flags,
				 (const struct gk_balloon_stats *)&balloon_shared(s->balloon)->stats, s->balloon_why,
				 sizeof(s->balloon_why));
	if (rc < 0)
		sim_fatal(s, rc, 0);
	return 0;
}

static int sim_balloon_attach(struct sim_state *s, struct gk_hal *hal, char *msg, size_t msglen)
{
	const struct balloon_backend be = { .release = sim_balloon_release, .reuse = sim_balloon_reuse,
					    .area = sim_balloon_area, .report = sim_balloon_report, .ctx = s };
	int rc = balloon_attach(s->balloon, 0, s->vm.cfg.ram_bytes, NULL, &be);
	if (rc < 0) {
		snprintf(msg, msglen, "cannot attach the balloon: %s", strerror(-rc));
		return rc;
	}
	hal->balloon_shared = balloon_shared(s->balloon);
	hal->balloon_entries = s->balloon_entries;
	hal->balloon_doorbell = sim_balloon_doorbell;
	hal->balloon_hw = s;
	return 0;
}
static void sim_cr3_load(void *hw, uint64_t root, uint16_t asid) { mmu_cr3_load(hw, root, asid); }
static void sim_invlpg(void *hw, uint64_t gva) { mmu_invlpg(hw, gva); }

/* ---- The workload's accesses ------------------------------------------------------------- */

static void sim_fatal(struct sim_state *s, int rc, uint64_t va)
{
	s->fatal_rc = rc;
	s->fatal_va = va;
	longjmp(s->fatal, 1);
}

/* Full translation; afterwards the page just used is the most recently used entry of its
 * TLB set, so the fast-path caches may point at it (only when there is a TLB). Both caches
 * are dropped first: the TLB insert this access may do can evict what they pointed at. */
static void *sim_translate(struct wl_ctx *c, wl_addr_t va, unsigned access)
{
	struct sim_state *s = sim_of(c);
	void *p;
	if (s->share.host) /* a safe point: a sharing pass may park the VM here (share_host.h) */
		share_host_safepoint(s->share.host);
	c->rd.vpage = c->wr.vpage = UINT64_MAX;
	s->vm.cur = &s->vm.user;
	int rc = mmu_access(&s->vm, va, access | MMU_USER, &p);
	if (rc < 0)
		sim_fatal(s, rc, va);
	if (s->vm.cfg.tlb_entries) {
		intptr_t delta = (intptr_t)((uintptr_t)p - (uintptr_t)va);
		c->rd = (struct wl_xlat_cache){ va >> 12, delta, c->rd.hits };
		if (access & MMU_WRITE)
			c->wr = (struct wl_xlat_cache){ va >> 12, delta, c->wr.hits };
	}
	return p;
}

static uint64_t sim_load64_slow(struct wl_ctx *c, wl_addr_t va)
{
	return *(const uint64_t *)sim_translate(c, va, MMU_READ);
}

static void sim_store64_slow(struct wl_ctx *c, wl_addr_t va, uint64_t v)
{
	*(uint64_t *)sim_translate(c, va, MMU_WRITE) = v;
}

/* ---- System calls: straight into the guest kernel ---------------------------------------- */

/* The guest kernel's frames in use, for telemetry: after each call that can change them (a
 * page fault, an unmap), never per access. */
static void sim_publish_used(struct wl_ctx *c) { c->used_bytes = gk_used_bytes(&sim_of(c)->gk->stats); }

/* The MMU's guest page-fault callback (its `guest` is the run's wl_ctx). */
static int sim_page_fault(void *guest, uint64_t gva, uint32_t err)
{
	struct wl_ctx *c = guest;
	int rc = gk_page_fault(sim_of(c)->gk, gva, err);
	sim_publish_used(c);
	return rc;
}

/* Every call first lets the balloon driver check its target, as kvm's system-call entry does
 * (one load and compare when nothing changed). */
static struct gk *sim_gk(struct wl_ctx *c)
{
	struct gk *k = sim_of(c)->gk;
	gk_balloon_poll(k);
	return k;
}

static wl_addr_t sim_map(struct wl_ctx *c, uint64_t bytes) { return gk_sys_map(sim_gk(c), bytes); }
static int sim_unmap(struct wl_ctx *c, wl_addr_t a, uint64_t b)
{
	int rc = gk_sys_unmap(sim_gk(c), a, b);
	sim_publish_used(c);
	return rc;
}
static int sim_as_create(struct wl_ctx *c) { return gk_as_create(sim_gk(c)); }
static int sim_as_switch(struct wl_ctx *c, int as) { return gk_as_switch(sim_gk(c), as); }

static void sim_snap_take(struct sim_state *s, const struct wl_ctx *c, struct sim_snap *o)
{
	uint64_t fast = c->rd.hits + c->wr.hits;
	*o = (struct sim_snap){ .have = true, .user = s->vm.user, .kernel = s->vm.kernel, .exits = s->vm.exits,
				.guest_faults = s->gk ? s->gk->stats.faults : 0 };
	o->user.tlb_hits += fast;
	o->user.accesses += fast;
}

static void sim_phase(struct wl_ctx *c, enum wl_phase p)
{
	struct sim_state *s = sim_of(c);
	sim_gk(c);
	if (!phase_clock_accepts(&s->clock, p))
		return; /* a repeat or out of order: the measured phase's hooks run once */
	if (p == WL_PHASE_MEASURE || p == WL_PHASE_DONE)
		sim_snap_take(s, c, p == WL_PHASE_MEASURE ? &s->at_measure : &s->at_done);
	if (p == WL_PHASE_MEASURE && s->share.host) {
		int rc = sim_share_join(&s->share, &s->vm, s->share_why, sizeof(s->share_why));
		if (rc < 0)
			sim_fatal(s, rc, 0);
	}
	if (p == WL_PHASE_DONE)
		sim_share_leave(&s->share);
	(void)phase_clock_mark(&s->clock, p, c);
	if (p == WL_PHASE_MEASURE && s->balloon)
		balloon_measure_started(s->balloon);
}

/* A sleeping VM touches nothing: a sharing pass need not wait for it. */
static int sim_sleep_us(struct wl_ctx *c, uint64_t us)
{
	struct sim_state *s = sim_of(c);
	sim_gk(c);
	if (!s->share.joined)
		return platform_sleep_us(c, us);
	share_host_idle_begin(s->share.host);
	int rc = platform_sleep_us(c, us);
	share_host_idle_end(s->share.host);
	mmu_fast_invalidate(&s->vm);
	return rc;
}

static const struct wl_sys sim_sys = {
	.map = sim_map, .unmap = sim_unmap, .as_create = sim_as_create,
	.as_switch = sim_as_switch, .phase = sim_phase, .sleep_us = sim_sleep_us,
	.load64_slow = sim_load64_slow, .store64_slow = sim_store64_slow,
};

/* ---- Machine setup and the run ----------------------------------------------------------- */

static int sim_boot(struct sim_state *s, struct wl_ctx *c, const struct run_config *cfg, const struct mmu_config *mc,
		    char *msg, size_t msglen)
{
	const struct mmu_strategy_ops *ops = mmu_strategy_find(cfg->mmu);
	if (!ops) {
		snprintf(msg, msglen, "no paging strategy '%s' on sim", cfg->mmu ? cfg->mmu : "(none)");
		return -EINVAL;
	}
	int rc = mmu_vm_init(&s->vm, mc, ops);
	if (rc < 0) {
		snprintf(msg, msglen, "cannot set up the simulated machine (%s): %s", ops->name, strerror(-rc));
		return rc;
	}
	s->gk = malloc(sizeof(*s->gk));
	if (!s->gk)
		return -ENOMEM;
	struct gk_hal hal = {
		.phys_read = sim_phys_read, .phys_write = sim_phys_write, .phys_zero = sim_phys_zero,
		.pt_write = sim_pt_write, .cr3_load = sim_cr3_load, .invlpg = sim_invlpg, .hw = &s->vm,
	};
	struct gk_boot_info bi = {
		.magic = GK_BOOT_MAGIC, .version = GK_BOOT_VERSION,
		.flags = (ops->pt_writes_trap ? GK_BOOT_SHADOW : 0) | (s->balloon ? GK_BOOT_BALLOON : 0),
		.ram_base = 0, .ram_bytes = cfg->sim.ram_bytes,
		.pt_pool_base = cfg->sim.ram_bytes, .pt_pool_bytes = cfg->sim.pt_pool_bytes,
		.levels = cfg->sim.levels, .guest_page = cfg->sim.guest_page,
	};
	/* After mmu_vm_init, which starts from a clean machine. */
	s->vm.fast_rd = &c->rd;
	s->vm.fast_wr = &c->wr;
	s->vm.guest_pf = sim_page_fault;
	s->vm.guest = c;
	s->vm.cur = &s->vm.kernel;
	if (s->balloon && (rc = sim_balloon_attach(s, &hal, msg, msglen)) < 0)
		return rc;
	if ((rc = gk_boot(s->gk, &hal, &bi)) < 0)
		snprintf(msg, msglen, "guest kernel failed to boot: %s", strerror(-rc));
	return rc;
}

/* The frame book's counts and moves (the sim p2m's book). Its moves stay zero in a run:
 * sim's host reclaim acts on the simulator's host memory, not through the p2m. */
static void sim_collect_frames(struct p2m *p, struct run_result *res)
{
	if (p)
		book_result_frames(&p->book, res);
}

static void sim_collect_shadow(const struct mmu_vm *vm, struct run_result *res)
{
	const struct shadow *sh = shadow_of(vm);
	if (!sh)
		return;
	res->have_shadow = true;
	res->shadow_flood_unprotects = sh->flood_unprotects;
	res->shadow_unprotected_writes = sh->unprotected_writes;
}

/* One phase's counters: the change from snapshot `from` to `to`. */
static void sim_phase_counters(const struct run_config *cfg, const struct sim_snap *to, const struct sim_snap *from,
			       struct result_counters *out)
{
	out->have = out->have_mmu = true;
	mmu_counters_diff(&out->mmu_user, &to->user, &from->user);
	mmu_counters_diff(&out->mmu_kernel, &to->kernel, &from->kernel);
	exit_counters_diff(&out->exits, &to->exits, &from->exits);
	out->guest_faults = to->guest_faults - from->guest_faults;
	out->modeled_cycles = mmu_modeled_cycles(&cfg->sim.cost, &out->mmu_user, &out->exits);
	out->modeled_cycles_kernel = mmu_modeled_cycles(&cfg->sim.cost, &out->mmu_kernel, &(struct exit_counters){ 0 });
}

/* setup = start..MEASURE, measured = MEASURE..DONE, check = DONE..end; a mark the run never
 * reached is the end. */
static void sim_collect_phases(struct sim_state *s, struct wl_ctx *c, const struct run_config *cfg,
			       struct run_result *res)
{
	struct sim_snap end, zero = { 0 };
	struct result_counters *m = malloc(sizeof(*m));
	if (!m)
		return;
	sim_snap_take(s, c, &end);
	const struct sim_snap *at_m = s->at_measure.have ? &s->at_measure : &end;
	const struct sim_snap *at_d = s->at_done.have ? &s->at_done : &end;
	sim_phase_counters(cfg, at_m, &zero, &res->phases[RESULT_PHASE_SETUP]);
	sim_phase_counters(cfg, &end, at_d, &res->phases[RESULT_PHASE_CHECK]);
	sim_phase_counters(cfg, at_d, at_m, m);
	res->have_mmu = true;
	res->mmu_user = m->mmu_user;
	res->mmu_kernel = m->mmu_kernel;
	res->exits = m->exits;
	res->modeled_cycles = m->modeled_cycles;
	res->modeled_cycles_kernel = m->modeled_cycles_kernel;
	res->guest_faults = m->guest_faults;
	free(m);
}

static void sim_collect(struct sim_state *s, struct wl_ctx *c, const struct run_config *cfg, struct run_result *res)
{
	struct mmu_vm *vm = &s->vm;
	sim_collect_phases(s, c, cfg, res);
	res->guest_bytes = cfg->sim.ram_bytes;
	res->host_resident_bytes = vm->p2m ? p2m_backed_bytes(p2m_from(vm->p2m)) : 0;
	sim_collect_frames(p2m_from(vm->p2m), res);
	sim_collect_shadow(vm, res);
	res->backend = vm->host.fd >= 0 ? "memfd" : "anon";
	run_measured_ops(cfg, c, res);
}

static int sim_run_workload(struct sim_state *s, const struct run_config *cfg, struct wl_ctx *c,
			    struct run_result *res)
{
	const struct wl_workload *w = wl_find(wl_registry_sim, cfg->workload->name);
	if (!w) {
		snprintf(res->message, sizeof(res->message), "workload %s has no sim build", cfg->workload->name);
		return -ENOENT;
	}
	if (setjmp(s->fatal)) {
		const struct p2m *p = p2m_from(s->vm.p2m);
		if (s->share_why[0])
			snprintf(res->message, sizeof(res->message), "%s", s->share_why);
		else if (s->balloon_why[0])
			snprintf(res->message, sizeof(res->message), "guest balloon message refused: %s", s->balloon_why);
		else if (p->ballooned_touches)
			snprintf(res->message, sizeof(res->message),
				 "guest error: touched guest frame 0x%llx, which it gave to the balloon (%llu refused touches)",
				 (unsigned long long)p->ballooned_touch_gpa, (unsigned long long)p->ballooned_touches);
		else
			snprintf(res->message, sizeof(res->message), "workload %s: unresolvable access at 0x%llx: %s",
				 w->name, (unsigned long long)s->fatal_va, strerror(-s->fatal_rc));
		return s->fatal_rc;
	}
	int rc = wl_run(w, c, &cfg->params, &res->checksum);
	if (rc < 0)
		snprintf(res->message, sizeof(res->message), "workload %s failed: %s", w->name, strerror(-rc));
	return rc;
}

/* Guest RAM for the monitor and reclaim threads: the front of the simulator's host memory,
 * where guest frames, guest page tables and p2m tables are allocated in first-touch order
 * (so a "fraction of guest RAM" here is a fraction in allocation order, not guest-physical
 * order). The memfd behind it makes a discard non-destructive. */
static void sim_publish_ram(struct sim_state *s, const struct run_config *cfg, struct guest_ram_handle *h)
{
	uint64_t page = cfg->sim.host_page;
	uint64_t bytes = (cfg->sim.ram_bytes + cfg->sim.pt_pool_bytes + page - 1) / page * page;
	struct guest_ram ram = { .base = s->vm.host.base, .fd = s->vm.host.fd,
				 .bytes = bytes < s->vm.host.size ? bytes : s->vm.host.size };
	guest_ram_publish(h, &ram);
}

static int sim_run(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		   struct balloon *balloon, struct run_result *res)
{
	struct sim_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->balloon = balloon;
	ctx->sys = &sim_sys;
	ctx->platform = s;
	ctx->rd.vpage = ctx->wr.vpage = UINT64_MAX;
	phase_clock_start(&s->clock);
	struct mmu_config mc = cfg->sim; /* with the sharing pool's window, when the VM shares */
	int rc = sim_share_open(&s->share, cfg, &mc, res->message, sizeof(res->message));
	if (rc == 0)
		rc = sim_boot(s, ctx, cfg, &mc, res->message, sizeof(res->message));
	res->have_create = rc == 0;
	res->create_s = monotonic_seconds() - s->clock.t_start;
	if (rc == 0) {
		sim_publish_ram(s, cfg, ram);
		rc = sim_run_workload(s, cfg, ctx, res);
		sim_share_leave(&s->share); /* a run that never reached its DONE phase */
		guest_ram_publish(ram, NULL);
	}
	phase_clock_finish(&s->clock, res);
	if (s->balloon) {
		balloon_detach(s->balloon);
		balloon_result(s->balloon, &res->balloon);
	}
	sim_collect(s, ctx, cfg, res);
	sim_share_finish(&s->share, res);
	res->have_checksum = rc == 0;
	mmu_vm_fini(&s->vm); /* drops the pool frames it still maps: others may go on using them */
	sim_share_close(&s->share);
	free(s->gk);
	free(s);
	return rc;
}

static const char *sim_unavailable(void) { return NULL; }

/* The simulator's host memory is a memfd unless Linux KSM is to merge it (ksm = on) or the
 * run asks for anonymous memory (--host-memory anon). */
static const char *sim_wss_refused(const struct run_config *cfg)
{
	return cfg->sim.host_anon ? "the simulator's host memory is private anonymous memory (ksm = on, or "
				    "--host-memory anon), which invalidation would zero: use a memfd for "
				    "working-set estimation"
				  : NULL;
}

const struct platform platform_sim = {
	.name = "sim",
	.summary = "guest kernel and workload on the host, every access through memvirt's software MMU",
	.unavailable = sim_unavailable,
	.run = sim_run,
	.wss_refused = sim_wss_refused,
};
