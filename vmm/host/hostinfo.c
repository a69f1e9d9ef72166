/* hostinfo.c — probes the host for `memvirt info` and the JSON `context` block.
 * Each probe reads one facility and records "absent" when it cannot: hosts differ (VT-x with
 * EPT, AMD with NPT, kvm-pvm guests, containers without sysfs) and a result must still say
 * honestly what it ran on rather than fail. */
#include "mmu/util.h"
#include "vmm/host/hostinfo.h"
#include "vmm/host/memcg.h"
#include "vmm/host/swap.h"
#include "vmm/host/sysfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>
#include <numa.h>
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

/* ---- small readers (files: sysfs.h); each returns a negative errno instead of failing loudly ---- */

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* Whether a whitespace-separated list (/proc/cpuinfo flags) has a word. */
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

/* ---- identity, CPU and memory ---- */

static void probe_identity(struct hostinfo *hi)
{
	struct utsname u;
	if (gethostname(hi->hostname, sizeof(hi->hostname)) != 0)
		copy_str(hi->hostname, sizeof(hi->hostname), "unknown");
	hi->hostname[sizeof(hi->hostname) - 1] = '\0';
	copy_str(hi->kernel, sizeof(hi->kernel), uname(&u) == 0 ? u.release : "unknown");
	if (proc_field("/proc/cpuinfo", "model name", hi->cpu_model, sizeof(hi->cpu_model)) < 0)
		hi->cpu_model[0] = '\0'; /* hwloc may know it (non-x86); see probe_topology */
	hi->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (proc_meminfo_kib("MemTotal", &hi->mem_total_kib) < 0)
		hi->mem_total_kib = 0;
}

/* ---- NUMA (libnuma) ---- */

/* Without a NUMA-capable kernel, libnuma's other calls are undefined, so the host is
 * described as the single node it effectively is. */
static void probe_numa_single_node(struct hostinfo *hi)
{
	uint64_t free_kib = 0;
	proc_meminfo_kib("MemFree", &free_kib);
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
	if (sysfs_read("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) < 0)
		return;
	char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;
	if (!close || (size_t)(close - open - 1) >= sizeof(hi->thp_mode))
		return;
	*close = '\0';
	copy_str(hi->thp_mode, sizeof(hi->thp_mode), open + 1);
}

static void probe_hugetlb(struct hostinfo *hi)
{
	hi->hugetlb_2m.present = sysfs_exists(HUGETLB_2M_DIR);
	sysfs_read_u64(HUGETLB_2M_DIR "/nr_hugepages", &hi->hugetlb_2m.nr);
	sysfs_read_u64(HUGETLB_2M_DIR "/free_hugepages", &hi->hugetlb_2m.free);
}

/* ---- KVM ---- */

static bool cpu_has_hw_virt(void)
{
	char flags[4096];
	if (proc_field("/proc/cpuinfo", "flags", flags, sizeof(flags)) < 0)
		return false;
	return has_word(flags, "vmx") || has_word(flags, "svm");
}

static enum hostinfo_host_mmu probe_host_mmu(void)
{
	if (sysfs_exists("/sys/module/kvm_pvm"))
		return HOST_MMU_PVM;
	if (sysfs_read_flag("/sys/module/kvm_intel/parameters/ept") == 1 ||
	    sysfs_read_flag("/sys/module/kvm_amd/parameters/npt") == 1)
		return HOST_MMU_TDP;
#if defined(__aarch64__)
	if (sysfs_exists("/dev/kvm"))
		return HOST_MMU_TDP; /* arm64 KVM always translates through stage-2 tables */
#endif
	if (sysfs_exists("/sys/module/kvm_intel") || sysfs_exists("/sys/module/kvm_amd") ||
	    sysfs_exists("/dev/kvm"))
		return HOST_MMU_SHADOW;
	return HOST_MMU_NONE;
}

/* Why /dev/kvm does not exist, in words a user can act on. */
static const char *missing_kvm_reason(void)
{
	if (probe_host_mmu() == HOST_MMU_PVM)
		return "no /dev/kvm (kvm-pvm: host kernel is itself a PVM guest)";
	if (sysfs_exists("/sys/module/kvm_intel") || sysfs_exists("/sys/module/kvm_amd"))
		return "no /dev/kvm (kvm_intel/kvm_amd loaded but the device node is missing)";
	if (cpu_has_hw_virt())
		return "no /dev/kvm (CPU has vmx/svm but kvm_intel/kvm_amd is not loaded: modprobe it)";
	return "no /dev/kvm (CPU shows no vmx/svm: hardware virtualisation not exposed to this host)";
}

int hostinfo_kvm_open(int *api_version, char *why, size_t whylen)
{
	int api = -1, fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), rc = fd;
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			copy_str(why, whylen, missing_kvm_reason());
		else if (rc == -EACCES || rc == -EPERM)
			copy_str(why, whylen, "permission denied on /dev/kvm (run as root or join the group owning it)");
		else
			snprintf(why, whylen, "cannot open /dev/kvm: %s", strerror(-rc));
	} else if ((api = ioctl(fd, KVM_GET_API_VERSION, 0)) < 0) { /* not a KVM device at all */
		snprintf(why, whylen, "/dev/kvm is not a KVM device: KVM_GET_API_VERSION failed: %s", strerror(errno));
		rc = -ENODEV;
	} else if (api != KVM_STABLE_API_VERSION) {
		snprintf(why, whylen, "unsupported KVM API version %d (need %d)", api, KVM_STABLE_API_VERSION);
		rc = -ENOTSUP;
	} else if (whylen) {
		why[0] = '\0';
	}
	if (rc < 0 && fd >= 0)
		close(fd);
	if (api_version)
		*api_version = api;
	return rc;
}

static void probe_kvm_device(struct hostinfo_kvm *kvm)
{
	int fd = hostinfo_kvm_open(&kvm->api_version, kvm->reason, sizeof(kvm->reason));
	kvm->available = fd >= 0;
	if (fd >= 0)
		close(fd);
}

static void probe_kvm(struct hostinfo_kvm *kvm)
{
	kvm->host_mmu = probe_host_mmu();
	kvm->tdp_mmu = sysfs_read_flag("/sys/module/kvm/parameters/tdp_mmu") == 1;
	probe_kvm_device(kvm);
}

/* ---- memory facilities ---- */

static void probe_ksm(struct hostinfo *hi)
{
	uint64_t run;
	hi->ksm.present = sysfs_exists(KSM_DIR "/run");
	hi->ksm.run = sysfs_read_u64(KSM_DIR "/run", &run) == 0 ? (int)run : -1;
	sysfs_read_u64(KSM_DIR "/pages_shared", &hi->ksm.pages_shared);
	sysfs_read_u64(KSM_DIR "/pages_sharing", &hi->ksm.pages_sharing);
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
	hi->uffd.dev = sysfs_exists("/dev/userfaultfd");
	int rc = try_userfaultfd(O_CLOEXEC | O_NONBLOCK);
#ifdef UFFD_USER_MODE_ONLY
	/* vm.unprivileged_userfaultfd=0 still allows user-mode-only descriptors, which is all a
	 * VMM tracking its own guest RAM needs. */
	if (rc == -EPERM)
		rc = try_userfaultfd(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
#endif
	hi->uffd.syscall = rc == 0;
}

static void probe_memcg(struct hostinfo *hi)
{
	int version = memcg_host_find(hi->memcg.path, sizeof(hi->memcg.path));
	copy_str(hi->memcg.version, sizeof(hi->memcg.version), version == 1 ? "v1" : version == 2 ? "v2" : "absent");
}

/* The file exists even when booted with psi=0; only a successful read means PSI works. */
static void probe_psi(struct hostinfo *hi)
{
	char buf[256];
	hi->psi_memory = sysfs_read("/proc/pressure/memory", buf, sizeof(buf)) > 0;
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
	host_swap_probe(&hi->swap);
	damon_probe(&hi->damon);
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
