/* ksm_scan.c — the content scanner's estimate (see ksm_scan.h). One entry per mapped page
 * (hash, VM); sorting them by (hash, VM) puts every group of equal pages together, VM by VM
 * inside it, so one pass counts both the within-VM and the across-VM sharing. 24 bytes a
 * page: 12 MiB for 2 GiB of guest RAM. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "ksm/ksm_scan.h"
#include "vmm/mem/residency.h"
#include "vmm/util/clock.h"

#define PAGE 4096u

struct ksm_scan_entry {
	uint64_t lo, hi;
	uint32_t vm;
	uint32_t zero;
};

int ksm_scan_begin(struct ksm_scanner *sc, size_t nvms)
{
	*sc = (struct ksm_scanner){ .nvms = nvms > KSM_SCAN_MAX_VMS ? KSM_SCAN_MAX_VMS : nvms };
	sc->est.n = sc->nvms;
	for (size_t i = 0; i < sc->nvms; i++)
		sc->est.vm[i].missed = true;
	sc->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC); /* -1: read every page */
	return 0;
}

/* The calling thread's CPU time: the hash rate per core, whatever else runs on the host. */
static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int push(struct ksm_scanner *sc, const struct ksm_scan_entry *e)
{
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 65536;
		struct ksm_scan_entry *p = realloc(sc->e, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		sc->e = p;
		sc->cap = cap;
	}
	sc->e[sc->n++] = *e;
	return 0;
}

/* The zero page's hash, once per scan: a page is zero when its 128-bit hash is, which saves a
 * second pass over every page. */
static XXH128_hash_t zero_hash(void)
{
	static const uint8_t zero[PAGE];
	return XXH3_128bits(zero, PAGE);
}

int ksm_scan_vm(struct ksm_scanner *sc, unsigned vm, const void *base, uint64_t bytes, uint64_t *prev)
{
	if (vm >= sc->nvms)
		return -EINVAL;
	struct ksm_scan_vm_figures *f = &sc->est.vm[vm];
	uint8_t mapped[RESIDENCY_BATCH];
	uint64_t pages = bytes / PAGE;
	XXH128_hash_t z = zero_hash();
	uint64_t hashed = 0;
	double t0 = monotonic_seconds(), c0 = thread_cpu_s();
	f->missed = false;
	for (uint64_t at = 0; at < pages; at += RESIDENCY_BATCH) {
		uint64_t batch = pages - at < RESIDENCY_BATCH ? pages - at : RESIDENCY_BATCH;
		const uint8_t *p = (const uint8_t *)base + at * PAGE;
		if (sc->pagemap_fd < 0 || residency_mapped(sc->pagemap_fd, p, batch, mapped) < 0)
			memset(mapped, 1, sizeof(mapped));
		for (uint64_t i = 0; i < batch; i++) {
			uint64_t *was = prev ? &prev[at + i] : NULL;
			if (!mapped[i]) {
				if (was)
					*was = 0;
				continue;
			}
			const uint8_t *pg = p + i * PAGE;
			XXH128_hash_t h = XXH3_128bits(pg, PAGE);
			hashed++;
			bool changed = was && *was && *was != h.low64;
			if (was)
				*was = h.low64;
			if (changed) {
				f->volatile_pages++;
				continue;
			}
			struct ksm_scan_entry e = { .lo = h.low64, .hi = h.high64, .vm = vm, .zero = XXH128_isEqual(h, z) };
			if (push(sc, &e) < 0)
				return -ENOMEM;
			f->scanned++;
			f->zero += e.zero;
		}
	}
	f->scan_s += monotonic_seconds() - t0;
	sc->est.hash_cpu_s += thread_cpu_s() - c0;
	sc->est.hashed_bytes += hashed * PAGE;
	return 0;
}

static int by_hash_vm(const void *a, const void *b)
{
	const struct ksm_scan_entry *x = a, *y = b;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->vm > y->vm) - (x->vm < y->vm);
}

/* One group of equal pages, [g, end): its per-VM runs and the whole. */
static void count_group(struct ksm_estimate *est, const struct ksm_scan_entry *g, const struct ksm_scan_entry *end)
{
	est->distinct++;
	est->saved_across += (uint64_t)(end - g) - 1;
	for (const struct ksm_scan_entry *r = g; r < end;) {
		const struct ksm_scan_entry *q = r;
		while (q < end && q->vm == r->vm)
			q++;
		uint64_t c = (uint64_t)(q - r);
		struct ksm_scan_vm_figures *f = &est->vm[r->vm];
		f->saved_pages += c - 1;
		if (!r->zero) {
			f->distinct++;
			f->dup += c > 1 ? c : 0;
		}
		r = q;
	}
}

void ksm_scan_finish(struct ksm_scanner *sc, struct ksm_estimate *out)
{
	struct ksm_estimate *est = &sc->est;
	if (sc->n) /* qsort's array may not be NULL, even for no elements */
		qsort(sc->e, sc->n, sizeof(*sc->e), by_hash_vm);
	for (size_t i = 0; i < sc->n;) {
		size_t j = i + 1;
		while (j < sc->n && sc->e[j].hi == sc->e[i].hi && sc->e[j].lo == sc->e[i].lo)
			j++;
		count_group(est, sc->e + i, sc->e + j);
		i = j;
	}
	for (size_t v = 0; v < est->n; v++) {
		est->scanned += est->vm[v].scanned;
		est->zero += est->vm[v].zero;
		est->saved_within += est->vm[v].saved_pages;
	}
	*out = *est;
	free(sc->e);
	if (sc->pagemap_fd >= 0)
		close(sc->pagemap_fd);
	*sc = (struct ksm_scanner){ .pagemap_fd = -1 };
}

static json_t *u64j(uint64_t v) { return json_integer((json_int_t)v); }

json_t *ksm_estimate_json(const struct ksm_estimate *e, const char *const *names)
{
	json_t *vms = json_object();
	for (size_t v = 0; v < e->n; v++) {
		const struct ksm_scan_vm_figures *f = &e->vm[v];
		json_object_set_new(vms, names[v],
				    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:f, s:b}", "scanned", u64j(f->scanned), "volatile",
					      u64j(f->volatile_pages), "zero",
					      u64j(f->zero), "dup", u64j(f->dup), "distinct", u64j(f->distinct),
					      "saved_pages", u64j(f->saved_pages), "saved_bytes", u64j(f->saved_pages * PAGE),
					      "scan_s", f->scan_s, "at_ms", f->at_ms, "missed", f->missed));
	}
	double gbps = e->hash_cpu_s > 0 ? (double)e->hashed_bytes / e->hash_cpu_s / 1e9 : 0;
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:f, s:o}", "engine", "memvirt-scan",
			 "hash", "xxh3-128", "scanned", u64j(e->scanned), "zero", u64j(e->zero),
			 "distinct", u64j(e->distinct), "saved_within_vm_pages", u64j(e->saved_within),
			 "saved_across_vms_pages", u64j(e->saved_across), "saved_across_vms_bytes",
			 u64j(e->saved_across * PAGE), "hashed_bytes", u64j(e->hashed_bytes), "hash_cpu_s", e->hash_cpu_s,
			 "hash_gb_per_s", gbps, "vms", vms);
}
