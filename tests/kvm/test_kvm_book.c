/* test_kvm_book.c — the p2m book of guest RAM on kvm. With --uffd and no fault-around the
 * frames the book calls resident are exactly the first touches the VMM resolved (4 KiB host
 * pages: one frame each), for anon and memfd; without it the pagemap passes still find the workload's pages. After a
 * memfd run with a discard, every frame reclaim took is either still reclaimed or refaulted,
 * reclaim took no more frames than it discarded pages, and every frame the uffd handler made
 * resident (touched + fault-around, uffd.pages_resident) is resident or reclaimed — read from
 * the result document `memvirt run` writes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "results/metric_path.h"
#include "tests/common/tmpdir.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/run/run.h"

static struct run_result rk;
static struct result_counters whole; /* rk's counters over the whole run */

static uint64_t frames_sum(void)
{
	uint64_t n = 0;
	for (unsigned s = 0; s < P2M_STATES; s++)
		n += rk.frames[s];
	return n;
}

static void run_seq(const struct guest_mem_opts *o)
{
	struct run_config c = kvm_test_config("seq", "kvm", 1 << 20, 4, 1500);
	c.memory = o;
	assert_int_equal(run_execute(&c, &rk, NULL), RUN_OK);
	assert_true(rk.have_frames);
	assert_int_equal(frames_sum() * P2M_FRAME, rk.guest_bytes);
	assert_int_equal(rk.frames[P2M_RECLAIMED] + rk.frames_reclaimed + rk.frames_refaulted, 0);
}

static void test_uffd_resident_frames_are_first_touches(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.uffd = true;
	o.uffd_opts.around = 4096; /* one page per violation */
	for (int b = GUEST_MEM_ANON; b <= GUEST_MEM_MEMFD; b++) {
		o.backend = (enum guest_mem_backend)b;
		run_seq(&o);
		result_counters_total(&rk, &whole); /* the first touches are the setup phase's */
		assert_int_equal(whole.exits.ept_violation, (1 << 20) / 4096);
		assert_int_equal(rk.frames[P2M_RESIDENT], whole.exits.ept_violation);
	}
}

static void test_without_uffd_the_passes_find_the_pages(void **st)
{
	(void)st;
	run_seq(&guest_mem_defaults);
	result_counters_total(&rk, &whole);
	assert_int_equal(whole.exits.ept_violation, 0);
	assert_true(rk.frames[P2M_RESIDENT] >= (1 << 20) / 4096);
}

static json_t *run_cli_discard(void)
{
	char json_path[300];
	snprintf(json_path, sizeof(json_path), "%s/r.json", test_dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* due at the start of the measured phase, which sweeps all 16 MiB 400 times (~0.5 s
		 * here): long enough that the reclaim thread acts inside it even on a loaded host */
		execl(MEMVIRT_BIN, "memvirt", "run", "--platform", "kvm", "--uffd", "--backend", "memfd", "--workload",
		      "seq", "--mem", "16m", "--passes", "400", "--guest-page", "2m", "--reclaim",
		      "discard:at=0ms,frac=0.5", "--json", json_path, "--no-progress", (char *)NULL);
		_exit(98);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	json_error_t err;
	json_t *doc = json_load_file(json_path, 0, &err);
	assert_non_null(doc);
	return doc;
}

static uint64_t u64_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

static void test_discard_accounted(void **st)
{
	(void)st;
	json_t *doc = run_cli_discard();
	json_t *mem = json_object_get(doc, "memory");
	json_t *frames = json_object_get(mem, "frames"), *moves = json_object_get(mem, "frame_moves");
	json_t *ev = json_array_get(json_object_get(json_object_get(doc, "reclaim"), "events"), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "status")), "done");
	uint64_t discarded = u64_at(ev, "bytes") / P2M_FRAME;
	uint64_t taken = u64_at(moves, "reclaimed"), back = u64_at(moves, "refaulted");
	assert_true(taken > 0 && taken <= discarded);
	assert_int_equal(u64_at(frames, "reclaimed") + back, taken);
	json_t *uffd = json_object_get(doc, "uffd");
	assert_int_equal(u64_at(frames, "resident") + u64_at(frames, "reclaimed"), u64_at(uffd, "pages_resident"));
	json_t *violations = metric_whole_run(doc, "exits.ept_violation"); /* uffd{} counts the whole run */
	assert_int_equal(u64_at(uffd, "pages_touched"), (uint64_t)json_integer_value(violations));
	json_decref(violations);
	assert_int_equal(u64_at(frames, "ballooned") + u64_at(frames, "shared"), 0);
	json_decref(doc);
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_book");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uffd_resident_frames_are_first_touches),
		cmocka_unit_test(test_without_uffd_the_passes_find_the_pages),
		cmocka_unit_test(test_discard_accounted),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
