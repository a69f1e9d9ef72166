/* test_wss_monitor.c — the monitor steps a target's working-set estimator on its period and
 * publishes each figure twice: in the series' wss_bytes column (absent before the first
 * figure) and through tel_target_wss_bytes, the reading another thread (an overcommit policy)
 * may take while the monitor runs. The "guest" is this thread writing pages of a memfd region
 * published through a guest-RAM handle; exact mode, so the figure is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/reclaim/telemetry.h"
#include "vmm/util/clock.h"

#define PAGE 4096ULL
#define PAGES 1024ULL
#define TOUCHED 300ULL

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_monitor_steps_and_publishes(void **st)
{
	(void)st;
	int fd = memfd_create("wss-monitor", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(PAGES * PAGE)), 0);
	uint8_t *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	struct guest_ram_handle h;
	guest_ram_handle_init(&h);
	guest_ram_publish(&h, &(struct guest_ram){ .base = p, .bytes = PAGES * PAGE, .fd = fd });
	struct wl_ctx ctx = { 0 };
	static struct telemetry mon;
	static struct tel_target tg;
	char why[200];
	telemetry_init(&mon, 1000, 0, monotonic_seconds());
	tel_target_init(&tg, &ctx, &h, NULL);
	assert_int_equal(tel_target_wss(&tg, &(struct wss_opts){ .exact = true, .period_us = 20000 }, why, sizeof(why)), 0);
	assert_true(tel_target_wss_bytes(&tg) == TEL_ABSENT);
	assert_int_equal(telemetry_add(&mon, &tg), 0);
	assert_int_equal(telemetry_start(&mon), 0);
	/* the same TOUCHED pages written every millisecond: a period finds exactly them, or fewer
	 * when the loaded host kept this thread off the CPU for a whole period; never more */
	bool seen = false;
	for (int i = 0; i < 5000 && !seen; i++) {
		for (uint64_t k = 0; k < TOUCHED; k++)
			p[k * PAGE] = (uint8_t)i;
		sleep_ms(1);
		uint64_t v = tel_target_wss_bytes(&tg);
		if (v != TEL_ABSENT) {
			assert_true(v <= TOUCHED * PAGE);
			seen = v == TOUCHED * PAGE;
			if (seen)
				printf("figure after %d ms: %llu bytes\n", i, (unsigned long long)v);
		}
	}
	telemetry_stop(&mon);
	assert_true(seen);
	assert_true(tg.wss.steps >= 1 && tg.wss_err == 0);
	assert_true(tg.series.n > 1 && tg.series.s[0].wss_bytes == TEL_ABSENT);
	size_t exact = 0;
	for (size_t i = 0; i < tg.series.n; i++)
		if (tg.series.s[i].wss_bytes != TEL_ABSENT) {
			assert_true(tg.series.s[i].wss_bytes <= TOUCHED * PAGE);
			exact += tg.series.s[i].wss_bytes == TOUCHED * PAGE;
		}
	assert_true(exact > 0);
	tel_target_fini(&tg);
	telemetry_fini(&mon);
	guest_ram_publish(&h, NULL);
	guest_ram_handle_fini(&h);
	munmap(p, PAGES * PAGE);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_monitor_steps_and_publishes) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
