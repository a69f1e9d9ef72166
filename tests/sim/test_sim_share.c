/* test_sim_share.c — memvirt's own merge engine on sim (--share on), with dup VMs of known
 * content: the duplicate content dup created is found (at least 90% of it saved, every zero
 * frame counted apart), the checksum is the unshared run's, the frames merged are in state
 * `shared` in the book and the host frames they freed are no longer backed; a rewrite phase
 * breaks each shared frame it writes exactly once (exits.cow_break: every frame merged either
 * broke once or is still shared), and without rewrites nothing breaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

#define MEM (16u << 20)
#define PAGES (MEM / 4096u)

static struct run_result r, base;

static struct run_config config(bool share, uint64_t ops, uint64_t rewrite_every, uint64_t dup_frac, uint64_t zero_frac)
{
	struct run_config c;
	assert_int_equal(cli_config_for(&c, "dup", "sim", "ept", MEM), 0);
	c.params.ops = ops;
	c.params.rewrite_every = rewrite_every;
	c.params.dup_frac = dup_frac;
	c.params.zero_frac = zero_frac;
	c.params.seed = 7;
	c.sim.share = share;
	cli_finish_config(&c, NULL);
	return c;
}

static void run_both(uint64_t ops, uint64_t rewrite_every, uint64_t dup_frac, uint64_t zero_frac)
{
	struct run_config off = config(false, ops, rewrite_every, dup_frac, zero_frac);
	struct run_config on = config(true, ops, rewrite_every, dup_frac, zero_frac);
	assert_int_equal(run_execute(&off, &base, NULL), RUN_OK);
	assert_int_equal(run_execute(&on, &r, NULL), RUN_OK);
	assert_false(base.sharing.have);
	assert_true(r.sharing.have);
	assert_int_equal(r.checksum, base.checksum); /* sharing changes where pages live, never content */
}

static void test_finds_the_duplicates(void **st)
{
	(void)st;
	/* every page a copy of one of 16 contents: PAGES - 16 duplicates, whatever the draws */
	run_both(20000, 1ULL << 32, WL_FRAC_ONE, 0);
	uint64_t saved = r.sharing.saved_bytes / 4096;
	assert_true(saved * 10 >= (PAGES - 16) * 9);
	assert_true(saved >= PAGES - 16); /* in fact all of them (the guest kernel's frames besides) */
	assert_int_equal(r.exits.cow_break, 0); /* nothing rewritten: nothing broken */
	assert_int_equal(r.sharing.cow_breaks, 0);
	/* the book: merged frames and their canonical frames are shared; the freed host frames
	 * are no longer backed */
	assert_int_equal(r.frames[P2M_SHARED], r.sharing.merges + r.sharing.shared);
	assert_int_equal(r.sharing.merges, r.sharing.sharing + r.sharing.zero);
	assert_int_equal(base.host_resident_bytes - r.host_resident_bytes, r.sharing.saved_bytes);
	assert_true(r.sharing.passes >= 2);
}

static void test_zero_frames_apart(void **st)
{
	(void)st;
	/* half the pages zero, the rest unique: all the saving is zero frames */
	run_both(20000, 1ULL << 32, 0, WL_FRAC_ONE / 2);
	assert_true(r.sharing.zero * 10 >= (PAGES / 2 - 1) * 9 * 9 / 10); /* ~half of PAGES, drawn */
	assert_true(r.sharing.zero <= r.sharing.merges);
	assert_true(r.sharing.sharing * 100 < r.sharing.zero); /* unique content: next to nothing */
}

static void test_rewrites_break_each_shared_frame_once(void **st)
{
	(void)st;
	/* every visit rewrites a random page; 40 visits per page: every page is written */
	run_both(40ull * PAGES, 1, WL_FRAC_ONE / 2, WL_FRAC_ONE / 10);
	uint64_t merged = r.sharing.merges + r.sharing.shared; /* frames made shared */
	assert_true(r.exits.cow_break > 0);
	/* each shared frame broke once, or is still shared (a guest-kernel frame nobody wrote) */
	assert_int_equal(r.sharing.cow_breaks + r.frames[P2M_SHARED], merged);
	assert_true(r.exits.cow_break * 100 >= merged * 95);
	assert_true(r.exits.cow_break <= 40ull * PAGES);
	/* the modeled cost counts each break */
	assert_true(r.modeled_cycles >= base.modeled_cycles + r.exits.cow_break * 3000 - base.modeled_cycles / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_the_duplicates),
		cmocka_unit_test(test_zero_frames_apart),
		cmocka_unit_test(test_rewrites_break_each_shared_frame_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
