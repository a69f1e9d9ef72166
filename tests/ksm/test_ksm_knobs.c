/* test_ksm_knobs.c — the Linux KSM knobs through the library: set as asked and every one back
 * afterwards; a set-up that fails half-way leaves nothing changed; a session whose process dies
 * without restoring is restored by its janitor; advisor_mode is read as the word in force.
 * Needs root and /sys/kernel/mm/ksm (exit 77 naming what is missing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ksm/ksm.h"

static struct ksm_knob_values found;
static char why[512];

static void set(struct ksm_opts *o, const char *key, const char *value)
{
	assert_int_equal(ksm_opt_set(o, key, value, why, sizeof(why)), 0);
}

/* A value different from what the knob has now. */
static const char *other(enum ksm_knob k, const char *a, const char *b)
{
	return strcmp(found.v[k], a) == 0 ? b : a;
}

static void assert_restored(void)
{
	if (!ksm_knobs_equal_now(&found, why, sizeof(why)))
		fail_msg("KSM knob not restored: %s", why);
}

static void test_session_sets_and_restores(void **st)
{
	(void)st;
	struct ksm_opts o = { 0 };
	struct ksm_session *s = calloc(1, sizeof(*s));
	char v[KSM_KNOB_LEN];
	set(&o, "ksm", "on");
	set(&o, "ksm-pages-to-scan", "1234");
	set(&o, "ksm-sleep-ms", "7");
	set(&o, "ksm-zero-pages", strcmp(found.v[KSM_USE_ZERO_PAGES], "1") == 0 ? "off" : "on");
	if (found.has[KSM_ADVISOR_MODE])
		set(&o, "ksm-advisor", other(KSM_ADVISOR_MODE, "scan-time", "none"));
	if (ksm_session_begin(s, &o, 0, why, sizeof(why)) < 0)
		fail_msg("begin: %s", why);
	assert_int_equal(ksm_knob_read(KSM_RUN, v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(ksm_knob_read(KSM_SLEEP_MILLISECS, v, sizeof(v)), 0);
	assert_string_equal(v, "7");
	ksm_session_restore(s);
	assert_true(s->restored);
	assert_restored();
	ksm_session_fini(s);
	free(s);
}

/* use_zero_pages is written before pages_to_scan (reverse table order); pages_to_scan's bad
 * value then fails the set-up, which must put use_zero_pages back. */
static void test_failed_setup_changes_nothing(void **st)
{
	(void)st;
	struct ksm_opts o = { .on = true };
	struct ksm_session *s = calloc(1, sizeof(*s));
	set(&o, "ksm-zero-pages", strcmp(found.v[KSM_USE_ZERO_PAGES], "1") == 0 ? "off" : "on");
	o.set.has[KSM_PAGES_TO_SCAN] = true;
	snprintf(o.set.v[KSM_PAGES_TO_SCAN], KSM_KNOB_LEN, "bogus");
	assert_true(ksm_session_begin(s, &o, 0, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "pages_to_scan"));
	assert_restored();
	free(s);
}

/* The process dies between set-up and restore: the janitor (forked by begin) writes every
 * knob back once the pipe closes without "done". */
static void test_janitor_restores_after_death(void **st)
{
	(void)st;
	pid_t pid = fork();
	if (pid == 0) {
		struct ksm_opts o = { .on = true };
		static struct ksm_session s;
		ksm_opt_set(&o, "ksm-pages-to-scan", "777", why, sizeof(why));
		_exit(ksm_session_begin(&s, &o, 0, why, sizeof(why)) < 0 ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < 500 && !ksm_knobs_equal_now(&found, why, sizeof(why)); i++)
		usleep(10000);
	assert_restored();
}

int main(void)
{
	const char *un = ksm_unavailable();
	if (un) {
		printf("ksm_knobs: skipped: %s\n", un);
		return 77;
	}
	ksm_knobs_save(&found);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_sets_and_restores),
		cmocka_unit_test(test_failed_setup_changes_nothing),
		cmocka_unit_test(test_janitor_restores_after_death),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (!ksm_knobs_equal_now(&found, why, sizeof(why))) {
		fprintf(stderr, "ksm_knobs: host left changed: %s; restoring\n", why);
		ksm_knobs_restore(&found, why, sizeof(why));
		return 1;
	}
	return rc;
}
