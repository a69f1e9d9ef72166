/* wss.c — working-set estimation by invalidation (see wss.h). A step is one call under the
 * guest-RAM handle's lock: read the present bits of what the last step invalidated (the
 * pagemap reader of vmm/mem/residency.h), then MADV_DONTNEED the next set. Exact mode reads
 * and drops the whole region in RESIDENCY_BATCH-page pieces; sampled mode reads and drops one
 * page per sampled page (100 by default: ~100 preads and madvises, tens of microseconds). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "vmm/mem/residency.h"
#include "vmm/mem/wss.h"
#include "workloads/wl_util.h"

#define PAGE 4096ULL

const char *wss_mode_name(const struct wss_opts *o) { return o->exact ? "exact" : "sampled"; }

static double thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* Whether ram can be invalidated without losing contents, 4 KiB at a time. */
static int ram_sampleable(const struct guest_ram *ram, char *why, size_t n)
{
	if (ram->fd < 0) {
		snprintf(why, n, "guest RAM is private anonymous memory, which MADV_DONTNEED would zero: working-set "
				 "estimation needs a shared memfd (kvm: add --backend memfd)");
		return -EOPNOTSUPP;
	}
	struct statfs fs;
	if (fstatfs(ram->fd, &fs) == 0 && fs.f_type == HUGETLBFS_MAGIC) {
		snprintf(why, n, "guest RAM is hugetlb-backed, whose 2 MiB pages cannot be unmapped 4 KiB at a time: "
				 "working-set estimation needs --backend memfd");
		return -EOPNOTSUPP;
	}
	return 0;
}

int wss_init(struct wss *w, struct guest_ram_handle *ram, const struct wss_opts *o, char *why, size_t n)
{
	*w = (struct wss){ .ram = ram, .o = *o, .pagemap_fd = -1 };
	if (!w->o.sample_pages)
		w->o.sample_pages = WSS_DEFAULT_SAMPLE_PAGES;
	if (!w->o.period_us)
		w->o.period_us = WSS_DEFAULT_PERIOD_US;
	w->rng = w->o.seed;
	if (!ram || w->o.sample_pages > WSS_MAX_SAMPLE_PAGES) {
		snprintf(why, n, "working-set estimation: %s", !ram ? "no guest RAM handle" : "too many sample pages");
		return -EINVAL;
	}
	if (!w->o.exact && !(w->pending = calloc(w->o.sample_pages, sizeof(*w->pending)))) {
		snprintf(why, n, "working-set estimation: out of memory");
		return -ENOMEM;
	}
	w->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int rc = w->pagemap_fd < 0 ? -errno : 0;
	if (rc < 0)
		snprintf(why, n, "working-set estimation: /proc/self/pagemap: %s", strerror(-rc));
	struct guest_ram now = guest_ram_get(ram);
	if (rc == 0 && now.base)
		rc = ram_sampleable(&now, why, n);
	if (rc < 0)
		wss_fini(w);
	return rc;
}

void wss_fini(struct wss *w)
{
	if (w->pagemap_fd >= 0)
		close(w->pagemap_fd);
	free(w->pending);
	w->pending = NULL;
	w->pagemap_fd = -1;
}

/* Exact: every page of the region is looked at, then all are dropped. */
static int exact_check(struct wss *w, const uint8_t *base, uint64_t pages, uint64_t *touched)
{
	uint8_t mapped[RESIDENCY_BATCH];
	for (uint64_t i = 0; i < pages; i += RESIDENCY_BATCH) {
		uint64_t k = pages - i < RESIDENCY_BATCH ? pages - i : RESIDENCY_BATCH;
		int rc = residency_mapped(w->pagemap_fd, base + i * PAGE, k, mapped);
		if (rc < 0)
			return rc;
		for (uint64_t j = 0; j < k; j++)
			*touched += mapped[j];
	}
	return 0;
}

static int sampled_check(struct wss *w, const uint8_t *base, uint64_t *touched)
{
	for (unsigned i = 0; i < w->npending; i++) {
		uint8_t mapped;
		int rc = residency_mapped(w->pagemap_fd, base + w->pending[i] * PAGE, 1, &mapped);
		if (rc < 0)
			return rc;
		*touched += mapped;
	}
	return 0;
}

static int invalidate(uint8_t *p, uint64_t bytes) { return madvise(p, bytes, MADV_DONTNEED) < 0 ? -errno : 0; }

/* The next set: sampled pages are drawn with replacement, uniformly over the whole region
 * (a page drawn twice counts twice, which keeps the fraction unbiased). */
static int invalidate_next(struct wss *w, uint8_t *base, uint64_t pages)
{
	if (w->o.exact)
		return invalidate(base, pages * PAGE);
	w->npending = 0;
	for (unsigned i = 0; i < w->o.sample_pages; i++) {
		uint64_t pg = wl_rand_below(&w->rng, pages);
		int rc = invalidate(base + pg * PAGE, PAGE);
		if (rc < 0)
			return rc;
		w->pending[w->npending++] = pg;
	}
	return 0;
}

struct step_arg {
	struct wss *w;
	struct wss_estimate *out;
};

static int step_locked(const struct guest_ram *ram, void *arg)
{
	struct step_arg *a = arg;
	struct wss *w = a->w;
	uint64_t pages = ram->bytes / PAGE;
	if (!ram->base || !pages) {
		w->base = NULL; /* withdrawn: what was pending is gone with it */
		return -EAGAIN;
	}
	bool same = w->base == ram->base && w->bytes == ram->bytes;
	if (!w->base || !same) {
		int rc = ram_sampleable(ram, w->why, sizeof(w->why));
		if (rc < 0)
			return rc;
	}
	uint64_t touched = 0, checked = w->o.exact ? pages : w->npending;
	int rc = 0;
	if (same)
		rc = w->o.exact ? exact_check(w, ram->base, pages, &touched) : sampled_check(w, ram->base, &touched);
	w->base = NULL;
	if (rc == 0)
		rc = invalidate_next(w, ram->base, pages);
	if (rc < 0) {
		snprintf(w->why, sizeof(w->why), "working-set estimation: %s", strerror(-rc));
		return rc;
	}
	w->base = ram->base;
	w->bytes = ram->bytes;
	if (!same || !checked)
		return -EAGAIN;
	double frac = (double)touched / (double)checked;
	*a->out = (struct wss_estimate){
		.touched_frac = frac,
		.checked_pages = checked,
		.touched_pages = touched,
		.wss_bytes = w->o.exact ? touched * PAGE : (uint64_t)(frac * (double)ram->bytes + 0.5),
	};
	return 0;
}

int wss_step(struct wss *w, struct wss_estimate *out)
{
	double c0 = thread_cpu_us();
	struct wss_estimate e = { 0 };
	int rc = guest_ram_with(w->ram, step_locked, &(struct step_arg){ .w = w, .out = &e });
	if (rc < 0)
		return rc;
	e.cpu_us = thread_cpu_us() - c0;
	w->steps++;
	w->checked_total += e.checked_pages;
	w->cpu_sum_us += e.cpu_us;
	w->cpu_max_us = e.cpu_us > w->cpu_max_us ? e.cpu_us : w->cpu_max_us;
	*out = e;
	return 0;
}
