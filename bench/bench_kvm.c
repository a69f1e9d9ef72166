/* bench_kvm.c — the kvm platform measured in one run:
 *  - efficiency: each iteration runs a workload's measured phase natively and on kvm (guest
 *    ring 3, memory already resident: 2 MiB guest pages, so setup takes few guest faults)
 *    and reports the kvm/native time ratio (issue #4's target: at most 1.05);
 *  - demand paging: first touches of host pages behind guest RAM per second, without and
 *    with --uffd (the VMM's userfaultfd handler resolves each one), beside the host's own
 *    demand-zero rate as the ceiling, and the guest kernel's 4 KiB fault rate (its ring-0
 *    fault path; emulated on PVM hosts).
 * Benchmarks report an error (skip) when /dev/kvm cannot run a VM. */
#include <stdio.h>
#include <sys/mman.h>

#include "bench/bench_runs.h"
#include "bench/gbench_c.h"
#include "mmu/util.h"
#include "vmm/mem/guest_mem.h"
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

/* Guest first touches: seq's setup maps and fills its buffer. With 2 MiB guest pages the
 * guest kernel takes one fault per 2 MiB and the host one first touch per 4 KiB page. */
struct touch_case {
	uint64_t guest_page;
	bool uffd;
};

static void bench_guest_first_touch(gbench_state *st, void *arg)
{
	const struct touch_case *k = arg;
	static struct run_result r;
	struct guest_mem_opts mem = guest_mem_defaults;
	mem.uffd = k->uffd;
	mem.thp = GUEST_MEM_THP_OFF; /* one host first touch per 4 KiB page */
	struct run_config c = bench_config("seq", "kvm", 16 * MiB, k->guest_page, 1);
	c.memory = &mem;
	double pages = 0, secs = 0, guest_faults = 0, exits = 0;
	if (!bench_kvm_usable(st))
		return;
	while (gbench_keep_running(st)) {
		if (run_execute(&c, &r, NULL) != RUN_OK) {
			gbench_skip_with_error(st, r.message);
			break;
		}
		pages += (double)(16 * MiB / 4096);
		secs += r.setup_s;
		guest_faults += (double)r.guest_faults;
		exits += (double)r.exits.ept_violation;
		gbench_set_iteration_time(st, r.setup_s);
	}
	if (secs > 0) {
		gbench_counter(st, "host_pages_per_s", pages / secs, 0);
		gbench_counter(st, "guest_faults", guest_faults, GBENCH_AVG_ITERATIONS);
		gbench_counter(st, "guest_faults_per_s", guest_faults / secs, 0);
		gbench_counter(st, "uffd_faults", exits, GBENCH_AVG_ITERATIONS);
	}
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

static const struct ratio_case ratio_cases[] = { { "seq", 64 * MiB }, { "gups", 64 * MiB }, { "pchase", 64 * MiB } };
static const struct touch_case touch_cases[] = { { 2 * MiB, false }, { 2 * MiB, true }, { 4096, false } };

int main(int argc, char **argv)
{
	char name[96];
	for (size_t i = 0; i < ARRAY_SIZE(ratio_cases); i++) {
		snprintf(name, sizeof(name), "kvm_vs_native/%s/%lluMiB", ratio_cases[i].workload,
			 (unsigned long long)(ratio_cases[i].mem / MiB));
		bench_register_manual(name, bench_kvm_vs_native, (void *)&ratio_cases[i], 5);
	}
	for (size_t i = 0; i < ARRAY_SIZE(touch_cases); i++) {
		snprintf(name, sizeof(name), "first_touch/kvm%s/guest_page_%s", touch_cases[i].uffd ? "_uffd" : "",
			 touch_cases[i].guest_page == 4096 ? "4k" : "2m");
		bench_register_manual(name, bench_guest_first_touch, (void *)&touch_cases[i], 3);
	}
	bench_register_manual("first_touch/host_demand_zero", bench_host_first_touch, NULL, 5);
	return gbench_main(argc, argv);
}
