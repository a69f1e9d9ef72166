/* hostinfo_json.c — the probed host as the result document's `context` block
 * (docs/result-schema.md): what every run records about the machine it ran on. */
#include "vmm/host/hostinfo.h"

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
	json_object_set_new(ctx, "damon", damon_json(&hi->damon));
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
