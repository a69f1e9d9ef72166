/* bench_kvm.c — the kvm platform measured in one run:
 *  - efficiency: each iteration runs a workload's measured phase natively and on kvm (guest
 *    ring 3, memory already resident: 2 MiB guest pages, so setup takes few guest faults)
 *    and reports the kvm/native time ratio (issue #4's target: at most 1.05);
 *  - demand paging: first touches of host pages behind guest RAM per second, without and
 *    with --uffd (the VMM's userfaultfd handler resolves them) in its variants, 4 KiB and
 *    2 MiB guest pages, sequential and random order, all in each iteration, with the
 *    per-violation split (guest TSC per violation, the handler's ioctl time and idle gap, and
 *    in random order, whose touches fall in the measured phase, the vCPU thread's run-queue
 *    wait per violation from the run's telemetry);
 *    beside the host's own demand-zero rate as the ceiling;
 *  - uffd latency: one host thread first-touching pages through the same handler
 *    (vmm/mem/uffd_track.c, one page per fault), both sides timestamped, so each fault splits
 *    into delivery + handler wake-up, the handler's read-to-ioctl, the resolving ioctl, and
 *    the faulting thread's wake-up; sleeping and busy-polling handler.
 * Benchmarks report an error (skip) when /dev/kvm cannot run a VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/bench_runs.h"
#include "bench/gbench_c.h"
#include "mmu/util.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/mem/uffd_track.h"
#include "vmm/util/clock.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"

#define MiB (1ULL << 20)

struct ratio_case {
	const char *workload;
	uint64_t mem;
};

static void bench_kvm_vs_native(gbench_state *st, void *arg)
{
	const struct ratio_case *k = arg;
	struct run_config cn = bench_config(k->workload, "native", k->mem, 4096, 0);
	struct run_config ck = bench_config(k->workload, "kvm", k->mem, 2 * MiB, 0);
	struct bench_vs_native t;
	if (!bench_kvm_usable(st))
		return;
	bench_vs_native(st, &cn, &ck, &t);
	if (t.native_s > 0) {
		gbench_counter(st, "kvm_over_native", t.other_s / t.native_s, 0);
		gbench_counter(st, "native_s", t.native_s, GBENCH_AVG_ITERATIONS);
	}
}

/* Guest first touches of host pages, every variant in each iteration (rotating which goes
 * first, so load drifts hit all alike): the host kernel's demand-zero path (no uffd), --uffd
 * with its defaults (UFFDIO_COPY of zeroes, 64 KiB fault-around, sleeping handler), the same
 * busy-polling, and one page per violation with COPY and with ZEROPAGE (what --uffd did
 * before fault-around). THP off: one host first touch per 4 KiB page.
 *  - seq: the seq workload's setup fills its buffer in address order; pages = buffer pages,
 *    time = setup (guest TSC).
 *  - rand: phases with a 4 KiB first working set, then one step over all of --mem with 8
 *    random read-modify-write touches per page (one word of a random page): first touches in
 *    random order, inside the measured phase; pages = frames the book calls resident at the
 *    end, time = measured phase (the touches of resident pages cost ~0.1 µs each, noise here).
 * With 2 MiB guest pages the guest kernel takes one fault per 2 MiB (rand: 32 MiB, so that
 * phases maps 2 MiB chunks); with 4 KiB guest pages (4 MiB) each first touch is also a guest
 * ring-0 fault, emulated on PVM hosts, which dominates. */
enum touch_variant { TV_KERNEL, TV_UFFD, TV_UFFD_BUSY, TV_UFFD_PAGE, TV_UFFD_ZEROPAGE_PAGE, TV_COUNT };

static const char *const touch_variant_name[TV_COUNT] = { "kernel", "uffd", "uffd_busy", "uffd_page",
							  "uffd_zeropage_page" };

struct touch_case {
	uint64_t guest_page, mem;
	bool rand;
};

static struct guest_mem_opts touch_mem(enum touch_variant v)
{
	struct guest_mem_opts m = guest_mem_defaults;
	m.thp = GUEST_MEM_THP_OFF;
	m.uffd = v != TV_KERNEL;
	m.uffd_opts.poll = v == TV_UFFD_BUSY ? UFFD_POLL_BUSY : UFFD_POLL_SLEEP;
	m.uffd_opts.around = v == TV_UFFD_PAGE || v == TV_UFFD_ZEROPAGE_PAGE ? 4096 : 0;
	m.uffd_opts.resolve = v == TV_UFFD_ZEROPAGE_PAGE ? UFFD_RESOLVE_ZEROPAGE : UFFD_RESOLVE_COPY;
	return m;
}

static struct run_config touch_config(const struct touch_case *k, const struct guest_mem_opts *m)
{
	struct run_config c = bench_config(k->rand ? "phases" : "seq", "kvm", k->mem, k->guest_page, k->rand ? 0 : 1);
	if (k->rand) {
		c.params.ws[0] = (struct wl_ws_step){ .bytes = 4096, .ops = 1 };
		c.params.ws[1] = (struct wl_ws_step){ .bytes = k->mem, .ops = 8 * (k->mem / 4096) };
		c.params.ws[2] = (struct wl_ws_step){ 0 };
	}
	c.memory = m;
	return c;
}

/* Per variant, over the iterations. */
struct touch_totals {
	double pages, secs, violations, resolve_us, gap_us, cpu_s;
	double runq_us; /* the vCPU thread's run-queue wait over the measured phase (rand) */
	double rate[64]; /* pages/s of each iteration */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0.0;
}

static bool touch_one(gbench_state *st, const struct touch_case *k, enum touch_variant v, size_t it,
		      uint64_t *checksum, struct touch_totals *t)
{
	static struct run_result r;
	struct guest_mem_opts m = touch_mem(v);
	struct run_config c = touch_config(k, &m);
	json_t *doc = NULL;
	enum run_state rs = run_execute(&c, &r, &doc);
	/* the workload thread is the vCPU thread: its wait for a CPU after each wake-up */
	json_t *w = json_object_get(json_object_get(json_object_get(doc, "telemetry"), "host"), "worker_wait_us");
	t->runq_us += json_is_number(w) ? json_number_value(w) : 0;
	json_decref(doc);
	if (rs != RUN_OK || (*checksum && r.checksum != *checksum)) {
		gbench_skip_with_error(st, rs == RUN_OK ? "checksums differ" : r.message);
		return false;
	}
	*checksum = r.checksum;
	double pages = k->rand ? (double)r.frames[P2M_RESIDENT] : (double)(k->mem / 4096);
	double secs = k->rand ? r.run_s : r.setup_s;
	t->pages += pages;
	t->secs += secs;
	if (it < 64)
		t->rate[it] = pages / secs;
	t->violations += (double)r.exits.ept_violation;
	t->resolve_us += r.uffd.resolve_us;
	t->gap_us += r.uffd.gap_us;
	t->cpu_s += r.uffd.handler_cpu_s;
	if (v == TV_UFFD)
		gbench_set_iteration_time(st, secs);
	return true;
}

static void bench_guest_first_touch(gbench_state *st, void *arg)
{
	const struct touch_case *k = arg;
	static struct touch_totals t[TV_COUNT];
	size_t it = 0;
	uint64_t checksum = 0;
	memset(t, 0, sizeof(t));
	if (!bench_kvm_usable(st))
		return;
	while (gbench_keep_running(st)) {
		for (unsigned j = 0; j < TV_COUNT; j++)
			if (!touch_one(st, k, (enum touch_variant)((j + it) % TV_COUNT), it, &checksum,
				       &t[(j + it) % TV_COUNT]))
				return;
		it++;
	}
	size_t n = it < 64 ? it : 64;
	char name[64];
	for (unsigned v = 0; v < TV_COUNT; v++) {
		const struct touch_totals *x = &t[v];
		double ratio[64];
		for (size_t i = 0; i < n; i++)
			ratio[i] = x->rate[i] / t[TV_KERNEL].rate[i];
		snprintf(name, sizeof(name), "%s_pages_per_s", touch_variant_name[v]);
		gbench_counter(st, name, x->pages / x->secs, 0);
		if (v == TV_KERNEL)
			continue;
		snprintf(name, sizeof(name), "%s_over_kernel_median", touch_variant_name[v]);
		gbench_counter(st, name, median(ratio, n), 0);
		snprintf(name, sizeof(name), "%s_over_kernel_min", touch_variant_name[v]);
		gbench_counter(st, name, ratio[0], 0);
		/* the split, per violation: the guest's TSC (fault) and the handler's clock */
		snprintf(name, sizeof(name), "%s_violations", touch_variant_name[v]);
		gbench_counter(st, name, x->violations / (double)it, 0);
		snprintf(name, sizeof(name), "%s_fault_us", touch_variant_name[v]);
		gbench_counter(st, name, x->violations > 0 ? x->secs * 1e6 / x->violations : 0, 0);
		snprintf(name, sizeof(name), "%s_resolve_us", touch_variant_name[v]);
		gbench_counter(st, name, x->resolve_us / (double)it, 0);
		snprintf(name, sizeof(name), "%s_gap_us", touch_variant_name[v]);
		gbench_counter(st, name, x->gap_us / (double)it, 0);
		snprintf(name, sizeof(name), "%s_handler_cpu_per_s", touch_variant_name[v]);
		gbench_counter(st, name, x->cpu_s / x->secs, 0);
		if (k->rand && x->violations > 0) { /* first touches inside the measured phase */
			snprintf(name, sizeof(name), "%s_vcpu_runq_us", touch_variant_name[v]);
			gbench_counter(st, name, x->runq_us / x->violations, 0);
		}
	}
	gbench_counter(st, "kernel_page_us", t[TV_KERNEL].secs * 1e6 / t[TV_KERNEL].pages, 0);
	if (k->rand)
		gbench_counter(st, "kernel_vcpu_runq_us", t[TV_KERNEL].runq_us / t[TV_KERNEL].pages, 0);
}

/* The ceiling: the host's own demand-zero rate, one write per fresh 4 KiB page. */
static void bench_host_first_touch(gbench_state *st, void *arg)
{
	(void)arg;
	const size_t bytes = 16 * MiB;
	double pages = 0, secs = 0;
	while (gbench_keep_running(st)) {
		unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			gbench_skip_with_error(st, "mmap failed");
			break;
		}
		madvise(p, bytes, MADV_NOHUGEPAGE);
		double t0 = monotonic_seconds();
		for (size_t off = 0; off < bytes; off += 4096)
			p[off] = 1;
		gbench_clobber_memory();
		double t = monotonic_seconds() - t0;
		munmap(p, bytes);
		pages += (double)(bytes / 4096);
		secs += t;
		gbench_set_iteration_time(st, t);
	}
	if (secs > 0)
		gbench_counter(st, "host_pages_per_s", pages / secs, 0);
}

/* One host thread first-touches `bytes` of fresh anonymous memory registered with the uffd
 * handler, one page per fault; per fault, means and medians over the pages of
 * (CLOCK_MONOTONIC):
 *   deliver = store issued -> handler has read the message (fault, queueing, handler wake-up);
 *   handle  = message read -> resolving ioctl starts;
 *   resolve = the ioctl (page mapped, faulting thread woken);
 *   wake    = ioctl returned -> the faulting thread runs past its store (can be negative:
 *             the ioctl wakes it before returning, and it may run on the other CPU at once).
 * With a busy handler `deliver` has no handler wake-up in it; the difference between the two
 * modes is the wake-up. */
static void bench_uffd_latency(gbench_state *st, void *arg)
{
	const enum uffd_poll poll_mode = (enum uffd_poll)(uintptr_t)arg;
	const size_t bytes = 8 * MiB, pages = bytes / 4096;
	struct uffd_fault_trace *tr = calloc(pages, sizeof(*tr));
	uint64_t *t0 = calloc(pages, sizeof(*t0)), *t4 = calloc(pages, sizeof(*t4));
	double *v[5];
	for (int i = 0; i < 5; i++)
		v[i] = calloc(pages * 64, sizeof(double));
	size_t n = 0;
	double cpu_s = 0, secs = 0;
	char why[160];
	while (tr && t0 && t4 && v[4] && gbench_keep_running(st)) {
		unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct uffd_track t;
		struct uffd_track_opts o = { .around = 4096, .poll = poll_mode };
		if (p == MAP_FAILED) {
			gbench_skip_with_error(st, "mmap failed");
			break;
		}
		madvise(p, bytes, MADV_NOHUGEPAGE);
		if (uffd_track_start(&t, p, bytes, 4096, false, &o, NULL, NULL, tr, pages, why, sizeof(why)) < 0) {
			munmap(p, bytes);
			gbench_skip_with_error(st, why);
			break;
		}
		uint64_t start = monotonic_ns();
		for (size_t i = 0; i < pages; i++) {
			t0[i] = monotonic_ns();
			((volatile unsigned char *)p)[i * 4096] = 1;
			t4[i] = monotonic_ns();
		}
		double s = (double)(monotonic_ns() - start) / 1e9;
		struct uffd_track_stats ts;
		uffd_track_stats(&t, &ts);
		uffd_track_stop(&t);
		munmap(p, bytes);
		size_t got = atomic_load(&t.trace_n);
		for (size_t i = 0; i < got && i < pages && n < pages * 64; i++, n++) {
			/* signed: the woken thread may run past its store before the ioctl returns */
			v[0][n] = (double)(int64_t)(tr[i].msg_ns - t0[i]) / 1e3;
			v[1][n] = (double)(int64_t)(tr[i].resolve_ns - tr[i].msg_ns) / 1e3;
			v[2][n] = (double)(int64_t)(tr[i].done_ns - tr[i].resolve_ns) / 1e3;
			v[3][n] = (double)(int64_t)(t4[i] - tr[i].done_ns) / 1e3;
			v[4][n] = (double)(int64_t)(t4[i] - t0[i]) / 1e3;
		}
		cpu_s += (double)ts.cpu_ns / 1e9;
		secs += s;
		gbench_set_iteration_time(st, s);
	}
	static const char *const names[5] = { "deliver", "handle", "resolve", "wake", "fault" };
	char name[48];
	for (int i = 0; i < 5 && n; i++) {
		double sum = 0;
		for (size_t j = 0; j < n; j++)
			sum += v[i][j];
		snprintf(name, sizeof(name), "%s_us_mean", names[i]);
		gbench_counter(st, name, sum / (double)n, 0);
		snprintf(name, sizeof(name), "%s_us_median", names[i]);
		gbench_counter(st, name, median(v[i], n), 0);
	}
	if (secs > 0) {
		gbench_counter(st, "pages_per_s", (double)n / secs, 0);
		gbench_counter(st, "handler_cpu_per_s", cpu_s / secs, 0);
	}
	for (int i = 0; i < 5; i++)
		free(v[i]);
	free(tr);
	free(t0);
	free(t4);
}

static const struct ratio_case ratio_cases[] = { { "seq", 64 * MiB }, { "gups", 64 * MiB }, { "pchase", 64 * MiB } };
static const struct touch_case touch_cases[] = {
	{ 2 * MiB, 16 * MiB, false }, { 2 * MiB, 32 * MiB, true }, { 4096, 4 * MiB, false }, { 4096, 4 * MiB, true },
};

int main(int argc, char **argv)
{
	char name[96];
	for (size_t i = 0; i < ARRAY_SIZE(ratio_cases); i++) {
		snprintf(name, sizeof(name), "kvm_vs_native/%s/%lluMiB", ratio_cases[i].workload,
			 (unsigned long long)(ratio_cases[i].mem / MiB));
		bench_register_manual(name, bench_kvm_vs_native, (void *)&ratio_cases[i], 5);
	}
	for (size_t i = 0; i < ARRAY_SIZE(touch_cases); i++) {
		snprintf(name, sizeof(name), "first_touch/guest_page_%s/%s/%lluMiB",
			 touch_cases[i].guest_page == 4096 ? "4k" : "2m", touch_cases[i].rand ? "rand" : "seq",
			 (unsigned long long)(touch_cases[i].mem / MiB));
		bench_register_manual(name, bench_guest_first_touch, (void *)&touch_cases[i], 5);
	}
	bench_register_manual("first_touch/host_demand_zero", bench_host_first_touch, NULL, 5);
	bench_register_manual("uffd_latency/thread/sleep", bench_uffd_latency, (void *)(uintptr_t)UFFD_POLL_SLEEP, 5);
	bench_register_manual("uffd_latency/thread/busy", bench_uffd_latency, (void *)(uintptr_t)UFFD_POLL_BUSY, 5);
	return gbench_main(argc, argv);
}
