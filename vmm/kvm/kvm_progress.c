/* kvm_progress.c — mirrors the guest workload's progress counter and the guest kernel's
 * frames in use into the host wl_ctx (see kvm_progress.h). The guest writes both with plain
 * stores (progress from ring 3, the frame counts from ring 0 as it allocates and frees); a
 * stale or even nonsensical value only makes a display or a sample wrong, so they are copied
 * as they are. Order: the guest frees a shrinking step's frames before it counts the step's
 * operations, so progress is read before the frame counts and published after used_bytes;
 * the monitor reads them the other way round and never pairs new progress with old memory. */
#include <errno.h>
#include <stddef.h>
#include <time.h>

#include "vmm/kvm/kvm_progress.h"

#define MIRROR_PERIOD_NS (500 * 1000)

static void mirror_once(struct kvm_progress *p)
{
	uint64_t progress = *p->guest;
	p->ctx->used_bytes = gk_used_bytes(p->kstats);
	p->ctx->progress = progress;
	if (p->gctx) {
		p->ctx->ramping = p->gctx->ramping;
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
	*p = (struct kvm_progress){ .ctx = ctx };
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
