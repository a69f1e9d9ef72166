/* experiment_file.h — fio-style experiment files (docs/experiment-files.md): a [global]
 * section and one section per job, each holding `key = value` lines whose keys are the long
 * names of `memvirt run` options (plus `repeat`, and `baseline`, `metrics`, `plot` and `error` in
 * [global]). Read with inih;
 * values are kept as text, with their line, so that sweep.c can expand comma lists and check
 * every value through the run options' own parser. */
#ifndef MEMVIRT_EXPERIMENT_FILE_H
#define MEMVIRT_EXPERIMENT_FILE_H

#include <stdbool.h>
#include <stddef.h>

#define XF_NAME_MAX 64
#define XF_VALUE_MAX 256
#define XF_MAX_SETTINGS 48
#define XF_MAX_JOBS 64
#define XF_MAX_LINES 100000      /* a longer file is refused, not read to its end */

struct xf_setting {
	char key[XF_NAME_MAX];
	char value[XF_VALUE_MAX];
	int line;
};

struct xf_section {
	char name[XF_NAME_MAX];
	int line;                        /* of the [name] header; 0 for an absent [global] */
	size_t n;
	struct xf_setting set[XF_MAX_SETTINGS];
};

/* The same reader serves two dialects. An experiment file has [global] and [JOB] sections
 * whose keys are run options. A scenario (a host of several VMs, docs/scenarios.md) has a
 * [host] section for what belongs to the host and one [vm NAME] section per VM (`count = N`
 * makes N identical VMs), and an optional [policy] section for the overcommit policy's knobs;
 * there `global` holds [host], `policy` [policy] and each job one [vm NAME]. */
enum xf_dialect { XF_EXPERIMENT = 0, XF_SCENARIO };

struct experiment_file {
	char path[4096];
	enum xf_dialect dialect;
	struct xf_section global;
	struct xf_section policy;        /* scenario: [policy], the overcommit policy's knobs */
	size_t njobs;
	struct xf_section jobs[XF_MAX_JOBS];
};

/* Keys of the file itself rather than of a run. */
#define XF_KEY_REPEAT "repeat"
#define XF_KEY_BASELINE "baseline"
#define XF_KEY_METRICS "metrics"    /* what the merge summarises (metric_path.h) */
#define XF_KEY_PLOT "plot"          /* a chosen chart, as merge --plot (results/trend_plot.h); repeatable */
#define XF_KEY_ERROR "error"        /* the charts' error bars, as merge --error: sd, iqr or none */
#define XF_KEY_ZIP "zip"            /* axes that advance together: zip = guest-page+host-page (sweep.c) */
#define XF_KEY_COUNT "count"        /* scenario [vm NAME]: identical VMs NAME-1 ... NAME-N */
#define XF_KEY_SAMPLE_US "sample-us"  /* scenario [host]: the monitor's period */
#define XF_KEY_SHARES "shares"      /* scenario [vm NAME]: esx shares (docs/overcommit.md) */
#define XF_KEY_SHARE_DOMAIN "share_domain" /* scenario [vm NAME]: page-sharing domain (docs/page-sharing.md) */
/* scenario [host]: overcommit (docs/overcommit.md) */
#define XF_KEY_BUDGET "budget"
#define XF_KEY_SWAP "swap"
#define XF_KEY_POLICY "policy"
#define XF_KEY_POLICY_PERIOD "policy-period"

/* Reads `path` into xf (zeroed first); only a regular text file (no FIFO or device, no NUL
 * byte, at most XF_MAX_LINES lines; a UTF-8 byte order mark is skipped). Checks the shape: sections, known keys, job names
 * usable in file names, no job twice, no key twice in a section (except repeatable run
 * options such as reclaim and cost). Returns 0, or a negative errno with one line in `why`
 * naming the file and line ("FILE:LINE: ..."). */
int xf_load(const char *path, struct experiment_file *xf, char *why, size_t n);
/* The same for a scenario file. */
int xf_load_scenario(const char *path, struct experiment_file *xf, char *why, size_t n);
/* The file's name without its folder and extension: a sweep job's or a scenario host's name. */
void xf_stem(const char *path, char *buf, size_t n);
/* Whether the file's first section is [host] or [vm NAME] (a scenario); false when it cannot
 * be read (xf_load then says why). */
bool xf_is_scenario_file(const char *path);

/* repeat, baseline, metrics, plot, error, zip (and a scenario's count): keys of the file, not run
 * options of a VM — never a sweep axis, whatever commas their values have. */
bool xf_is_file_key(const char *key);

/* The last setting of `key` in a section, or NULL. */
const struct xf_setting *xf_get(const struct xf_section *s, const char *key);

/* Run options that may be given more than once (each adds one more). */
int xf_key_repeatable(const char *key);

#endif
