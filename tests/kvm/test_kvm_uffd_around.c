/* test_kvm_uffd_around.c — fault-around accounting of the kvm VMM's userfaultfd handler
 * (--uffd, --uffd-around, --uffd-poll, --uffd-resolve). For every block size, poll mode and
 * resolution, anon and memfd: the checksum is native's; each violation (exits.ept_violation)
 * made exactly its faulting page resident (pages_touched = violations); the pages the handler
 * made resident, touched + around, are exactly the frames the p2m book calls resident; larger
 * blocks take fewer violations; and the result document's uffd{} says the same (null without
 * --uffd). Exits 77, naming what is missing, where /dev/kvm cannot run a VM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "results/metric_path.h"
#include "tests/common/whole_run.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/run/run.h"

#define MEM (1ULL << 20)

static struct run_result rk, rn;
static uint64_t native_sum;

static int native_setup(void **st)
{
	(void)st;
	struct run_config c = kvm_test_config("seq", "native", MEM, 4, 1500);
	if (run_execute(&c, &rn, NULL) != RUN_OK)
		return -1;
	native_sum = rn.checksum;
	return 0;
}

/* seq over 1 MiB on kvm with o; checks what holds in every mode and returns the document. */
static json_t *run_checked(const struct guest_mem_opts *o)
{
	struct run_config c = kvm_test_config("seq", "kvm", MEM, 4, 1500);
	json_t *doc = NULL;
	c.memory = o;
	assert_int_equal(run_execute(&c, &rk, &doc), RUN_OK);
	assert_true(rk.checksum == native_sum);
	assert_true(rk.have_uffd && rk.have_frames);
	const struct result_uffd *u = &rk.uffd;
	assert_int_equal(u->violations, whole_run(&rk)->exits.ept_violation);
	assert_int_equal(u->pages_touched, u->violations); /* one vCPU: faults never race */
	assert_int_equal(u->page_bytes, 4096);
	assert_int_equal((u->pages_touched + u->pages_around) * u->page_bytes, rk.frames[P2M_RESIDENT] * P2M_FRAME);
	assert_true(u->pages_touched + u->pages_around >= MEM / 4096); /* seq touched all of it */
	assert_true(u->violations * (u->around_bytes / 4096) >= u->pages_touched + u->pages_around);
	return doc;
}

static void test_block_sizes(void **st)
{
	(void)st;
	static const uint64_t arounds[] = { 4096, 16 << 10, 0 /* default */, 2 << 20 };
	struct guest_mem_opts o = guest_mem_defaults;
	o.uffd = true;
	for (int b = GUEST_MEM_ANON; b <= GUEST_MEM_MEMFD; b++) {
		o.backend = (enum guest_mem_backend)b;
		uint64_t prev = UINT64_MAX;
		for (size_t i = 0; i < sizeof(arounds) / sizeof(arounds[0]); i++) {
			o.uffd_opts.around = arounds[i];
			json_decref(run_checked(&o));
			uint64_t want = arounds[i] ? arounds[i] : UFFD_AROUND_DEFAULT;
			assert_int_equal(rk.uffd.around_bytes, want);
			if (want == 4096) { /* no fault-around: one violation per page, nothing around */
				assert_int_equal(rk.uffd.violations, MEM / 4096);
				assert_int_equal(rk.uffd.pages_around, 0);
			} else {
				assert_true(rk.uffd.pages_around > 0);
			}
			assert_true(rk.uffd.violations < prev);
			prev = rk.uffd.violations;
		}
	}
}

static void test_poll_and_resolve_modes(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.uffd = true;
	for (int p = UFFD_POLL_SLEEP; p <= UFFD_POLL_BUSY; p++) {
		for (int r = UFFD_RESOLVE_COPY; r <= UFFD_RESOLVE_ZEROPAGE; r++) {
			o.uffd_opts.poll = (enum uffd_poll)p;
			o.uffd_opts.resolve = (enum uffd_resolve)r;
			json_decref(run_checked(&o));
			assert_string_equal(rk.uffd.poll, uffd_poll_name((enum uffd_poll)p));
			assert_string_equal(rk.uffd.resolve, uffd_resolve_name((enum uffd_resolve)r));
			assert_true(rk.uffd.handler_cpu_s > 0);
		}
	}
}

static uint64_t u64_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

static void test_result_document(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.uffd = true;
	json_t *doc = run_checked(&o);
	json_t *u = json_object_get(doc, "uffd");
	assert_true(json_is_object(u));
	json_t *ept = metric_whole_run(doc, "exits.ept_violation"); /* uffd{} counts the whole run */
	assert_int_equal(u64_at(u, "violations"), (uint64_t)json_integer_value(ept));
	json_decref(ept);
	assert_int_equal(u64_at(u, "pages_resident"), u64_at(u, "pages_touched") + u64_at(u, "pages_around"));
	assert_int_equal(u64_at(u, "pages_resident"), u64_at(json_object_get(json_object_get(doc, "memory"), "frames"),
							     "resident"));
	json_decref(doc);
	struct run_config c = kvm_test_config("seq", "kvm", MEM, 4, 1500);
	assert_int_equal(run_execute(&c, &rk, &doc), RUN_OK);
	assert_false(rk.have_uffd);
	assert_true(json_is_null(json_object_get(doc, "uffd")));
	json_decref(doc);
}

/* Skips (77) when this process may not create a userfaultfd. */
static void skip_unless_userfaultfd(void)
{
	int fd = (int)syscall(SYS_userfaultfd, 0);
	if (fd < 0) {
		printf("kvm_uffd_around: SKIP: no userfaultfd (root, or vm.unprivileged_userfaultfd=1): %s\n",
		       strerror(errno));
		exit(77);
	}
	close(fd);
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_uffd_around");
	skip_unless_userfaultfd();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_sizes),
		cmocka_unit_test(test_poll_and_resolve_modes),
		cmocka_unit_test(test_result_document),
	};
	return cmocka_run_group_tests(tests, native_setup, NULL);
}
