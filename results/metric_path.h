/* metric_path.h — the merge's metrics: a metric is a dotted path into a result document
 * (`result.run_s`, `mmu.modeled_cycles`, `kvm_stats.vcpu.pf_taken`) naming one number. A list
 * of them comes from `metrics = a, b` in an experiment file's [global] or `memvirt merge
 * --metrics a,b`; both go through metric_list_parse so they follow one syntax. */
#ifndef MEMVIRT_METRIC_PATH_H
#define MEMVIRT_METRIC_PATH_H

#include <stddef.h>

#include <jansson.h>

#define METRIC_PATH_MAX 128
#define METRIC_MAX 8

struct metric_list {
	size_t n;
	char path[METRIC_MAX][METRIC_PATH_MAX];
};

/* What a path finds in a document. */
enum metric_found { METRIC_NUMBER, METRIC_NULL, METRIC_MISSING, METRIC_NOT_NUMBER };

/* Checks one path's syntax: keys of letters, digits, '_' or '-', joined by single dots.
 * Returns 0, or -EINVAL with why ("metric 'a..b': ..."). */
int metric_path_check(const char *path, char *why, size_t n);

/* "a, b,c" (blanks around items dropped): 1 to METRIC_MAX valid paths, none twice. Returns 0,
 * or -EINVAL with one line in why naming the item at fault. */
int metric_list_parse(const char *text, struct metric_list *l, char *why, size_t n);

/* Resolves path in doc. A key of an object may itself contain dots (kvm_stats has
 * "vcpu.pf_taken"), so at each level the longest run of the remaining path that is a key is
 * tried first, then shorter ones. *value is set for METRIC_NUMBER. */
enum metric_found metric_resolve(const json_t *doc, const char *path, double *value);

/* The value path names in doc, of any type (null included), found as metric_resolve finds it;
 * NULL when the path leads nowhere. */
const json_t *metric_lookup(const json_t *doc, const char *path);

/* The whole run's value of an integer counter (a new reference; NULL when path leads nowhere):
 * in a schema_version 2 document a counter of a per-phase block (mmu, exits, exit_costs,
 * faults, kvm_stats) is the measured phase's, so it is summed with phases.setup and
 * phases.check; anything else (and every version 1 value) is returned as it is. */
json_t *metric_whole_run(const json_t *doc, const char *path);

/* "number", "null", "missing", "not a number" */
const char *metric_found_name(enum metric_found f);

#endif
