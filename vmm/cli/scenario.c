/* scenario.c — scenario files into hosts of VMs (see scenario.h). The reader is the experiment
 * files' (experiment_file.c, scenario dialect) and each VM's settings become a sweep point that
 * sweep_point_config turns into a run configuration, so a scenario, an experiment file and the
 * command line can never disagree about a value. What only a host can get wrong is checked
 * here, after every VM parsed and before any VM starts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "overcommit/budget.h"
#include "vmm/cli/scenario.h"
#include "vmm/host/host_counters.h"
#include "vmm/reclaim/reclaim_spec.h"
#include "vmm/run/platform.h"
#include "vmm/run/share_host.h"
#include "vmm/util/parse.h"

/* The section a setting belongs to, for messages: "host" or "vm NAME". */
static const struct xf_section *section_of(const struct scenario *sc, const struct xf_setting *s)
{
	const struct xf_section *g = &sc->xf.global, *pol = &sc->xf.policy;
	if (s >= g->set && s < g->set + g->n)
		return g;
	if (s >= pol->set && s < pol->set + pol->n)
		return pol;
	for (size_t j = 0; j < sc->xf.njobs; j++)
		if (s >= sc->xf.jobs[j].set && s < sc->xf.jobs[j].set + sc->xf.jobs[j].n)
			return &sc->xf.jobs[j];
	return NULL;
}

static int fail_at(const struct scenario *sc, const struct xf_setting *s, const struct sweep_value *v,
		   const char *what, char *why, size_t n)
{
	const struct xf_section *sec = section_of(sc, s);
	bool named = sec == &sc->xf.global || sec == &sc->xf.policy;
	snprintf(why, n, "%s:%d: [%s%s] key '%s' = '%.*s': %s", sc->xf.path, s->line, named ? sec->name : "vm ",
		 named ? "" : sec->name, s->key, v ? (int)v->len : (int)strlen(s->value), v ? s->value + v->off : s->value,
		 what);
	return EXIT_USAGE;
}

static int add_axes(struct scenario *sc, const struct xf_section *sec, char *why, size_t n)
{
	for (size_t i = 0; i < sec->n; i++) {
		const struct xf_setting *s = &sec->set[i];
		unsigned items = 1;
		if (strcmp(s->key, XF_KEY_PLOT) == 0 || strcmp(s->key, XF_KEY_ERROR) == 0)
			continue; /* the merge's charts (sweep_scenario.c): commas of their own, never an axis */
		if (strcmp(s->key, XF_KEY_METRICS) != 0 && sweep_count_items(&sc->xf, s, &items, why, n) < 0)
			return EXIT_USAGE;
		sc->axis[sc->naxes] = s;
		sc->nitems[sc->naxes++] = items;
		if (items > 1 && strcmp(s->key, XF_KEY_REPEAT) == 0)
			return fail_at(sc, s, NULL, "a number of repetitions, not a sweep axis", why, n);
		if ((sc->npoints *= items) > SWEEP_MAX_POINTS)
			return fail_at(sc, s, NULL, "the scenario has more than 4096 points", why, n);
	}
	return 0;
}

static int read_host_keys(struct scenario *sc, char *why, size_t n)
{
	const struct xf_setting *r = xf_get(&sc->xf.global, XF_KEY_REPEAT);
	const struct xf_setting *m = xf_get(&sc->xf.global, XF_KEY_METRICS);
	uint64_t v = 1;
	char err[256];
	if (r && (parse_u64(r->value, &v) < 0 || v < 1 || v > SWEEP_MAX_REPEAT))
		return fail_at(sc, r, NULL, "expected a number of repetitions from 1 to 100", why, n);
	sc->repeat = (unsigned)v;
	if (m && metric_list_parse(m->value, &sc->metrics, err, sizeof(err)) < 0)
		return fail_at(sc, m, NULL, err, why, n);
	return 0;
}

int scenario_load(const char *path, struct scenario *sc, char *why, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	if (xf_load_scenario(path, &sc->xf, why, n) < 0)
		return EXIT_USAGE;
	xf_stem(sc->xf.path, sc->spec.name, sizeof(sc->spec.name));
	sc->spec.path = sc->xf.path;
	sc->npoints = 1;
	int rc = add_axes(sc, &sc->xf.global, why, n);
	if (rc == 0)
		rc = add_axes(sc, &sc->xf.policy, why, n);
	for (size_t j = 0; rc == 0 && j < sc->xf.njobs; j++)
		rc = add_axes(sc, &sc->xf.jobs[j], why, n);
	return rc ? rc : read_host_keys(sc, why, n);
}

/* The item of every axis at point k (the last axis varies fastest). */
static void point_items(const struct scenario *sc, size_t k, struct sweep_value *v)
{
	for (size_t i = sc->naxes; i-- > 0;) {
		sweep_item(sc->axis[i], (unsigned)(k % sc->nitems[i]), &v[i]);
		k /= sc->nitems[i];
	}
}

static size_t axis_index(const struct scenario *sc, const struct xf_setting *s)
{
	for (size_t i = 0; i < sc->naxes; i++)
		if (sc->axis[i] == s)
			return i;
	return 0;
}

static int host_settings(struct scenario *sc, const struct sweep_value *v, char *why, size_t n)
{
	const struct xf_setting *s = xf_get(&sc->xf.global, XF_KEY_SAMPLE_US);
	char text[XF_VALUE_MAX];
	uint64_t us = 0;
	if (s) {
		const struct sweep_value *sv = &v[axis_index(sc, s)];
		snprintf(text, sizeof(text), "%.*s", (int)sv->len, s->value + sv->off);
		if (parse_u64(text, &us) < 0 || us < 50 || us > 1000000)
			return fail_at(sc, s, sv, "expected a period from 50 to 1000000 microseconds", why, n);
	}
	sc->spec.sample_us = us;
	sc->spec.ksm = (struct ksm_opts){ 0 };
	for (size_t i = 0; i < sc->xf.global.n; i++) {
		const struct xf_setting *k = &sc->xf.global.set[i];
		const struct sweep_value *kv = &v[axis_index(sc, k)];
		char msg[256];
		if (!ksm_opt_known(k->key))
			continue;
		snprintf(text, sizeof(text), "%.*s", (int)kv->len, k->value + kv->off);
		if (ksm_opt_set(&sc->spec.ksm, k->key, text, msg, sizeof(msg)) < 0)
			return fail_at(sc, k, kv, msg, why, n);
	}
	return 0;
}

/* A [host] value of point k, as text; NULL when the key is not set. */
static const char *host_value(const struct scenario *sc, const struct sweep_value *v, const char *key, char *text,
			      size_t n, const struct xf_setting **at)
{
	const struct xf_setting *s = xf_get(&sc->xf.global, key);
	*at = s;
	if (!s)
		return NULL;
	const struct sweep_value *sv = &v[axis_index(sc, s)];
	snprintf(text, n, "%.*s", (int)sv->len, s->value + sv->off);
	return text;
}

/* Total guest RAM of the host's VMs: what a budget of RATIOx divides. */
static uint64_t guest_ram_total(const struct host_spec *h)
{
	uint64_t t = 0;
	for (size_t i = 0; i < h->n; i++)
		t += strcmp(h->vm[i].cfg.platform, "native") == 0 ? h->vm[i].cfg.params.mem_bytes : h->vm[i].cfg.sim.ram_bytes;
	return t;
}

/* [host] budget = SIZE | RATIOx (total guest RAM / RATIO: the overcommit ratio), swap =
 * zram:SIZE, policy = NAME, policy-period = TIME, and the [policy] knobs. After the VMs are
 * configured (a ratio needs their RAM). */
static int overcommit_settings(struct scenario *sc, const struct sweep_value *v, char *why, size_t n)
{
	struct host_spec *h = &sc->spec;
	const struct xf_setting *at;
	char text[XF_VALUE_MAX], msg[512];
	const char *t;
	h->budget_bytes = h->zram_bytes = h->policy_period_us = 0;
	h->policy = NULL;
	if ((t = host_value(sc, v, XF_KEY_BUDGET, text, sizeof(text), &at))) {
		size_t len = strlen(t);
		double ratio;
		if (len > 1 && t[len - 1] == 'x') {
			text[len - 1] = 0;
			if (parse_double(t, &ratio) < 0 || ratio < 0.1 || ratio > 100)
				return fail_at(sc, at, &v[axis_index(sc, at)], "expected SIZE or an overcommit ratio RATIOx "
					       "from 0.1x to 100x (total guest RAM / RATIO)", why, n);
			h->budget_bytes = (uint64_t)((double)guest_ram_total(h) / ratio) & ~4095ULL;
		} else if (parse_size(t, &h->budget_bytes) < 0) {
			return fail_at(sc, at, &v[axis_index(sc, at)], "expected SIZE (such as 512m) or RATIOx (such as 1.5x)",
				       why, n);
		}
		if (h->budget_bytes < OC_BUDGET_MIN_BYTES)
			return fail_at(sc, at, &v[axis_index(sc, at)], "a budget below 16 MiB cannot hold even the VMM", why, n);
	}
	if ((t = host_value(sc, v, XF_KEY_SWAP, text, sizeof(text), &at))) {
		if (strncmp(t, "zram:", 5) != 0 || parse_size(t + 5, &h->zram_bytes) < 0 || h->zram_bytes < (1ULL << 20))
			return fail_at(sc, at, &v[axis_index(sc, at)], "expected zram:SIZE with SIZE at least 1m", why, n);
		if (!h->budget_bytes)
			return fail_at(sc, at, &v[axis_index(sc, at)], "swap is the budget's (its cgroup reclaims to it): "
				       "set [host] budget too", why, n);
	}
	if ((t = host_value(sc, v, XF_KEY_POLICY_PERIOD, text, sizeof(text), &at)) &&
	    (parse_duration_us(t, &h->policy_period_us) < 0 || h->policy_period_us < 10000 ||
	     h->policy_period_us > 10000000))
		return fail_at(sc, at, &v[axis_index(sc, at)], "expected a period from 10ms to 10s", why, n);
	const struct xf_setting *pol_at;
	if ((t = host_value(sc, v, XF_KEY_POLICY, text, sizeof(text), &pol_at))) {
		if (!(h->policy = oc_policy_find(t))) {
			snprintf(msg, sizeof(msg), "unknown policy: expected one of %s", oc_policy_names());
			return fail_at(sc, pol_at, &v[axis_index(sc, pol_at)], msg, why, n);
		}
		if (!h->budget_bytes && strcmp(t, "none") != 0 && strcmp(t, "psi") != 0)
			return fail_at(sc, pol_at, &v[axis_index(sc, pol_at)], "this policy divides a budget: set [host] "
				       "budget too", why, n);
	} else if (at || sc->xf.policy.n) {
		const struct xf_setting *s = at ? at : &sc->xf.policy.set[0];
		return fail_at(sc, s, &v[axis_index(sc, s)], "no [host] policy to apply it to", why, n);
	}
	if (!h->policy)
		return 0;
	struct oc_ctx c;
	oc_ctx_init(&c, h->policy, h->n);
	for (size_t i = 0; i < sc->xf.policy.n; i++) {
		const struct xf_setting *k = &sc->xf.policy.set[i];
		const struct sweep_value *kv = &v[axis_index(sc, k)];
		snprintf(text, sizeof(text), "%.*s", (int)kv->len, k->value + kv->off);
		if (oc_knob_set(&c, k->key, text, msg, sizeof(msg)) < 0)
			return fail_at(sc, k, kv, msg, why, n);
	}
	memcpy(h->knob, c.knob, sizeof(h->knob));
	return 0;
}

/* Linux KSM merges private anonymous memory only: with ksm = on, sim VMs' host memory is
 * anonymous instead of a memfd (kvm and native guest RAM is anonymous unless a VM asks for
 * --backend memfd or hugetlb, which the document then shows as not merged). */
static void ksm_host_memory(struct host_spec *h)
{
	for (size_t i = 0; h->ksm.on && i < h->n; i++)
		h->vm[i].cfg.sim.host_anon = true;
}

/* What belongs to the host, not to one VM: refused in [vm NAME] before anything runs. The
 * key at fault goes in *key. */
static const char *host_only(const struct experiment *e, const char **key)
{
	if (!e)
		return NULL;
	*key = "swap";
	if (e->zram_bytes)
		return "swap belongs to the host (one /dev/zram0 for every VM); scenarios do not take it yet";
	*key = "overhead-windows";
	if (e->overhead_window_us)
		return "it measures one run's own monitor; a host's monitor samples every VM";
	*key = "reclaim";
	for (size_t i = 0; i < e->n_reclaim; i++)
		if (e->reclaim[i].kind == RECLAIM_LIMIT)
			return "a memory-cgroup limit squeezes the whole VMM process, every VM at once; scenarios do "
			       "not take it yet";
	return NULL;
}

/* sweep_point_config names file, line, key and value; a scenario names the VM as well. */
static int name_vm(const struct xf_section *sec, char *why, size_t n)
{
	char msg[1024];
	const char *key = strstr(why, ": key '");
	if (key) {
		snprintf(msg, sizeof(msg), "%.*s: [vm %s] %s", (int)(key - why), why, sec->name, key + 2);
		snprintf(why, n, "%s", msg);
	}
	return EXIT_USAGE;
}

/* A [vm NAME] section becomes one point: its settings (at most XF_MAX_SETTINGS) always fit. */
_Static_assert(SWEEP_MAX_SETTINGS >= XF_MAX_SETTINGS, "a [vm NAME] section fits in a sweep point");

/* The run configuration of one [vm NAME] at point k, stored in store. */
static int configure_vm(struct scenario *sc, const struct xf_section *sec, const struct sweep_value *v, size_t k,
			struct scenario_vm_store *store, struct run_config *cfg, unsigned *count, unsigned *shares,
			char *why, size_t n)
{
	struct sweep_point p = { .index = k, .job = sec, .repeat = 1 };
	*count = 0; /* no count key: one VM named as its section */
	*shares = 0;
	store->share_domain[0] = 0;
	const struct xf_setting *domain_at = NULL;
	for (size_t i = 0; i < sec->n; i++) {
		const struct xf_setting *s = &sec->set[i];
		const struct sweep_value *sv = &v[axis_index(sc, s)];
		if (strcmp(s->key, XF_KEY_COUNT) == 0) {
			char text[XF_VALUE_MAX];
			uint64_t c;
			snprintf(text, sizeof(text), "%.*s", (int)sv->len, s->value + sv->off);
			if (parse_u64(text, &c) < 0 || c < 1 || c > HOST_MAX_VMS)
				return fail_at(sc, s, sv, "expected a number of identical VMs from 1 to 64", why, n);
			*count = (unsigned)c;
			continue;
		}
		if (strcmp(s->key, XF_KEY_SHARES) == 0) {
			char text[XF_VALUE_MAX];
			uint64_t c;
			snprintf(text, sizeof(text), "%.*s", (int)sv->len, s->value + sv->off);
			if (parse_u64(text, &c) < 0 || c < 1 || c > 1000000)
				return fail_at(sc, s, sv, "expected esx shares from 1 to 1000000 (default 1000)", why, n);
			*shares = (unsigned)c;
			continue;
		}
		if (strcmp(s->key, XF_KEY_SHARE_DOMAIN) == 0) {
			char text[XF_VALUE_MAX];
			snprintf(text, sizeof(text), "%.*s", (int)sv->len, s->value + sv->off);
			if (!share_domain_name_ok(text))
				return fail_at(sc, s, sv, "expected a sharing domain's name: 1 to 31 letters, digits, '-', "
					       "'_' or '.'", why, n);
			snprintf(store->share_domain, sizeof(store->share_domain), "%.31s", text);
			domain_at = s;
			continue;
		}
		p.set[p.n++] = *sv;
	}
	if (sweep_point_config(&p, sc->xf.path, &store->args, &store->run, why, n) != 0)
		return name_vm(sec, why, n);
	*cfg = store->run.cfg; /* it points into store, which outlives the host's run */
	cfg->share_domain = store->share_domain[0] ? store->share_domain : NULL;
	if (domain_at && !cfg->sim.share)
		return fail_at(sc, domain_at, &v[axis_index(sc, domain_at)], "a sharing domain is for a VM with share = on "
			       "(sim: memvirt's own merge engine)", why, n);
	const char *key = NULL, *why_host = host_only(cfg->experiment, &key);
	if (why_host) {
		const struct xf_setting *s = xf_get(sec, key);
		return s ? fail_at(sc, s, &v[axis_index(sc, s)], why_host, why, n)
			 : (snprintf(why, n, "%s:%d: [vm %s]: %s", sc->xf.path, sec->line, sec->name, why_host), EXIT_USAGE);
	}
	return 0;
}

static int add_vm(struct scenario *sc, const struct xf_section *sec, unsigned copy, unsigned count, unsigned shares,
		  const struct run_config *cfg, char *why, size_t n)
{
	struct host_spec *h = &sc->spec;
	if (h->n == HOST_MAX_VMS) {
		snprintf(why, n, "%s:%d: [vm %s]: more than %d VMs in the scenario", sc->xf.path, sec->line, sec->name,
			 HOST_MAX_VMS);
		return EXIT_USAGE;
	}
	struct host_vm_spec *vm = &h->vm[h->n];
	*vm = (struct host_vm_spec){ .cfg = *cfg, .shares = shares };
	if (count) /* count = N names NAME-1 ... NAME-N, even for N = 1: a sweep over count keeps its names */
		snprintf(vm->name, sizeof(vm->name), "%.50s-%u", sec->name, copy + 1);
	else
		snprintf(vm->name, sizeof(vm->name), "%s", sec->name);
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->vm[i].name, vm->name) == 0) {
			snprintf(why, n, "%s:%d: [vm %s]: a VM named %s already exists (count makes NAME-1 ... NAME-N)",
				 sc->xf.path, sec->line, sec->name, vm->name);
			return EXIT_USAGE;
		}
	vm->cfg.progress = false;
	vm->cfg.json_path = NULL;
	h->n++;
	return 0;
}

/* A policy that reads working-set estimates (esx, mom: needs_wss) turns each VM's estimator
 * on where the scenario did not: sampled, ESX's 100 pages, every 100 ms (docs/working-set.md).
 * A VM whose guest RAM cannot be sampled (anonymous kvm RAM, ksm = on on sim) or that has no
 * telemetry keeps it off, and the policy falls back on its stand-in, which its decisions say. */
static void policy_wss(struct scenario *sc)
{
	const struct host_spec *h = &sc->spec;
	if (!h->policy || !h->policy->needs_wss)
		return;
	for (size_t j = 0; j < sc->xf.njobs; j++) {
		struct experiment *e = &sc->store[j].run.experiment;
		const struct run_config *cfg = NULL; /* one of its VMs, as configured (ksm = on made sim RAM anonymous) */
		for (size_t i = 0; i < h->n && !cfg; i++)
			cfg = h->vm[i].cfg.experiment == e ? &h->vm[i].cfg : NULL;
		const struct platform *p = cfg ? platform_find(cfg->platform) : NULL;
		if (e->wss_on || !e->sample_us || !p || !p->wss_refused)
			continue;
		e->wss = (struct wss_opts){ .sample_pages = WSS_DEFAULT_SAMPLE_PAGES, .seed = WSS_DEFAULT_SEED,
					    .period_us = WSS_DEFAULT_PERIOD_US };
		e->wss_on = true;
		if (p->wss_refused(cfg))
			e->wss_on = false;
	}
}

/* Two VMs writing one time-series file would each overwrite the other's. */
static int check_files(const struct scenario *sc, char *why, size_t n)
{
	const struct host_spec *h = &sc->spec;
	for (size_t i = 0; i < h->n; i++) {
		const struct experiment *a = h->vm[i].cfg.experiment;
		for (size_t j = i + 1; a && a->timeseries_path && j < h->n; j++) {
			const struct experiment *b = h->vm[j].cfg.experiment;
			if (b && b->timeseries_path && strcmp(a->timeseries_path, b->timeseries_path) == 0) {
				snprintf(why, n, "%s: VMs %s and %s both write timeseries %s: give each VM a file of its own",
					 sc->xf.path, h->vm[i].name, h->vm[j].name, a->timeseries_path);
				return EXIT_USAGE;
			}
		}
	}
	return 0;
}

/* Working-set estimation needs guest RAM it can invalidate without losing it: ksm = on turns
 * sim VMs' host memory anonymous after each VM was checked alone, so look again. */
static int check_wss(const struct scenario *sc, char *why, size_t n)
{
	const struct host_spec *h = &sc->spec;
	for (size_t i = 0; i < h->n; i++) {
		const struct run_config *cfg = &h->vm[i].cfg;
		const struct platform *p = platform_find(cfg->platform);
		const char *no = cfg->experiment && cfg->experiment->wss_on && p && p->wss_refused ? p->wss_refused(cfg) : NULL;
		if (no) {
			snprintf(why, n, "%s: [vm %s] key 'wss': %s", sc->xf.path, h->vm[i].name, no);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Host memory a VM's guest could come to occupy: guest RAM and its page-table pool on sim
 * and kvm, the footprint natively. */
static uint64_t guest_memory(const struct run_config *cfg)
{
	if (strcmp(cfg->platform, "native") == 0)
		return cfg->params.mem_bytes;
	return cfg->sim.ram_bytes + cfg->sim.pt_pool_bytes;
}

/* More guest memory than RAM and swap together can never run: say so now, naming the VM
 * that asks for the most. Overcommit within that is the point of a scenario. */
static int check_capacity(const struct scenario *sc, char *why, size_t n)
{
	const struct host_spec *h = &sc->spec;
	uint64_t total = 0, ram = 0, swap = 0, biggest = 0;
	size_t big = 0;
	for (size_t i = 0; i < h->n; i++) {
		uint64_t g = guest_memory(&h->vm[i].cfg);
		total += g;
		if (g > biggest) {
			biggest = g;
			big = i;
		}
	}
	if (host_memory_capacity(&ram, &swap) < 0 || total <= ram + swap)
		return 0;
	const char *sec = h->vm[big].name;
	const struct xf_section *s = NULL;
	for (size_t j = 0; j < sc->xf.njobs && !s; j++)
		if (strncmp(sec, sc->xf.jobs[j].name, strlen(sc->xf.jobs[j].name)) == 0)
			s = &sc->xf.jobs[j];
	const struct xf_setting *mem = s ? xf_get(s, "guest-mem") ?: xf_get(s, "mem") : NULL;
	snprintf(why, n, "%s:%d: [vm %s] key '%s' = '%s': the VMs' guest memory adds up to %llu MiB, more than this host could "
		 "ever back (%llu MiB of RAM and %llu MiB of swap)", sc->xf.path, mem ? mem->line : s ? s->line : 0,
		 s ? s->name : sec, mem ? mem->key : "mem", mem ? mem->value : "(default)",
		 (unsigned long long)(total >> 20), (unsigned long long)(ram >> 20), (unsigned long long)(swap >> 20));
	return EXIT_USAGE;
}

int scenario_configure(struct scenario *sc, size_t k, char *why, size_t n)
{
	struct sweep_value v[SCENARIO_MAX_AXES];
	sc->spec.n = 0;
	point_items(sc, k, v);
	int rc = host_settings(sc, v, why, n);
	for (size_t j = 0; rc == 0 && j < sc->xf.njobs; j++) {
		struct run_config cfg;
		unsigned count, shares;
		rc = configure_vm(sc, &sc->xf.jobs[j], v, k, &sc->store[j], &cfg, &count, &shares, why, n);
		for (unsigned c = 0; rc == 0 && c < (count ? count : 1); c++)
			rc = add_vm(sc, &sc->xf.jobs[j], c, count, shares, &cfg, why, n);
	}
	if (rc == 0)
		rc = overcommit_settings(sc, v, why, n);
	if (rc == 0)
		ksm_host_memory(&sc->spec);
	if (rc == 0)
		policy_wss(sc);
	if (rc == 0)
		rc = check_wss(sc, why, n);
	if (rc == 0)
		rc = check_files(sc, why, n);
	if (rc == 0)
		rc = check_capacity(sc, why, n);
	return rc;
}

json_t *scenario_point_settings(const struct scenario *sc, size_t k)
{
	struct sweep_value v[SCENARIO_MAX_AXES];
	json_t *o = json_object();
	point_items(sc, k, v);
	for (size_t i = 0; i < sc->naxes; i++) {
		const struct xf_section *sec = section_of(sc, sc->axis[i]);
		char name[XF_NAME_MAX + 4], val[XF_VALUE_MAX];
		if (sec == &sc->xf.global || sec == &sc->xf.policy)
			snprintf(name, sizeof(name), "%s", sec == &sc->xf.global ? "host" : "policy");
		else
			snprintf(name, sizeof(name), "vm %s", sec->name);
		json_t *s = json_object_get(o, name);
		if (!s)
			json_object_set_new(o, name, s = json_object());
		snprintf(val, sizeof(val), "%.*s", (int)v[i].len, sc->axis[i]->value + v[i].off);
		json_t *old = json_object_get(s, sc->axis[i]->key);
		if (old) /* a repeatable option given more than once: "a; b" */
			json_object_set_new(s, sc->axis[i]->key, json_sprintf("%s; %s", json_string_value(old), val));
		else
			json_object_set_new(s, sc->axis[i]->key, json_string(val));
	}
	return o;
}

void scenario_point_text(const struct scenario *sc, size_t k, char *buf, size_t n)
{
	struct sweep_value v[SCENARIO_MAX_AXES];
	size_t used = 0;
	buf[0] = 0;
	point_items(sc, k, v);
	for (size_t i = 0; i < sc->naxes && used + 1 < n; i++) {
		if (sc->nitems[i] < 2)
			continue;
		const struct xf_section *sec = section_of(sc, sc->axis[i]);
		bool host = sec == &sc->xf.global;
		used += (size_t)snprintf(buf + used, n - used, "%s%s%s%s=%.*s", used ? " " : "",
					 host ? "" : sec->name, host ? "" : ".",
					 sc->axis[i]->key, (int)v[i].len, sc->axis[i]->value + v[i].off);
	}
}
