/* kvm_progress.c — mirrors the guest workload's progress counter and the guest kernel's
 * frames in use into the host wl_ctx (see kvm_progress.h). The guest writes both with plain
 * stores (progress from ring 3, the frame counts from ring 0 as it allocates and frees); a
 * stale value only makes a display or a sample late, but a hostile one is bounded before use
 * (kvm_progress_take): the progress never goes back, memory in use never exceeds guest RAM.
 * Order: the guest frees a shrinking step's frames before it counts the step's
 * operations, so progress is read before the frame counts and published after used_bytes;
 * the monitor reads them the other way round and never pairs new progress with old memory. */
#include <errno.h>
#include <stddef.h>
#include <time.h>

#include "vmm/kvm/kvm_progress.h"

#define MIRROR_PERIOD_NS (500 * 1000)

void kvm_progress_take(struct wl_ctx *ctx, uint64_t progress, uint64_t used_bytes, uint64_t ram_bytes)
{
	ctx->used_bytes = used_bytes < ram_bytes ? used_bytes : ram_bytes;
	if (progress > ctx->progress)
		ctx->progress = progress;
}

static void mirror_once(struct kvm_progress *p)
{
	uint64_t progress = *p->guest;
	uint64_t f4k = p->kstats->frames_4k, f2m = p->kstats->frames_2m; /* each read once */
	uint64_t used = f4k > p->ram_bytes / PT_PAGE_4K || f2m > p->ram_bytes / PT_PAGE_2M
		? p->ram_bytes : f4k * PT_PAGE_4K + f2m * PT_PAGE_2M;
	kvm_progress_take(p->ctx, progress, used, p->ram_bytes);
	if (p->gctx) {
		p->ctx->ramping = p->gctx->ramping != 0; /* the guest's word: a flag, nothing more */
		p->gctx->ctl = p->ctx->ctl;
	}
}

static void *mirror_main(void *arg)
{
	struct kvm_progress *p = arg;
	struct timespec period = { 0, MIRROR_PERIOD_NS };
	while (!atomic_load(&p->stop)) {
		mirror_once(p);
		nanosleep(&period, NULL);
	}
	return NULL;
}

int kvm_progress_start(struct kvm_progress *p, struct kvm_vm *vm, const struct gk_image_header *img,
		       struct wl_ctx *ctx)
{
	*p = (struct kvm_progress){ .ctx = ctx, .ram_bytes = vm->layout.ram_bytes };
	p->guest = kvm_gpa_host(vm, img->progress_gpa, sizeof(uint64_t));
	p->kstats = kvm_gpa_host(vm, img->kstats_gpa, sizeof(struct gk_stats));
	/* The guest's wl_ctx around its progress word: the same struct (wl.h), same ABI. */
	p->gctx = kvm_gpa_host(vm, img->progress_gpa - offsetof(struct wl_ctx, progress), sizeof(struct wl_ctx));
	if (!p->guest || !p->kstats || !p->gctx)
		return -EFAULT;
	int err = pthread_create(&p->thread, NULL, mirror_main, p);
	p->running = err == 0;
	return -err;
}

void kvm_progress_stop(struct kvm_progress *p)
{
	if (!p->running)
		return;
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	mirror_once(p);
	p->running = false;
}
