/* host_page.h — the pieces of the host report page (report_host.c) shared by the files that
 * draw it: the page's data (each VM's run and rates, the host's memory columns by name, the
 * overcommit parts of the document), the colours, and one function per chart or table.
 *
 * Why several files: the page grew with overcommit (issue 12) into separate ideas — memory by
 * state (host_memory.c), each VM's throughput with its dips (host_throughput.c), the budget,
 * policy and decision log (host_policy.c), the per-VM summary (host_summary.c), page sharing
 * over time (host_sharing.c) — and each is
 * read and changed on its own. Every chart is a function of (FILE *, page) drawing one <svg>,
 * so the same code writes it inline in the page and as a standalone SVG file beside it.
 *
 * Every string from the document reaches the page through html_escape or html_printf's %s
 * (results/html.h); only constant markup is written with fputs. Parts a document lacks (older
 * host documents: no budget, policy, balloon or working-set columns) are NULL here, and their
 * sections are left out. Internal to results/: not part of report.h. */
#ifndef MEMVIRT_HOST_PAGE_H
#define MEMVIRT_HOST_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "results/html.h"
#include "results/report.h"

#define HOST_MAX_VMS 64
#define HOST_PLOT_W 1000
/* Charts show time in seconds on the host's run clock. */
#define HOST_TIME_LABEL "time since the host started (s)"
/* Decision ticks drawn per chart; the table and the document hold the rest. */
#define HOST_MAX_MARKS 1000
/* Rows of the decisions table; a count of the rest follows it. */
#define HOST_MAX_DECISION_ROWS 200

/* host.memory by column name: byte values per row, NaN where null. A column the document lacks
 * is NULL (usage without a budget; balloon, wss and used in older documents). */
struct host_mem {
	size_t rows;
	double *t_s;
	double *rss, *usage;
	double *resident[HOST_MAX_VMS], *used[HOST_MAX_VMS], *balloon[HOST_MAX_VMS], *wss[HOST_MAX_VMS];
	bool any_balloon, any_wss, all_used;
};

/* Page sharing over time (host_sharing.c): one line per engine the document has — Linux KSM
 * (host.ksm.series) and memvirt's own (host.sharing.series) — in seconds on the run clock,
 * bytes saved and CPU seconds since the run began (NULL: the engine records no CPU). */
struct host_share_line {
	const char *name, *color;
	size_t n;
	double *t_s, *saved, *cpu_s;
};
struct host_share {
	size_t n;
	struct host_share_line line[2];
	bool any_cpu;
};

struct host_page {
	const json_t *doc;
	size_t n;
	const char *name[HOST_MAX_VMS];
	const json_t *vm[HOST_MAX_VMS];          /* the vms{} entries: each a run result */
	struct report run[HOST_MAX_VMS];         /* each VM's document and series */
	bool have_run[HOST_MAX_VMS];
	bool own_page[HOST_MAX_VMS];             /* vm-NAME.html written (its name is a file name) */
	struct report_rates rates[HOST_MAX_VMS];
	double t0_ms, t1_ms;                     /* the time axis of every chart */
	struct host_mem mem;
	struct host_share share;
	const json_t *budget, *policy, *decisions; /* objects / array, or NULL when absent or null */
};

/* A VM's colour (by its index), and the colour of a decision about `vm` (grey: the host, or a
 * name that is not a VM of this document). */
const char *host_vm_color(size_t v);
const char *host_vm_color_by_name(const struct host_page *pg, const char *vm);
/* A number field, NaN when absent or not a number; a string field, "" when absent. */
double host_num(const json_t *o, const char *key);
const char *host_str(const json_t *o, const char *key);
/* Writes a byte figure as a person reads it, or an en dash when it is not a finite number. */
void host_size_cell(FILE *f, double bytes);

/* host_memory.c */
/* A {columns: [names], rows: [[values]]} series of the host document (host.memory,
 * host.ksm.series, host.sharing.series): its row count, or -EINVAL with why (naming what)
 * when a row is not as wide as the columns; then one column by name as numbers, NaN where
 * null, NULL when there is no such column or (unless keep_empty) no value in it; -ENOMEM in
 * *rc. */
int host_series_rows(const json_t *series, const char *what, size_t *rows, char *why, size_t whylen);
double *host_series_col(const json_t *series, size_t rows, const char *name, bool keep_empty, int *rc);
int host_mem_load(struct host_page *pg, const json_t *memory, char *why, size_t whylen);
void host_mem_free(struct host_mem *m);
/* Mean over time and peak of a VM's column within its life; NaN when the column has no value. */
void host_mem_stats(const struct host_page *pg, const double *col, size_t v, double *mean, double *peak);
double host_mem_last(const struct host_mem *m, const double *col);
void host_memory_chart(FILE *f, const void *page);      /* memory by state, budget, usage, wss */
void host_used_chart(FILE *f, const void *page);        /* what each guest kernel handed out */

/* host_sharing.c */
/* Reads host.ksm.series and host.sharing.series (each absent or null: no line). 0, or -EINVAL
 * with why naming the series at fault, or -ENOMEM. */
int host_share_load(struct host_page *pg, char *why, size_t n);
void host_share_free(struct host_share *s);
void host_share_saved_chart(FILE *f, const void *page); /* bytes saved, a line per engine */
void host_share_cpu_chart(FILE *f, const void *page);   /* scanner CPU seconds, a line per engine */

/* host_throughput.c */
void host_throughput_chart(FILE *f, const void *page);  /* a panel per VM, dips shaded */

/* host_policy.c */
/* Ticks for the decisions about VM `v` and the host-wide ones (v == SIZE_MAX: every decision),
 * on a plot whose x axis is in seconds. */
void host_decision_marks(FILE *f, const struct host_page *pg, const struct svg_plot *p, size_t v);
void host_budget_section(FILE *f, const struct host_page *pg);
void host_policy_section(FILE *f, const struct host_page *pg);
void host_decisions_table(FILE *f, const struct host_page *pg);

/* host_summary.c */
void host_summary_table(FILE *f, const struct host_page *pg);

#endif
