/* compare_run.c — `memvirt compare` and the demo: runs each workload natively (the checksum
 * and time baseline) and under ept and shadow on the chosen platform; on kvm the same
 * workloads also run on sim, so that measured figures have the modeled ones beside them.
 * The table, JSON, CSV and HTML are results/compare*.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "results/compare.h"
#include "vmm/cli/cli.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"

int compare_set_workloads(struct compare *c, const char *list, char *bad, size_t n)
{
	char buf[256];
	size_t len = 0;
	buf[0] = 0;
	for (const struct wl_workload *const *w = wl_registry_direct; !list && *w && len < sizeof(buf); w++)
		if (!(*w)->overcommit) /* the paging workloads; the overcommit ones when named */
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "", (*w)->name);
	if (list)
		snprintf(buf, sizeof(buf), "%s", list);
	snprintf(bad, n, "%s", buf);
	c->n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct wl_workload *w = wl_find(wl_registry_direct, tok);
		if (!w || c->n == COMPARE_MAX_WORKLOADS) {
			snprintf(bad, n, "%s", tok);
			return -EINVAL;
		}
		c->rows[c->n++] = (struct compare_row){ .workload = w };
	}
	return c->n ? 0 : -EINVAL;
}

/* A strategy the platform cannot run is skipped, with the platform's reason, rather than
 * failing the whole comparison. */
static bool compare_skip(const char *platform, const char *mmu, struct run_result *res)
{
	const struct platform *p = platform_find(platform);
	const char *why = p && p->mmu_unsupported ? p->mmu_unsupported(mmu) : NULL;
	if (!why)
		return false;
	*res = (struct run_result){ .state = RUN_SKIPPED };
	snprintf(res->message, sizeof(res->message), "%s", why);
	return true;
}

static enum run_state compare_one(const struct compare *c, const struct wl_workload *w, const char *platform,
				  const char *mmu, struct run_result *res)
{
	char path[4096];
	if (compare_skip(platform, mmu, res))
		return RUN_SKIPPED;
	struct run_config cfg = c->base;
	cfg.workload = w;
	cfg.platform = platform;
	cfg.mmu = mmu;
	cfg.json_path = NULL;
	if (c->out_dir) {
		snprintf(path, sizeof(path), "%s/%s-%s-%s.json", c->out_dir, w->name, platform, mmu);
		cfg.json_path = path;
	}
	wl_params_defaults(w, &cfg.params);
	return run_execute(&cfg, res, NULL);
}

enum run_state compare_run(struct compare *c)
{
	enum run_state worst = RUN_OK;
	c->with_sim = strcmp(c->base.platform, "sim") != 0;
	for (size_t i = 0; i < c->n; i++) {
		struct compare_row *r = &c->rows[i];
		enum run_state s[5] = {
			compare_one(c, r->workload, "native", "none", &r->native),
			compare_one(c, r->workload, c->base.platform, "ept", &r->ept),
			compare_one(c, r->workload, c->base.platform, "shadow", &r->shadow),
			c->with_sim ? compare_one(c, r->workload, "sim", "ept", &r->sim_ept) : RUN_SKIPPED,
			c->with_sim ? compare_one(c, r->workload, "sim", "shadow", &r->sim_shadow) : RUN_SKIPPED,
		};
		for (int k = 0; k < 5; k++) {
			if (s[k] == RUN_INTERRUPTED)
				return RUN_INTERRUPTED;
			if (s[k] != RUN_OK && s[k] != RUN_SKIPPED && worst == RUN_OK)
				worst = s[k];
		}
	}
	return worst;
}
