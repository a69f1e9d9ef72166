/* test_sim_frames.c — the p2m book's counts in a sim result: the frames it calls resident are
 * exactly the frames the p2m backs (host_resident_bytes), for 4 KiB and 2 MiB host pages; the
 * counts cover the p2m's whole range (guest RAM + page-table pool); the document carries them
 * as memory.frames{} and memory.frame_moves{}, and native writes both as null. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cli/cli.h"
#include "vmm/run/run.h"

static struct run_result r;

static struct run_config config(const char *platform, const char *mmu, uint64_t host_page)
{
	struct run_config c;
	assert_int_equal(cli_config_for(&c, "seq", platform, mmu, 1 << 20), 0);
	c.params.ops = 20000;
	if (host_page)
		c.sim.host_page = host_page;
	cli_finish_config(&c, NULL);
	c.mmu = mmu;
	return c;
}

static uint64_t frames_sum(void)
{
	uint64_t n = 0;
	for (unsigned s = 0; s < P2M_STATES; s++)
		n += r.frames[s];
	return n;
}

static void check_sim(const char *mmu, uint64_t host_page)
{
	struct run_config c = config("sim", mmu, host_page);
	assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	assert_true(r.have_frames);
	assert_true(r.frames[P2M_RESIDENT] >= (1 << 20) / P2M_FRAME); /* seq's buffer at least */
	assert_int_equal(r.frames[P2M_RESIDENT] * P2M_FRAME, r.host_resident_bytes);
	assert_int_equal(frames_sum() * P2M_FRAME, c.sim.ram_bytes + c.sim.pt_pool_bytes);
	assert_int_equal(r.frames[P2M_RECLAIMED] + r.frames[P2M_BALLOONED] + r.frames[P2M_SHARED], 0);
	assert_int_equal(r.frames_reclaimed + r.frames_refaulted, 0);
}

static void test_resident_frames_are_backed_frames(void **st)
{
	(void)st;
	check_sim("ept", 4096);
	check_sim("ept", 2 << 20);
	check_sim("shadow", 4096);
}

static void test_document(void **st)
{
	(void)st;
	struct run_config c = config("sim", "ept", 4096);
	assert_int_equal(run_execute(&c, &r, NULL), RUN_OK);
	json_t *doc = result_to_json(&c, &r, NULL);
	json_t *mem = json_object_get(doc, "memory");
	json_t *frames = json_object_get(mem, "frames");
	assert_true(json_is_object(frames));
	assert_int_equal(json_object_size(frames), P2M_STATES);
	for (unsigned s = 0; s < P2M_STATES; s++)
		assert_int_equal(json_integer_value(json_object_get(frames, p2m_state_name((enum p2m_state)s))),
				 r.frames[s]);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(mem, "frame_moves"), "reclaimed")), 0);
	json_decref(doc);

	struct run_config n = config("native", "none", 0);
	assert_int_equal(run_execute(&n, &r, NULL), RUN_OK);
	assert_false(r.have_frames);
	doc = result_to_json(&n, &r, NULL);
	mem = json_object_get(doc, "memory");
	assert_true(json_is_null(json_object_get(mem, "frames")));
	assert_true(json_is_null(json_object_get(mem, "frame_moves")));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resident_frames_are_backed_frames),
		cmocka_unit_test(test_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
