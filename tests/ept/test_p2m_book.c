/* test_p2m_book.c — the p2m state book on its own: every frame starts unbacked, get/set of a
 * frame and of a range (partial frames included), moves that take only frames in one state,
 * running counts that always sum to the frames, and refusals (-EFAULT outside, -EINVAL for a
 * bad state or size) that change nothing. Also the sim p2m keeps its counts through the book. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ept/p2m.h"

#define LIMIT (1ULL << 20) /* 256 frames */
#define FRAMES (LIMIT / P2M_FRAME)

static struct p2m_book b;

static int book_setup(void **st)
{
	(void)st;
	return p2m_book_init(&b, LIMIT);
}

static int book_teardown(void **st)
{
	(void)st;
	p2m_book_fini(&b);
	return 0;
}

static enum p2m_state state_at(uint64_t addr)
{
	enum p2m_state s = P2M_STATES;
	assert_int_equal(p2m_book_get(&b, addr, &s), 0);
	return s;
}

static void assert_counts_sum(void)
{
	uint64_t sum = 0;
	for (unsigned s = 0; s < P2M_STATES; s++)
		sum += p2m_book_count(&b, (enum p2m_state)s);
	assert_int_equal(sum, FRAMES);
}

static void test_init_refusals(void **st)
{
	(void)st;
	struct p2m_book x;
	assert_int_equal(p2m_book_init(&x, 0), -EINVAL);
	assert_int_equal(p2m_book_init(&x, P2M_FRAME + 1), -EINVAL);
	assert_int_equal(p2m_book_count(&b, P2M_UNBACKED), FRAMES);
	assert_int_equal(state_at(LIMIT - 1), P2M_UNBACKED);
}

static void test_frame_get_set(void **st)
{
	(void)st;
	assert_int_equal(p2m_book_set(&b, 0x5123, P2M_RESIDENT), 0);
	assert_int_equal(state_at(0x5000), P2M_RESIDENT);
	assert_int_equal(state_at(0x5fff), P2M_RESIDENT);
	assert_int_equal(state_at(0x6000), P2M_UNBACKED);
	assert_int_equal(p2m_book_set(&b, 0x5000, P2M_SHARED), 0);
	assert_int_equal(p2m_book_count(&b, P2M_RESIDENT), 0);
	assert_int_equal(p2m_book_count(&b, P2M_SHARED), 1);
	assert_int_equal(p2m_book_count(&b, P2M_UNBACKED), FRAMES - 1);
	assert_counts_sum();
}

static void test_ranges_cover_partial_frames(void **st)
{
	(void)st;
	/* [0x1800, 0x3801) touches frames 1, 2 and 3 */
	assert_int_equal(p2m_book_set_range(&b, 0x1800, 0x2001, P2M_RESIDENT), 3);
	assert_int_equal(state_at(0x0fff), P2M_UNBACKED);
	assert_int_equal(state_at(0x1000), P2M_RESIDENT);
	assert_int_equal(state_at(0x3fff), P2M_RESIDENT);
	assert_int_equal(state_at(0x4000), P2M_UNBACKED);
	/* setting again changes nothing and says so */
	assert_int_equal(p2m_book_set_range(&b, 0x1000, 0x3000, P2M_RESIDENT), 0);
	assert_int_equal(p2m_book_set_range(&b, 0x1000, 0, P2M_RECLAIMED), 0);
	assert_int_equal(p2m_book_count(&b, P2M_RESIDENT), 3);
	/* the whole book, up to the last byte */
	assert_int_equal(p2m_book_set_range(&b, 0, LIMIT, P2M_BALLOONED), FRAMES);
	assert_int_equal(p2m_book_count(&b, P2M_BALLOONED), FRAMES);
	assert_int_equal(p2m_book_count(&b, P2M_RESIDENT), 0);
	assert_counts_sum();
}

static void test_moves_take_only_from_state(void **st)
{
	(void)st;
	assert_int_equal(p2m_book_set_range(&b, 0, 4 * P2M_FRAME, P2M_RESIDENT), 4);
	assert_int_equal(p2m_book_set(&b, 2 * P2M_FRAME, P2M_BALLOONED), 0);
	/* frames 0..7: 0,1,3 resident, 2 ballooned, 4..7 unbacked; reclaim takes the resident */
	assert_int_equal(p2m_book_move_range(&b, 0, 8 * P2M_FRAME, P2M_RESIDENT, P2M_RECLAIMED), 3);
	assert_int_equal(state_at(2 * P2M_FRAME), P2M_BALLOONED);
	assert_int_equal(state_at(5 * P2M_FRAME), P2M_UNBACKED);
	assert_int_equal(p2m_book_count(&b, P2M_RECLAIMED), 3);
	/* a refault of frame 1 only */
	assert_int_equal(p2m_book_move_range(&b, P2M_FRAME, 1, P2M_RECLAIMED, P2M_RESIDENT), 1);
	assert_int_equal(p2m_book_count(&b, P2M_RECLAIMED), 2);
	assert_int_equal(p2m_book_count(&b, P2M_RESIDENT), 1);
	assert_counts_sum();
}

static void test_refusals_change_nothing(void **st)
{
	(void)st;
	enum p2m_state s;
	assert_int_equal(p2m_book_get(&b, LIMIT, &s), -EFAULT);
	assert_int_equal(p2m_book_set(&b, LIMIT, P2M_RESIDENT), -EFAULT);
	assert_int_equal(p2m_book_set(&b, 0, P2M_STATES), -EINVAL);
	assert_int_equal(p2m_book_set(&b, 0, (enum p2m_state)-1), -EINVAL);
	/* a range running one byte past the end is refused whole, not clipped */
	assert_int_equal(p2m_book_set_range(&b, LIMIT - P2M_FRAME, P2M_FRAME + 1, P2M_RESIDENT), -EFAULT);
	assert_int_equal(p2m_book_set_range(&b, P2M_FRAME, UINT64_MAX, P2M_RESIDENT), -EFAULT);
	assert_int_equal(p2m_book_set_range(&b, 0, P2M_FRAME, P2M_STATES), -EINVAL);
	assert_int_equal(p2m_book_move_range(&b, LIMIT, 1, P2M_UNBACKED, P2M_RESIDENT), -EFAULT);
	assert_int_equal(p2m_book_move_range(&b, 0, 1, P2M_STATES, P2M_RESIDENT), -EINVAL);
	assert_int_equal(p2m_book_move_range(&b, 0, 1, P2M_UNBACKED, P2M_STATES), -EINVAL);
	assert_int_equal(p2m_book_count(&b, P2M_UNBACKED), FRAMES);
	assert_int_equal(state_at(LIMIT - P2M_FRAME), P2M_UNBACKED);
	assert_int_equal(p2m_book_count(&b, P2M_STATES), 0);
}

/* The sim p2m: backing a host page makes all its frames resident, unbacking moves them, and
 * the counts follow (also when the last 2 MiB host page overhangs the limit). */
static void test_sim_p2m_counts(void **st)
{
	(void)st;
	struct hostmem h;
	struct p2m *p;
	assert_int_equal(hostmem_init(&h, 64ULL << 20, 0), 0);
	assert_int_equal(p2m_create(&h, (3ULL << 20) + 0x1000, PT_PAGE_2M, &p), 0);
	assert_int_equal(p2m_back(p, 0x1000), 0);
	assert_int_equal(p2m_back(p, 3ULL << 20), 0); /* 2nd host page: 257 frames inside the limit */
	assert_int_equal(p2m_book_count(&p->book, P2M_RESIDENT), 512 + 257);
	assert_int_equal(p2m_book_count(&p->book, P2M_UNBACKED), 0);
	assert_int_equal(p2m_unback(p, 0, P2M_RECLAIMED), 0);
	assert_int_equal(p2m_book_count(&p->book, P2M_RECLAIMED), 512);
	assert_int_equal(p2m_book_count(&p->book, P2M_RESIDENT), 257);
	assert_int_equal(p2m_set_state(p, 0, P2M_SHARED), 0);
	assert_int_equal(p2m_book_count(&p->book, P2M_SHARED), 1);
	assert_int_equal(p2m_set_state(p, (3ULL << 20) + 0x1000, P2M_SHARED), -EFAULT);
	p2m_destroy(p);
	hostmem_fini(&h);
}

/* A guest touching a frame it gave to the balloon: p2m_back refuses it (-EACCES) and counts
 * it instead of backing it again; its neighbours and, after a deflate, the frame itself back
 * as before. With 4 KiB host pages (one frame each) and with 2 MiB ones. */
static void test_sim_p2m_refuses_ballooned(void **st)
{
	(void)st;
	static const uint64_t pages[] = { PT_PAGE_4K, PT_PAGE_2M };
	for (unsigned i = 0; i < 2; i++) {
		uint64_t pg = pages[i];
		struct hostmem h;
		struct p2m *p;
		assert_int_equal(hostmem_init(&h, 64ULL << 20, 0), 0);
		assert_int_equal(p2m_create(&h, 8ULL << 20, pg, &p), 0);
		assert_int_equal(p2m_back(p, pg), 0);
		assert_int_equal(p2m_unback(p, pg, P2M_BALLOONED), 0);
		assert_int_equal(p2m_back(p, pg + 0x10), -EACCES);
		assert_int_equal(p2m_back(p, pg + pg - 8), -EACCES);
		assert_int_equal(p->ballooned_touches, 2);
		assert_int_equal(p->ballooned_touch_gpa, pg + 0x10);
		assert_int_equal(p2m_book_count(&p->book, P2M_BALLOONED), pg / P2M_FRAME);
		assert_int_equal(p2m_backed_bytes(p), 0);
		assert_int_equal(p2m_back(p, 0), 0); /* the neighbour below */
		assert_int_equal(p2m_back(p, 2 * pg), 0); /* and above */
		/* deflate: the book move makes it the guest's again */
		assert_int_equal(p2m_book_move_range(&p->book, pg, pg, P2M_BALLOONED, P2M_UNBACKED), (int64_t)(pg / P2M_FRAME));
		assert_int_equal(p2m_back(p, pg + 0x10), 0);
		assert_int_equal(p->ballooned_touches, 2);
		assert_int_equal(p2m_backed_bytes(p), 3 * pg);
		p2m_destroy(p);
		hostmem_fini(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_refusals, book_setup, book_teardown),
		cmocka_unit_test_setup_teardown(test_frame_get_set, book_setup, book_teardown),
		cmocka_unit_test_setup_teardown(test_ranges_cover_partial_frames, book_setup, book_teardown),
		cmocka_unit_test_setup_teardown(test_moves_take_only_from_state, book_setup, book_teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing, book_setup, book_teardown),
		cmocka_unit_test(test_sim_p2m_counts),
		cmocka_unit_test(test_sim_p2m_refuses_ballooned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
