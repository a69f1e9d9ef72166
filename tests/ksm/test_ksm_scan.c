/* test_ksm_scan.c — the own scanner's estimate on pages of known content: zero pages counted
 * apart, duplicates inside a VM and across VMs, unique pages never shared, holes (unmapped
 * pages) not read, the same content in two VMs shared only across them, pages changed since
 * the previous pass left out as volatile; and the [host]
 * page-sharing keys, parsed and refused. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "ksm/ksm.h"
#include "ksm/ksm_scan.h"

static char why[512];

static void set(struct ksm_opts *o, const char *key, const char *value)
{
	assert_int_equal(ksm_opt_set(o, key, value, why, sizeof(why)), 0);
}

#define PAGE 4096u
#define PAGES 1000u

/* Page i of a VM: 100 zero pages, 500 copies of 10 contents, 300 unique, 100 never touched. */
static uint8_t *make_vm(uint64_t salt)
{
	uint8_t *m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	for (uint64_t i = 0; i < 900; i++) {
		uint64_t *w = (uint64_t *)(m + i * PAGE);
		if (i < 100)
			memset(w, 0, PAGE); /* written: mapped, and zero */
		else
			for (unsigned k = 0; k < PAGE / 8; k++)
				w[k] = (i < 600 ? i % 10 : i * 7919 + salt) * 0x9e3779b97f4a7c15ULL + k;
	}
	return m;
}

static void test_one_vm(void **st)
{
	(void)st;
	uint8_t *m = make_vm(1);
	struct ksm_scanner sc;
	struct ksm_estimate e;
	assert_int_equal(ksm_scan_begin(&sc, 1), 0);
	assert_int_equal(ksm_scan_vm(&sc, 0, m, PAGES * PAGE, NULL), 0);
	ksm_scan_finish(&sc, &e);
	assert_int_equal(e.vm[0].scanned, 900); /* the 100 holes are not read */
	assert_int_equal(e.vm[0].zero, 100);
	assert_int_equal(e.vm[0].dup, 500);
	assert_int_equal(e.vm[0].distinct, 310);
	assert_int_equal(e.vm[0].saved_pages, 99 + 490); /* zero pages as one content, pool as 10 */
	assert_int_equal(e.saved_across, e.saved_within);
	assert_false(e.vm[0].missed);
	munmap(m, PAGES * PAGE);
}

static void test_two_vms(void **st)
{
	(void)st;
	uint8_t *a = make_vm(1), *b = make_vm(1), *c = make_vm(2);
	struct ksm_scanner sc;
	struct ksm_estimate e;
	assert_int_equal(ksm_scan_begin(&sc, 3), 0);
	assert_int_equal(ksm_scan_vm(&sc, 0, a, PAGES * PAGE, NULL), 0);
	assert_int_equal(ksm_scan_vm(&sc, 1, b, PAGES * PAGE, NULL), 0);
	assert_int_equal(ksm_scan_vm(&sc, 2, c, PAGES * PAGE, NULL), 0);
	ksm_scan_finish(&sc, &e);
	assert_int_equal(e.saved_within, 3 * (99 + 490));
	/* a and b are identical: b's 900 pages all go; c shares its zero and pool pages only */
	uint64_t distinct = 1 + 10 + 300 + 300;
	assert_int_equal(e.distinct, distinct);
	assert_int_equal(e.saved_across, 3 * 900 - distinct);
	assert_int_equal(e.zero, 300);
	munmap(a, PAGES * PAGE);
	munmap(b, PAGES * PAGE);
	munmap(c, PAGES * PAGE);
}

/* Two passes with history: ten unique pages rewritten in between are volatile in the second. */
static void test_volatile_between_passes(void **st)
{
	(void)st;
	uint8_t *m = make_vm(1);
	uint64_t prev[PAGES] = { 0 };
	struct ksm_scanner sc;
	struct ksm_estimate e;
	assert_int_equal(ksm_scan_begin(&sc, 1), 0);
	assert_int_equal(ksm_scan_vm(&sc, 0, m, PAGES * PAGE, prev), 0);
	ksm_scan_finish(&sc, &e);
	assert_int_equal(e.vm[0].volatile_pages, 0); /* no history yet */
	assert_int_equal(e.vm[0].scanned, 900);
	for (unsigned i = 700; i < 710; i++)
		m[i * PAGE] ^= 1;
	assert_int_equal(ksm_scan_begin(&sc, 1), 0);
	assert_int_equal(ksm_scan_vm(&sc, 0, m, PAGES * PAGE, prev), 0);
	ksm_scan_finish(&sc, &e);
	assert_int_equal(e.vm[0].volatile_pages, 10);
	assert_int_equal(e.vm[0].scanned, 890);
	assert_int_equal(e.vm[0].saved_pages, 99 + 490);
	assert_int_equal(e.hashed_bytes, 900 * PAGE);
	munmap(m, PAGES * PAGE);
}

static void test_missed_vm(void **st)
{
	(void)st;
	struct ksm_scanner sc;
	struct ksm_estimate e;
	assert_int_equal(ksm_scan_begin(&sc, 2), 0);
	assert_int_equal(ksm_scan_vm(&sc, 5, NULL, 0, NULL), -22);
	ksm_scan_finish(&sc, &e);
	assert_true(e.vm[0].missed && e.vm[1].missed);
	assert_int_equal(e.scanned, 0);
}

static void test_opts(void **st)
{
	(void)st;
	struct ksm_opts o = { 0 };
	set(&o, "ksm", "on");
	set(&o, "ksm-pages-to-scan", "4000");
	set(&o, "ksm-advisor", "scan-time");
	set(&o, "ksm-scan-every-ms", "500");
	assert_int_equal(o.scan_every_ms, 500);
	assert_true(o.on);
	assert_string_equal(o.set.v[KSM_PAGES_TO_SCAN], "4000");
	assert_string_equal(o.set.v[KSM_ADVISOR_MODE], "scan-time");
	assert_int_equal(ksm_opt_set(&o, "ksm-zero-pages", "yes", why, sizeof(why)), -22);
	assert_non_null(strstr(why, "on or off"));
	assert_int_equal(ksm_opt_set(&o, "ksm-pages-to-scan", "0", why, sizeof(why)), -22);
	assert_int_equal(ksm_opt_set(&o, "ksm-bogus", "1", why, sizeof(why)), -2);
	assert_false(ksm_opt_known("sample-us"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_vm),
		cmocka_unit_test(test_two_vms),
		cmocka_unit_test(test_volatile_between_passes),
		cmocka_unit_test(test_missed_vm),
		cmocka_unit_test(test_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
