/* experiment_file.c — reads a fio-style experiment file with inih (libinih, kept by Debian)
 * into sections of key = value settings, each with its line, and checks the file's shape.
 * Whether a value is good is not decided here: sweep.c hands every value to the run
 * options' own parser, so a file and the command line can never disagree. */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "ksm/ksm.h"
#include "vmm/cli/experiment_file.h"
#include "results/metric_path.h"
#include "results/result.h"
#include "results/trend_plot.h"

struct xf_reader {
	FILE *f;
	int line;            /* the line being read (1-based) */
	bool at_line_start;  /* the previous chunk ended a line */
	struct experiment_file *xf;
	struct xf_section *cur;
	char *why;
	size_t why_n;
	int err;             /* first error (negative errno), later lines are ignored */
};

/* Options that sweep sets itself, or that make no sense in a file. */
int xf_key_repeatable(const char *key)
{
	return strcmp(key, "reclaim") == 0 || strcmp(key, "cost") == 0 || strcmp(key, "balloon") == 0;
}

const struct xf_setting *xf_get(const struct xf_section *s, const char *key)
{
	for (size_t i = s->n; i-- > 0;)
		if (strcmp(s->set[i].key, key) == 0)
			return &s->set[i];
	return NULL;
}

static int fail(struct xf_reader *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct xf_reader *r, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->err) {
		snprintf(r->why, r->why_n, "%s:%d: %s", r->xf->path, line, msg);
		r->err = -EINVAL;
	}
	return 0; /* inih: stop (ini_stop_on_first_error) */
}

static struct xf_section *find_job(struct experiment_file *xf, const char *name)
{
	for (size_t i = 0; i < xf->njobs; i++)
		if (strcmp(xf->jobs[i].name, name) == 0)
			return &xf->jobs[i];
	return NULL;
}

/* Job names become part of result file names (NNNN-<job>-rK.json). */
static bool job_name_ok(const char *name)
{
	if (!*name || strlen(name) >= XF_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return true;
}

/* A [name] header: the start of [global] or of a new job. */
static bool scenario_section(struct xf_reader *r, const char **name)
{
	if (strcmp(*name, "host") == 0) {
		*name = "global";
		return true;
	}
	if (strcmp(*name, "policy") == 0)
		return true;
	if (strncmp(*name, "vm ", 3) == 0) {
		*name += 3 + strspn(*name + 3, " \t");
		if (!strchr(*name, '.') && strcmp(*name, "global") != 0)
			return true;
		fail(r, r->line, "VM name [vm %s]: use letters, digits, '-' or '_' (its name is a key in results)", *name);
		return false;
	}
	fail(r, r->line, "section [%s]: a scenario has a [host] section, [vm NAME] sections and an optional [policy]",
	     *name);
	return false;
}

static void open_section(struct xf_reader *r, const char *name)
{
	struct experiment_file *xf = r->xf;
	const char *shown = name;
	if (xf->dialect == XF_SCENARIO && !scenario_section(r, &name))
		return;
	struct xf_section *s = strcmp(name, "global") == 0				  ? &xf->global
			       : xf->dialect == XF_SCENARIO && strcmp(shown, "policy") == 0 ? &xf->policy
											      : find_job(xf, name);
	if (s && s->line) {
		fail(r, r->line, "[%s] is defined twice (first at line %d)", shown, s->line);
		return;
	}
	if (!s) {
		if (!job_name_ok(name)) {
			fail(r, r->line, "job name [%s]: use letters, digits, '-', '_' or '.' (at most %d)", name,
			     XF_NAME_MAX - 1);
			return;
		}
		if (xf->njobs == XF_MAX_JOBS) {
			fail(r, r->line, "job [%s]: too many jobs (at most %d)", name, XF_MAX_JOBS);
			return;
		}
		s = &xf->jobs[xf->njobs++];
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	s->line = r->line;
	r->cur = s;
}

/* Debian's inih is built without INI_CALL_HANDLER_ON_NEW_SECTION, so the handler never sees
 * a section without keys (a job that takes everything from [global]) nor a section given
 * twice. The reader therefore notes header lines as inih reads them — the same rule as
 * inih's: first non-blank character '[', the name up to the first ']'. */
static void note_header(struct xf_reader *r, const char *line)
{
	line += strspn(line, " \t");
	const char *end = *line == '[' ? strchr(line, ']') : NULL;
	if (!end || r->err)
		return;
	char name[XF_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%.*s", (int)(end - line - 1), line + 1);
	open_section(r, name);
}

/* Reads one line (at most num - 1 bytes) like fgets, but refuses a NUL byte: inih and the
 * header check would see the line end there and take what follows for another line (a NUL
 * once moved the next section's keys into the previous job). Returns the bytes read, 0 at
 * the end, or -1 after a NUL. */
static int read_line(FILE *f, char *str, int num)
{
	int len = 0;
	while (len + 1 < num) {
		int c = getc(f);
		if (c == EOF)
			break;
		if (c == 0)
			return -1;
		str[len++] = (char)c;
		if (c == '\n')
			break;
	}
	str[len] = 0;
	return len;
}

static char *reader(char *str, int num, void *stream)
{
	struct xf_reader *r = stream;
	if (r->at_line_start)
		r->line++;
	int len = read_line(r->f, str, num);
	if (len < 0) {
		fail(r, r->line, "a NUL byte: not a text file");
		return NULL;
	}
	if (len == 0)
		return NULL;
	if (r->line > XF_MAX_LINES) {
		fail(r, r->line, "more than %d lines", XF_MAX_LINES);
		return NULL;
	}
	/* a UTF-8 byte order mark before the first line: dropped here, so that the header check
	 * and inih see the same first line */
	if (r->line == 1 && r->at_line_start && strncmp(str, "\xEF\xBB\xBF", 3) == 0) {
		memmove(str, str + 3, (size_t)len - 2);
		len -= 3;
	}
	if (r->at_line_start)
		note_header(r, str);
	r->at_line_start = len > 0 && str[len - 1] == '\n';
	/* inih reads a line in one buffer of `num` bytes and would take the rest of a longer
	 * line as a line of its own */
	if (!r->at_line_start && len + 1 == num)
		fail(r, r->line, "line longer than %d characters", num - 2);
	return str;
}

bool xf_is_file_key(const char *key)
{
	return strcmp(key, XF_KEY_REPEAT) == 0 || strcmp(key, XF_KEY_BASELINE) == 0 || strcmp(key, XF_KEY_METRICS) == 0 ||
	       strcmp(key, XF_KEY_COUNT) == 0 || strcmp(key, XF_KEY_ZIP) == 0 || strcmp(key, XF_KEY_PLOT) == 0 ||
	       strcmp(key, XF_KEY_ERROR) == 0;
}

/* A scenario's [host] takes the host's keys; its [vm NAME] sections take run options and count. */
static int check_scenario_key(struct xf_reader *r, const char *key, const char *value)
{
	static const char *const host_keys[] = { XF_KEY_SAMPLE_US, XF_KEY_REPEAT, XF_KEY_METRICS, XF_KEY_BUDGET,
						 XF_KEY_SWAP, XF_KEY_POLICY, XF_KEY_POLICY_PERIOD, NULL };
	bool host = r->cur == &r->xf->global;
	if (r->cur == &r->xf->policy)
		return 1; /* the policy's knobs: checked against its table once the policy is known */
	if (host) {
		for (const char *const *k = host_keys; *k; k++)
			if (strcmp(key, *k) == 0)
				return 1;
		if (ksm_opt_known(key))
			return 1;
		return fail(r, r->line, "unknown key '%s' = '%s' in [host]: it takes sample-us, repeat, metrics, plot, error, "
			    "budget, swap, policy, policy-period and page sharing's %s (a VM's options go in its "
			    "[vm NAME] section)", key, value, ksm_opt_names());
	}
	if (strcmp(key, XF_KEY_COUNT) == 0 || strcmp(key, XF_KEY_SHARES) == 0 || strcmp(key, XF_KEY_SHARE_DOMAIN) == 0)
		return 1;
	if (strcmp(key, XF_KEY_ZIP) == 0)
		return fail(r, r->line, "key '%s' = '%s' in [vm %s]: zipped axes are for experiment files; scenarios do "
			    "not take them yet", key, value, r->cur->name);
	if (xf_is_file_key(key))
		return fail(r, r->line, "key '%s' = '%s' in [vm %s]: only in [host]", key, value, r->cur->name);
	return 2; /* a run option: checked as in an experiment file */
}

/* The one file key whose syntax is known here: a metric's path cannot be checked against the
 * results before they exist, but its spelling can, before anything runs. */
static int check_metrics(struct xf_reader *r, const char *key, const char *value)
{
	struct metric_list l;
	char why[256];
	if (metric_list_parse(value, &l, why, sizeof(why)) < 0)
		return fail(r, r->line, "key '%s' = '%s': %s", key, value, why);
	return 1;
}

/* plot = x=AXIS,series=AXIS,metric=PATH[,log=on|off] (repeatable) and error = sd|iqr|none: the
 * charts the sweep's merge draws, as merge --plot and --error take them, in [global] or a
 * scenario's [host] only. Their syntax is checked here, before anything runs; whether the
 * summary has the axes and the metric, only the merge can tell. Returns 1 when the key is
 * neither (left to check_key), 0 after an error, 2 when it is good. */
static int check_chart_key(struct xf_reader *r, const char *key, const char *value)
{
	bool plot = strcmp(key, XF_KEY_PLOT) == 0;
	char why[512];
	if ((!plot && strcmp(key, XF_KEY_ERROR) != 0) || r->cur == &r->xf->policy)
		return 1;
	if (r->cur != &r->xf->global)
		return fail(r, r->line, "key '%s' = '%s': only in [%s]", key, value, r->xf->global.name);
	if (!plot) {
		enum trend_error e;
		if (xf_get(r->cur, key))
			return fail(r, r->line, "key '%s' = '%s': already set at line %d", key, value,
				    xf_get(r->cur, key)->line);
		return trend_error_parse(value, &e) == 0 ? 2
							 : fail(r, r->line, "key '%s' = '%s': expected sd, iqr or none",
								key, value);
	}
	size_t plots = 0;
	for (size_t i = 0; i < r->cur->n; i++)
		plots += strcmp(r->cur->set[i].key, XF_KEY_PLOT) == 0;
	if (plots == TREND_MAX_PLOTS)
		return fail(r, r->line, "key '%s' = '%s': more than %d plots", key, value, TREND_MAX_PLOTS);
	struct trend_plot p;
	return trend_plot_parse(value, &p, why, sizeof(why)) == 0 ? 2
								  : fail(r, r->line, "key '%s' = '%s': %s", key, value, why);
}

static int check_key(struct xf_reader *r, const char *key, const char *value)
{
	int chart = check_chart_key(r, key, value);
	if (chart != 1)
		return chart ? 1 : 0;
	int applies = cli_run_option_applies(key);
	if (applies >= 0 && !(applies & (r->xf->dialect == XF_SCENARIO ? CLI_SCENARIO : CLI_XFILE)))
		return fail(r, r->line, "key '%s' = '%s': set by the command line, not in a file", key, value);
	int sc = r->xf->dialect == XF_SCENARIO ? check_scenario_key(r, key, value) : 2;
	if (sc == 0)
		return 0;
	if (sc == 1)
		return xf_get(r->cur, key) ? fail(r, r->line, "key '%s' = '%s': already set at line %d", key, value,
						  xf_get(r->cur, key)->line)
					   : 1;
	if ((strcmp(key, XF_KEY_BASELINE) == 0 || strcmp(key, XF_KEY_METRICS) == 0) && r->cur != &r->xf->global)
		return fail(r, r->line, "key '%s' = '%s': only in [global]", key, value);
	if (strcmp(key, XF_KEY_METRICS) == 0 && !check_metrics(r, key, value))
		return 0;
	if (!xf_is_file_key(key) && cli_run_option_arg(key) < 0)
		return fail(r, r->line, "unknown key '%s' = '%s': not a memvirt run option (see memvirt run --help)",
			    key, value);
	if (!xf_key_repeatable(key) && xf_get(r->cur, key))
		return fail(r, r->line, "key '%s' = '%s': already set in [%s] at line %d", key, value, r->cur->name,
			    xf_get(r->cur, key)->line);
	return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct xf_reader *r = user;
	if (r->err)
		return 0;
	if (!*section || !r->cur)
		return fail(r, r->line, "key '%s' = '%s' before any section: put it in %s", key, value,
			    r->xf->dialect == XF_SCENARIO ? "[host] or a [vm NAME]" : "[global] or a [job]");
	if (strlen(key) >= XF_NAME_MAX || strlen(value) >= XF_VALUE_MAX)
		return fail(r, r->line, "key '%.40s' = '%.40s...': too long", key, value);
	if (!check_key(r, key, value))
		return 0;
	if (r->cur->n == XF_MAX_SETTINGS)
		return fail(r, r->line, "key '%s' = '%s': too many settings in [%s] (at most %d)", key, value,
			    r->cur->name, XF_MAX_SETTINGS);
	struct xf_setting *s = &r->cur->set[r->cur->n++];
	snprintf(s->key, sizeof(s->key), "%s", key);
	snprintf(s->value, sizeof(s->value), "%s", value);
	s->line = r->line;
	return 1;
}

static int load(const char *path, enum xf_dialect dialect, struct experiment_file *xf, char *why, size_t n)
{
	memset(xf, 0, sizeof(*xf));
	xf->dialect = dialect;
	snprintf(xf->path, sizeof(xf->path), "%s", path);
	snprintf(xf->global.name, sizeof(xf->global.name), "%s", dialect == XF_SCENARIO ? "host" : "global");
	snprintf(xf->policy.name, sizeof(xf->policy.name), "policy");
	struct xf_reader r = { .at_line_start = true, .xf = xf, .why = why, .why_n = n };
	int orc = regular_fopen(path, &r.f);
	if (orc < 0) {
		snprintf(why, n, "%s: %s", path, result_file_strerror(orc));
		return orc;
	}
	/* continuation lines would hide a line's key; one error is all the user needs */
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	int rc = ini_parse_stream(reader, &r, handler, &r);
	fclose(r.f);
	if (r.err)
		return r.err;
	if (rc > 0) {
		snprintf(why, n, "%s:%d: not a [section], key = value or comment line", path, rc);
		return -EINVAL;
	}
	if (rc < 0 || xf->njobs == 0) {
		snprintf(why, n, "%s: %s", path, rc < 0 ? "cannot be read"
					      : dialect == XF_SCENARIO ? "no [vm NAME] section: nothing to run"
								       : "no [job] section: nothing to run");
		return -EINVAL;
	}
	return 0;
}

int xf_load(const char *path, struct experiment_file *xf, char *why, size_t n)
{
	return load(path, XF_EXPERIMENT, xf, why, n);
}

int xf_load_scenario(const char *path, struct experiment_file *xf, char *why, size_t n)
{
	return load(path, XF_SCENARIO, xf, why, n);
}

void xf_stem(const char *path, char *buf, size_t n)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(buf, n, "%.*s", (int)strcspn(base, "."), base);
}

bool xf_is_scenario_file(const char *path)
{
	char line[512];
	bool scenario = false;
	FILE *f;
	if (regular_fopen(path, &f) < 0)
		return false;
	for (int k = 0; k < 10000 && fgets(line, sizeof(line), f); k++) {
		const char *p = line + (k == 0 && strncmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
		p += strspn(p, " \t");
		if (*p != '[')
			continue;
		scenario = strncmp(p, "[host]", 6) == 0 || strncmp(p, "[vm ", 4) == 0;
		break;
	}
	fclose(f);
	return scenario;
}
