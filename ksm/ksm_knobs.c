/* ksm_knobs.c — saving, setting and restoring the Linux KSM knobs (see ksm_knobs.h). */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "ksm/ksm_knobs.h"
#include "vmm/host/sysfs.h"

static const char *const knob_names[KSM_KNOBS] = {
	[KSM_RUN] = "run",
	[KSM_ADVISOR_MODE] = "advisor_mode",
	[KSM_PAGES_TO_SCAN] = "pages_to_scan",
	[KSM_SLEEP_MILLISECS] = "sleep_millisecs",
	[KSM_USE_ZERO_PAGES] = "use_zero_pages",
	[KSM_SMART_SCAN] = "smart_scan",
	[KSM_MERGE_ACROSS_NODES] = "merge_across_nodes",
	[KSM_MAX_PAGE_SHARING] = "max_page_sharing",
	[KSM_ADVISOR_MAX_CPU] = "advisor_max_cpu",
	[KSM_ADVISOR_MIN_PAGES_TO_SCAN] = "advisor_min_pages_to_scan",
	[KSM_ADVISOR_MAX_PAGES_TO_SCAN] = "advisor_max_pages_to_scan",
	[KSM_ADVISOR_TARGET_SCAN_TIME] = "advisor_target_scan_time",
	[KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS] = "stable_node_chains_prune_millisecs",
};

const char *ksm_knob_name(enum ksm_knob k) { return (unsigned)k < KSM_KNOBS ? knob_names[k] : "?"; }

const char *ksm_knob_path(enum ksm_knob k, char *buf, size_t n)
{
	snprintf(buf, n, KSM_SYSFS "/%s", ksm_knob_name(k));
	return buf;
}

int ksm_knob_read(enum ksm_knob k, char *out, size_t n)
{
	char path[128], buf[128];
	int rc = sysfs_read(ksm_knob_path(k, path, sizeof(path)), buf, sizeof(buf));
	if (rc < 0)
		return rc;
	const char *word = buf;
	size_t len = strlen(buf);
	const char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;
	if (open && close) { /* "[none] scan-time": the choice in force */
		word = open + 1;
		len = (size_t)(close - word);
	}
	snprintf(out, n, "%.*s", (int)len, word);
	return 0;
}

int ksm_knob_write(enum ksm_knob k, const char *value)
{
	char path[128];
	return sysfs_write(ksm_knob_path(k, path, sizeof(path)), value);
}

void ksm_knobs_save(struct ksm_knob_values *v)
{
	*v = (struct ksm_knob_values){ 0 };
	for (int k = 0; k < KSM_KNOBS; k++)
		v->has[k] = ksm_knob_read((enum ksm_knob)k, v->v[k], sizeof(v->v[k])) == 0;
}

static int write_named(enum ksm_knob k, const char *value, char *why, size_t n)
{
	int rc = ksm_knob_write(k, value);
	if (rc < 0)
		snprintf(why, n, "cannot write %s = %s in " KSM_SYSFS ": %s", ksm_knob_name(k), value, strerror(-rc));
	return rc;
}

int ksm_knobs_apply(const struct ksm_knob_values *want, struct ksm_knob_values *done, char *why, size_t n)
{
	*done = (struct ksm_knob_values){ 0 };
	/* reverse table order: the advisor's limits before the advisor, run last */
	for (int k = KSM_KNOBS - 1; k >= 0; k--) {
		if (!want->has[k])
			continue;
		int rc = write_named((enum ksm_knob)k, want->v[k], why, n);
		if (rc < 0)
			return rc;
		done->has[k] = true;
		snprintf(done->v[k], sizeof(done->v[k]), "%s", want->v[k]);
	}
	return 0;
}

static bool differs(enum ksm_knob k, const char *saved)
{
	char now[KSM_KNOB_LEN];
	return ksm_knob_read(k, now, sizeof(now)) < 0 || strcmp(now, saved) != 0;
}

int ksm_knobs_restore(const struct ksm_knob_values *saved, char *why, size_t n)
{
	int first = 0;
	bool unmerged = false;
	for (int k = 0; k < KSM_KNOBS; k++) {
		if (!saved->has[k] || !differs((enum ksm_knob)k, saved->v[k]))
			continue;
		int rc = ksm_knob_write((enum ksm_knob)k, saved->v[k]);
		if (rc == -EBUSY && saved->has[KSM_RUN]) {
			/* merged pages pin merge_across_nodes and max_page_sharing: unmerge, retry */
			(void)ksm_knob_write(KSM_RUN, "2");
			unmerged = true;
			rc = ksm_knob_write((enum ksm_knob)k, saved->v[k]);
		}
		if (rc < 0 && first == 0) {
			first = rc;
			snprintf(why, n, "cannot restore %s = %s in " KSM_SYSFS ": %s", ksm_knob_name((enum ksm_knob)k),
				 saved->v[k], strerror(-rc));
		}
	}
	if (unmerged) {
		int rc = ksm_knob_write(KSM_RUN, saved->v[KSM_RUN]);
		if (rc < 0 && first == 0) {
			first = rc;
			snprintf(why, n, "cannot restore run = %s: %s", saved->v[KSM_RUN], strerror(-rc));
		}
	}
	return first;
}

bool ksm_found_clean(const struct ksm_knob_values *saved)
{
	uint64_t shared = 1;
	(void)sysfs_read_u64(KSM_SYSFS "/pages_shared", &shared);
	return saved->has[KSM_RUN] && strcmp(saved->v[KSM_RUN], "0") == 0 && shared == 0;
}

int ksm_unmerge_all(void) { return ksm_knob_write(KSM_RUN, "2"); }

bool ksm_knobs_equal_now(const struct ksm_knob_values *saved, char *why, size_t n)
{
	for (int k = 0; k < KSM_KNOBS; k++) {
		char now[KSM_KNOB_LEN] = "";
		if (!saved->has[k])
			continue;
		if (ksm_knob_read((enum ksm_knob)k, now, sizeof(now)) < 0 || strcmp(now, saved->v[k]) != 0) {
			snprintf(why, n, "%s is %s, was %s", ksm_knob_name((enum ksm_knob)k), now, saved->v[k]);
			return false;
		}
	}
	return true;
}
