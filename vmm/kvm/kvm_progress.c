/* kvm_progress.c — mirrors the guest workload's progress counter into the host wl_ctx (see
 * kvm_progress.h). The guest writes the counter from ring 3 with plain stores; a stale or
 * even nonsensical value only makes a progress display wrong, so it is copied as it is. */
#include <errno.h>
#include <time.h>

#include "vmm/kvm/kvm_progress.h"

#define MIRROR_PERIOD_NS (500 * 1000)

static void *mirror_main(void *arg)
{
	struct kvm_progress *p = arg;
	struct timespec period = { 0, MIRROR_PERIOD_NS };
	while (!atomic_load(&p->stop)) {
		p->ctx->progress = *p->guest;
		nanosleep(&period, NULL);
	}
	return NULL;
}

int kvm_progress_start(struct kvm_progress *p, struct kvm_vm *vm, const struct gk_image_header *img,
		       struct wl_ctx *ctx)
{
	*p = (struct kvm_progress){ .ctx = ctx };
	p->guest = kvm_gpa_host(vm, img->progress_gpa, sizeof(uint64_t));
	if (!p->guest)
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
	p->ctx->progress = *p->guest;
	p->running = false;
}
