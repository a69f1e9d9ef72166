/* test_checksums.c — every workload's checksum for small fixed cases, against a reference
 * implementation written here independently over plain arrays (no workload API), plus
 * determinism: same seed, same checksum; another seed, another checksum; idle's sleeps (counted
 * here, not taken), phases' freed chunks coming back zero, and dup's content fractions. The workloads run
 * through a minimal direct platform (malloc-backed map, bookkeeping address spaces). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "workloads/wl.h"

/* ---- a minimal platform ------------------------------------------------------------------- */

static int nr_as;
/* While set, each region unmapped is first handed to it (dup's content census). */
static void (*on_unmap)(const uint64_t *words, uint64_t bytes);
/* What is mapped now: like a platform, the harness frees what a workload leaves mapped (ctxsw
 * keeps its buffers to the end) when the run ends. */
#define T_MAX_MAPS 128
static void *live[T_MAX_MAPS];
static size_t nlive;
static wl_addr_t t_map(struct wl_ctx *c, uint64_t b)
{
	(void)c;
	void *p = nlive < T_MAX_MAPS ? calloc(1, b) : NULL;
	if (p)
		live[nlive++] = p;
	return (wl_addr_t)(uintptr_t)p;
}
static int t_unmap(struct wl_ctx *c, wl_addr_t a, uint64_t b)
{
	(void)c;
	size_t i = 0;
	while (i < nlive && live[i] != (void *)(uintptr_t)a)
		i++;
	if (i == nlive)
		return -EINVAL;
	live[i] = live[--nlive];
	if (on_unmap)
		on_unmap((const uint64_t *)(uintptr_t)a, b);
	free((void *)(uintptr_t)a);
	return 0;
}
static int t_as_create(struct wl_ctx *c) { (void)c; return nr_as++; }
static int t_as_switch(struct wl_ctx *c, int as) { (void)c; return as < nr_as ? 0 : -EINVAL; }
static void t_phase(struct wl_ctx *c, enum wl_phase p) { (void)c; (void)p; }
static uint64_t slept_us; /* sleeps are counted, not taken: the checksum must not need them */
static int t_sleep_us(struct wl_ctx *c, uint64_t us) { (void)c; slept_us += us; return 0; }
static const struct wl_sys test_sys = { .map = t_map, .unmap = t_unmap, .as_create = t_as_create,
					.as_switch = t_as_switch, .phase = t_phase, .sleep_us = t_sleep_us };

static uint64_t run_wl(const char *name, struct wl_params p)
{
	const struct wl_workload *w = wl_find(wl_registry_direct, name);
	assert_non_null(w);
	for (const struct wl_param_desc *d = w->params; d && d->name; d++) {
		uint64_t *f = (uint64_t *)((char *)&p + d->offset);
		if (*f == 0)
			*f = d->def;
	}
	struct wl_ctx c = { .sys = &test_sys };
	uint64_t sum = 0;
	nr_as = 1;
	assert_int_equal(w->main(&c, &p, &sum), 0);
	while (nlive)
		free(live[--nlive]);
	return sum;
}

/* ---- independent references --------------------------------------------------------------- */

static uint64_t ref_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static uint64_t ref_below(uint64_t *s, uint64_t n) { return (uint64_t)(((unsigned __int128)ref_rand(s) * n) >> 64); }
static uint64_t fnv(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL; }
#define FNV0 0xcbf29ce484222325ULL
static uint64_t fnv_array(const uint64_t *a, uint64_t n)
{
	uint64_t h = FNV0;
	for (uint64_t i = 0; i < n; i++)
		h = fnv(h, a[i]);
	return h;
}

static uint64_t ref_seq(uint64_t mem, uint64_t ops, uint64_t seed)
{
	uint64_t n = mem / 8, s = seed, *a = malloc(mem);
	for (uint64_t i = 0; i < n; i++)
		a[i] = ref_rand(&s);
	for (uint64_t op = 0; op < ops; op++)
		a[op % n] = a[op % n] * 3 + op;
	uint64_t h = fnv_array(a, n);
	free(a);
	return h;
}

static uint64_t ref_gups(uint64_t mem, uint64_t ops, uint64_t seed)
{
	uint64_t n = mem / 8, s = seed, *a = malloc(mem);
	for (uint64_t i = 0; i < n; i++)
		a[i] = i;
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t r = ref_rand(&s);
		a[(uint64_t)(((unsigned __int128)r * n) >> 64)] ^= r;
	}
	uint64_t h = fnv_array(a, n);
	free(a);
	return h;
}

/* A random cyclic permutation of [0, n) (Sattolo's shuffle from the seed); the caller frees it. */
static uint64_t *ref_cycle(uint64_t n, uint64_t seed)
{
	uint64_t s = seed, *next = malloc(n * 8);
	for (uint64_t i = 0; i < n; i++)
		next[i] = i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = ref_below(&s, i), t = next[i];
		next[i] = next[j];
		next[j] = t;
	}
	return next;
}

static uint64_t ref_pchase(uint64_t mem, uint64_t ops, uint64_t seed)
{
	uint64_t n = mem / 64, *next = ref_cycle(n, seed), cur = 0, h = FNV0;
	for (uint64_t op = 0; op < ops; op++)
		h = fnv(h, cur = next[cur]);
	free(next);
	return h;
}

static uint64_t ref_churn(uint64_t region, uint64_t ops, uint64_t seed)
{
	uint64_t s = seed, h = FNV0, pages = region / 4096;
	for (uint64_t done = 0; done < ops;) {
		uint64_t n = ops - done < pages ? ops - done : pages;
		for (uint64_t pg = 0; pg < n; pg++) {
			(void)ref_below(&s, 512);
			uint64_t v = ref_rand(&s);
			h = fnv(h, 0);      /* a fresh page reads zero */
			h = fnv(h, v ^ pg); /* and then what was written */
		}
		done += n;
	}
	return h;
}

static uint64_t ref_ctxsw(uint64_t mem, uint64_t procs, uint64_t every, uint64_t ops, uint64_t seed)
{
	uint64_t n = mem / procs / 8, s = seed, *a = malloc(n * 8 * procs), cur = 0, left = every, h = FNV0;
	uint64_t pos[64] = { 0 };
	for (uint64_t k = 0; k < procs; k++)
		for (uint64_t i = 0; i < n; i++)
			a[k * n + i] = ref_rand(&s);
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t *w = &a[cur * n + pos[cur]];
		*w = *w * 5 + op;
		pos[cur] = (pos[cur] + 1) % n;
		if (--left == 0) {
			left = every;
			cur = (cur + 1) % procs;
		}
	}
	for (uint64_t k = 0; k < procs; k++)
		h = fnv(h, fnv_array(a + k * n, n));
	free(a);
	return h;
}

static uint64_t ref_idle(uint64_t mem, uint64_t wakes, uint64_t touch_bytes, uint64_t seed)
{
	uint64_t pages = mem / 4096, n = pages * 512, s = seed, h = FNV0, *a = malloc(n * 8);
	uint64_t touch = (touch_bytes + 4095) / 4096;
	touch = touch < 1 ? 1 : touch > pages ? pages : touch;
	for (uint64_t i = 0; i < n; i++)
		a[i] = ref_rand(&s);
	for (uint64_t wake = 0; wake < wakes; wake++) {
		uint64_t pg = ref_below(&s, pages);
		for (uint64_t i = 0; i < touch; i++, pg = (pg + 1) % pages) {
			uint64_t *w = &a[pg * 512 + ref_below(&s, 512)];
			h = fnv(h, *w);
			*w = *w * 3 + wake;
		}
	}
	h = fnv(h, fnv_array(a, n));
	free(a);
	return h;
}

/* phases over a flat array standing for its 16 chunks: a chunk given back reads zero when it
 * comes back; the chunk is the largest step / 16, rounded up to 4 KiB (below 32 MiB). */
static uint64_t ref_phases(const struct wl_ws_step *st, unsigned nsteps, uint64_t seed)
{
	uint64_t max = 0, s = seed, h = FNV0, done = 0;
	for (unsigned i = 0; i < nsteps; i++)
		max = st[i].bytes > max ? st[i].bytes : max;
	uint64_t chunk = ((max + 15) / 16 + 4095) / 4096 * 4096, mapped = 0;
	uint64_t *a = calloc(16, chunk);
	for (unsigned i = 0; i < nsteps; i++) {
		uint64_t need = (st[i].bytes + chunk - 1) / chunk, pages = (st[i].bytes + 4095) / 4096;
		if (need < mapped)
			memset((char *)a + need * chunk, 0, (mapped - need) * chunk);
		mapped = need;
		if (i == 0)
			for (uint64_t pg = 0; pg < st[0].bytes / 4096; pg++)
				a[pg * 512] = ref_rand(&s);
		for (uint64_t op = 0; op < st[i].ops; op++, done++) {
			uint64_t pg = ref_below(&s, pages), *w = &a[pg * 512 + ref_below(&s, 512)];
			h = fnv(h, *w);
			*w = *w * 5 + done + 1;
		}
	}
	free(a);
	return h;
}

struct dup_ref {
	uint64_t zero_ppm, dup_ppm, pool, rewrite_every, seed;
};

static void ref_dup_page(const struct dup_ref *d, uint64_t *page, uint64_t *s)
{
	uint64_t r = ref_below(s, 1000000), key;
	if (r < d->zero_ppm) {
		memset(page, 0, 4096);
		return;
	}
	if (r < d->zero_ppm + d->dup_ppm) {
		uint64_t j = ref_below(s, d->pool), ps = (d->seed ^ 0x5ca1ab1edeadbeefULL) + j * 0xd1b54a32d192ed03ULL;
		key = ref_rand(&ps);
	} else {
		key = ref_rand(s);
	}
	for (int i = 0; i < 512; i++)
		page[i] = ref_rand(&key);
}

static uint64_t ref_dup(const struct dup_ref *d, uint64_t mem, uint64_t ops)
{
	uint64_t pages = mem / 4096, s = d->seed, h = FNV0, *a = malloc(mem);
	for (uint64_t pg = 0; pg < pages; pg++)
		ref_dup_page(d, a + pg * 512, &s);
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t *page = a + 512 * ref_below(&s, pages);
		if (op % d->rewrite_every == d->rewrite_every - 1)
			ref_dup_page(d, page, &s);
		else
			h = fnv(h, page[ref_below(&s, 512)]);
	}
	h = fnv(h, fnv_array(a, pages * 512));
	free(a);
	return h;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_seq_matches_reference(void **st)
{
	(void)st;
	assert_true(run_wl("seq", (struct wl_params){ .mem_bytes = 64 << 10, .ops = 50000, .seed = 7 }) ==
		    ref_seq(64 << 10, 50000, 7));
	/* default ops: 4 passes */
	assert_true(run_wl("seq", (struct wl_params){ .mem_bytes = 16 << 10, .seed = 3 }) ==
		    ref_seq(16 << 10, 4 * (16 << 10) / 8, 3));
}

static void test_gups_matches_reference(void **st)
{
	(void)st;
	assert_true(run_wl("gups", (struct wl_params){ .mem_bytes = 1 << 20, .ops = 100000, .seed = 7 }) ==
		    ref_gups(1 << 20, 100000, 7));
}

static void test_pchase_matches_reference(void **st)
{
	(void)st;
	assert_true(run_wl("pchase", (struct wl_params){ .mem_bytes = 256 << 10, .ops = 20000, .seed = 9 }) ==
		    ref_pchase(256 << 10, 20000, 9));
}

static void test_pchase_is_one_cycle(void **st)
{
	(void)st;
	/* Chasing exactly n steps from node 0 must first return to 0 at step n (Sattolo). */
	uint64_t n = 1024, *next = ref_cycle(n, 5), cur = 0, steps = 0;
	do {
		cur = next[cur];
		steps++;
	} while (cur != 0);
	assert_int_equal(steps, n);
	free(next);
}

static void test_churn_matches_reference(void **st)
{
	(void)st;
	assert_true(run_wl("churn", (struct wl_params){ .mem_bytes = 1 << 20, .region_bytes = 64 << 10,
						       .ops = 1000, .seed = 4 }) == ref_churn(64 << 10, 1000, 4));
}

static void test_ctxsw_matches_reference(void **st)
{
	(void)st;
	assert_true(run_wl("ctxsw", (struct wl_params){ .mem_bytes = 256 << 10, .procs = 3, .switch_every = 17,
						       .ops = 10000, .seed = 2 }) ==
		    ref_ctxsw(256 << 10, 3, 17, 10000, 2));
}

static void test_idle_matches_reference_and_sleeps(void **st)
{
	(void)st;
	slept_us = 0;
	assert_true(run_wl("idle", (struct wl_params){ .mem_bytes = 256 << 10, .ops = 7, .wake_every_us = 1234,
						      .touch_bytes = 20000, .seed = 5 }) == ref_idle(256 << 10, 7, 20000, 5));
	assert_int_equal(slept_us, 7 * 1234);
	/* --touch beyond --mem touches every page once per wake */
	assert_true(run_wl("idle", (struct wl_params){ .mem_bytes = 64 << 10, .ops = 3, .wake_every_us = 1,
						      .touch_bytes = 1 << 20, .seed = 6 }) == ref_idle(64 << 10, 3, 1 << 20, 6));
}

static void test_phases_matches_reference(void **st)
{
	(void)st;
	/* grow, shrink to 2 of 16 chunks (the rest freed), grow again: freed chunks come back zero */
	const struct wl_ws_step steps[] = { { 256 << 10, 3000 }, { 1 << 20, 6000 }, { 128 << 10, 2000 }, { 520 << 10, 3000 } };
	struct wl_params p = { .mem_bytes = 1 << 20, .seed = 11 };
	for (unsigned i = 0; i < 4; i++)
		p.ws[i] = steps[i];
	assert_true(run_wl("phases", p) == ref_phases(steps, 4, 11));
	const struct wl_workload *w = wl_find(wl_registry_direct, "phases");
	assert_int_equal(w->ops(&p), 14000);
	/* the derived schedule: --mem/4, --mem, --mem/8 with 8 touches a page */
	const struct wl_ws_step def[] = { { 64 << 10, 128 }, { 256 << 10, 512 }, { 32 << 10, 64 } };
	assert_true(run_wl("phases", (struct wl_params){ .mem_bytes = 256 << 10, .seed = 3 }) == ref_phases(def, 3, 3));
	assert_int_equal(w->ops(&(struct wl_params){ .mem_bytes = 256 << 10 }), 704);
	const char *param = NULL;
	p.ops = 5;
	assert_non_null(w->check(&p, &param));
	assert_string_equal(param, "ops");
	p.ops = 0;
	p.mem_bytes = 512 << 10;
	assert_non_null(w->check(&p, &param));
	assert_string_equal(param, "ws");
}

static void test_dup_matches_reference(void **st)
{
	(void)st;
	const struct dup_ref d = { .zero_ppm = 200000, .dup_ppm = 500000, .pool = 4, .rewrite_every = 3, .seed = 9 };
	assert_true(run_wl("dup", (struct wl_params){ .mem_bytes = 128 << 10, .ops = 500, .zero_frac = 200000,
						     .dup_frac = 500000, .dup_pool = 4, .rewrite_every = 3, .seed = 9 }) ==
		    ref_dup(&d, 128 << 10, 500));
	const char *param = NULL;
	const struct wl_workload *w = wl_find(wl_registry_direct, "dup");
	assert_non_null(w->check(&(struct wl_params){ .dup_frac = 600000, .zero_frac = 500000 }, &param));
	assert_string_equal(param, "zero-frac");
	assert_null(w->check(&(struct wl_params){ .dup_frac = 600000, .zero_frac = 400000 }, &param));
}

/* What a page-sharing host would find in dup's memory: the fractions asked for. */
static uint64_t census_pages, census_zero, census_pooled;
static void dup_census(const uint64_t *a, uint64_t bytes)
{
	census_pages = bytes / 4096;
	census_zero = census_pooled = 0;
	for (uint64_t pg = 0; pg < census_pages; pg++) {
		const uint64_t *p = a + pg * 512;
		bool zero = true, shared = false;
		for (int i = 0; i < 512 && zero; i++)
			zero = p[i] == 0;
		for (uint64_t q = 0; q < census_pages && !zero && !shared; q++)
			shared = q != pg && memcmp(p, a + q * 512, 4096) == 0;
		census_zero += zero;
		census_pooled += shared;
	}
}

static void test_dup_content_has_the_fractions(void **st)
{
	(void)st;
	on_unmap = dup_census;
	run_wl("dup", (struct wl_params){ .mem_bytes = 4 << 20, .ops = 4096, .zero_frac = 200000, .dup_frac = 500000,
					 .dup_pool = 8, .rewrite_every = 2, .seed = 1 });
	on_unmap = NULL;
	assert_int_equal(census_pages, 1024);
	assert_in_range(census_zero, 1024 * 14 / 100, 1024 * 26 / 100);
	assert_in_range(census_pooled, 1024 * 44 / 100, 1024 * 56 / 100);
}

static void test_seed_changes_every_checksum(void **st)
{
	(void)st;
	static const char *const names[] = { "seq", "gups", "pchase", "churn", "ctxsw", "idle", "phases", "dup" };
	for (size_t i = 0; i < 8; i++) {
		struct wl_params p = { .mem_bytes = 128 << 10, .ops = 5000, .seed = 7 };
		if (strcmp(names[i], "phases") == 0) /* its schedule gives the ops */
			p.ops = 0;
		uint64_t a = run_wl(names[i], p), b = run_wl(names[i], p);
		p.seed = 8;
		uint64_t c = run_wl(names[i], p);
		assert_true(a == b);
		assert_true(a != c);
	}
}

static void test_ops_defaults(void **st)
{
	(void)st;
	const struct wl_workload *g = wl_find(wl_registry_direct, "gups");
	assert_int_equal(g->ops(&(struct wl_params){ .mem_bytes = 1 << 20 }), (1 << 20) / 8);
	assert_int_equal(g->ops(&(struct wl_params){ .mem_bytes = 1 << 20, .ops = 5 }), 5);
	assert_null(wl_find(wl_registry_direct, "nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_matches_reference),    cmocka_unit_test(test_gups_matches_reference),
		cmocka_unit_test(test_pchase_matches_reference), cmocka_unit_test(test_pchase_is_one_cycle),
		cmocka_unit_test(test_churn_matches_reference),  cmocka_unit_test(test_ctxsw_matches_reference),
		cmocka_unit_test(test_idle_matches_reference_and_sleeps), cmocka_unit_test(test_phases_matches_reference),
		cmocka_unit_test(test_dup_matches_reference),     cmocka_unit_test(test_dup_content_has_the_fractions),
		cmocka_unit_test(test_seed_changes_every_checksum), cmocka_unit_test(test_ops_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
