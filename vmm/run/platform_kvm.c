/* platform_kvm.c — the `kvm` platform: the guest kernel runs in guest ring 0 and the workload
 * in guest ring 3 of a real VM on /dev/kvm (kvm_vm.h). This file turns a run configuration
 * into a VM, runs it, and fills the result: checksum and phase times from the guest (its TSC,
 * at KVM_GET_TSC_KHZ), exits counted by the VMM, the guest kernel's fault count, resident host
 * memory, the frame book's counts (ept/p2m_book.h, vmm/mem/book_sync.h), and KVM's own statistics over the measured
 * phase (kvm_stats.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon/balloon_kvm.h"
#include "paging/registry.h"
#include "vmm/kvm/kvm_image.h"
#include "vmm/run/kvm_platform.h"
#include "vmm/kvm/kvm_progress.h"
#include "vmm/kvm/kvm_mmu.h"
#include "vmm/kvm/kvm_stats.h"
#include "vmm/mem/book_sync.h"
#include "vmm/util/text.h"

/* The VMM's cumulative counters at a phase mark, and the guest's it received with the mark:
 * the phases' counters are differences of these (results/result_phases.c). */
struct kvm_snap {
	bool have;
	struct exit_counters exits;
	uint64_t handled[MMU_EXIT_REASON_COUNT], handler_ns[MMU_EXIT_REASON_COUNT];
	struct gk_exit_timing timing;
	uint64_t guest_faults, host_flushes, host_flush_ns;
};

struct kvm_platform_run {
	struct phase_clock clock;
	struct kvm_snap at_measure, at_done;
	struct kvm_stats_window stats;
	struct kvm_progress progress;
	struct wl_ctx *ctx;
	bool timed;                       /* --runtime: the mirror carries the stop into the guest */
	struct guest_ram_handle *ram;
	struct guest_ram_handle own_ram;  /* the balloon's way to guest RAM when the caller gave none */
	struct balloon *balloon;
	/* The VM's devices: the balloon's, then the hooks'. */
	const struct kvm_device *devices[KVM_DEVICES_MAX + 1];
};

/* Without --uffd the book learns the setup phase's touches here, before the measured phase is
 * announced (ctx->phase), so that reclaim, which waits for it, finds those frames resident.
 * With --uffd the book already holds them. */
static void book_learn_setup(struct kvm_vm *vm, unsigned phase)
{
	if (phase == WL_PHASE_MEASURE && !vm->uffd.running)
		(void)book_sync_pagemap(&vm->book, vm->ram.host);
}

/* The guest's counters are those it sent with the mark (`phase`), or with DONE (phase 3). */
static void kvm_snap_take(const struct kvm_vm *vm, unsigned phase, struct kvm_snap *s)
{
	const struct kvm_guest_outcome *o = &vm->out;
	struct kvm_mmu_stats ms;
	kvm_mmu_get_stats(vm, &ms);
	*s = (struct kvm_snap){ .have = true, .exits = o->exits, .host_flushes = ms.host_flushes,
				.host_flush_ns = ms.host_flush_ns };
	s->exits.ept_violation = atomic_load(&vm->uffd.faults);
	for (unsigned r = 0; r < MMU_EXIT_REASON_COUNT; r++) {
		s->handled[r] = o->handled[r];
		s->handler_ns[r] = o->handler_ns[r];
	}
	s->timing = phase <= WL_PHASE_DONE ? o->phase_timing[phase] : o->guest_timing;
	s->guest_faults = phase <= WL_PHASE_DONE ? o->phase_stats[phase].faults : o->stats.faults;
}

static void on_phase(struct kvm_vm *vm, unsigned phase, void *arg)
{
	struct kvm_platform_run *pr = arg;
	if (phase == WL_PHASE_MEASURE || phase == WL_PHASE_DONE)
		kvm_snap_take(vm, phase, phase == WL_PHASE_MEASURE ? &pr->at_measure : &pr->at_done);
	book_learn_setup(vm, phase);
	pr->ctx->phase = phase; /* what the workload just set in the guest, for telemetry */
	(void)phase_clock_mark(&pr->clock, (enum wl_phase)phase, pr->ctx); /* the device let only an advance through */
	if (phase == WL_PHASE_MEASURE)
		kvm_stats_window_begin(&pr->stats, vm);
	if (phase == WL_PHASE_MEASURE && pr->balloon)
		balloon_measure_started(pr->balloon);
	else if (phase == WL_PHASE_DONE)
		kvm_stats_window_end(&pr->stats, vm);
}

static int workload_index(const struct wl_workload *w)
{
	for (int i = 0; wl_registry_direct[i]; i++)
		if (wl_registry_direct[i] == w || strcmp(wl_registry_direct[i]->name, w->name) == 0)
			return i;
	return -1;
}

/* The run's --mmu name through the one strategy registry, then the kvm VMM's ops for it. */
static const struct kvm_mmu_ops *kvm_mmu_of(const char *mmu)
{
	return kvm_mmu_for(mmu_strategy_find(mmu));
}

static const char *kvm_mmu_unsupported(const char *mmu)
{
	return kvm_mmu_of(mmu) ? NULL : "kvm runs --mmu ept or shadow";
}

static int config_check(const struct run_config *cfg, struct run_result *res)
{
	const char *why = kvm_mmu_unsupported(cfg->mmu);
	if (why) {
		snprintf(res->message, sizeof(res->message), "--mmu %s: %s", cfg->mmu, why);
		return -ENOTSUP;
	}
	if (cfg->sim.shadow_write_flood) { /* every pool write exits on kvm by design (read-only slot) */
		snprintf(res->message, sizeof(res->message),
			 "--shadow-flood models KVM's write flooding on sim only; the kvm VMM traps every pool write");
		return -ENOTSUP;
	}
	if (cfg->sim.levels != 4) {
		snprintf(res->message, sizeof(res->message), "--levels %u is not available on kvm (4-level paging only)",
			 cfg->sim.levels);
		return -ENOTSUP;
	}
	if (workload_index(cfg->workload) < 0) {
		snprintf(res->message, sizeof(res->message), "workload %s is not in the guest image", cfg->workload->name);
		return -ENOENT;
	}
	return 0;
}

static struct gk_run_block run_block(const struct run_config *cfg, const struct kvm_platform_hooks *h)
{
	struct gk_run_block rb = { .workload = (uint32_t)workload_index(cfg->workload), .params = cfg->params,
				   .selftest = h->selftest, .selftest_arg = h->selftest_arg };
	snprintf(rb.workload_name, sizeof(rb.workload_name), "%s", cfg->workload->name);
	return rb;
}

static double tsc_seconds(const struct kvm_vm *vm, uint64_t from, uint64_t to)
{
	return from && to >= from ? (double)(to - from) / ((double)vm->tsc_khz * 1e3) : 0.0;
}

/* The guest's exit kinds as the VMM's exit reasons. */
static const enum mmu_exit_reason guest_kind_reason[GK_EXIT_KINDS] = {
	[GK_EXIT_PT_WRITE] = MMU_EXIT_pt_write, [GK_EXIT_CR3_LOAD] = MMU_EXIT_cr3_load,
	[GK_EXIT_HIDDEN_FAULT] = MMU_EXIT_hidden_fault, [GK_EXIT_INVLPG] = MMU_EXIT_invlpg,
	[GK_EXIT_HYPERCALL] = MMU_EXIT_hypercall,
};

/* One phase's exits and their costs, from snapshot `from` to `to`: mean handler time per reason
 * (VMM clock) and mean round trip (guest TSC). */
static void phase_exits(const struct kvm_vm *vm, const struct kvm_snap *to, const struct kvm_snap *from,
			struct result_counters *c)
{
	c->have = c->have_exit_costs = true;
	exit_counters_diff(&c->exits, &to->exits, &from->exits);
	c->guest_faults = to->guest_faults - from->guest_faults;
	for (unsigned r = 0; r < MMU_EXIT_REASON_COUNT; r++) {
		uint64_t n = to->handled[r] - from->handled[r];
		c->exit_costs[r].handled = n;
		c->exit_costs[r].handler_ns = n ? (double)(to->handler_ns[r] - from->handler_ns[r]) / (double)n : 0.0;
	}
	for (unsigned k = 0; k < GK_EXIT_KINDS; k++) {
		struct result_exit_cost *e = &c->exit_costs[guest_kind_reason[k]];
		uint64_t n = to->timing.count[k] - from->timing.count[k];
		e->roundtrips = n;
		e->roundtrip_ns = n && vm->tsc_khz ? (double)(to->timing.cycles[k] - from->timing.cycles[k]) * 1e6 /
							   (double)vm->tsc_khz / (double)n
						 : 0.0;
	}
	c->host_mmu_flushes = to->host_flushes - from->host_flushes;
	c->host_mmu_flush_ns = c->host_mmu_flushes ? (double)(to->host_flush_ns - from->host_flush_ns) /
							     (double)c->host_mmu_flushes
						   : 0.0;
}

/* setup = start..MEASURE, measured = MEASURE..DONE mark, check = DONE mark..the guest's stop; a
 * mark the run never reached is the end. */
static void collect_phases(const struct kvm_vm *vm, const struct kvm_platform_run *pr, struct run_result *res)
{
	struct kvm_snap end, zero = { 0 };
	struct result_counters *m = malloc(sizeof(*m));
	if (!m)
		return;
	kvm_snap_take(vm, WL_PHASE_DONE + 1, &end);
	const struct kvm_snap *at_m = pr->at_measure.have ? &pr->at_measure : &end;
	const struct kvm_snap *at_d = pr->at_done.have ? &pr->at_done : &end;
	phase_exits(vm, at_m, &zero, &res->phases[RESULT_PHASE_SETUP]);
	phase_exits(vm, &end, at_d, &res->phases[RESULT_PHASE_CHECK]);
	phase_exits(vm, at_d, at_m, m);
	res->exits = m->exits;
	res->guest_faults = m->guest_faults;
	res->have_exit_costs = true;
	memcpy(res->exit_costs, m->exit_costs, sizeof(res->exit_costs));
	res->host_mmu_flushes = m->host_mmu_flushes;
	res->host_mmu_flush_ns = m->host_mmu_flush_ns;
	free(m);
}

/* What the userfaultfd handler did (--uffd), read while it still runs. */
static void collect_uffd(const struct kvm_vm *vm, struct run_result *res)
{
	struct uffd_track_stats u;
	if (!vm->uffd.running)
		return;
	uffd_track_stats(&vm->uffd, &u);
	res->have_uffd = true;
	res->uffd = (struct result_uffd){
		.violations = u.violations, .pages_touched = u.pages_touched, .pages_around = u.pages_around,
		.page_bytes = u.page_bytes, .around_bytes = u.around_bytes, .gaps = u.gaps,
		.poll = uffd_poll_name(u.poll), .resolve = uffd_resolve_name(u.resolve),
		.resolve_us = u.violations ? (double)u.resolve_ns / 1e3 / (double)u.violations : 0.0,
		.gap_us = u.gaps ? (double)u.gap_ns / 1e3 / (double)u.gaps : 0.0, .handler_cpu_s = (double)u.cpu_ns / 1e9,
	};
}

static void collect(const struct run_config *cfg, struct kvm_vm *vm, struct kvm_platform_run *pr,
		    struct run_result *res)
{
	const struct kvm_guest_outcome *o = &vm->out;
	phase_clock_finish(&pr->clock, res);
	/* The guest's own TSC marks, not the host's clock around the exits. */
	res->setup_s = tsc_seconds(vm, o->phase_tsc[WL_PHASE_SETUP], o->phase_tsc[WL_PHASE_MEASURE]);
	res->run_s = tsc_seconds(vm, o->phase_tsc[WL_PHASE_MEASURE], o->phase_tsc[WL_PHASE_DONE]);
	collect_phases(vm, pr, res);
	collect_uffd(vm, res);
	res->guest_bytes = vm->layout.ram_bytes;
	res->host_resident_bytes = kvm_vm_resident_bytes(vm);
	res->backend = guest_mem_backend_name(vm->ram.mem.backend);
	book_result_frames(&vm->book, res);
	run_measured_ops(cfg, &(struct wl_ctx){ .passes = o->passes, .ops_measured = o->ops_measured }, res);
	kvm_stats_window_result(&pr->stats, res);
	if (atomic_load(&vm->uffd.error) && !o->failed)
		snprintf(res->message, sizeof(res->message), "--uffd: resolving a first touch failed: %s",
			 strerror(atomic_load(&vm->uffd.error)));
	if (o->done && o->rc == 0) {
		res->checksum = o->checksum;
		res->have_checksum = true;
		pr->ctx->progress = res->ops;
	} else if (o->done) {
		char code[40];
		snprintf(res->message, sizeof(res->message), "workload %s failed in the guest: %s", cfg->workload->name,
			 errno_text(o->rc, code, sizeof(code)));
	} else {
		snprintf(res->message, sizeof(res->message), "%s", o->message);
	}
}

/* The balloon's device first (when the VM has a balloon), then the hooks' devices. */
static const struct kvm_device *const *vm_devices(struct kvm_platform_run *pr, const struct kvm_platform_hooks *h)
{
	size_t n = 0;
	if (pr->balloon)
		pr->devices[n++] = &balloon_kvm_device;
	for (size_t i = 0; h->devices && h->devices[i] && n < KVM_DEVICES_MAX; i++)
		pr->devices[n++] = h->devices[i];
	pr->devices[n] = NULL;
	return pr->devices;
}

static struct kvm_vm_config vm_config(const struct run_config *cfg, const struct kvm_platform_hooks *h,
				      struct kvm_platform_run *pr)
{
	return (struct kvm_vm_config){ .ram_bytes = cfg->sim.ram_bytes, .pool_bytes = cfg->sim.pt_pool_bytes,
				       .guest_page = cfg->sim.guest_page, .levels = cfg->sim.levels,
				       .mem = cfg->memory, .mmu = kvm_mmu_of(cfg->mmu), .devices = vm_devices(pr, h),
				       .image = h->image, .boot_flags = pr->balloon ? GK_BOOT_BALLOON : 0 };
}

static void ram_reclaimed(void *owner, uint64_t off, uint64_t len)
{
	(void)p2m_book_move_range(owner, off, len, P2M_RESIDENT, P2M_RECLAIMED);
}

static int run_vm(struct kvm_vm *vm, const struct kvm_platform_hooks *h, struct kvm_platform_run *pr)
{
	const struct gk_image_header *img;
	char why[128];
	guest_ram_publish(pr->ram, &(struct guest_ram){ .base = vm->ram.host, .bytes = vm->ram.bytes,
								     .fd = vm->ram.mem.fd, .reclaimed = ram_reclaimed,
								     .owner = &vm->book,
								     .uffd_faults = vm->uffd.running ? &vm->uffd.faults : NULL });
	if (kvm_image_header(vm->image, &img, why, sizeof(why)) == 0)
		kvm_progress_start(&pr->progress, vm, img, pr->ctx); /* without it, progress jumps at the end */
	if (h->started)
		h->started(vm, h->arg);
	int rc = -EIO;
	if (pr->timed && !pr->progress.running) /* nothing would ever tell the guest the time is up */
		kvm_vm_fail(vm, "--runtime: cannot mirror the run's control word into guest memory");
	else
		rc = kvm_vcpu_run(vm);
	if (h->stopping)
		h->stopping(vm, h->arg);
	kvm_progress_stop(&pr->progress);
	guest_ram_publish(pr->ram, NULL);
	/* The last pass, once reclaim can no longer act: touches uffd did not see (all of them
	 * without --uffd; refaults of reclaimed frames with it) become resident. */
	(void)book_sync_pagemap(&vm->book, vm->ram.host);
	return rc;
}

int kvm_platform_run(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		     struct run_result *res, const struct kvm_platform_hooks *h)
{
	struct kvm_platform_run pr = { .ctx = ctx, .ram = ram, .balloon = h->balloon, .timed = cfg->params.runtime_us != 0 };
	struct kvm_vm *vm;
	int rc = config_check(cfg, res);
	if (rc < 0)
		return rc;
	struct gk_run_block rb = run_block(cfg, h);
	res->backend = guest_mem_backend_name((cfg->memory ? cfg->memory : &guest_mem_defaults)->backend);
	struct kvm_vm_config vc = vm_config(cfg, h, &pr);
	phase_clock_start(&pr.clock);
	double t_create = monotonic_seconds();
	if ((rc = kvm_vm_create(&vc, &rb, &vm, res->message, sizeof(res->message))) < 0)
		return rc;
	res->have_create = true;
	res->create_s = monotonic_seconds() - t_create;
	vm->on_phase = on_phase;
	vm->on_phase_arg = &pr;
	vm->verbose_console = h->verbose_console;
	if (pr.balloon) {
		if (!pr.ram) { /* nobody watches this VM: the balloon still reaches RAM through a handle */
			guest_ram_handle_init(&pr.own_ram);
			pr.ram = &pr.own_ram;
		}
		if ((rc = balloon_kvm_attach(pr.balloon, vm, pr.ram)) < 0) {
			snprintf(res->message, sizeof(res->message), "cannot attach the balloon: %s", strerror(-rc));
			kvm_vm_destroy(vm);
			if (pr.ram == &pr.own_ram)
				guest_ram_handle_fini(&pr.own_ram);
			return rc;
		}
	}
	kvm_stats_window_open(&pr.stats, vm);
	rc = run_vm(vm, h, &pr);
	if (pr.balloon) {
		balloon_kvm_detach(pr.balloon, vm);
		balloon_result(pr.balloon, &res->balloon);
	}
	kvm_stats_window_final(&pr.stats, vm);
	collect(cfg, vm, &pr, res);
	kvm_stats_window_close(&pr.stats);
	kvm_vm_destroy(vm);
	if (pr.ram == &pr.own_ram)
		guest_ram_handle_fini(&pr.own_ram);
	return rc;
}

static int kvm_run(const struct run_config *cfg, struct wl_ctx *ctx, struct guest_ram_handle *ram,
		   struct balloon *balloon, struct run_result *res)
{
	const struct kvm_platform_hooks hooks = { .balloon = balloon };
	return kvm_platform_run(cfg, ctx, ram, res, &hooks);
}

static const char *kvm_discard_refused(const struct run_config *cfg)
{
	const struct guest_mem_opts *m = cfg->memory ? cfg->memory : &guest_mem_defaults;
	return m->backend == GUEST_MEM_ANON ? "kvm guest RAM is private anonymous memory by default (--backend anon), where "
					      "a discard would zero the guest's data: add --backend memfd, or use --reclaim "
					      "pageout"
					    : NULL;
}

static const char *kvm_wss_refused(const struct run_config *cfg)
{
	const struct guest_mem_opts *m = cfg->memory ? cfg->memory : &guest_mem_defaults;
	if (m->backend == GUEST_MEM_ANON)
		return "kvm guest RAM is private anonymous memory by default (--backend anon), which invalidation would "
		       "zero: add --backend memfd";
	if (m->backend == GUEST_MEM_HUGETLB)
		return "hugetlb guest RAM cannot be unmapped 4 KiB at a time: use --backend memfd";
	return NULL;
}

const struct platform platform_kvm = {
	.name = "kvm",
	.summary = "a real VM on /dev/kvm: guest kernel in ring 0, workload in ring 3",
	.unavailable = kvm_dev_unavailable,
	.run = kvm_run,
	.mmu_unsupported = kvm_mmu_unsupported,
	.discard_refused = kvm_discard_refused,
	.wss_refused = kvm_wss_refused,
};
