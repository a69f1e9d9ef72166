/* ksm_opts.c — the [host] keys of page sharing (docs/page-sharing.md): one table of key, KSM
 * knob, kind and range, so parsing, the list of names and the knob written cannot disagree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/ksm.h"
#include "vmm/util/parse.h"

enum kind { K_ONOFF, K_NUMBER, K_ADVISOR, K_DURATION };
enum { OPT_KSM = -1, OPT_SCAN = -2, OPT_SAMPLE = -3, OPT_SCAN_EVERY = -4, OPT_SHARE_PERIOD = -5 };

static const struct ksm_key {
	const char *key;
	int knob;                       /* enum ksm_knob, or one of OPT_* (not a knob) */
	enum kind kind;
	uint64_t min, max;              /* K_DURATION: microseconds (0 also taken) */
} keys[] = {
	{ "ksm", OPT_KSM, K_ONOFF, 0, 1 },
	{ "ksm-scan", OPT_SCAN, K_ONOFF, 0, 1 },
	{ "ksm-sample-ms", OPT_SAMPLE, K_NUMBER, 10, 10000 },
	{ "ksm-scan-every-ms", OPT_SCAN_EVERY, K_NUMBER, 0, 3600000 },
	{ "ksm-pages-to-scan", KSM_PAGES_TO_SCAN, K_NUMBER, 1, 1u << 24 },
	{ "ksm-sleep-ms", KSM_SLEEP_MILLISECS, K_NUMBER, 0, 60000 },
	{ "ksm-zero-pages", KSM_USE_ZERO_PAGES, K_ONOFF, 0, 1 },
	{ "ksm-smart-scan", KSM_SMART_SCAN, K_ONOFF, 0, 1 },
	{ "ksm-advisor", KSM_ADVISOR_MODE, K_ADVISOR, 0, 0 },
	{ "ksm-advisor-max-cpu", KSM_ADVISOR_MAX_CPU, K_NUMBER, 1, 100 },
	{ "ksm-advisor-min-pages", KSM_ADVISOR_MIN_PAGES_TO_SCAN, K_NUMBER, 1, 1u << 24 },
	{ "ksm-advisor-max-pages", KSM_ADVISOR_MAX_PAGES_TO_SCAN, K_NUMBER, 1, 1u << 24 },
	{ "ksm-advisor-target-s", KSM_ADVISOR_TARGET_SCAN_TIME, K_NUMBER, 1, 3600 },
	{ "ksm-merge-across-nodes", KSM_MERGE_ACROSS_NODES, K_ONOFF, 0, 1 },
	{ "ksm-max-page-sharing", KSM_MAX_PAGE_SHARING, K_NUMBER, 2, 1u << 20 },
	{ "share-period", OPT_SHARE_PERIOD, K_DURATION, 10000, 3600000000ULL },
};

static const struct ksm_key *find(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

bool ksm_opt_known(const char *key) { return find(key) != NULL; }

const char *ksm_opt_names(void)
{
	return "ksm, ksm-scan, ksm-sample-ms, ksm-scan-every-ms, ksm-pages-to-scan, ksm-sleep-ms, ksm-zero-pages, ksm-smart-scan, "
	       "ksm-advisor, ksm-advisor-max-cpu, ksm-advisor-min-pages, ksm-advisor-max-pages, ksm-advisor-target-s, "
	       "ksm-merge-across-nodes, ksm-max-page-sharing, share-period";
}

/* The value as the knob's text ("1", "scan-time"), into out; or -EINVAL with why. */
static int value_text(const struct ksm_key *k, const char *value, char *out, size_t outn, char *why, size_t n)
{
	uint64_t v;
	switch (k->kind) {
	case K_ONOFF:
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
			return snprintf(why, n, "expected on or off"), -EINVAL;
		snprintf(out, outn, "%d", strcmp(value, "on") == 0);
		return 0;
	case K_ADVISOR:
		if (strcmp(value, "none") != 0 && strcmp(value, "scan-time") != 0)
			return snprintf(why, n, "expected none or scan-time (the scan advisor)"), -EINVAL;
		snprintf(out, outn, "%s", value);
		return 0;
	case K_DURATION:
		if (parse_duration_us(value, &v) < 0 || (v && (v < k->min || v > k->max)))
			return snprintf(why, n, "expected 0 (passes when each VM's measured phase begins) or a period "
					"from 10ms to 1h"), -EINVAL;
		snprintf(out, outn, "%llu", (unsigned long long)v);
		return 0;
	case K_NUMBER:
		if (parse_u64(value, &v) < 0 || v < k->min || v > k->max)
			return snprintf(why, n, "expected a number from %llu to %llu", (unsigned long long)k->min,
					(unsigned long long)k->max), -EINVAL;
		snprintf(out, outn, "%llu", (unsigned long long)v);
		return 0;
	}
	return -EINVAL;
}

int ksm_opt_set(struct ksm_opts *o, const char *key, const char *value, char *why, size_t n)
{
	const struct ksm_key *k = find(key);
	char text[KSM_KNOB_LEN];
	if (!k)
		return -ENOENT;
	int rc = value_text(k, value, text, sizeof(text), why, n);
	if (rc < 0)
		return rc;
	if (k->knob == OPT_KSM)
		o->on = text[0] == '1';
	else if (k->knob == OPT_SCAN)
		o->scan = text[0] == '1';
	else if (k->knob == OPT_SAMPLE)
		o->sample_ms = strtoull(text, NULL, 10);
	else if (k->knob == OPT_SCAN_EVERY)
		o->scan_every_ms = strtoull(text, NULL, 10);
	else if (k->knob == OPT_SHARE_PERIOD) {
		o->share_period_us = strtoull(text, NULL, 10);
		o->share_period_set = true;
	}
	else {
		o->set.has[k->knob] = true;
		snprintf(o->set.v[k->knob], sizeof(o->set.v[k->knob]), "%s", text);
	}
	return 0;
}
