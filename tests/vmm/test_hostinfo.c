/* test_hostinfo.c — checks hostinfo_probe against independent readings of the same host facts
 * (sysconf, /proc/meminfo, open("/dev/kvm")), and the JSON context against its documented
 * keys and types, so results never carry a silently wrong host description. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmu/util.h"
#include "vmm/host/hostinfo.h"

static struct hostinfo hi; /* probed once: the struct is large and probing loads hwloc */

static int probe_once(void **state)
{
	(void)state;
	return hostinfo_probe(&hi);
}

/* MemTotal read by hand, not through hostinfo's parser. */
static unsigned long long independent_mem_total_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kib = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void test_probe_rejects_null(void **state)
{
	(void)state;
	assert_int_equal(hostinfo_probe(NULL), -EINVAL);
}

static void test_ncpus_matches_sysconf(void **state)
{
	(void)state;
	assert_int_equal(hi.ncpus, sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(hi.ncpus >= 1);
}

static void test_mem_total_matches_meminfo(void **state)
{
	(void)state;
	unsigned long long kib = independent_mem_total_kib();
	assert_true(kib > 0);
	assert_int_equal(hi.mem_total_kib, kib);
}

static void test_identity_strings(void **state)
{
	(void)state;
	char name[HOSTINFO_STR_LEN] = "";
	gethostname(name, sizeof(name) - 1);
	assert_string_equal(hi.hostname, name);
	assert_true(hi.kernel[0] != '\0');
	assert_true(hi.cpu_model[0] != '\0');
}

static void test_numa_has_a_node_with_memory(void **state)
{
	(void)state;
	uint64_t sum = 0;
	assert_true(hi.numa_nodes >= 1);
	assert_true(hi.numa_nodes_listed >= 1);
	for (int i = 0; i < hi.numa_nodes_listed; i++)
		sum += hi.numa_node[i].mem_total_kib;
	/* The nodes together hold the machine's memory: not nothing, and not more than MemTotal
	 * plus what the kernel keeps out of MemTotal (allow 10%). */
	assert_true(sum > 0);
	assert_true(sum <= hi.mem_total_kib + hi.mem_total_kib / 10);
}

static void test_topology_counts_pus(void **state)
{
	(void)state;
	assert_true(hi.topo.pus >= hi.ncpus);
	assert_true(hi.topo.cores >= 1 && hi.topo.cores <= hi.topo.pus);
	assert_true(hi.topo.packages >= 1 && hi.topo.packages <= hi.topo.cores);
}

static void test_thp_mode_is_known_and_matches_sysfs(void **state)
{
	(void)state;
	char buf[256] = "", bracketed[32];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f) {
		assert_string_equal(hi.thp_mode, "absent");
		return;
	}
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_true(strcmp(hi.thp_mode, "always") == 0 || strcmp(hi.thp_mode, "madvise") == 0 ||
		    strcmp(hi.thp_mode, "never") == 0);
	snprintf(bracketed, sizeof(bracketed), "[%s]", hi.thp_mode);
	assert_non_null(strstr(buf, bracketed));
}

static void test_kvm_matches_independent_open(void **state)
{
	(void)state;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int err = errno;
	/* a device that opens but does not answer the KVM API (something else at /dev/kvm) is
	 * as unusable as a missing one */
	if (fd >= 0 && ioctl(fd, KVM_GET_API_VERSION, 0) < 0) {
		close(fd);
		assert_false(hi.kvm.available);
		assert_non_null(strstr(hi.kvm.reason, "KVM_GET_API_VERSION"));
		return;
	}
	if (fd >= 0) {
		close(fd);
		assert_true(hi.kvm.available);
		assert_int_equal(hi.kvm.api_version, 12);
		assert_string_equal(hi.kvm.reason, "");
		assert_int_not_equal(hi.kvm.host_mmu, HOST_MMU_NONE);
		return;
	}
	assert_false(hi.kvm.available);
	assert_true(strlen(hi.kvm.reason) > 0);
	if (err == ENOENT && access("/sys/module/kvm_pvm", F_OK) == 0) {
		assert_string_equal(hi.kvm.reason, "no /dev/kvm (kvm-pvm: host kernel is itself a PVM guest)");
		assert_string_equal(hostinfo_host_mmu_name(hi.kvm.host_mmu), "pvm");
	}
	if (err == EACCES)
		assert_non_null(strstr(hi.kvm.reason, "permission denied"));
}

static void test_facilities_match_independent_checks(void **state)
{
	(void)state;
	assert_int_equal(hi.root, geteuid() == 0);
	assert_int_equal(hi.uffd.dev, access("/dev/userfaultfd", F_OK) == 0);
	assert_int_equal(hi.swap.zram0, access("/dev/zram0", F_OK) == 0);
	assert_int_equal(hi.ksm.present, access("/sys/kernel/mm/ksm/run", F_OK) == 0);
	assert_true(hi.swap.free_kib <= hi.swap.total_kib);
	assert_true(strcmp(hi.memcg.version, "v1") == 0 || strcmp(hi.memcg.version, "v2") == 0 ||
		    strcmp(hi.memcg.version, "absent") == 0);
}

/* One documented key: a dotted path into the context and the JSON type it must have. */
struct expected_key {
	const char *path;
	json_type type;
};

static const struct expected_key expected_keys[] = {
	{ "hostname", JSON_STRING },        { "kernel", JSON_STRING },
	{ "cpu_model", JSON_STRING },       { "ncpus", JSON_INTEGER },
	{ "mem_total_kib", JSON_INTEGER },  { "numa", JSON_OBJECT },
	{ "numa.api", JSON_TRUE },          { "numa.nodes", JSON_INTEGER },
	{ "numa.node", JSON_ARRAY },        { "topology.packages", JSON_INTEGER },
	{ "topology.cores", JSON_INTEGER }, { "topology.pus", JSON_INTEGER },
	{ "topology.l1d_kib", JSON_INTEGER }, { "topology.l2_kib", JSON_INTEGER },
	{ "topology.l3_kib", JSON_INTEGER }, { "thp", JSON_STRING },
	{ "hugetlb_2m.present", JSON_TRUE }, { "hugetlb_2m.nr", JSON_INTEGER },
	{ "hugetlb_2m.free", JSON_INTEGER }, { "kvm.available", JSON_TRUE },
	{ "kvm.api_version", JSON_INTEGER }, { "kvm.reason", JSON_STRING },
	{ "kvm.host_mmu", JSON_STRING },    { "kvm.tdp_mmu", JSON_TRUE },
	{ "ksm.present", JSON_TRUE },       { "ksm.run", JSON_INTEGER },
	{ "ksm.pages_shared", JSON_INTEGER }, { "ksm.pages_sharing", JSON_INTEGER },
	{ "userfaultfd.dev", JSON_TRUE },   { "userfaultfd.syscall", JSON_TRUE },
	{ "swap.total_kib", JSON_INTEGER }, { "swap.free_kib", JSON_INTEGER },
	{ "swap.zram0", JSON_TRUE },        { "memcg.version", JSON_STRING },
	{ "memcg.path", JSON_STRING },      { "psi_memory", JSON_TRUE },
	{ "root", JSON_TRUE },
};

static json_t *lookup(json_t *obj, const char *dotted)
{
	char path[64], *save = NULL;
	snprintf(path, sizeof(path), "%s", dotted);
	for (char *key = strtok_r(path, ".", &save); key && obj; key = strtok_r(NULL, ".", &save))
		obj = json_object_get(obj, key);
	return obj;
}

/* JSON_TRUE in the table stands for "a boolean", whichever value it has. */
static bool has_type(json_t *v, json_type want)
{
	return want == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == want;
}

static void test_context_json_has_documented_keys(void **state)
{
	(void)state;
	json_t *ctx = hostinfo_context_json(&hi);
	assert_non_null(ctx);
	for (size_t i = 0; i < ARRAY_SIZE(expected_keys); i++) {
		json_t *v = lookup(ctx, expected_keys[i].path);
		if (!v || !has_type(v, expected_keys[i].type))
			fail_msg("context key %s missing or of the wrong type", expected_keys[i].path);
	}
	json_t *node0 = json_array_get(lookup(ctx, "numa.node"), 0);
	assert_true(json_is_integer(json_object_get(node0, "id")));
	assert_true(json_is_integer(json_object_get(node0, "mem_total_kib")));
	assert_true(json_is_integer(json_object_get(node0, "mem_free_kib")));
	assert_int_equal(json_integer_value(lookup(ctx, "ncpus")), hi.ncpus);
	assert_int_equal(json_is_true(lookup(ctx, "kvm.available")), hi.kvm.available);
	assert_string_equal(json_string_value(lookup(ctx, "kvm.reason")), hi.kvm.reason);
	json_decref(ctx);
}

static void test_print_shows_every_row(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	assert_non_null(mem);
	hostinfo_print(&hi, mem);
	fclose(mem);
	fputs(text, stdout); /* ctest -V shows what `memvirt info` says on this host */
	static const char *rows[] = { "hostname", "kernel", "cpu", "topology", "memory", "numa",
				      "kvm", "host mmu", "thp", "hugetlb 2 MiB", "ksm", "userfaultfd",
				      "swap", "memory cgroup", "psi (memory)", "damon", "root" };
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (!strstr(text, rows[i]))
			fail_msg("row %s missing from hostinfo_print", rows[i]);
	if (!hi.kvm.available)
		assert_non_null(strstr(text, hi.kvm.reason));
	free(text);
}

/* The host's own DAMON schemes, read independently here: what the context says is there. */
static void test_damon_matches_sysfs(void **state)
{
	(void)state;
	json_t *ctx = hostinfo_context_json(&hi);
	json_t *d = lookup(ctx, "damon");
	assert_non_null(d);
	bool present = access("/sys/kernel/mm/damon/admin", F_OK) == 0;
	assert_int_equal(json_is_true(json_object_get(d, "present")), present);
	FILE *f = fopen("/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds", "r");
	unsigned n = 0;
	if (f && fscanf(f, "%u", &n) != 1)
		n = 0;
	if (f)
		fclose(f);
	assert_int_equal(json_array_size(json_object_get(d, "kdamonds")), n < DAMON_MAX_KDAMONDS ? n : DAMON_MAX_KDAMONDS);
	for (size_t i = 0; i < json_array_size(json_object_get(d, "kdamonds")); i++) {
		json_t *k = json_array_get(json_object_get(d, "kdamonds"), i);
		char path[128], state[16] = "";
		snprintf(path, sizeof(path), "/sys/kernel/mm/damon/admin/kdamonds/%zu/state", i);
		f = fopen(path, "r");
		if (f && fscanf(f, "%15s", state) != 1)
			state[0] = 0;
		if (f)
			fclose(f);
		assert_string_equal(json_string_value(json_object_get(k, "state")), state);
	}
	json_decref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_rejects_null),
		cmocka_unit_test(test_ncpus_matches_sysconf),
		cmocka_unit_test(test_mem_total_matches_meminfo),
		cmocka_unit_test(test_identity_strings),
		cmocka_unit_test(test_numa_has_a_node_with_memory),
		cmocka_unit_test(test_topology_counts_pus),
		cmocka_unit_test(test_thp_mode_is_known_and_matches_sysfs),
		cmocka_unit_test(test_kvm_matches_independent_open),
		cmocka_unit_test(test_facilities_match_independent_checks),
		cmocka_unit_test(test_damon_matches_sysfs),
		cmocka_unit_test(test_context_json_has_documented_keys),
		cmocka_unit_test(test_print_shows_every_row),
	};
	return cmocka_run_group_tests(tests, probe_once, NULL);
}
