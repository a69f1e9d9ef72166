/* ksm_knobs.h — the Linux KSM knobs in /sys/kernel/mm/ksm as one table: saved as found, set as
 * a run asks, restored afterwards. The table's order is the restore order, and it matters:
 * `run` first (ksmd stops before anything else moves under it), then `advisor_mode` (the scan
 * advisor rewrites pages_to_scan while it is on, so it must be off before pages_to_scan gets its
 * old value back), then the rest. Setting goes the other way round, `run` last. A knob this
 * kernel lacks (smart_scan before 6.7, the advisor before 6.9) is absent, never an error,
 * unless a run asks to set it. Values are kept as text: advisor_mode is a word, the rest
 * numbers. */
#ifndef MEMVIRT_KSM_KNOBS_H
#define MEMVIRT_KSM_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

#define KSM_SYSFS "/sys/kernel/mm/ksm"
#define KSM_KNOB_LEN 24

enum ksm_knob {
	KSM_RUN,
	KSM_ADVISOR_MODE,
	KSM_PAGES_TO_SCAN,
	KSM_SLEEP_MILLISECS,
	KSM_USE_ZERO_PAGES,
	KSM_SMART_SCAN,
	KSM_MERGE_ACROSS_NODES,
	KSM_MAX_PAGE_SHARING,
	KSM_ADVISOR_MAX_CPU,
	KSM_ADVISOR_MIN_PAGES_TO_SCAN,
	KSM_ADVISOR_MAX_PAGES_TO_SCAN,
	KSM_ADVISOR_TARGET_SCAN_TIME,
	KSM_STABLE_NODE_CHAINS_PRUNE_MILLISECS,
	KSM_KNOBS
};

struct ksm_knob_values {
	bool has[KSM_KNOBS];
	char v[KSM_KNOBS][KSM_KNOB_LEN];
};

/* The knob's file name in KSM_SYSFS ("pages_to_scan"). */
const char *ksm_knob_name(enum ksm_knob k);
/* Its path into buf; returns buf. */
const char *ksm_knob_path(enum ksm_knob k, char *buf, size_t n);
/* Reads a knob (advisor_mode: the word in brackets). 0 or -errno (-ENOENT: this kernel lacks it). */
int ksm_knob_read(enum ksm_knob k, char *out, size_t n);
int ksm_knob_write(enum ksm_knob k, const char *value);
/* Every knob present, into v. */
void ksm_knobs_save(struct ksm_knob_values *v);
/* Writes the knobs set in `want`, all but run first, run last; what it wrote goes in *done.
 * Returns 0 or the first -errno (the knob at fault named in why). */
int ksm_knobs_apply(const struct ksm_knob_values *want, struct ksm_knob_values *done, char *why, size_t n);
/* Writes back every knob of `saved` whose value differs now, in table order. A knob KSM
 * refuses while pages are merged (-EBUSY: merge_across_nodes, max_page_sharing) is retried
 * after run = 2 (unmerge), then run gets its saved value again. Returns 0 or the first
 * -errno (named in why). */
int ksm_knobs_restore(const struct ksm_knob_values *saved, char *why, size_t n);
/* KSM found off with nothing merged (run 0, pages_shared 0): leaving it so takes run = 2
 * (unmerge everything, empty the stable tree) before run = 0 — run = 0 alone freezes ksmd with
 * the merged pages and the counters of processes that have gone, which the next run would
 * then read as its starting point. */
bool ksm_found_clean(const struct ksm_knob_values *saved);
int ksm_unmerge_all(void);
/* Are the knobs now what `saved` holds? (The first that differs is named in why.) */
bool ksm_knobs_equal_now(const struct ksm_knob_values *saved, char *why, size_t n);

#endif
