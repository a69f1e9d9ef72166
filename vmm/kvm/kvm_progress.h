/* kvm_progress.h — the workload's progress counter and the guest kernel's memory in use,
 * mirrored from guest memory into the run's host-side wl_ctx while a VM runs (and a
 * time-based run's words the other way: the host's ctl into the guest, the guest's ramping
 * out; wl.h), so that the run
 * driver's progress line and the telemetry monitor see a kvm workload advance (progress) and
 * its working set grow and shrink (used_bytes) as they see native and sim ones. Neither costs
 * the guest an exit or an instruction: both are plain words the VMM reads in guest RAM. */
#ifndef MEMVIRT_VMM_KVM_PROGRESS_H
#define MEMVIRT_VMM_KVM_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "vmm/kvm/kvm_vm.h"
#include "workloads/wl.h"

struct kvm_progress {
	pthread_t thread;
	bool running;
	atomic_bool stop;
	const volatile uint64_t *guest;       /* the guest's wl_ctx.progress, in the host mapping */
	volatile struct wl_ctx *gctx;         /* the guest's wl_ctx: ctl written, ramping read */
	const volatile struct gk_stats *kstats; /* the guest kernel's counters, in the host mapping */
	struct wl_ctx *ctx;
	uint64_t ram_bytes;                   /* guest RAM: the most the guest can have in use */
};

/* What the host side takes of the guest's words (the guest is not trusted): progress only
 * when it advances (a counter that goes back would make negative rates), used bytes at most
 * guest RAM (a frame count times a page size could be anything). Publishes both into ctx. */
void kvm_progress_take(struct wl_ctx *ctx, uint64_t progress, uint64_t used_bytes, uint64_t ram_bytes);

/* Starts copying every 500 µs; 0 or -errno (then the progress only jumps at the end). */
int kvm_progress_start(struct kvm_progress *p, struct kvm_vm *vm, const struct gk_image_header *img,
		       struct wl_ctx *ctx);
/* Stops, after one last copy. */
void kvm_progress_stop(struct kvm_progress *p);

#endif
