/* bench_runs.c — configurations for benchmarks, the /dev/kvm check, the
 * native-against-another-platform timing loop and manual-time registration (see
 * bench_runs.h). */
#include <string.h>

#include "bench/bench_runs.h"
#include "vmm/cli/cli.h"
#include "vmm/kvm/kvm_vm.h"

struct run_config bench_config(const char *wl, const char *platform, uint64_t mem, uint64_t guest_page,
			       uint64_t ops)
{
	struct run_config c;
	cli_config_for(&c, wl, platform, strcmp(platform, "native") == 0 ? "none" : "ept", mem);
	c.params.ops = ops;
	c.sim.guest_page = guest_page;
	cli_finish_config(&c, NULL);
	return c;
}

bool bench_kvm_usable(gbench_state *st)
{
	const char *why = kvm_dev_unavailable();
	if (why)
		gbench_skip_with_error(st, why);
	return why == NULL;
}

void bench_vs_native(gbench_state *st, const struct run_config *cn, const struct run_config *co,
		     struct bench_vs_native *t)
{
	static struct run_result native, other;
	*t = (struct bench_vs_native){ 0 };
	while (gbench_keep_running(st)) {
		if (run_execute(cn, &native, NULL) != RUN_OK || run_execute(co, &other, NULL) != RUN_OK ||
		    native.checksum != other.checksum) {
			gbench_skip_with_error(st, "run failed or checksums differ");
			break;
		}
		t->native_s += native.run_s;
		t->other_s += other.run_s;
		t->other_accesses += (double)other.mmu_user.accesses;
		gbench_set_iteration_time(st, other.run_s);
	}
}

void bench_register_manual(const char *name, gbench_fn fn, void *arg, int64_t iterations)
{
	gbench_bench *b = gbench_register(name, fn, arg);
	gbench_manual_time(b);
	gbench_unit(b, GBENCH_MS);
	gbench_iterations(b, iterations);
}
