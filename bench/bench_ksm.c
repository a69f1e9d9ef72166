/* bench_ksm.c — the own content scanner's speed (issue 11: "the own engine's hash rate in
 * GB/s per core, beside UKSM's published 627–2445 MB/s scan; goal >= 2 GB/s hashing"): XXH3-128
 * over 4 KiB pages alone, and the whole estimate (pagemap check, hash, sort, count) over a
 * region of dup-like content — half the pages copies of 16 contents, a tenth zero, the rest
 * unique. One thread: the figures are per core. Also the own merge engine's merging pass
 * (ksm/ksm_merge.h: hash, stable and unstable index, full compare, merge) over the same region,
 * merges done by pointing a frame table entry at the other frame (the engine's own rate; sim's
 * p2m remap adds its EPT walk per merge). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xxhash.h>

#include "bench/gbench_c.h"
#include "ksm/ksm_merge.h"
#include "ksm/ksm_scan.h"

#define PAGE 4096u
#define REGION (256u << 20)

static uint8_t *region_make(void)
{
	uint8_t *m = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	madvise(m, REGION, MADV_NOHUGEPAGE);
	for (uint64_t p = 0; p < REGION / PAGE; p++) {
		uint64_t *w = (uint64_t *)(m + p * PAGE), r = p % 10;
		uint64_t key = r == 0 ? 0 : r < 6 ? (p % 16) + 1 : p * 0x9e3779b97f4a7c15ULL;
		for (unsigned k = 0; key && k < PAGE / 8; k++)
			w[k] = key * 0xd1b54a32d192ed03ULL + k;
		if (!key)
			memset(w, 0, PAGE);
	}
	return m;
}

static void bm_xxh3_pages(gbench_state *st, void *arg)
{
	uint8_t *m = arg;
	uint64_t acc = 0;
	while (gbench_keep_running(st)) {
		for (uint64_t off = 0; off < REGION; off += PAGE)
			acc += XXH3_128bits(m + off, PAGE).low64;
		gbench_escape(&acc);
	}
	gbench_set_bytes_processed(st, gbench_iterations_done(st) * (int64_t)REGION);
}

static void bm_scan_estimate(gbench_state *st, void *arg)
{
	uint8_t *m = arg;
	struct ksm_estimate e;
	while (gbench_keep_running(st)) {
		struct ksm_scanner sc;
		ksm_scan_begin(&sc, 1);
		ksm_scan_vm(&sc, 0, m, REGION, NULL);
		ksm_scan_finish(&sc, &e);
		gbench_escape(&e);
	}
	gbench_set_bytes_processed(st, gbench_iterations_done(st) * (int64_t)REGION);
	gbench_counter(st, "saved_frac", (double)e.saved_within / (double)(REGION / PAGE), GBENCH_DEFAULT);
}

/* The merge engine's platform for the benchmark: a table of frame pointers. */
struct bench_frames {
	const uint8_t **at;
	bool *shared;
};

static const void *bf_page(void *ctx, unsigned vm, uint64_t f)
{
	(void)vm;
	return ((struct bench_frames *)ctx)->at[f];
}

static int bf_merge(void *ctx, unsigned vm, uint64_t f, unsigned ivm, uint64_t into)
{
	struct bench_frames *b = ctx;
	(void)vm;
	(void)ivm;
	b->at[f] = b->at[into];
	b->shared[f] = b->shared[into] = true;
	return 0;
}

static bool bf_shared(void *ctx, unsigned vm, uint64_t f)
{
	(void)vm;
	return ((struct bench_frames *)ctx)->shared[f];
}

/* The merging pass alone (the first pass, which only records hashes, is not timed). */
static void bm_merge_pass(gbench_state *st, void *arg)
{
	uint8_t *m = arg;
	uint64_t frames = REGION / PAGE, merged = 0;
	struct bench_frames b = { calloc(frames, sizeof(*b.at)), calloc(frames, sizeof(*b.shared)) };
	if (!b.at || !b.shared) {
		gbench_skip_with_error(st, "out of memory");
		free(b.at);
		free(b.shared);
		return;
	}
	const struct ksm_merge_ops ops = { .page = bf_page, .merge = bf_merge, .shared = bf_shared, .ctx = &b };
	while (gbench_keep_running(st)) {
		gbench_pause(st);
		struct ksm_merge e;
		for (uint64_t f = 0; f < frames; f++) {
			b.at[f] = m + f * PAGE;
			b.shared[f] = false;
		}
		ksm_merge_init(&e, &ops);
		ksm_merge_add_vm(&e, frames, 0);
		ksm_merge_pass(&e);
		gbench_resume(st);
		int64_t n = ksm_merge_pass(&e);
		gbench_pause(st);
		merged = n > 0 ? (uint64_t)n : 0;
		ksm_merge_fini(&e);
		gbench_resume(st);
	}
	gbench_set_bytes_processed(st, gbench_iterations_done(st) * (int64_t)REGION);
	gbench_counter(st, "merged_frac", (double)merged / (double)frames, GBENCH_DEFAULT);
	free(b.at);
	free(b.shared);
}

int main(int argc, char **argv)
{
	uint8_t *m = region_make();
	if (!m)
		return 1;
	gbench_unit(gbench_register("xxh3_128_per_page/256MiB", bm_xxh3_pages, m), GBENCH_MS);
	gbench_unit(gbench_register("scan_estimate/256MiB", bm_scan_estimate, m), GBENCH_MS);
	gbench_unit(gbench_register("merge_pass/256MiB", bm_merge_pass, m), GBENCH_MS);
	int rc = gbench_main(argc, argv);
	munmap(m, REGION);
	return rc;
}
