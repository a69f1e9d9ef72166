/* test_kvm_memory.c — guest RAM backends on kvm: anon, memfd and hugetlb (when the host can
 * lend 2 MiB pages; the pool is restored afterwards) give the native checksum and say which
 * backend ran; THP on/off and NUMA placement on node 0 run; a node the host lacks is
 * refused; --uffd without fault-around (--uffd-around off) sees exactly one first touch per
 * guest page the workload touched (fault-around: test_kvm_uffd_around.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/common/whole_run.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/run/run.h"

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static struct run_result rk, rn;

static uint64_t native_checksum(const char *wl, uint64_t mem, uint64_t seed)
{
	struct run_config c = kvm_test_config(wl, "native", mem, seed, 1500);
	assert_int_equal(run_execute(&c, &rn, NULL), RUN_OK);
	return rn.checksum;
}

static enum run_state run_kvm(const char *wl, uint64_t mem, uint64_t seed, const struct guest_mem_opts *o)
{
	struct run_config c = kvm_test_config(wl, "kvm", mem, seed, 1500);
	c.memory = o;
	enum run_state st = run_execute(&c, &rk, NULL);
	if (st != RUN_OK)
		fprintf(stderr, "%s: %s\n", wl, rk.message);
	return st;
}

static void expect_equivalent(const struct guest_mem_opts *o, const char *backend)
{
	const char *wls[] = { "seq", "churn", "ctxsw" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(run_kvm(wls[i], 1 << 20, 11, o), RUN_OK);
		assert_true(rk.checksum == native_checksum(wls[i], 1 << 20, 11));
		assert_string_equal(rk.backend, backend);
	}
}

static void test_memfd_backend(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.backend = GUEST_MEM_MEMFD;
	expect_equivalent(&o, "memfd");
}

static void test_thp_and_numa_node_0(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.thp = GUEST_MEM_THP_ON;
	o.numa_node = 0;
	expect_equivalent(&o, "anon");
	o.thp = GUEST_MEM_THP_OFF;
	o.numa_policy = GUEST_MEM_NUMA_INTERLEAVE;
	expect_equivalent(&o, "anon");
}

static void test_missing_numa_node_refused(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.numa_node = 1023;
	assert_int_equal(run_kvm("seq", 256 << 10, 1, &o), RUN_FAILED);
	assert_non_null(strstr(rk.message, "--numa-node 1023"));
}

/* seq touches each page of its buffer once, and nothing else in RAM is touched before. */
static void test_uffd_counts_first_touches(void **st)
{
	(void)st;
	struct guest_mem_opts o = guest_mem_defaults;
	o.uffd = true;
	o.uffd_opts.around = 4096; /* one page per violation */
	for (int b = GUEST_MEM_ANON; b <= GUEST_MEM_MEMFD; b++) {
		o.backend = (enum guest_mem_backend)b;
		assert_int_equal(run_kvm("seq", 1 << 20, 4, &o), RUN_OK);
		assert_true(rk.checksum == native_checksum("seq", 1 << 20, 4));
		assert_int_equal(whole_run(&rk)->exits.ept_violation, (1 << 20) / 4096);
	}
	/* without --uffd the host resolves first touches silently */
	assert_int_equal(run_kvm("seq", 1 << 20, 4, &guest_mem_defaults), RUN_OK);
	assert_int_equal(whole_run(&rk)->exits.ept_violation, 0);
}

static long hugepages_saved = -1;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	int rc = fprintf(f, "%ld\n", v) > 0 ? 0 : -EIO;
	return fclose(f) == 0 ? rc : -errno;
}

/* Lends the hugetlb pool 24 more 2 MiB pages for the test; teardown gives them back. */
static int hugetlb_setup(void **st)
{
	(void)st;
	hugepages_saved = read_long(NR_HUGEPAGES);
	if (hugepages_saved >= 0 && write_long(NR_HUGEPAGES, hugepages_saved + 24) < 0)
		hugepages_saved = -1;
	return 0;
}

static int hugetlb_teardown(void **st)
{
	(void)st;
	if (hugepages_saved >= 0)
		write_long(NR_HUGEPAGES, hugepages_saved);
	return 0;
}

static void test_hugetlb_backend(void **st)
{
	(void)st;
	if (hugepages_saved < 0 || read_long(NR_HUGEPAGES) < hugepages_saved + 24) {
		printf("hugetlb: SKIP: cannot add 2 MiB pages to %s (not root?)\n", NR_HUGEPAGES);
		skip();
	}
	struct guest_mem_opts o = guest_mem_defaults;
	o.backend = GUEST_MEM_HUGETLB;
	struct run_config c = kvm_test_config("churn", "kvm", 1 << 20, 11, 1500);
	c.memory = &o;
	c.sim.ram_bytes = 8 << 20; /* within the 24 pages lent (RAM only is hugetlb-backed) */
	assert_int_equal(run_execute(&c, &rk, NULL), RUN_OK);
	assert_true(rk.checksum == native_checksum("churn", 1 << 20, 11));
	assert_string_equal(rk.backend, "hugetlb");
	o.uffd = true;
	assert_int_equal(run_execute(&c, &rk, NULL), RUN_OK);
	assert_true(rk.checksum == native_checksum("churn", 1 << 20, 11));
	assert_int_equal(whole_run(&rk)->exits.ept_violation, 1); /* 256 KiB region inside one 2 MiB page */
}

int main(void)
{
	kvm_test_skip_unless_usable("kvm_memory");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memfd_backend),
		cmocka_unit_test(test_thp_and_numa_node_0),
		cmocka_unit_test(test_missing_numa_node_refused),
		cmocka_unit_test(test_uffd_counts_first_touches),
		cmocka_unit_test_setup_teardown(test_hugetlb_backend, hugetlb_setup, hugetlb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
