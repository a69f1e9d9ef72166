/* test_frame_book.c — what the frame-state book adds for sharing it between threads and
 * platforms: every move between two states is counted (reclaimed, refaulted, and the rest),
 * a touch makes unbacked and reclaimed frames resident but leaves ballooned and shared ones,
 * a snapshot is consistent, a zeroed book refuses everything, and four threads updating
 * overlapping ranges at once leave counts that sum to the frames and agree with the moves. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ept/p2m_book.h"

#define LIMIT (1ULL << 20) /* 256 frames */
#define FRAMES (LIMIT / P2M_FRAME)

static void test_moves_and_touch(void **st)
{
	(void)st;
	struct p2m_book b;
	struct p2m_book_counts c;
	assert_int_equal(p2m_book_init(&b, LIMIT), 0);
	assert_int_equal(p2m_book_touch(&b, 0, 8 * P2M_FRAME), 8);
	assert_int_equal(p2m_book_move_range(&b, 0, 4 * P2M_FRAME, P2M_RESIDENT, P2M_RECLAIMED), 4);
	assert_int_equal(p2m_book_set(&b, 5 * P2M_FRAME, P2M_BALLOONED), 0);
	assert_int_equal(p2m_book_set(&b, 6 * P2M_FRAME, P2M_SHARED), 0);
	/* frames 0-3 reclaimed, 4 resident, 5 ballooned, 6 shared, 7 resident, 8-9 unbacked */
	assert_int_equal(p2m_book_touch(&b, 0, 10 * P2M_FRAME), 4 + 2);
	assert_int_equal(p2m_book_count(&b, P2M_RESIDENT), 8);
	assert_int_equal(p2m_book_count(&b, P2M_BALLOONED), 1);
	assert_int_equal(p2m_book_count(&b, P2M_SHARED), 1);
	assert_int_equal(p2m_book_moved(&b, P2M_RESIDENT, P2M_RECLAIMED), 4);
	assert_int_equal(p2m_book_moved(&b, P2M_RECLAIMED, P2M_RESIDENT), 4);
	assert_int_equal(p2m_book_moved(&b, P2M_UNBACKED, P2M_RESIDENT), 10);
	assert_int_equal(p2m_book_moved(&b, P2M_RESIDENT, P2M_BALLOONED), 1);
	assert_int_equal(p2m_book_moved(&b, P2M_STATES, P2M_RESIDENT), 0);
	p2m_book_snapshot(&b, &c);
	assert_int_equal(p2m_counts_reclaimed(&c), 4);
	assert_int_equal(p2m_counts_refaulted(&c), 4);
	assert_int_equal(c.frames[P2M_UNBACKED], FRAMES - 10);
	assert_int_equal(p2m_book_touch(&b, LIMIT, P2M_FRAME), -EFAULT);
	p2m_book_fini(&b);
}

static void test_zeroed_book_refuses(void **st)
{
	(void)st;
	struct p2m_book z = { 0 };
	struct p2m_book_counts c;
	enum p2m_state s;
	assert_int_equal(p2m_book_touch(&z, 0, P2M_FRAME), -EFAULT);
	assert_int_equal(p2m_book_get(&z, 0, &s), -EFAULT);
	assert_int_equal(p2m_book_set(&z, 0, P2M_RESIDENT), -EFAULT);
	assert_int_equal(p2m_book_count(&z, P2M_UNBACKED), 0);
	p2m_book_snapshot(&z, &c);
	assert_int_equal(c.frames[P2M_UNBACKED], 0);
	p2m_book_fini(&z); /* nothing to free */
}

struct worker {
	struct p2m_book *b;
	unsigned id;
};

/* Touch, reclaim and balloon overlapping, shifting ranges, as the uffd, reclaim and balloon
 * threads would. */
static void *work(void *arg)
{
	struct worker *w = arg;
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t at = ((i * 7 + w->id * 31) % (FRAMES - 16)) * P2M_FRAME;
		switch ((i + w->id) % 4) {
		case 0: (void)p2m_book_touch(w->b, at, 16 * P2M_FRAME); break;
		case 1: (void)p2m_book_move_range(w->b, at, 8 * P2M_FRAME, P2M_RESIDENT, P2M_RECLAIMED); break;
		case 2: (void)p2m_book_set_range(w->b, at, 2 * P2M_FRAME, P2M_BALLOONED); break;
		default: (void)p2m_book_move_range(w->b, at, 4 * P2M_FRAME, P2M_BALLOONED, P2M_UNBACKED); break;
		}
	}
	return NULL;
}

static void test_threads_keep_counts_consistent(void **st)
{
	(void)st;
	struct p2m_book b;
	struct p2m_book_counts c;
	pthread_t t[4];
	struct worker w[4];
	assert_int_equal(p2m_book_init(&b, LIMIT), 0);
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct worker){ &b, i };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	p2m_book_snapshot(&b, &c);
	uint64_t sum = 0, real[P2M_STATES] = { 0 };
	for (unsigned s = 0; s < P2M_STATES; s++) {
		int64_t expect = s == P2M_UNBACKED ? (int64_t)FRAMES : 0;
		for (unsigned o = 0; o < P2M_STATES; o++)
			expect += (int64_t)c.moves[o][s] - (int64_t)c.moves[s][o];
		assert_int_equal(c.frames[s], expect);
		sum += c.frames[s];
	}
	assert_int_equal(sum, FRAMES);
	for (uint64_t f = 0; f < FRAMES; f++) {
		enum p2m_state s;
		assert_int_equal(p2m_book_get(&b, f * P2M_FRAME, &s), 0);
		real[s]++;
	}
	for (unsigned s = 0; s < P2M_STATES; s++)
		assert_int_equal(real[s], c.frames[s]);
	assert_true(p2m_counts_reclaimed(&c) > 0 && p2m_counts_refaulted(&c) > 0);
	p2m_book_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves_and_touch),
		cmocka_unit_test(test_zeroed_book_refuses),
		cmocka_unit_test(test_threads_keep_counts_consistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
