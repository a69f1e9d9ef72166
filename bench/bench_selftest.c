/* bench_selftest.c — proves the Google Benchmark C shim end to end: registration with and
 * without arguments, the timing loop, pause/resume around setup, rate counters, labels and
 * JSON output. The two measurements are also useful baselines for this host: memory copy
 * bandwidth and the cost of a host demand-zero first touch per page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/gbench_c.h"

#define MiB (1024L * 1024L)
#define TOUCH_REGION (64 * MiB)

/* memcpy of gbench_range(st, 0) bytes between two buffers allocated outside the timed loop. */
static void bm_memcpy(gbench_state *st, void *arg)
{
	(void)arg;
	size_t n = (size_t)gbench_range(st, 0);
	char *src = malloc(n), *dst = malloc(n);
	if (!src || !dst) {
		gbench_skip_with_error(st, "out of memory");
		free(src);
		free(dst);
		return;
	}
	memset(src, 0x5a, n);
	memset(dst, 0, n); /* fault dst in now so the loop measures copying, not first touch */
	while (gbench_keep_running(st)) {
		memcpy(dst, src, n);
		gbench_escape(dst);
	}
	gbench_set_bytes_processed(st, gbench_iterations_done(st) * (int64_t)n);
	free(src);
	free(dst);
}

/* A fresh anonymous mapping per iteration, mapped with the timer paused, so the loop measures
 * only first touches: one demand-zero fault per page. */
static void bm_first_touch(gbench_state *st, void *arg)
{
	(void)arg;
	long page = sysconf(_SC_PAGESIZE);
	char *region = NULL;
	while (gbench_keep_running(st)) {
		gbench_pause(st);
		if (region)
			munmap(region, TOUCH_REGION);
		region = mmap(NULL, TOUCH_REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region == MAP_FAILED) {
			region = NULL;
			gbench_skip_with_error(st, "mmap of the touch region failed");
			gbench_resume(st);
			break;
		}
		madvise(region, TOUCH_REGION, MADV_NOHUGEPAGE); /* count 4 KiB faults even under THP=always */
		gbench_resume(st);
		for (long off = 0; off < TOUCH_REGION; off += page)
			region[off] = 1;
		gbench_clobber_memory();
	}
	if (region)
		munmap(region, TOUCH_REGION);
	int64_t pages = gbench_iterations_done(st) * (TOUCH_REGION / page);
	gbench_counter(st, "pages", (double)pages, GBENCH_RATE);
	gbench_counter(st, "time_per_page", (double)pages, GBENCH_RATE | GBENCH_INVERT);
	gbench_set_bytes_processed(st, pages * page);
	gbench_set_label(st, "64 MiB anonymous, 4 KiB first touches");
}

int main(int argc, char **argv)
{
	gbench_range_args(gbench_unit(gbench_register("memcpy", bm_memcpy, NULL), GBENCH_US), 4096, MiB);
	gbench_unit(gbench_register("first_touch_64MiB", bm_first_touch, NULL), GBENCH_MS);
	return gbench_main(argc, argv);
}
