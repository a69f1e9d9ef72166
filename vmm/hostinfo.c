/* hostinfo.c — probes the host for `memvirt info` and the JSON `context` block.
 * Each probe reads one facility and records "absent" when it cannot: hosts differ (VT-x with
 * EPT, AMD with NPT, kvm-pvm guests, containers without sysfs) and a result must still say
 * honestly what it ran on rather than fail. */
#include "vmm/hostinfo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>
#include <numa.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define KVM_STABLE_API_VERSION 12
#define HUGETLB_2M_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB"
#define KSM_DIR "/sys/kernel/mm/ksm"

/* ---- small readers: each returns a negative errno instead of failing loudly ---- */

static bool path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Read up to len-1 bytes of a small (sysfs/procfs) file, NUL-terminated, trailing newline cut. */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static int read_u64(const char *path, uint64_t *out)
{
	char buf[64], *end;
	int rc = read_text(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Module parameters print booleans as Y/N (bool) or 1/0 (int): 1 = on, 0 = off, <0 = unknown. */
static int read_param_bool(const char *path)
{
	char buf[16];
	int rc = read_text(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* The value, in KiB, of one /proc/meminfo line ("MemTotal:  24683620 kB"). */
static int meminfo_kib(const char *key, uint64_t *out)
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	char line[256];
	size_t klen = strlen(key);
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			*out = strtoull(line + klen + 1, NULL, 10);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Whether a whitespace-separated list (cgroup.controllers, /proc/cpuinfo flags) has a word. */
static bool has_word(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += wlen) {
		bool starts = p == list || isspace((unsigned char)p[-1]);
		bool ends = p[wlen] == '\0' || isspace((unsigned char)p[wlen]);
		if (starts && ends)
			return true;
	}
	return false;
}

/* The value of the first "key<tabs>: value" line of /proc/cpuinfo, or -ENOENT. */
static int cpuinfo_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return -errno;
	char line[4096];
	size_t klen = strlen(key);
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon || strncmp(line, key, klen) != 0 || strspn(line + klen, " \t") != (size_t)(colon - line - klen))
			continue;
		char *val = colon + 1 + strspn(colon + 1, " \t");
		val[strcspn(val, "\n")] = '\0';
		copy_str(out, len, val);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* ---- identity, CPU and memory ---- */

static void probe_identity(struct hostinfo *hi)
{
	struct utsname u;
	if (gethostname(hi->hostname, sizeof(hi->hostname)) != 0)
		copy_str(hi->hostname, sizeof(hi->hostname), "unknown");
	hi->hostname[sizeof(hi->hostname) - 1] = '\0';
	copy_str(hi->kernel, sizeof(hi->kernel), uname(&u) == 0 ? u.release : "unknown");
	if (cpuinfo_field("model name", hi->cpu_model, sizeof(hi->cpu_model)) < 0)
		hi->cpu_model[0] = '\0'; /* hwloc may know it (non-x86); see probe_topology */
	hi->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (meminfo_kib("MemTotal", &hi->mem_total_kib) < 0)
		hi->mem_total_kib = 0;
}

/* ---- NUMA (libnuma) ---- */

/* Without a NUMA-capable kernel, libnuma's other calls are undefined, so the host is
 * described as the single node it effectively is. */
static void probe_numa_single_node(struct hostinfo *hi)
{
	uint64_t free_kib = 0;
	meminfo_kib("MemFree", &free_kib);
	hi->numa_nodes = 1;
	hi->numa_nodes_listed = 1;
	hi->numa_node[0] = (struct hostinfo_numa_node){ 0, hi->mem_total_kib, free_kib };
}

static void probe_numa(struct hostinfo *hi)
{
	hi->numa_api = numa_available() >= 0;
	if (!hi->numa_api) {
		probe_numa_single_node(hi);
		return;
	}
	hi->numa_nodes = numa_num_configured_nodes();
	if (hi->numa_nodes < 1)
		hi->numa_nodes = 1;
	/* Node ids can have holes; numa_node_size64 says -1 for ids that are not nodes. */
	for (int id = 0; id <= numa_max_node() && hi->numa_nodes_listed < HOSTINFO_MAX_NODES; id++) {
		long long free_bytes = 0;
		long long total = numa_node_size64(id, &free_bytes);
		if (total < 0)
			continue;
		hi->numa_node[hi->numa_nodes_listed++] = (struct hostinfo_numa_node){
			id, (uint64_t)total / 1024, (uint64_t)free_bytes / 1024
		};
	}
}

/* ---- topology (hwloc) ---- */

static uint64_t cache_kib(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	hwloc_obj_t obj = hwloc_get_obj_by_type(topo, type, 0);
	return obj && obj->attr ? obj->attr->cache.size / 1024 : 0;
}

static int count_objs(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(topo, type);
	return n < 0 ? 0 : n; /* -1 means "spread over several depths": treat as unknown */
}

static void probe_topology(struct hostinfo *hi)
{
	hwloc_topology_t topo;
	if (hwloc_topology_init(&topo) < 0)
		return;
	if (hwloc_topology_load(topo) == 0) {
		hi->topo.packages = count_objs(topo, HWLOC_OBJ_PACKAGE);
		hi->topo.cores = count_objs(topo, HWLOC_OBJ_CORE);
		hi->topo.pus = count_objs(topo, HWLOC_OBJ_PU);
		hi->topo.l1d_kib = cache_kib(topo, HWLOC_OBJ_L1CACHE); /* L1 data/unified; L1i is separate */
		hi->topo.l2_kib = cache_kib(topo, HWLOC_OBJ_L2CACHE);
		hi->topo.l3_kib = cache_kib(topo, HWLOC_OBJ_L3CACHE);
		hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
		const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
		if (!hi->cpu_model[0] && model)
			copy_str(hi->cpu_model, sizeof(hi->cpu_model), model);
	}
	hwloc_topology_destroy(topo);
}

/* ---- huge pages ---- */

/* The bracketed word of "always [madvise] never". */
static void probe_thp(struct hostinfo *hi)
{
	char buf[128];
	copy_str(hi->thp_mode, sizeof(hi->thp_mode), "absent");
	if (read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) < 0)
		return;
	char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;
	if (!close || (size_t)(close - open - 1) >= sizeof(hi->thp_mode))
		return;
	*close = '\0';
	copy_str(hi->thp_mode, sizeof(hi->thp_mode), open + 1);
}

static void probe_hugetlb(struct hostinfo *hi)
{
	hi->hugetlb_2m.present = path_exists(HUGETLB_2M_DIR);
	read_u64(HUGETLB_2M_DIR "/nr_hugepages", &hi->hugetlb_2m.nr);
	read_u64(HUGETLB_2M_DIR "/free_hugepages", &hi->hugetlb_2m.free);
}

/* ---- KVM ---- */

static bool cpu_has_hw_virt(void)
{
	char flags[4096];
	if (cpuinfo_field("flags", flags, sizeof(flags)) < 0)
		return false;
	return has_word(flags, "vmx") || has_word(flags, "svm");
}

static enum hostinfo_host_mmu probe_host_mmu(void)
{
	if (path_exists("/sys/module/kvm_pvm"))
		return HOST_MMU_PVM;
	if (read_param_bool("/sys/module/kvm_intel/parameters/ept") == 1 ||
	    read_param_bool("/sys/module/kvm_amd/parameters/npt") == 1)
		return HOST_MMU_TDP;
#if defined(__aarch64__)
	if (path_exists("/dev/kvm"))
		return HOST_MMU_TDP; /* arm64 KVM always translates through stage-2 tables */
#endif
	if (path_exists("/sys/module/kvm_intel") || path_exists("/sys/module/kvm_amd") ||
	    path_exists("/dev/kvm"))
		return HOST_MMU_SHADOW;
	return HOST_MMU_NONE;
}

/* Why /dev/kvm does not exist, in words a user can act on. */
static void explain_missing_kvm(struct hostinfo_kvm *kvm)
{
	const char *why;
	if (kvm->host_mmu == HOST_MMU_PVM)
		why = "no /dev/kvm (kvm-pvm: host kernel is itself a PVM guest)";
	else if (path_exists("/sys/module/kvm_intel") || path_exists("/sys/module/kvm_amd"))
		why = "no /dev/kvm (kvm_intel/kvm_amd loaded but the device node is missing)";
	else if (cpu_has_hw_virt())
		why = "no /dev/kvm (CPU has vmx/svm but kvm_intel/kvm_amd is not loaded: modprobe it)";
	else
		why = "no /dev/kvm (CPU shows no vmx/svm: hardware virtualisation not exposed to this host)";
	copy_str(kvm->reason, sizeof(kvm->reason), why);
}

static void probe_kvm_device(struct hostinfo_kvm *kvm)
{
	kvm->api_version = -1;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT)
			explain_missing_kvm(kvm);
		else if (err == EACCES || err == EPERM)
			copy_str(kvm->reason, sizeof(kvm->reason),
				 "permission denied on /dev/kvm (run as root or join the group owning it)");
		else
			snprintf(kvm->reason, sizeof(kvm->reason), "cannot open /dev/kvm: %s", strerror(err));
		return;
	}
	kvm->api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (kvm->api_version < 0)
		snprintf(kvm->reason, sizeof(kvm->reason), "KVM_GET_API_VERSION failed: %s", strerror(errno));
	else if (kvm->api_version != KVM_STABLE_API_VERSION)
		snprintf(kvm->reason, sizeof(kvm->reason), "unsupported KVM API version %d (need %d)",
			 kvm->api_version, KVM_STABLE_API_VERSION);
	else
		kvm->available = true;
	close(fd);
}

static void probe_kvm(struct hostinfo_kvm *kvm)
{
	kvm->host_mmu = probe_host_mmu();
	kvm->tdp_mmu = read_param_bool("/sys/module/kvm/parameters/tdp_mmu") == 1;
	probe_kvm_device(kvm);
}

/* ---- memory facilities ---- */

static void probe_ksm(struct hostinfo *hi)
{
	uint64_t run;
	hi->ksm.present = path_exists(KSM_DIR "/run");
	hi->ksm.run = read_u64(KSM_DIR "/run", &run) == 0 ? (int)run : -1;
	read_u64(KSM_DIR "/pages_shared", &hi->ksm.pages_shared);
	read_u64(KSM_DIR "/pages_sharing", &hi->ksm.pages_sharing);
}

static int try_userfaultfd(int flags)
{
#ifdef SYS_userfaultfd
	int fd = (int)syscall(SYS_userfaultfd, flags);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
#else
	(void)flags;
	return -ENOSYS;
#endif
}

static void probe_userfaultfd(struct hostinfo *hi)
{
	hi->uffd.dev = path_exists("/dev/userfaultfd");
	int rc = try_userfaultfd(O_CLOEXEC | O_NONBLOCK);
#ifdef UFFD_USER_MODE_ONLY
	/* vm.unprivileged_userfaultfd=0 still allows user-mode-only descriptors, which is all a
	 * VMM tracking its own guest RAM needs. */
	if (rc == -EPERM)
		rc = try_userfaultfd(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
#endif
	hi->uffd.syscall = rc == 0;
}

static void probe_swap(struct hostinfo *hi)
{
	meminfo_kib("SwapTotal", &hi->swap.total_kib);
	meminfo_kib("SwapFree", &hi->swap.free_kib);
	hi->swap.zram0 = path_exists("/dev/zram0");
}

static bool controllers_have_memory(const char *controllers_file)
{
	char buf[512];
	return read_text(controllers_file, buf, sizeof(buf)) >= 0 && has_word(buf, "memory");
}

/* v1 first: on hybrid hosts the v1 hierarchy is the one that owns the memory controller. */
static void probe_memcg(struct hostinfo *hi)
{
	static const struct { const char *version, *path, *probe; } places[] = {
		{ "v1", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/memory.limit_in_bytes" },
		{ "v2", "/sys/fs/cgroup", "/sys/fs/cgroup/cgroup.controllers" },
		{ "v2", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/cgroup.controllers" },
	};
	copy_str(hi->memcg.version, sizeof(hi->memcg.version), "absent");
	hi->memcg.path[0] = '\0';
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		bool found = strcmp(places[i].version, "v1") == 0 ? path_exists(places[i].probe)
								  : controllers_have_memory(places[i].probe);
		if (found) {
			copy_str(hi->memcg.version, sizeof(hi->memcg.version), places[i].version);
			copy_str(hi->memcg.path, sizeof(hi->memcg.path), places[i].path);
			return;
		}
	}
}

/* The file exists even when booted with psi=0; only a successful read means PSI works. */
static void probe_psi(struct hostinfo *hi)
{
	char buf[256];
	hi->psi_memory = read_text("/proc/pressure/memory", buf, sizeof(buf)) > 0;
}

int hostinfo_probe(struct hostinfo *hi)
{
	if (!hi)
		return -EINVAL;
	memset(hi, 0, sizeof(*hi));
	probe_identity(hi);
	probe_numa(hi);
	probe_topology(hi);
	if (!hi->cpu_model[0])
		copy_str(hi->cpu_model, sizeof(hi->cpu_model), "unknown");
	probe_thp(hi);
	probe_hugetlb(hi);
	probe_kvm(&hi->kvm);
	probe_ksm(hi);
	probe_userfaultfd(hi);
	probe_swap(hi);
	probe_memcg(hi);
	probe_psi(hi);
	hi->root = geteuid() == 0;
	return 0;
}

const char *hostinfo_host_mmu_name(enum hostinfo_host_mmu mmu)
{
	switch (mmu) {
	case HOST_MMU_SHADOW: return "shadow";
	case HOST_MMU_TDP: return "tdp";
	case HOST_MMU_PVM: return "pvm";
	case HOST_MMU_NONE: break;
	}
	return "none";
}

/* ---- JSON context ---- */

static json_t *numa_json(const struct hostinfo *hi)
{
	json_t *nodes = json_array();
	for (int i = 0; nodes && i < hi->numa_nodes_listed; i++) {
		const struct hostinfo_numa_node *n = &hi->numa_node[i];
		json_array_append_new(nodes, json_pack("{s:i, s:I, s:I}", "id", n->id,
						       "mem_total_kib", (json_int_t)n->mem_total_kib,
						       "mem_free_kib", (json_int_t)n->mem_free_kib));
	}
	return json_pack("{s:b, s:i, s:o}", "api", hi->numa_api, "nodes", hi->numa_nodes, "node", nodes);
}

static json_t *topology_json(const struct hostinfo *hi)
{
	return json_pack("{s:i, s:i, s:i, s:I, s:I, s:I}", "packages", hi->topo.packages,
			 "cores", hi->topo.cores, "pus", hi->topo.pus,
			 "l1d_kib", (json_int_t)hi->topo.l1d_kib, "l2_kib", (json_int_t)hi->topo.l2_kib,
			 "l3_kib", (json_int_t)hi->topo.l3_kib);
}

static json_t *kvm_json(const struct hostinfo_kvm *kvm)
{
	return json_pack("{s:b, s:i, s:s, s:s, s:b}", "available", kvm->available,
			 "api_version", kvm->api_version, "reason", kvm->reason,
			 "host_mmu", hostinfo_host_mmu_name(kvm->host_mmu), "tdp_mmu", kvm->tdp_mmu);
}

static json_t *facilities_json(const struct hostinfo *hi, json_t *ctx)
{
	json_object_set_new(ctx, "hugetlb_2m",
			    json_pack("{s:b, s:I, s:I}", "present", hi->hugetlb_2m.present,
				      "nr", (json_int_t)hi->hugetlb_2m.nr, "free", (json_int_t)hi->hugetlb_2m.free));
	json_object_set_new(ctx, "ksm",
			    json_pack("{s:b, s:i, s:I, s:I}", "present", hi->ksm.present, "run", hi->ksm.run,
				      "pages_shared", (json_int_t)hi->ksm.pages_shared,
				      "pages_sharing", (json_int_t)hi->ksm.pages_sharing));
	json_object_set_new(ctx, "userfaultfd",
			    json_pack("{s:b, s:b}", "dev", hi->uffd.dev, "syscall", hi->uffd.syscall));
	json_object_set_new(ctx, "swap",
			    json_pack("{s:I, s:I, s:b}", "total_kib", (json_int_t)hi->swap.total_kib,
				      "free_kib", (json_int_t)hi->swap.free_kib, "zram0", hi->swap.zram0));
	json_object_set_new(ctx, "memcg",
			    json_pack("{s:s, s:s}", "version", hi->memcg.version, "path", hi->memcg.path));
	return ctx;
}

json_t *hostinfo_context_json(const struct hostinfo *hi)
{
	json_t *ctx = json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:o, s:o, s:s, s:o, s:b, s:b}",
				"hostname", hi->hostname, "kernel", hi->kernel, "cpu_model", hi->cpu_model,
				"ncpus", (json_int_t)hi->ncpus, "mem_total_kib", (json_int_t)hi->mem_total_kib,
				"numa_nodes", hi->numa_nodes, "numa", numa_json(hi), "topology", topology_json(hi), "thp", hi->thp_mode,
				"kvm", kvm_json(&hi->kvm), "psi_memory", hi->psi_memory, "root", hi->root);
	return ctx ? facilities_json(hi, ctx) : NULL;
}

/* ---- the `memvirt info` table ---- */

/* "512 KiB", "32 MiB", "23.5 GiB": exact below GiB, one decimal above. */
static const char *human_kib(char *buf, size_t len, uint64_t kib)
{
	if (kib >= 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", (double)kib / (1024.0 * 1024.0));
	else if (kib >= 1024 && kib % 1024 == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(kib / 1024));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)kib);
	return buf;
}

__attribute__((format(printf, 3, 4)))
static void row(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;
	fprintf(out, "  %-15s ", label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_numa(const struct hostinfo *hi, FILE *out)
{
	char line[512] = "", size[32];
	size_t used = 0;
	uint64_t node_sum = 0;
	for (int i = 0; i < hi->numa_nodes_listed && used < sizeof(line); i++) {
		const struct hostinfo_numa_node *n = &hi->numa_node[i];
		node_sum += n->mem_total_kib;
		used += snprintf(line + used, sizeof(line) - used, "%snode%d %s", i ? ", " : "", n->id,
				 human_kib(size, sizeof(size), n->mem_total_kib));
	}
	row(out, "numa", "%d node%s%s: %s", hi->numa_nodes, hi->numa_nodes == 1 ? "" : "s",
	    hi->numa_api ? "" : " (no NUMA support in kernel)", line);
	/* Lazily initialised or hot-plugged memory can be missing from the per-node counters;
	 * say so rather than let the two figures silently disagree. */
	if (node_sum < hi->mem_total_kib - hi->mem_total_kib / 10)
		row(out, "", "(per-node counters cover %s of MemTotal)", human_kib(size, sizeof(size), node_sum));
}

static void print_cpu_memory(const struct hostinfo *hi, FILE *out)
{
	char a[32], b[32], c[32], d[32];
	row(out, "cpu", "%s, %ld online", hi->cpu_model, hi->ncpus);
	row(out, "topology", "%d package%s, %d cores, %d PUs; L1d %s, L2 %s, L3 %s", hi->topo.packages,
	    hi->topo.packages == 1 ? "" : "s", hi->topo.cores, hi->topo.pus,
	    human_kib(a, sizeof(a), hi->topo.l1d_kib), human_kib(b, sizeof(b), hi->topo.l2_kib),
	    human_kib(c, sizeof(c), hi->topo.l3_kib));
	row(out, "memory", "%s (%llu KiB)", human_kib(d, sizeof(d), hi->mem_total_kib),
	    (unsigned long long)hi->mem_total_kib);
	print_numa(hi, out);
}

static void print_kvm(const struct hostinfo_kvm *kvm, FILE *out)
{
	if (kvm->available)
		row(out, "kvm", "available (API %d)", kvm->api_version);
	else
		row(out, "kvm", "unavailable: %s", kvm->reason);
	row(out, "host mmu", "%s (kvm.tdp_mmu=%s)", hostinfo_host_mmu_name(kvm->host_mmu),
	    kvm->tdp_mmu ? "Y" : "N");
}

static void print_facilities(const struct hostinfo *hi, FILE *out)
{
	char a[32], b[32];
	row(out, "thp", "%s", hi->thp_mode);
	if (hi->hugetlb_2m.present)
		row(out, "hugetlb 2 MiB", "%llu pages, %llu free", (unsigned long long)hi->hugetlb_2m.nr,
		    (unsigned long long)hi->hugetlb_2m.free);
	else
		row(out, "hugetlb 2 MiB", "absent");
	if (hi->ksm.present)
		row(out, "ksm", "run=%d, pages_shared=%llu, pages_sharing=%llu", hi->ksm.run,
		    (unsigned long long)hi->ksm.pages_shared, (unsigned long long)hi->ksm.pages_sharing);
	else
		row(out, "ksm", "absent");
	row(out, "userfaultfd", "syscall %s, /dev/userfaultfd %s", hi->uffd.syscall ? "works" : "refused",
	    hi->uffd.dev ? "present" : "absent");
	row(out, "swap", "%s total, %s free; /dev/zram0 %s", human_kib(a, sizeof(a), hi->swap.total_kib),
	    human_kib(b, sizeof(b), hi->swap.free_kib), hi->swap.zram0 ? "present" : "absent");
	if (hi->memcg.path[0])
		row(out, "memory cgroup", "%s at %s", hi->memcg.version, hi->memcg.path);
	else
		row(out, "memory cgroup", "absent");
	row(out, "psi (memory)", "%s", yes_no(hi->psi_memory));
	row(out, "root", "%s", yes_no(hi->root));
}

void hostinfo_print(const struct hostinfo *hi, FILE *out)
{
	fprintf(out, "host\n");
	row(out, "hostname", "%s", hi->hostname);
	row(out, "kernel", "%s", hi->kernel);
	print_cpu_memory(hi, out);
	print_kvm(&hi->kvm, out);
	print_facilities(hi, out);
}
