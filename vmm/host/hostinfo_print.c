/* hostinfo_print.c — the probed host as the `memvirt info` table, one facility a row. */
#include <stdarg.h>
#include <stdio.h>

#include "vmm/host/hostinfo.h"

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
	char damon[512];
	damon_describe(&hi->damon, damon, sizeof(damon));
	row(out, "damon", "%s", damon);
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
