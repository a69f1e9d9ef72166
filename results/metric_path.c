/* metric_path.c — metric paths (metric_path.h): their syntax, lists of them, and resolving
 * one in a result document with dotted keys allowed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "results/metric_path.h"

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int metric_path_check(const char *path, char *why, size_t n)
{
	const char *bad = NULL;
	if (!*path)
		bad = "empty";
	else if (strlen(path) >= METRIC_PATH_MAX)
		bad = "too long";
	else if (path[0] == '.' || path[strlen(path) - 1] == '.' || strstr(path, ".."))
		bad = "empty key (a dot at an end, or two in a row)";
	for (const char *p = path; !bad && *p; p++)
		if (*p != '.' && !key_char(*p))
			bad = "keys are letters, digits, '_' or '-', joined by dots";
	if (!bad)
		return 0;
	snprintf(why, n, "metric '%.*s': %s", METRIC_PATH_MAX, path, bad);
	return -EINVAL;
}

/* Item [p, end) of a list, blanks around it dropped, into the list. */
static int add_item(struct metric_list *l, const char *p, const char *end, char *why, size_t n)
{
	char item[METRIC_PATH_MAX + 1];
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	snprintf(item, sizeof(item), "%.*s", (int)(end - p), p);
	int rc = metric_path_check(item, why, n);
	if (rc)
		return rc;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->path[i], item) == 0) {
			snprintf(why, n, "metric '%s': given twice", item);
			return -EINVAL;
		}
	if (l->n == METRIC_MAX) {
		snprintf(why, n, "metric '%s': too many metrics (at most %d)", item, METRIC_MAX);
		return -EINVAL;
	}
	memcpy(l->path[l->n++], item, strlen(item) + 1); /* metric_path_check: shorter than METRIC_PATH_MAX */
	return 0;
}

int metric_list_parse(const char *text, struct metric_list *l, char *why, size_t n)
{
	int rc = 0;
	*l = (struct metric_list){ 0 };
	for (const char *p = text; rc == 0;) {
		const char *end = strchr(p, ',');
		rc = add_item(l, p, end ? end : p + strlen(p), why, n);
		if (!end)
			break;
		p = end + 1;
	}
	return rc;
}

/* The value at `path` under o, or NULL. Keys are tried longest first: "vcpu.pf_taken" as
 * one key before "vcpu" then "pf_taken", falling back when the longer match leads nowhere. */
static const json_t *lookup(const json_t *o, const char *path)
{
	if (!json_is_object(o))
		return NULL;
	for (size_t len = strlen(path); len > 0;) {
		const json_t *v = json_object_getn(o, path, len);
		if (v && !path[len])
			return v;
		const json_t *deeper = v ? lookup(v, path + len + 1) : NULL;
		if (deeper)
			return deeper;
		while (len > 0 && path[--len] != '.')
			;
	}
	return NULL;
}

const json_t *metric_lookup(const json_t *doc, const char *path)
{
	return lookup(doc, path);
}

enum metric_found metric_resolve(const json_t *doc, const char *path, double *value)
{
	const json_t *v = metric_lookup(doc, path);
	if (!v)
		return METRIC_MISSING;
	if (json_is_null(v))
		return METRIC_NULL;
	if (!json_is_number(v))
		return METRIC_NOT_NUMBER;
	*value = json_number_value(v);
	return METRIC_NUMBER;
}

const char *metric_found_name(enum metric_found f)
{
	static const char *const names[] = { "number", "null", "missing", "not a number" };
	return names[f];
}

/* The blocks schema_version 2 splits by phase (docs/result-schema.md "Phases"). */
static bool per_phase(const char *field)
{
	static const char *const blocks[] = { "mmu.", "exits.", "faults.", "exit_costs.", "kvm_stats." };
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (strncmp(field, blocks[i], strlen(blocks[i])) == 0)
			return true;
	return false;
}

json_t *metric_whole_run(const json_t *doc, const char *field)
{
	const json_t *got = metric_lookup(doc, field);
	if (!got || !per_phase(field) || !json_is_integer(got) || !json_is_object(json_object_get(doc, "phases")))
		return got ? json_incref((json_t *)got) : NULL;
	json_int_t sum = json_integer_value(got);
	for (const char *const *p = (const char *const[]){ "phases.setup.", "phases.check.", NULL }; *p; p++) {
		char path[256];
		snprintf(path, sizeof(path), "%s%s", *p, field);
		sum += json_integer_value(metric_lookup(doc, path));
	}
	return json_integer(sum);
}
