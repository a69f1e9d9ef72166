/* cli_options.c — the run options shared by `run`, `compare` and `demo` (and the keys of
 * experiment and scenario files): parsing with getopt_long from option tables that carry their
 * help and where each option applies (cli_opt.h), validation with one clear line per bad value
 * or per option given where it does not apply, and defaults. Workload parameters (--procs, --region, ...) come from the
 * workloads' own descriptors, so a new workload parameter needs no change here. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu/cost.h"
#include "mmu/util.h"
#include "paging/registry.h"
#include "vmm/cli/cli.h"
#include "vmm/util/parse.h"
#include "vmm/run/platform.h"
#include "vmm/run/run.h"

enum {
	OPT_PLATFORM = 256, OPT_MMU, OPT_WORKLOAD, OPT_MEM, OPT_OPS, OPT_SEED, OPT_JSON, OPT_NO_PROGRESS,
	OPT_GUEST_MEM, OPT_TLB, OPT_PWC, OPT_NTLB, OPT_PCID, OPT_SHADOW_FLOOD, OPT_SHARE, OPT_LEVELS, OPT_GUEST_PAGE, OPT_HOST_PAGE,
	OPT_HOST_MEMORY,
	OPT_COST, OPT_RUNTIME, OPT_RAMP, OPT_LOOPS, OPT_HELP, OPT_WL_PARAM, /* + index of the parameter name */
};

static void cost_names_help(FILE *f)
{
	size_t n;
	const struct mmu_cost_param *c = mmu_cost_params(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "      %-20s %6llu  %s\n", c[i].name, (unsigned long long)c[i].def, c[i].help);
}

/* Where each applies (cli_opt.h): compare chooses the strategy, the workloads, the work and
 * its files itself; files take no command-line-only options (--json, --no-progress, --help). */
#define FILES (CLI_XFILE | CLI_SCENARIO)
#define NOT_COMPARE (CLI_RUN | FILES)

static const struct cli_opt run_options[] = {
	CLI_OPT_GROUP_AT("Run options:", CLI_ANYWHERE, 0),
	CLI_OPT_ARG("platform", OPT_PLATFORM, "native|sim|kvm", "where the workload runs (default native; compare and demo: sim)"),
	CLI_OPT_ARG_AT("mmu", OPT_MMU, "ept|shadow", "paging strategy (default ept)", CLI_SIM | CLI_KVM | NOT_COMPARE),
	CLI_OPT_ARG_AT("workload", OPT_WORKLOAD, "NAME", "what runs (default seq; memvirt list shows them all)",
		       CLI_PLATFORMS | NOT_COMPARE),
	CLI_OPT_ARG("mem", OPT_MEM, "SIZE", "workload footprint, k/m/g suffixes (default 64m)"),
	CLI_OPT_ARG("ops", OPT_OPS, "N", "measured-phase operations (default: per workload)"),
	CLI_OPT_ARG("seed", OPT_SEED, "N", "random seed (default 1)"),
	CLI_OPT_ARG_AT("runtime", OPT_RUNTIME, "TIME",
		       "time-based run: repeat the measured work (passes of --ops) for TIME\n"
		       "(1s, 500ms); the checksum covers whole passes (result.passes)",
		       CLI_PLATFORMS | NOT_COMPARE),
	CLI_OPT_ARG_AT("ramp", OPT_RAMP, "TIME", "with --runtime: passes run for TIME before the measured phase\n"
		       "(excluded from every statistic)", CLI_PLATFORMS | NOT_COMPARE),
	CLI_OPT_ARG("loops", OPT_LOOPS, "N", "fixed run: the measured work N times over (default 1); a\n"
		    "--runtime run's checksum equals --loops with its result.passes"),
	CLI_OPT_ARG_AT("json", OPT_JSON, "FILE", "write the result document to FILE (atomically)", CLI_PLATFORMS | CLI_RUN),
	CLI_OPT_FLAG_AT("no-progress", OPT_NO_PROGRESS, "do not draw progress on the terminal",
			CLI_PLATFORMS | CLI_RUN | CLI_COMPARE),
	CLI_OPT_FLAG_AT("help", OPT_HELP, "print this help", CLI_PLATFORMS | CLI_RUN | CLI_COMPARE),
	CLI_OPT_END(),
};

/* The guest kernel runs on sim and kvm; the simulated hardware and its cost model only on
 * sim. On kvm the real hardware runs: the model's options are recorded there, not refused,
 * because compare on kvm runs :sim rows beside the measured ones with them, and a sweep over
 * platforms keeps them fixed. Write flooding and the own merge engine are sim's mechanisms,
 * not a model of hardware: refused on kvm. Native runs neither guest nor hardware model. */
static const struct cli_opt guest_options[] = {
	CLI_OPT_GROUP_AT("Guest:", CLI_SIM | CLI_KVM | CLI_COMMANDS, 0),
	CLI_OPT_ARG("guest-mem", OPT_GUEST_MEM, "SIZE", "guest RAM (default: footprint + 25% + 32m)"),
	CLI_OPT_ARG("levels", OPT_LEVELS, "4|5", "guest paging levels (default 4; 5 on sim only)"),
	CLI_OPT_ARG("guest-page", OPT_GUEST_PAGE, "4k|2m", "largest page the guest kernel maps (default 4k)"),
	CLI_OPT_END(),
};

static const struct cli_opt sim_options[] = {
	CLI_OPT_GROUP_AT("Simulated hardware and cost model:", CLI_SIM | CLI_COMMANDS, CLI_KVM),
	CLI_OPT_ARG("host-page", OPT_HOST_PAGE, "4k|2m|1g", "p2m (host) page size (default 4k)"),
	CLI_OPT_ARG("host-memory", OPT_HOST_MEMORY, "memfd|anon",
		    "the simulator's host memory: a shared memfd (default; host page-out\n"
		    "keeps its contents) or private anonymous memory (with --host-page 2m\n"
		    "transparent huge pages: a balloon gives 2 MiB back in one step)"),
	CLI_OPT_ARG("tlb", OPT_TLB, "ENTRIES", "4 KiB TLB entries, 0 = no TLB (default 1536)"),
	CLI_OPT_ARG("pwc", OPT_PWC, "on|off", "page-walk caches (default on)"),
	CLI_OPT_ARG("ntlb", OPT_NTLB, "on|off", "nested TLB for guest-physical translations (default on)"),
	CLI_OPT_ARG("pcid", OPT_PCID, "on|off", "TLB tagged by address space (default on)"),
	CLI_OPT_ARG_AT("shadow-flood", OPT_SHADOW_FLOOD, "on|off",
		       "shadow: stop trapping a guest table written 3 times with no\n"
		       "fault through it, as KVM does (default off)", CLI_SIM | CLI_COMMANDS),
	CLI_OPT_ARG_AT("share", OPT_SHARE, "on|off",
		       "memvirt's merge engine merges equal guest frames copy-on-write\n"
		       "when the measured phase begins; in a host scenario across the\n"
		       "VMs of a share_domain, a pass every [host] share-period\n"
		       "(default off; ept, 4k host pages)", CLI_SIM | CLI_COMMANDS),
	CLI_OPT_ARG_MORE("cost", OPT_COST, "NAME=CYCLES", "set a cost-model parameter (repeatable); names:",
			 cost_names_help),
	CLI_OPT_END(),
};

#define MAX_WL_PARAMS 16
#define MAX_WORKLOADS 32

/* The workload parameter options, collected from every workload's descriptors (so a new
 * parameter needs no change here) as a table like the others, plus the values given. */
struct wl_options {
	size_t n;
	struct cli_opt opt[MAX_WL_PARAMS + 2];  /* heading, parameters, end */
	char help[MAX_WL_PARAMS][200];
	const char *value[MAX_WL_PARAMS];       /* last value given, applied once the workload is known */
};

/* cli_error_capture's buffer belongs to the parse in progress on this thread (a file's or a
 * scenario's values go through the command line's parser one at a time), not to the process. */
static _Thread_local char *error_buf;
static _Thread_local size_t error_size;

void cli_error_capture(char *buf, size_t n)
{
	error_buf = buf;
	error_size = n;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	if (error_buf) { /* a caller that knows more (file and line) prints the line itself */
		va_start(ap, fmt);
		vsnprintf(error_buf, error_size, fmt, ap);
		va_end(ap);
		return;
	}
	fputs("memvirt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_bad_value(const char *opt, const char *val, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cli_error("invalid --%s value '%s': %s", opt, val, why);
	return EXIT_USAGE;
}

void cli_run_defaults(struct run_config *cfg)
{
	*cfg = (struct run_config){
		.platform = "native", .mmu = "ept", .workload = wl_find(wl_registry_direct, "seq"),
		.params = { .mem_bytes = 64ULL << 20, .seed = 1 },
		.sim = { .levels = 4, .guest_page = 4096, .host_page = 4096, .tlb_entries = 1536,
			 .pwc = true, .ntlb = true, .pcid = true },
		.progress = true,
	};
	cfg->sim.cost = mmu_cost_defaults();
}

void cli_run_init(struct cli_run *r)
{
	cli_run_defaults(&r->cfg);
	r->command = CLI_RUN;
	r->balloon = (struct balloon_config){ 0 }; /* a caller's r may be uninitialised stack */
	r->experiment = experiment_defaults;
	r->memory = guest_mem_defaults;
	r->cfg.experiment = &r->experiment;
	r->cfg.memory = &r->memory;
}

void cli_run_copy(struct cli_run *dst, const struct cli_run *src)
{
	*dst = *src;
	dst->cfg.experiment = &dst->experiment;
	dst->cfg.memory = &dst->memory;
	if (src->cfg.balloon)
		dst->cfg.balloon = &dst->balloon;
}

/* "help (seq, churn)": the first descriptor's help and every workload that takes it. */
static void add_wl_param(struct wl_options *w, const struct wl_workload *wl, const struct wl_param_desc *d)
{
	const struct cli_opt *seen = cli_opts_find(w->opt, d->name);
	if (seen) {
		char *help = w->help[seen - w->opt - 1];
		size_t len = strlen(help);
		snprintf(help + len - 1, sizeof(w->help[0]) - len + 1, ", %s)", wl->name);
		return;
	}
	if (w->n == MAX_WL_PARAMS)
		return;
	snprintf(w->help[w->n], sizeof(w->help[0]), "%s (%s)", d->help, wl->name);
	w->opt[1 + w->n] = (struct cli_opt)CLI_OPT_ARG(d->name, OPT_WL_PARAM + (int)w->n, d->is_size ? "SIZE" : "N",
							w->help[w->n]);
	w->n++;
	w->opt[1 + w->n] = (struct cli_opt)CLI_OPT_END();
}

static void collect_wl_params(struct wl_options *w)
{
	*w = (struct wl_options){ .opt = {
		CLI_OPT_GROUP_AT("Workload parameters (only for the workloads named; defaults in memvirt list):",
				 CLI_ANYWHERE, 0) } };
	for (const struct wl_workload *const *wl = wl_registry_direct; *wl; wl++)
		for (const struct wl_param_desc *d = (*wl)->params; d && d->name; d++)
			add_wl_param(w, *wl, d);
}

/* A number within [min, max], read by `parse` (parse_size or parse_u64). No option takes more
 * than INT64_MAX: the result document records every value as a JSON integer, which is signed
 * (18446744073709551615 was recorded as -1). */
static int parse_ranged_opt(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out,
			    int (*parse)(const char *, uint64_t *), const char *expect, const char *unit)
{
	if (max > INT64_MAX)
		max = INT64_MAX;
	if (parse(val, out) < 0)
		return cli_bad_value(opt, val, "%s", expect);
	if (*out < min || *out > max)
		return cli_bad_value(opt, val, "must be between %llu and %llu%s", (unsigned long long)min,
				     (unsigned long long)max, unit);
	return 0;
}

static int parse_size_opt(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_ranged_opt(opt, val, min, max, out, parse_size,
				"expected a size such as 4096, 64k, 256m or 2g", " bytes");
}

static int parse_count_opt(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_ranged_opt(opt, val, min, max, out, parse_u64, "expected a non-negative integer", "");
}

int cli_bool_value(const char *opt, const char *val, bool *out)
{
	return parse_bool(val, out) < 0 ? cli_bad_value(opt, val, "expected on or off") : 0;
}

int cli_file_value(const char *opt, const char *path)
{
	int rc = result_path_check(path);
	return rc < 0 ? cli_bad_value(opt, path, "%s", result_file_strerror(rc)) : 0;
}

int cli_dir_value(const char *opt, const char *dir, const char *sub)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	int rc = result_make_dirs(path);
	return rc < 0 ? cli_bad_value(opt, dir, "%s", strerror(-rc)) : 0;
}

int cli_choice_value(const char *opt, const char *val, const char *const *words, int *index)
{
	char expect[256] = "expected ";
	size_t n = strlen(expect);
	if ((*index = parse_choice(val, words)) >= 0)
		return 0;
	for (size_t i = 0; words[i] && n < sizeof(expect); i++)
		n += (size_t)snprintf(expect + n, sizeof(expect) - n, "%s%s", i == 0 ? "" : words[i + 1] ? ", " : " or ",
				      words[i]);
	return cli_bad_value(opt, val, "%s", expect);
}

static int parse_page_opt(const char *opt, const char *val, bool allow_1g, uint64_t *out)
{
	if (parse_size(val, out) < 0 ||
	    !(*out == 4096 || *out == (2ULL << 20) || (allow_1g && *out == (1ULL << 30))))
		return cli_bad_value(opt, val, "%s", allow_1g ? "expected 4k, 2m or 1g" : "expected 4k or 2m");
	return 0;
}

/* Host memory, so that --mem cannot ask for more than the machine has. */
static uint64_t host_mem_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 1ULL << 40;
}

static int parse_fixed(int opt, const char *arg, struct run_config *cfg, const char **guest_mem)
{
	uint64_t v;
	int rc = 0;
	switch (opt) {
	case OPT_PLATFORM:
		if (!platform_find(arg))
			return cli_bad_value("platform", arg, "expected native, sim or kvm");
		cfg->platform = platform_find(arg)->name;
		return 0;
	case OPT_MMU: {
		const char *names[8];
		size_t n = 0;
		int i;
		for (const struct mmu_strategy_ops *const *s = mmu_strategies; *s && n < ARRAY_SIZE(names) - 1; s++)
			names[n++] = (*s)->name;
		names[n] = NULL;
		if ((rc = cli_choice_value("mmu", arg, names, &i)) == 0)
			cfg->mmu = names[i];
		return rc;
	}
	case OPT_WORKLOAD: {
		const char *names[MAX_WORKLOADS + 1];
		size_t n = 0;
		int i;
		for (const struct wl_workload *const *w = wl_registry_direct; *w && n < MAX_WORKLOADS; w++)
			names[n++] = (*w)->name;
		names[n] = NULL;
		if ((rc = cli_choice_value("workload", arg, names, &i)) == 0)
			cfg->workload = wl_registry_direct[i];
		return rc;
	}
	case OPT_MEM:
		return parse_size_opt("mem", arg, WL_PAGE_SIZE, host_mem_bytes(), &cfg->params.mem_bytes);
	case OPT_OPS:
		return parse_count_opt("ops", arg, 1, UINT64_MAX, &cfg->params.ops);
	case OPT_SEED:
		return parse_count_opt("seed", arg, 0, UINT64_MAX, &cfg->params.seed);
	case OPT_RUNTIME:
	case OPT_RAMP: {
		const char *name = opt == OPT_RUNTIME ? "runtime" : "ramp";
		if (parse_duration_us(arg, &v) < 0)
			return cli_bad_value(name, arg, "expected a duration such as 5s, 1.5s or 250ms");
		if (v < 1000 || v > RUN_MAX_RUNTIME_US)
			return cli_bad_value(name, arg, "must be between 1ms and %llu s",
					     (unsigned long long)(RUN_MAX_RUNTIME_US / 1000000));
		*(opt == OPT_RUNTIME ? &cfg->params.runtime_us : &cfg->params.ramp_us) = v;
		return 0;
	}
	case OPT_LOOPS:
		return parse_count_opt("loops", arg, 1, 1u << 20, &cfg->params.loops);
	case OPT_JSON:
		if ((rc = cli_file_value("json", arg)) == 0)
			cfg->json_path = arg;
		return rc;
	case OPT_NO_PROGRESS:
		cfg->progress = false;
		return 0;
	case OPT_GUEST_MEM:
		*guest_mem = arg;
		return 0;
	case OPT_TLB:
		rc = parse_count_opt("tlb", arg, 0, 1u << 20, &v);
		cfg->sim.tlb_entries = (unsigned)v;
		return rc;
	case OPT_PWC:
		return cli_bool_value("pwc", arg, &cfg->sim.pwc);
	case OPT_NTLB:
		return cli_bool_value("ntlb", arg, &cfg->sim.ntlb);
	case OPT_PCID:
		return cli_bool_value("pcid", arg, &cfg->sim.pcid);
	case OPT_SHADOW_FLOOD:
		return cli_bool_value("shadow-flood", arg, &cfg->sim.shadow_write_flood);
	case OPT_SHARE:
		return cli_bool_value("share", arg, &cfg->sim.share);
	case OPT_LEVELS:
		if (parse_u64(arg, &v) < 0 || (v != 4 && v != 5))
			return cli_bad_value("levels", arg, "expected 4 or 5");
		cfg->sim.levels = (unsigned)v;
		return 0;
	case OPT_GUEST_PAGE:
		return parse_page_opt("guest-page", arg, false, &cfg->sim.guest_page);
	case OPT_HOST_PAGE:
		return parse_page_opt("host-page", arg, true, &cfg->sim.host_page);
	case OPT_HOST_MEMORY: {
		int anon;
		int rc = cli_choice_value("host-memory", arg, (const char *const[]){ "memfd", "anon", NULL }, &anon);
		if (rc == 0)
			cfg->sim.host_anon = anon == 1;
		return rc;
	}
	case OPT_COST: {
		char name[64];
		const char *eq = strchr(arg, '=');
		if (!eq || (size_t)(eq - arg) >= sizeof(name))
			return cli_bad_value("cost", arg, "expected NAME=CYCLES (see memvirt run --help)");
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		if (mmu_cost_set(&cfg->sim.cost, name, eq + 1) < 0)
			return cli_bad_value("cost", arg, "unknown cost name or bad number (see memvirt run --help)");
		return 0;
	}
	}
	return EXIT_USAGE;
}

static const struct wl_param_desc *find_param(const struct wl_workload *w, const char *name)
{
	for (const struct wl_param_desc *d = w->params; d && d->name; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* Parameters that are each in range but do not go together (the workload's check): one line
 * naming the option to blame and its value. */
static int check_wl_params(const struct run_config *cfg, const struct wl_options *w)
{
	const char *name = NULL, *why = cfg->workload->check ? cfg->workload->check(&cfg->params, &name) : NULL;
	if (!why)
		return 0;
	char value[160] = "";
	const struct wl_param_desc *d = find_param(cfg->workload, name);
	for (size_t i = 0; i < w->n; i++)
		if (w->value[i] && strcmp(w->opt[1 + i].name, name) == 0)
			snprintf(value, sizeof(value), "%s", w->value[i]);
	if (!value[0] && d)
		cli_wl_param_format(d, &cfg->params, value, sizeof(value));
	else if (!value[0] && strcmp(name, "ops") == 0)
		snprintf(value, sizeof(value), "%llu", (unsigned long long)cfg->params.ops);
	cli_error("invalid --%s value '%s': %s", name, value, why);
	return EXIT_USAGE;
}

/* Applies given workload parameters to the chosen workload; a parameter the workload does
 * not take is an error rather than silently ignored. */
static int apply_wl_params(struct run_config *cfg, const struct wl_options *w)
{
	wl_params_defaults(cfg->workload, &cfg->params);
	for (size_t i = 0; i < w->n; i++) {
		const char *name = w->opt[1 + i].name;
		if (!w->value[i])
			continue;
		const struct wl_param_desc *d = find_param(cfg->workload, name);
		if (!d) {
			cli_error("option --%s does not apply to workload %s (see memvirt list)", name, cfg->workload->name);
			return EXIT_USAGE;
		}
		uint64_t *field = (uint64_t *)((char *)&cfg->params + d->offset);
		int rc = d->kind != WL_PARAM_NUMBER ? cli_wl_param_parse(d, w->value[i], &cfg->params)
			 : d->is_size	 ? parse_size_opt(d->name, w->value[i], d->min, d->max, field)
					 : parse_count_opt(d->name, w->value[i], d->min, d->max, field);
		if (rc)
			return rc;
	}
	return check_wl_params(cfg, w);
}

/* Every run option's table, in --help order; the workload parameters' is built here. */
#define NRUN_TABLES 7
struct run_tables {
	struct wl_options wl;
	const struct cli_opt *t[NRUN_TABLES];
};

static void run_tables_init(struct run_tables *rt)
{
	collect_wl_params(&rt->wl);
	rt->t[0] = run_options;
	rt->t[1] = rt->wl.opt;
	rt->t[2] = guest_options;
	rt->t[3] = sim_options;
	rt->t[4] = cli_experiment_options;
	rt->t[5] = cli_memory_options;
	rt->t[6] = cli_balloon_options;
}

int cli_run_option_arg(const char *name)
{
	struct run_tables rt;
	const struct cli_opt *o = NULL;
	run_tables_init(&rt);
	for (size_t i = 0; i < NRUN_TABLES && !o; i++)
		o = cli_opts_find(rt.t[i], name);
	return o ? o->has_arg : -ENOENT;
}

int cli_run_option_applies(const char *name)
{
	struct run_tables rt;
	run_tables_init(&rt);
	for (size_t i = 0; i < NRUN_TABLES; i++) {
		const struct cli_opt *o = cli_opts_find(rt.t[i], name);
		unsigned applies, recorded;
		if (o) {
			cli_opt_where(rt.t[i], o, &applies, &recorded);
			return (int)applies;
		}
	}
	return -ENOENT;
}

void cli_run_help(FILE *f, const char *usage_line, const struct cli_opt *own, unsigned command)
{
	struct run_tables rt;
	size_t left_out = 0, k = 0;
	run_tables_init(&rt);
	fprintf(f, "usage: %s\n\n", usage_line);
	if (own)
		cli_opts_help(f, own);
	for (size_t i = 0; i < NRUN_TABLES; i++)
		left_out += cli_opts_help_for(f, rt.t[i], command);
	if (!left_out)
		return;
	char here[64];
	fprintf(f, "Not taken by %s (refused; see memvirt run --help):", cli_applies_text(command, here, sizeof(here)));
	for (size_t i = 0; i < NRUN_TABLES; i++)
		for (const struct cli_opt *o = rt.t[i]; !cli_opt_is_end(o); o++) {
			unsigned applies, recorded;
			if (!o->name)
				continue;
			cli_opt_where(rt.t[i], o, &applies, &recorded);
			if (!(applies & command))
				fprintf(f, "%s --%s", k++ ? "," : "", o->name);
		}
	fputc('\n', f);
}

/* Why an option does not apply to a platform or a command: the line cli_getopt_refuse ends. */
static const char *why_not(unsigned bit)
{
	switch (bit) {
	case CLI_NATIVE:
		return "native runs the workload as a process: no guest, no paging strategy, no simulated hardware";
	case CLI_SIM:
		return "sim's guest memory is the simulator's own";
	case CLI_KVM:
		return "kvm runs the real hardware and its own VMM, not the simulator's mechanisms";
	case CLI_COMPARE:
		return "a comparison runs every workload of --workloads natively and under both strategies, the "
		       "same work in each row, and writes its documents with --out";
	case CLI_XFILE:
	case CLI_SCENARIO:
		return "set by the command line, not in a file";
	}
	return NULL;
}

static unsigned platform_bit(const char *platform)
{
	return strcmp(platform, "native") == 0 ? CLI_NATIVE : strcmp(platform, "sim") == 0 ? CLI_SIM : CLI_KVM;
}

/* What the option tables cannot say, because it depends on values: kvm pages with 4 levels;
 * the own merge engine needs ept over 4 KiB p2m leaves. Which options a platform takes at all
 * is the tables' (cli_getopt_refuse). */
static int platform_conflict(const struct run_config *cfg)
{
	if (strcmp(cfg->platform, "kvm") == 0 && cfg->sim.levels != 4)
		return cli_error("--levels %u: not available on kvm (4-level paging only)", cfg->sim.levels), EXIT_USAGE;
	if (cfg->sim.share && (strcmp(cfg->mmu, "ept") != 0 || cfg->sim.host_page != 4096))
		return cli_error("--share on: needs --mmu ept and --host-page 4k (shared frames are read-only 4 KiB "
				 "p2m leaves)"), EXIT_USAGE;
	return 0;
}

/* --ramp belongs to a time-based run, --loops to a fixed one. */
static int timed_conflict(const struct run_config *cfg)
{
	if (cfg->params.ramp_us && !cfg->params.runtime_us)
		return cli_error("--ramp: only with --runtime (the ramp comes before a time-based measured phase)"),
		       EXIT_USAGE;
	if (cfg->params.loops && cfg->params.runtime_us)
		return cli_error("--loops with --runtime: a time-based run makes as many passes as fit; use one "
				 "or the other"), EXIT_USAGE;
	return 0;
}

int cli_parse_run_options(int argc, char **argv, struct cli_run *r)
{
	struct run_config *cfg = &r->cfg;
	struct run_tables rt;
	struct wl_options *w = &rt.wl;
	struct cli_getopt g;
	const char *guest_mem = NULL;
	run_tables_init(&rt);
	cli_getopt_init(&g, "+h", rt.t[0]);
	for (size_t i = 1; i < NRUN_TABLES; i++)
		cli_getopt_add(&g, rt.t[i]);

	int opt, rc;
	while ((opt = cli_getopt(&g, argc, argv)) != -1) {
		if (opt == 'h' || opt == OPT_HELP)
			return CLI_HELP;
		if (opt == '?')
			return EXIT_USAGE;
		if (opt >= CLI_OPT_BALLOON) {
			if ((rc = cli_balloon_option(opt, optarg, r)) != 0)
				return rc;
		} else if (opt >= CLI_OPT_MEMORY) {
			if ((rc = cli_memory_option(opt, optarg, &r->memory)) != 0)
				return rc;
		} else if (opt >= CLI_OPT_EXPERIMENT) {
			if ((rc = cli_experiment_option(opt, optarg, &r->experiment)) != 0)
				return rc;
		} else if (opt >= OPT_WL_PARAM)
			w->value[opt - OPT_WL_PARAM] = optarg;
		else if ((rc = parse_fixed(opt, optarg, cfg, &guest_mem)) != 0)
			return rc;
	}
	if (optind < argc) {
		cli_error("%s: unexpected argument '%s' (see --help)", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if ((rc = cli_getopt_refuse(&g, r->command, platform_bit(cfg->platform), why_not)) != 0)
		return rc;
	if ((rc = apply_wl_params(cfg, w)) != 0 || (rc = cli_experiment_finish(&r->experiment)) != 0)
		return rc;
	if ((rc = platform_conflict(cfg)) != 0 || (rc = timed_conflict(cfg)) != 0)
		return rc;
	if ((rc = cli_finish_config(cfg, guest_mem)) != 0)
		return rc;
	return cli_experiment_check_platform(cfg);
}
