/* cli_options.c — the run options shared by `run`, `compare` and `demo`: parsing with
 * getopt_long, validation with one clear line per bad value, and defaults. Workload
 * parameters (--procs, --region, ...) come from the workloads' own descriptors, so a new
 * workload parameter needs no change here. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu/cost.h"
#include "vmm/cli/cli.h"
#include "vmm/util/parse.h"
#include "vmm/run/platform.h"

enum {
	OPT_PLATFORM = 256, OPT_MMU, OPT_WORKLOAD, OPT_MEM, OPT_OPS, OPT_SEED, OPT_JSON, OPT_NO_PROGRESS,
	OPT_GUEST_MEM, OPT_TLB, OPT_PWC, OPT_NTLB, OPT_PCID, OPT_SHADOW_FLOOD, OPT_LEVELS, OPT_GUEST_PAGE, OPT_HOST_PAGE,
	OPT_COST, OPT_HELP, OPT_WL_PARAM, /* + index of the parameter name */
};

static const struct option fixed_options[] = {
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "mmu", required_argument, NULL, OPT_MMU },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "guest-mem", required_argument, NULL, OPT_GUEST_MEM },
	{ "tlb", required_argument, NULL, OPT_TLB },
	{ "pwc", required_argument, NULL, OPT_PWC },
	{ "ntlb", required_argument, NULL, OPT_NTLB },
	{ "pcid", required_argument, NULL, OPT_PCID },
	{ "shadow-flood", required_argument, NULL, OPT_SHADOW_FLOOD },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "guest-page", required_argument, NULL, OPT_GUEST_PAGE },
	{ "host-page", required_argument, NULL, OPT_HOST_PAGE },
	{ "cost", required_argument, NULL, OPT_COST },
	{ "help", no_argument, NULL, OPT_HELP },
};
#define NFIXED (sizeof(fixed_options) / sizeof(fixed_options[0]))
#define MAX_WL_PARAMS 16
#define MAX_EXPERIMENT_OPTS 16

/* Workload parameter options, collected from every workload's descriptors. */
struct wl_param_opt {
	const char *name;
	const char *value; /* last value given, applied once the workload is known */
};

static char *error_buf;
static size_t error_size;

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
}

static size_t collect_wl_params(struct wl_param_opt *out)
{
	size_t n = 0;
	for (const struct wl_workload *const *w = wl_registry_direct; *w; w++)
		for (const struct wl_param_desc *d = (*w)->params; d && d->name; d++) {
			bool seen = false;
			for (size_t i = 0; i < n; i++)
				seen |= strcmp(out[i].name, d->name) == 0;
			if (!seen && n < MAX_WL_PARAMS)
				out[n++] = (struct wl_param_opt){ .name = d->name };
		}
	return n;
}

static int bad_value(const char *opt, const char *val, const char *expect)
{
	cli_error("invalid --%s value '%s': %s", opt, val, expect);
	return EXIT_USAGE;
}

/* A number within [min, max], read by `parse` (parse_size or parse_u64). */
static int parse_ranged_opt(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out,
			    int (*parse)(const char *, uint64_t *), const char *expect, const char *unit)
{
	if (parse(val, out) < 0)
		return bad_value(opt, val, expect);
	if (*out < min || *out > max) {
		cli_error("invalid --%s value '%s': must be between %llu and %llu%s", opt, val,
			  (unsigned long long)min, (unsigned long long)max, unit);
		return EXIT_USAGE;
	}
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

static int parse_bool_opt(const char *opt, const char *val, bool *out)
{
	return parse_bool(val, out) < 0 ? bad_value(opt, val, "expected on or off") : 0;
}

static int parse_page_opt(const char *opt, const char *val, bool allow_1g, uint64_t *out)
{
	if (parse_size(val, out) < 0 ||
	    !(*out == 4096 || *out == (2ULL << 20) || (allow_1g && *out == (1ULL << 30))))
		return bad_value(opt, val, allow_1g ? "expected 4k, 2m or 1g" : "expected 4k or 2m");
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
			return bad_value("platform", arg, "expected native, sim or kvm");
		cfg->platform = platform_find(arg)->name;
		return 0;
	case OPT_MMU:
		if (parse_choice(arg, (const char *const[]){ "ept", "shadow", NULL }) < 0)
			return bad_value("mmu", arg, "expected ept or shadow");
		cfg->mmu = strcmp(arg, "ept") == 0 ? "ept" : "shadow";
		return 0;
	case OPT_WORKLOAD:
		if (!(cfg->workload = wl_find(wl_registry_direct, arg)))
			return bad_value("workload", arg, "expected one of seq, gups, pchase, churn, ctxsw (see memvirt list)");
		return 0;
	case OPT_MEM:
		return parse_size_opt("mem", arg, WL_PAGE_SIZE, host_mem_bytes(), &cfg->params.mem_bytes);
	case OPT_OPS:
		return parse_count_opt("ops", arg, 1, UINT64_MAX, &cfg->params.ops);
	case OPT_SEED:
		return parse_count_opt("seed", arg, 0, UINT64_MAX, &cfg->params.seed);
	case OPT_JSON:
		if ((rc = result_path_check(arg)) < 0) {
			cli_error("invalid --json value '%s': %s", arg, strerror(-rc));
			return EXIT_USAGE;
		}
		cfg->json_path = arg;
		return 0;
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
		return parse_bool_opt("pwc", arg, &cfg->sim.pwc);
	case OPT_NTLB:
		return parse_bool_opt("ntlb", arg, &cfg->sim.ntlb);
	case OPT_PCID:
		return parse_bool_opt("pcid", arg, &cfg->sim.pcid);
	case OPT_SHADOW_FLOOD:
		return parse_bool_opt("shadow-flood", arg, &cfg->sim.shadow_write_flood);
	case OPT_LEVELS:
		if (parse_u64(arg, &v) < 0 || (v != 4 && v != 5))
			return bad_value("levels", arg, "expected 4 or 5");
		cfg->sim.levels = (unsigned)v;
		return 0;
	case OPT_GUEST_PAGE:
		return parse_page_opt("guest-page", arg, false, &cfg->sim.guest_page);
	case OPT_HOST_PAGE:
		return parse_page_opt("host-page", arg, true, &cfg->sim.host_page);
	case OPT_COST: {
		char name[64];
		const char *eq = strchr(arg, '=');
		if (!eq || (size_t)(eq - arg) >= sizeof(name))
			return bad_value("cost", arg, "expected NAME=CYCLES (see memvirt run --help)");
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		if (mmu_cost_set(&cfg->sim.cost, name, eq + 1) < 0)
			return bad_value("cost", arg, "unknown cost name or bad number (see memvirt run --help)");
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

/* Applies given workload parameters to the chosen workload; a parameter the workload does
 * not take is an error rather than silently ignored. */
static int apply_wl_params(struct run_config *cfg, const struct wl_param_opt *p, size_t n)
{
	wl_params_defaults(cfg->workload, &cfg->params);
	for (size_t i = 0; i < n; i++) {
		if (!p[i].value)
			continue;
		const struct wl_param_desc *d = find_param(cfg->workload, p[i].name);
		if (!d) {
			cli_error("option --%s does not apply to workload %s (see memvirt list)", p[i].name,
				  cfg->workload->name);
			return EXIT_USAGE;
		}
		uint64_t *field = (uint64_t *)((char *)&cfg->params + d->offset);
		int rc = d->is_size ? parse_size_opt(d->name, p[i].value, d->min, d->max, field)
				    : parse_count_opt(d->name, p[i].value, d->min, d->max, field);
		if (rc)
			return rc;
	}
	return 0;
}

static size_t build_options(struct option *opts, const struct wl_param_opt *p, size_t n)
{
	size_t k = NFIXED + cli_experiment_noptions;
	memcpy(opts, fixed_options, sizeof(fixed_options));
	memcpy(opts + NFIXED, cli_experiment_options, cli_experiment_noptions * sizeof(*opts));
	memcpy(opts + k, cli_memory_options, cli_memory_noptions * sizeof(*opts));
	k += cli_memory_noptions;
	for (size_t i = 0; i < n; i++)
		opts[k + i] = (struct option){ p[i].name, required_argument, NULL, OPT_WL_PARAM + (int)i };
	opts[k + n] = (struct option){ 0 };
	return k + n;
}

int cli_run_option_arg(const char *name)
{
	struct wl_param_opt wlp[MAX_WL_PARAMS];
	struct option opts[NFIXED + MAX_EXPERIMENT_OPTS + CLI_MEMORY_MAX_OPTS + MAX_WL_PARAMS + 1];
	size_t n = build_options(opts, wlp, collect_wl_params(wlp));
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].has_arg;
	return -ENOENT;
}

int cli_parse_run_options(int argc, char **argv, struct cli_run *r, const char *usage_line)
{
	struct run_config *cfg = &r->cfg;
	struct wl_param_opt wlp[MAX_WL_PARAMS];
	struct option opts[NFIXED + MAX_EXPERIMENT_OPTS + CLI_MEMORY_MAX_OPTS + MAX_WL_PARAMS + 1];
	size_t nwlp = collect_wl_params(wlp);
	const char *guest_mem = NULL;
	build_options(opts, wlp, nwlp);

	optind = 1;
	opterr = 0;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			printf("usage: %s\n\n", usage_line);
			cli_run_options_help(stdout);
			return 1;
		}
		if (opt == '?' || opt == ':') {
			if (optopt)
				cli_error("%s: option -%c %s", argv[0], optopt,
					  opt == ':' ? "needs a value" : "is not known (see --help)");
			else
				cli_error("%s: unknown option or missing value: '%s' (see --help)", argv[0],
					  argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (opt >= CLI_OPT_MEMORY) {
			if ((rc = cli_memory_option(opt, optarg, &r->memory)) != 0)
				return rc;
		} else if (opt >= CLI_OPT_EXPERIMENT) {
			if ((rc = cli_experiment_option(opt, optarg, &r->experiment)) != 0)
				return rc;
		} else if (opt >= OPT_WL_PARAM)
			wlp[opt - OPT_WL_PARAM].value = optarg;
		else if ((rc = parse_fixed(opt, optarg, cfg, &guest_mem)) != 0)
			return rc;
	}
	if (optind < argc) {
		cli_error("%s: unexpected argument '%s' (see --help)", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if ((rc = apply_wl_params(cfg, wlp, nwlp)) != 0 || (rc = cli_experiment_finish(&r->experiment)) != 0)
		return rc;
	return cli_finish_config(cfg, guest_mem);
}
