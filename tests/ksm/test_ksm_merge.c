/* test_ksm_merge.c — the own merge engine on frames of known content, through a toy
 * platform (each frame a pointer to a buffer; a merge points it at the other's buffer; a
 * write copies, as a copy-on-write break): nothing merges on the first pass (no hash history),
 * duplicates and zero frames merge on the second, counted apart; a frame that changes between
 * passes is volatile and stays; equal hashes never merge without equal contents (a compare
 * that the toy can make fail); a broken frame is counted and merges again once it holds still;
 * VMs in different sharing domains share nothing, in one domain they do; a VM that leaves keeps
 * its figures and is never read or merged into again. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ksm/ksm_merge.h"

#define PAGE KSM_MERGE_FRAME
#define FRAMES 100u
#define VMS 4u

struct toy {
	uint8_t own[VMS][FRAMES][PAGE];
	uint8_t *map[VMS][FRAMES]; /* where each frame's content lives now */
	bool shared[VMS][FRAMES];
	unsigned merges;
	unsigned cross_vm_merges;
	bool gone[VMS];           /* removed from the engine: never read, never merged into */
	unsigned gone_touched;
};

static const void *toy_page(void *ctx, unsigned vm, uint64_t f)
{
	struct toy *t = ctx;
	t->gone_touched += t->gone[vm];
	return t->map[vm][f];
}

static int toy_merge(void *ctx, unsigned vm, uint64_t f, unsigned ivm, uint64_t ifr)
{
	struct toy *t = ctx;
	assert_memory_equal(t->map[vm][f], t->map[ivm][ifr], PAGE); /* the engine compared in full */
	t->map[vm][f] = t->map[ivm][ifr];
	t->shared[vm][f] = t->shared[ivm][ifr] = true;
	t->merges++;
	t->cross_vm_merges += vm != ivm;
	t->gone_touched += t->gone[vm] + t->gone[ivm];
	return 0;
}

static bool toy_shared(void *ctx, unsigned vm, uint64_t f) { return ((struct toy *)ctx)->shared[vm][f]; }

/* A guest write: a shared frame is copied first (the break), then written. */
static void toy_write(struct toy *t, unsigned vm, uint64_t f, uint64_t word)
{
	if (t->shared[vm][f]) {
		memcpy(t->own[vm][f], t->map[vm][f], PAGE);
		t->map[vm][f] = t->own[vm][f];
		t->shared[vm][f] = false;
	}
	((uint64_t *)t->map[vm][f])[0] = word;
}

/* Frames of a VM: 0-9 zero, 10-59 copies of 5 contents, 60-99 unique to (salt, frame). */
static void fill(struct toy *t, unsigned vm, uint64_t salt)
{
	for (uint64_t f = 0; f < FRAMES; f++) {
		uint64_t *w = (uint64_t *)t->own[vm][f];
		for (unsigned k = 0; k < PAGE / 8; k++)
			w[k] = f < 10 ? 0 : f < 60 ? (f % 5 + 1) * 0x9e3779b97f4a7c15ULL + k : (f * 7919 + salt) * 31 + k + 1;
		t->map[vm][f] = t->own[vm][f];
	}
}

static struct toy *toy_new(unsigned nvms, struct ksm_merge *m, const unsigned *domains)
{
	struct toy *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	const struct ksm_merge_ops ops = { .page = toy_page, .merge = toy_merge, .shared = toy_shared, .ctx = t };
	assert_int_equal(ksm_merge_init(m, &ops), 0);
	for (unsigned v = 0; v < nvms; v++) {
		fill(t, v, v);
		assert_int_equal(ksm_merge_add_vm(m, FRAMES, domains[v]), (int)v);
	}
	return t;
}

static void test_one_vm_merges_on_the_second_pass(void **st)
{
	(void)st;
	struct ksm_merge m;
	struct toy *t = toy_new(1, &m, (unsigned[]){ 0 });
	assert_int_equal(ksm_merge_pass(&m), 0); /* no history yet */
	assert_int_equal(ksm_merge_pass(&m), 9 + 45);
	struct ksm_merge_figures f;
	ksm_merge_figures(&m, 0, &f);
	assert_int_equal(f.zero, 9);     /* into the first zero frame */
	assert_int_equal(f.sharing, 45); /* 5 groups of 10: 9 each point at the tenth */
	assert_int_equal(f.shared, 1 + 5);
	assert_int_equal(f.scanned, 200);
	assert_int_equal(f.volatile_pages, 0);
	assert_int_equal(ksm_merge_saved(&f), 54);
	assert_int_equal(ksm_merge_pass(&m), 0); /* nothing left */
	ksm_merge_figures(&m, 0, &f);
	assert_int_equal(f.scanned, 200 + 40); /* merged frames are not hashed again */
	json_t *j = ksm_merge_figures_json(&f);
	assert_int_equal(json_integer_value(json_object_get(j, "saved_bytes")), 54 * PAGE);
	assert_string_equal(json_string_value(json_object_get(j, "engine")), "memvirt-merge");
	json_decref(j);
	ksm_merge_fini(&m);
	free(t);
}

static void test_volatile_frames_wait(void **st)
{
	(void)st;
	struct ksm_merge m;
	struct toy *t = toy_new(1, &m, (unsigned[]){ 0 });
	assert_int_equal(ksm_merge_pass(&m), 0);
	for (uint64_t f = 10; f < 20; f++) /* ten pool frames change between the passes ... */
		((uint64_t *)t->own[0][f])[1] = f;
	for (uint64_t f = 10; f < 20; f++) /* ... back to their pool content for the next pass */
		((uint64_t *)t->own[0][f])[1] = (f % 5 + 1) * 0x9e3779b97f4a7c15ULL + 1;
	for (uint64_t f = 10; f < 20; f++)
		((uint64_t *)t->own[0][f])[2] = 0; /* and now differ from it: all ten differ alike */
	/* the ten are volatile: the other 40 pool frames (5 groups of 8) and the zero frames merge */
	assert_int_equal(ksm_merge_pass(&m), 9 + 35);
	struct ksm_merge_figures f;
	ksm_merge_figures(&m, 0, &f);
	assert_int_equal(f.volatile_pages, 10);
	/* held still since: they pair up among themselves (5 contents, 2 frames each) */
	assert_int_equal(ksm_merge_pass(&m), 5);
	ksm_merge_figures(&m, 0, &f);
	assert_int_equal(f.volatile_pages, 0);
	ksm_merge_fini(&m);
	free(t);
}

/* Equal hashes are not enough: a frame whose content changes after it entered the unstable
 * index (between the two frames' visits in one pass) is compared and not merged. */
static int g_calls;
static const void *g_changer_page(void *ctx, unsigned vm, uint64_t f)
{
	struct toy *t = ctx;
	if (vm == 0 && f == 10 && ++g_calls == 3) /* third read of frame 10: frame 15's compare */
		((uint64_t *)t->own[0][10])[5] ^= 1;
	return t->map[vm][f];
}

static void test_full_compare_before_merging(void **st)
{
	(void)st;
	struct ksm_merge m;
	struct toy *t = toy_new(1, &m, (unsigned[]){ 0 });
	g_calls = 0;
	m.ops.page = g_changer_page;
	assert_int_equal(ksm_merge_pass(&m), 0);
	/* frame 10 entered the unstable index with its old hash; every later frame of its group
	 * hits it, compares, and finds it changed: none of the 9 merges */
	assert_int_equal(ksm_merge_pass(&m), 54 - 9);
	/* next pass frame 10 is volatile, and 15..55 pair up among themselves */
	assert_int_equal(ksm_merge_pass(&m), 8);
	ksm_merge_fini(&m);
	free(t);
}

static void test_breaks_counted_and_merged_again(void **st)
{
	(void)st;
	struct ksm_merge m;
	struct toy *t = toy_new(1, &m, (unsigned[]){ 0 });
	assert_int_equal(ksm_merge_until_stable(&m, 10), 3);
	toy_write(t, 0, 15, 0x1234); /* a member of a pool group */
	toy_write(t, 0, 1, 0);       /* a zero frame written with zero: still zero after the copy */
	assert_int_equal(ksm_merge_pass(&m), 1); /* frame 1 back into the zero frame at once */
	struct ksm_merge_figures f;
	ksm_merge_figures(&m, 0, &f);
	assert_int_equal(f.cow_breaks, 2);
	assert_int_equal(f.sharing, 44);
	assert_int_equal(f.zero, 9);
	toy_write(t, 0, 15, (15 % 5 + 1) * 0x9e3779b97f4a7c15ULL); /* its pool content again */
	assert_int_equal(ksm_merge_pass(&m), 0); /* changed since the last pass: volatile */
	assert_int_equal(ksm_merge_pass(&m), 1); /* held still: back through the stable index */
	ksm_merge_fini(&m);
	free(t);
}

static void test_domains_isolate(void **st)
{
	(void)st;
	/* four VMs with the same pool contents; VMs 0 and 1 in domain 7, 2 and 3 one each */
	struct ksm_merge m;
	struct toy *t = toy_new(4, &m, (unsigned[]){ 7, 7, 1, 2 });
	assert_true(ksm_merge_until_stable(&m, 10) >= 2);
	struct ksm_merge_figures a, b, c, d, all;
	ksm_merge_figures(&m, 0, &a);
	ksm_merge_figures(&m, 1, &b);
	ksm_merge_figures(&m, 2, &c);
	ksm_merge_figures(&m, 3, &d);
	ksm_merge_figures(&m, -1, &all);
	/* alone in its domain, a VM saves what it saves alone */
	assert_int_equal(ksm_merge_saved(&c), 54);
	assert_int_equal(ksm_merge_saved(&d), 54);
	/* VM 1 merges all its zero and pool frames into VM 0's */
	assert_int_equal(ksm_merge_saved(&a), 54);
	assert_int_equal(ksm_merge_saved(&b), 60);
	assert_int_equal(ksm_merge_saved(&all), 54 * 3 + 60);
	/* no frame of VMs 2 and 3 points anywhere outside itself */
	for (uint64_t f = 0; f < FRAMES; f++)
		for (unsigned v = 2; v < 4; v++)
			for (unsigned w = 0; w < 4; w++)
				for (uint64_t g = 0; g < FRAMES && w != v; g++)
					assert_ptr_not_equal(t->map[v][f], t->own[w][g]);
	assert_int_equal(t->cross_vm_merges, 60);
	ksm_merge_fini(&m);
	free(t);
}

static void test_a_vm_leaves(void **st)
{
	(void)st;
	/* VMs 0 and 1 in one domain merge; VM 0 leaves (its frames hold the contents VM 1 merged
	 * into, and the stable index names them); VM 2 joins: its duplicates merge again, never
	 * into VM 0's frames, which are not even read */
	struct ksm_merge m;
	struct toy *t = toy_new(2, &m, (unsigned[]){ 0, 0 });
	assert_true(ksm_merge_until_stable(&m, 10) >= 2);
	struct ksm_merge_figures before, after;
	ksm_merge_figures(&m, 0, &before);
	ksm_merge_remove_vm(&m, 0);
	t->gone[0] = true;
	fill(t, 2, 2);
	assert_int_equal(ksm_merge_add_vm(&m, FRAMES, 0), 2);
	unsigned merges = t->merges;
	assert_true(ksm_merge_until_stable(&m, 10) >= 2);
	assert_int_equal(t->gone_touched, 0);
	assert_true(t->merges > merges); /* VM 2's zero and pool frames merged */
	ksm_merge_figures(&m, 0, &after);
	assert_memory_equal(&after, &before, sizeof(before)); /* as it left */
	ksm_merge_remove_vm(&m, 0); /* twice: nothing */
	ksm_merge_fini(&m);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_vm_merges_on_the_second_pass),
		cmocka_unit_test(test_volatile_frames_wait),
		cmocka_unit_test(test_full_compare_before_merging),
		cmocka_unit_test(test_breaks_counted_and_merged_again),
		cmocka_unit_test(test_domains_isolate),
		cmocka_unit_test(test_a_vm_leaves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
