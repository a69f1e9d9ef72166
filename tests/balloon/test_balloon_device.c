/* test_balloon_device.c — the balloon device's platform-independent part (balloon/balloon.c)
 * with a recording backend, no VM: the --balloon parser; every refused entry (outside RAM
 * with the area named, misaligned, unknown flag bits, ballooned twice, deflating what is not
 * ballooned, too many entries, unknown operation) and that entries before a bad one stay
 * applied; adjacent entries released as one run; counters and rounds; the target (range,
 * rounding, the control area) and the at= schedule on its own thread; the guest's statistics
 * (checked before they are kept, polled under the guest's seqlock, refused ones counted); free
 * page reporting (REPORT messages, their refusals, the epoch the thread advances). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "balloon/balloon.h"

#define RAM_GPA (1ULL << 30)
#define RAM (64ULL << 20)
#define MIB (1ULL << 20)

struct rec {
	unsigned releases, reuses, reports;
	uint64_t released, reused, reported, last_off, last_bytes;
};

static int rec_report(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t n)
{
	(void)why, (void)n, (void)off;
	struct rec *r = ctx;
	r->reports++;
	r->reported += bytes;
	return 0;
}

static int rec_release(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t n)
{
	(void)why, (void)n;
	struct rec *r = ctx;
	r->releases++;
	r->released += bytes;
	r->last_off = off;
	r->last_bytes = bytes;
	return 0;
}

static int rec_reuse(void *ctx, uint64_t off, uint64_t bytes)
{
	(void)off;
	struct rec *r = ctx;
	r->reuses++;
	r->reused += bytes;
	return 0;
}

static const char *rec_area(void *ctx, uint64_t gpa)
{
	(void)ctx;
	return gpa >= RAM_GPA + RAM ? "the page-table pool" : "the system area";
}

static void setup_balloon(struct balloon *b, struct rec *r, const char *spec)
{
	struct balloon_config c = { 0 };
	char why[160];
	if (spec)
		assert_int_equal(balloon_config_add(&c, spec, why, sizeof(why)), 0);
	memset(r, 0, sizeof(*r));
	assert_int_equal(balloon_init(b, &c), 0);
	struct balloon_backend be = { .release = rec_release, .reuse = rec_reuse, .area = rec_area,
				      .report = rec_report, .ctx = r };
	assert_int_equal(balloon_attach(b, RAM_GPA, RAM, NULL, &be), 0);
}

static void test_config(void **st)
{
	(void)st;
	struct balloon_config c = { 0 };
	char why[160];
	assert_int_equal(balloon_config_add(&c, "target=1g", why, sizeof(why)), 0);
	assert_int_equal(c.step[0].target_bytes, 1ULL << 30);
	assert_false(c.step[0].has_at);
	assert_true(c.deflate_on_oom);
	assert_int_equal(balloon_config_add(&c, "target=0,at=1.5s,deflate_on_oom=off", why, sizeof(why)), 0);
	assert_true(c.step[1].has_at);
	assert_true(c.step[1].at_s > 1.49 && c.step[1].at_s < 1.51);
	assert_false(c.deflate_on_oom);
	assert_false(c.no_protect);
	struct balloon_config p = { 0 };
	assert_int_equal(balloon_config_add(&p, "target=0,protect=off", why, sizeof(why)), 0);
	assert_true(p.no_protect);
	assert_true(balloon_config_add(&p, "target=0,protect=maybe", why, sizeof(why)) < 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(balloon_config_add(&c, "at=1s", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "at= needs a target=SIZE"));
	/* the VM-wide switches, without a target */
	assert_int_equal(c.report_delay_us, 2000000);
	assert_int_equal(balloon_config_add(&c, "stats=250ms,report=on,report_delay=500ms", why, sizeof(why)), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.stats_us, 250000);
	assert_true(c.report);
	assert_int_equal(c.report_delay_us, 500000);
	assert_int_equal(balloon_config_add(&c, "stats=off", why, sizeof(why)), 0);
	assert_int_equal(c.stats_us, 0);
	assert_int_equal(balloon_config_add(&c, "stats=100us", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad stats period '100us'"));
	assert_int_equal(balloon_config_add(&c, "report=maybe", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "report=maybe: on or off"));
	assert_int_equal(balloon_config_add(&c, "report_delay=1ms", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad report_delay '1ms'"));
	assert_int_equal(balloon_config_add(&c, "report_delay=3601s", why, sizeof(why)), -EINVAL);
	assert_int_equal(balloon_config_add(&c, "target=1x", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad target"));
	assert_int_equal(balloon_config_add(&c, "size=1g", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown key 'size'"));
	assert_int_equal(balloon_config_add(&c, "target", why, sizeof(why)), -EINVAL);
	assert_int_equal(c.n, 2);
}

static void test_inflate_deflate_runs(void **st)
{
	(void)st;
	struct balloon b;
	struct rec r;
	char why[256];
	setup_balloon(&b, &r, "target=16m");
	assert_int_equal(b.own.target_frames, 16 * MIB / 4096);
	assert_int_equal(b.own.version, GK_BALLOON_VERSION);
	assert_int_equal(b.own.flags, GK_BALLOON_DEFLATE_ON_OOM);
	uint64_t e[8];
	for (int i = 0; i < 8; i++) /* 8 adjacent chunks: one run */
		e[i] = (RAM_GPA + (uint64_t)i * 2 * MIB) | GK_BALLOON_ENTRY_2M;
	assert_int_equal(balloon_message(&b, GK_BALLOON_INFLATE, e, 8, GK_BALLOON_MSG_LAST, NULL, why, sizeof(why)), 0);
	assert_int_equal(r.releases, 1);
	assert_int_equal(r.last_off, 0);
	assert_int_equal(r.last_bytes, 16 * MIB);
	assert_int_equal(balloon_actual_bytes(&b), 16 * MIB);
	/* two single frames far apart: two runs */
	uint64_t f[2] = { RAM_GPA + 40 * MIB, RAM_GPA + 50 * MIB + 4096 };
	assert_int_equal(balloon_message(&b, GK_BALLOON_INFLATE, f, 2, GK_BALLOON_MSG_LAST, NULL, why, sizeof(why)), 0);
	assert_int_equal(r.releases, 3);
	/* deflating a chunk inflated as a chunk, and one frame */
	assert_int_equal(balloon_message(&b, GK_BALLOON_DEFLATE, &e[7], 1, 0, NULL, why, sizeof(why)), 0);
	assert_int_equal(balloon_message(&b, GK_BALLOON_DEFLATE, &f[1], 1, GK_BALLOON_MSG_OOM | GK_BALLOON_MSG_LAST,
					 NULL, why, sizeof(why)),
			 0);
	assert_int_equal(r.reused, 2 * MIB + 4096);
	struct result_balloon res;
	balloon_result(&b, &res);
	assert_true(res.have);
	assert_int_equal(res.target, 16 * MIB);
	assert_int_equal(res.actual, 14 * MIB + 4096);
	assert_int_equal(res.inflated, 16 * MIB + 8192);
	assert_int_equal(res.deflated, 2 * MIB + 4096);
	assert_int_equal(res.oom_deflates, 1);
	assert_int_equal(res.messages, 4);
	assert_true(res.inflate_s > 0 && res.deflate_s > 0);
	balloon_detach(&b);
	balloon_fini(&b);
}

/* A refused message: the error names the entry; entries before it stay applied. */
static void expect_refused(struct balloon *b, unsigned op, const uint64_t *e, uint32_t n, uint32_t flags,
			   const char *text)
{
	char why[256] = "";
	int rc = balloon_message(b, op, e, n, flags, NULL, why, sizeof(why));
	assert_true(rc == -EINVAL || rc == -EFAULT);
	if (!strstr(why, text))
		fail_msg("'%s' does not say '%s'", why, text);
}

static void test_refusals(void **st)
{
	(void)st;
	struct balloon b;
	struct rec r;
	setup_balloon(&b, &r, NULL);
	uint64_t e;
	e = RAM_GPA + RAM; /* the first byte past RAM */
	expect_refused(&b, GK_BALLOON_INFLATE, &e, 1, 0, "frame 0x44000000 outside guest RAM: in the page-table pool");
	e = 0x200000;
	expect_refused(&b, GK_BALLOON_INFLATE, &e, 1, 0, "outside guest RAM: in the system area");
	e = (RAM_GPA + RAM - 2 * MIB + 4096) | GK_BALLOON_ENTRY_2M;
	expect_refused(&b, GK_BALLOON_INFLATE, &e, 1, 0, "not aligned to its size");
	e = (RAM_GPA + RAM - 2 * MIB) | GK_BALLOON_ENTRY_2M; /* the last chunk: fine ... */
	uint64_t twice[2] = { RAM_GPA + 4096, RAM_GPA + 4096 };
	expect_refused(&b, GK_BALLOON_INFLATE, twice, 2, 0, "entry 1: frame 0x40001000 already ballooned");
	assert_int_equal(balloon_actual_bytes(&b), 4096); /* entry 0 stayed applied */
	assert_int_equal(r.released, 4096);
	uint64_t chunk0 = RAM_GPA | GK_BALLOON_ENTRY_2M; /* holds the ballooned frame */
	expect_refused(&b, GK_BALLOON_INFLATE, &chunk0, 1, 0, "partly ballooned");
	expect_refused(&b, GK_BALLOON_DEFLATE, &chunk0, 1, 0, "is not (wholly) ballooned");
	e = RAM_GPA | 0x10;
	expect_refused(&b, GK_BALLOON_INFLATE, &e, 1, 0, "unknown flag bits");
	uint64_t many[GK_BALLOON_BATCH + 1] = { 0 };
	expect_refused(&b, GK_BALLOON_INFLATE, many, GK_BALLOON_BATCH + 1, 0, "at most 256");
	expect_refused(&b, GK_BALLOON_INFLATE, &e, 0, 0x80, "flags 0x80");
	expect_refused(&b, GK_BALLOON_INFLATE, &e, 0, GK_BALLOON_MSG_OOM, "flags 0x2");
	expect_refused(&b, 7, &e, 0, 0, "unknown operation 7");
	assert_int_equal(balloon_actual_bytes(&b), 4096);
	balloon_fini(&b);
}

static void accept(struct balloon *b, unsigned op, uint64_t e)
{
	char why[256] = "";
	if (balloon_message(b, op, &e, 1, GK_BALLOON_MSG_LAST, NULL, why, sizeof(why)) != 0)
		fail_msg("entry 0x%llx refused: %s", (unsigned long long)e, why);
}

/* The map is kept a 64-bit word at a time: frames on both sides of a word boundary, the last
 * bit of a chunk's last word, and a neighbouring chunk that must not see any of them. */
static void test_map_words(void **st)
{
	(void)st;
	struct balloon b;
	struct rec r;
	setup_balloon(&b, &r, NULL);
	const uint64_t chunk0 = RAM_GPA | GK_BALLOON_ENTRY_2M, chunk1 = (RAM_GPA + 2 * MIB) | GK_BALLOON_ENTRY_2M;
	accept(&b, GK_BALLOON_INFLATE, RAM_GPA + 63 * 4096);
	accept(&b, GK_BALLOON_INFLATE, RAM_GPA + 64 * 4096);
	expect_refused(&b, GK_BALLOON_INFLATE, &chunk0, 1, 0, "partly ballooned");
	accept(&b, GK_BALLOON_INFLATE, chunk1); /* frames 512..1023: untouched by bits 63 and 64 */
	accept(&b, GK_BALLOON_DEFLATE, RAM_GPA + 63 * 4096);
	expect_refused(&b, GK_BALLOON_INFLATE, &chunk0, 1, 0, "partly ballooned"); /* 64 still is */
	accept(&b, GK_BALLOON_DEFLATE, RAM_GPA + 64 * 4096);
	accept(&b, GK_BALLOON_INFLATE, chunk0);
	uint64_t last = RAM_GPA + 511 * 4096, first1 = RAM_GPA + 512 * 4096;
	expect_refused(&b, GK_BALLOON_INFLATE, &last, 1, 0, "already ballooned");
	accept(&b, GK_BALLOON_DEFLATE, last); /* the last bit of chunk 0's last word */
	expect_refused(&b, GK_BALLOON_DEFLATE, &chunk0, 1, 0, "is not (wholly) ballooned");
	expect_refused(&b, GK_BALLOON_INFLATE, &first1, 1, 0, "already ballooned");
	accept(&b, GK_BALLOON_INFLATE, last);
	accept(&b, GK_BALLOON_DEFLATE, chunk0);
	assert_int_equal(balloon_actual_bytes(&b), 2 * MIB); /* chunk 1 alone */
	accept(&b, GK_BALLOON_DEFLATE, chunk1);
	assert_int_equal(balloon_actual_bytes(&b), 0);
	balloon_fini(&b);
}

static void test_target_and_schedule(void **st)
{
	(void)st;
	struct balloon b;
	struct rec r;
	setup_balloon(&b, &r, "target=8m");
	b.cfg.n = 0; /* re-add with the schedule */
	char why[160];
	assert_int_equal(balloon_config_add(&b.cfg, "target=8m", why, sizeof(why)), 0);
	assert_int_equal(balloon_config_add(&b.cfg, "target=24m,at=50ms", why, sizeof(why)), 0);
	assert_int_equal(balloon_config_add(&b.cfg, "target=4m,at=20ms", why, sizeof(why)), 0);
	assert_int_equal(balloon_set_target(&b, RAM + 1), -ERANGE);
	assert_int_equal(balloon_set_target(&b, 10 * MIB + 5), 0);
	assert_int_equal(b.own.target_frames, 10 * MIB / 4096);
	/* The schedule's thread may run late on a loaded machine: poll (up to 5 s) rather than
	 * sleep a fixed time. Only the targets of the schedule appear, 24m not before its 50 ms,
	 * and the last is 24m. */
	struct timespec t0, now, tick = { 0, 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	balloon_measure_started(&b);
	uint64_t seen = 10 * MIB / 4096;
	double ms = 0;
	while (seen != 24 * MIB / 4096 && ms < 5000) {
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (double)(now.tv_sec - t0.tv_sec) * 1e3 + (double)(now.tv_nsec - t0.tv_nsec) / 1e6;
		seen = __atomic_load_n(&b.own.target_frames, __ATOMIC_ACQUIRE);
		assert_true(seen == 10 * MIB / 4096 || seen == 4 * MIB / 4096 || seen == 24 * MIB / 4096);
		if (seen == 24 * MIB / 4096)
			assert_true(ms >= 50.0);
	}
	assert_int_equal(seen, 24 * MIB / 4096);
	balloon_detach(&b);
	assert_int_equal(balloon_set_target(&b, MIB), -ENODEV);
	balloon_fini(&b);
	/* at=0ms is the measured phase's start: set by balloon_measure_started itself, before it
	 * returns (a loaded host may run the balloon's thread much later) */
	setup_balloon(&b, &r, "target=2m");
	assert_int_equal(balloon_config_add(&b.cfg, "target=6m,at=0ms", why, sizeof(why)), 0);
	assert_int_equal(balloon_config_add(&b.cfg, "target=12m,at=100s", why, sizeof(why)), 0);
	balloon_measure_started(&b);
	assert_int_equal(b.own.target_frames, 6 * MIB / 4096);
	balloon_detach(&b);
	balloon_fini(&b);
}


/* Polls (up to 5 s: the balloon's thread may run late on a loaded machine) until *v >= want. */
static bool wait_for(const volatile uint64_t *v, uint64_t want)
{
	struct timespec tick = { 0, 1000 * 1000 };
	for (int i = 0; i < 5000 && __atomic_load_n(v, __ATOMIC_ACQUIRE) < want; i++)
		nanosleep(&tick, NULL);
	return __atomic_load_n(v, __ATOMIC_ACQUIRE) >= want;
}

static struct gk_balloon_stats good_stats(void)
{
	return (struct gk_balloon_stats){ .total_frames = RAM / 4096, .free_frames = 1000, .available_frames = 1000,
					  .minor_faults = 50, .oom_events = 1, .alloc_stalls = 2 };
}

/* A guest's statistics are checked before they are kept: free <= total <= guest RAM,
 * available <= total, counters never go back; a bad copy is counted and dropped. */
static void test_stats_checks(void **st)
{
	(void)st;
	struct gk_balloon_stats g = good_stats(), bad;
	assert_null(balloon_stats_check(&g, NULL, RAM));
	bad = g;
	bad.total_frames = RAM / 4096 + 1;
	assert_string_equal(balloon_stats_check(&bad, NULL, RAM), "total beyond guest RAM");
	bad = g;
	bad.free_frames = g.total_frames + 1;
	assert_string_equal(balloon_stats_check(&bad, NULL, RAM), "free beyond total");
	bad = g;
	bad.available_frames = UINT64_MAX;
	assert_string_equal(balloon_stats_check(&bad, NULL, RAM), "available beyond total");
	bad = g;
	bad.minor_faults = 49;
	assert_string_equal(balloon_stats_check(&bad, &g, RAM), "a counter went back");
	bad = g;
	bad.oom_events = 0;
	assert_string_equal(balloon_stats_check(&bad, &g, RAM), "a counter went back");
	/* at a round's end: the bad copy is refused and the good one stays */
	struct balloon b;
	struct rec r;
	char why[256];
	setup_balloon(&b, &r, NULL);
	uint64_t e = RAM_GPA | GK_BALLOON_ENTRY_2M;
	assert_int_equal(balloon_message(&b, GK_BALLOON_INFLATE, &e, 1, GK_BALLOON_MSG_LAST, &g, why, sizeof(why)), 0);
	bad = g;
	bad.free_frames = g.total_frames * 2;
	assert_int_equal(balloon_message(&b, GK_BALLOON_DEFLATE, &e, 1, GK_BALLOON_MSG_LAST, &bad, why, sizeof(why)), 0);
	struct result_balloon res;
	balloon_result(&b, &res);
	assert_true(res.have_stats);
	assert_int_equal(res.guest_free, 1000 * 4096);
	assert_int_equal(res.guest_total, RAM);
	assert_int_equal(res.guest_minor_faults, 50);
	assert_int_equal(res.stats_refused, 1);
	struct balloon_sample smp;
	balloon_sample(&b, &smp);
	assert_int_equal(smp.guest_free_bytes, 1000 * 4096);
	assert_int_equal(smp.balloon_bytes, 0);
	balloon_fini(&b);
}

/* stats=PERIOD: the thread copies what the guest completed (an even stats_seq it has not taken
 * yet), checks it, and asks again; a copy the guest is writing (odd) is not taken. */
static void test_stats_poll(void **st)
{
	(void)st;
	struct balloon b;
	struct rec r;
	setup_balloon(&b, &r, "stats=2ms");
	struct balloon_sample smp;
	balloon_sample(&b, &smp);
	assert_true(smp.guest_free_bytes == UINT64_MAX); /* nothing yet */
	assert_true(wait_for(&b.own.stats_request, 2)); /* it asks, again and again */
	pthread_mutex_lock(&b.lock); /* the guest's side, as the driver writes it */
	b.own.stats_seq = 1;
	b.own.stats = good_stats();
	pthread_mutex_unlock(&b.lock);
	uint64_t req = __atomic_load_n(&b.own.stats_request, __ATOMIC_ACQUIRE);
	assert_true(wait_for(&b.own.stats_request, req + 2));
	pthread_mutex_lock(&b.lock);
	assert_false(b.have_stats); /* odd: being written */
	assert_true(b.stats_busy > 0);
	b.own.stats_seq = 2;
	pthread_mutex_unlock(&b.lock);
	req = __atomic_load_n(&b.own.stats_request, __ATOMIC_ACQUIRE);
	assert_true(wait_for(&b.own.stats_request, req + 2));
	balloon_sample(&b, &smp);
	assert_int_equal(smp.guest_free_bytes, 1000 * 4096);
	pthread_mutex_lock(&b.lock); /* a lying guest: more free than total */
	b.own.stats.free_frames = RAM; /* in frames: 4096 times guest RAM */
	b.own.stats_seq = 4;
	pthread_mutex_unlock(&b.lock);
	req = __atomic_load_n(&b.own.stats_request, __ATOMIC_ACQUIRE);
	assert_true(wait_for(&b.own.stats_request, req + 2));
	balloon_sample(&b, &smp);
	assert_int_equal(smp.guest_free_bytes, 1000 * 4096); /* the lie was not kept */
	balloon_detach(&b);
	struct result_balloon res;
	balloon_result(&b, &res);
	assert_int_equal(res.stats_refused, 1);
	assert_true(res.stats_polls >= 6);
	balloon_fini(&b);
}

/* report=on: REPORT messages of free 2 MiB chunks are released through the backend's report
 * (the chunks stay the guest's: no ballooned frame, actual unchanged) and counted; the epoch
 * advances every report_delay / 2; every malformed report is refused. */
static void test_report(void **st)
{
	(void)st;
	struct balloon b;
	struct rec r;
	char why[256];
	setup_balloon(&b, &r, "report=on,report_delay=10ms");
	assert_int_equal(b.own.flags, GK_BALLOON_DEFLATE_ON_OOM | GK_BALLOON_REPORTING);
	assert_true(wait_for(&b.own.report_epoch, 3));
	uint64_t e[3] = { (RAM_GPA + 4 * MIB) | GK_BALLOON_ENTRY_2M, (RAM_GPA + 6 * MIB) | GK_BALLOON_ENTRY_2M,
			  (RAM_GPA + 20 * MIB) | GK_BALLOON_ENTRY_2M };
	assert_int_equal(balloon_message(&b, GK_BALLOON_REPORT, e, 3, GK_BALLOON_MSG_LAST, NULL, why, sizeof(why)), 0);
	assert_int_equal(r.reports, 2); /* adjacent chunks: one run */
	assert_int_equal(r.reported, 6 * MIB);
	assert_int_equal(balloon_actual_bytes(&b), 0);
	/* reported again after the guest used and freed it: fine */
	assert_int_equal(balloon_message(&b, GK_BALLOON_REPORT, e, 1, GK_BALLOON_MSG_LAST, NULL, why, sizeof(why)), 0);
	/* and the guest may balloon a reported chunk */
	assert_int_equal(balloon_message(&b, GK_BALLOON_INFLATE, &e[2], 1, GK_BALLOON_MSG_LAST, NULL, why, sizeof(why)),
			 0);
	expect_refused(&b, GK_BALLOON_REPORT, &e[2], 1, 0, "report entry 0: 2 MiB chunk 0x41400000 is ballooned, not free");
	uint64_t f = RAM_GPA + 8 * MIB;
	expect_refused(&b, GK_BALLOON_REPORT, &f, 1, 0, "2 MiB chunks only");
	f = (RAM_GPA + RAM) | GK_BALLOON_ENTRY_2M;
	expect_refused(&b, GK_BALLOON_REPORT, &f, 1, 0, "outside guest RAM: in the page-table pool");
	expect_refused(&b, GK_BALLOON_REPORT, e, 1, GK_BALLOON_MSG_OOM, "flags 0x2");
	struct result_balloon res;
	balloon_result(&b, &res);
	assert_int_equal(res.reported, 8 * MIB);
	assert_int_equal(res.report_messages, 2);
	assert_int_equal(res.messages, 1); /* the inflate */
	struct balloon_sample smp;
	balloon_sample(&b, &smp);
	assert_int_equal(smp.reported_bytes, 8 * MIB);
	assert_int_equal(smp.balloon_bytes, 2 * MIB);
	balloon_detach(&b);
	balloon_fini(&b);
	/* a VM without report=on refuses reports */
	setup_balloon(&b, &r, "target=0");
	assert_int_equal(b.own.flags & GK_BALLOON_REPORTING, 0);
	expect_refused(&b, GK_BALLOON_REPORT, e, 1, 0, "free page reporting is off");
	assert_int_equal(r.reports, 0);
	/* the control area is guest memory: a guest that sets GK_BALLOON_REPORTING there itself
	 * does not turn reporting on (the VMM decides from its own copy of the flags) */
	b.own.flags |= GK_BALLOON_REPORTING;
	expect_refused(&b, GK_BALLOON_REPORT, e, 1, 0, "free page reporting is off");
	assert_int_equal(r.reports, 0);
	balloon_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_inflate_deflate_runs),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_map_words),
		cmocka_unit_test(test_target_and_schedule),
		cmocka_unit_test(test_stats_checks),
		cmocka_unit_test(test_stats_poll),
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
