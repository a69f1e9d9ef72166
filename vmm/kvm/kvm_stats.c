/* kvm_stats.c — KVM binary statistics (see kvm_stats.h and the kernel's
 * Documentation/virt/kvm/api.rst, KVM_GET_STATS_FD): a header, then descriptors of
 * name_size-long names, then the data block that pread() returns fresh on every read. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/kvm/kvm_stats.h"

static void source_describe(struct kvm_stats_source *s)
{
	struct kvm_stats_header h;
	if (pread(s->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return;
	size_t stride = sizeof(struct kvm_stats_desc) + h.name_size;
	char *descs = malloc(stride * h.num_desc);
	if (!descs || pread(s->fd, descs, stride * h.num_desc, h.desc_offset) != (ssize_t)(stride * h.num_desc)) {
		free(descs);
		return;
	}
	s->data_offset = h.data_offset;
	for (uint32_t i = 0; i < h.num_desc && s->n < KVM_STATS_MAX; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * stride);
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE || d->size != 1)
			continue;
		snprintf(s->stat[s->n].name, sizeof(s->stat[s->n].name), "%.*s", (int)h.name_size, d->name);
		s->stat[s->n].offset = d->offset;
		s->n++;
	}
	free(descs);
}

static void source_open(struct kvm_stats_source *s, int ioctl_fd, const char *prefix)
{
	s->n = 0;
	s->prefix = prefix;
	s->fd = ioctl(ioctl_fd, KVM_GET_STATS_FD, NULL);
	if (s->fd >= 0)
		source_describe(s);
}

static bool source_read(const struct kvm_stats_source *s, uint64_t *v)
{
	for (unsigned i = 0; i < s->n; i++)
		if (pread(s->fd, &v[i], 8, (off_t)(s->data_offset + s->stat[i].offset)) != 8)
			return false;
	return true;
}

static void window_read(struct kvm_stats_window *w, unsigned at)
{
	w->have[at] = source_read(&w->src[0], w->v[at][0]) && source_read(&w->src[1], w->v[at][1]);
}

void kvm_stats_window_open(struct kvm_stats_window *w, struct kvm_vm *vm)
{
	*w = (struct kvm_stats_window){ 0 };
	w->src[0].fd = w->src[1].fd = -1;
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
		return;
	source_open(&w->src[0], vm->vm_fd, "vm");
	source_open(&w->src[1], vm->vcpu_fd, "vcpu");
	window_read(w, KVM_STATS_OPEN);
}

void kvm_stats_window_begin(struct kvm_stats_window *w, struct kvm_vm *vm)
{
	(void)vm;
	window_read(w, KVM_STATS_BEGIN);
}

void kvm_stats_window_end(struct kvm_stats_window *w, struct kvm_vm *vm)
{
	(void)vm;
	if (w->have[KVM_STATS_BEGIN])
		window_read(w, KVM_STATS_END);
}

void kvm_stats_window_final(struct kvm_stats_window *w, struct kvm_vm *vm)
{
	(void)vm;
	if (w->have[KVM_STATS_OPEN])
		window_read(w, KVM_STATS_FINAL);
}

/* The deltas from read `from` to read `to` (a read that did not happen: the final one). */
static void window_deltas(const struct kvm_stats_window *w, unsigned to, unsigned from, unsigned *n,
			  struct result_kvm_stat *out)
{
	*n = 0;
	to = w->have[to] ? to : KVM_STATS_FINAL;
	from = w->have[from] ? from : KVM_STATS_FINAL;
	if (!w->have[to] || !w->have[from])
		return;
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < w->src[k].n && *n < RESULT_KVM_STATS_MAX; i++) {
			struct result_kvm_stat *r = &out[(*n)++];
			snprintf(r->name, sizeof(r->name), "%s.%s", w->src[k].prefix, w->src[k].stat[i].name);
			r->delta = (int64_t)(w->v[to][k][i] - w->v[from][k][i]);
		}
}

void kvm_stats_window_result(const struct kvm_stats_window *w, struct run_result *res)
{
	struct result_counters *setup = &res->phases[RESULT_PHASE_SETUP], *check = &res->phases[RESULT_PHASE_CHECK];
	res->n_kvm_stats = 0;
	if (w->have[KVM_STATS_END])
		window_deltas(w, KVM_STATS_END, KVM_STATS_BEGIN, &res->n_kvm_stats, res->kvm_stats);
	window_deltas(w, KVM_STATS_BEGIN, KVM_STATS_OPEN, &setup->n_kvm_stats, setup->kvm_stats);
	window_deltas(w, KVM_STATS_FINAL, KVM_STATS_END, &check->n_kvm_stats, check->kvm_stats);
}

void kvm_stats_window_close(struct kvm_stats_window *w)
{
	for (unsigned k = 0; k < 2; k++)
		if (w->src[k].fd >= 0)
			close(w->src[k].fd);
	w->src[0].fd = w->src[1].fd = -1;
}
