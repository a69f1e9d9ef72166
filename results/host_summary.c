/* host_summary.c — the per-VM summary of the host report (host_page.h): what each VM did and
 * what memory it held, one row per VM, the figures issue 12 compares policies by — operations,
 * operations lost in dips, major faults, swap traffic, average and peak resident memory, the
 * balloon at the end and the VM's shares.
 *
 * Where each figure comes from, so the table can be trusted: ops and ops/s are the VM's
 * measured phase (result); ops lost is the sum over the VM's dips (`dips[].ops_lost`, as its
 * run report finds them); major faults are the VMM process's during that VM's measured phase
 * (`faults.host_major`: all VMs share one process), swap is host-wide over the same phase
 * (`telemetry.host.pswpin/pswpout`); memory is host.memory's columns over the VM's life
 * (`vm.start_s`..`end_s`), averaged over time. A column whose figure no VM has (balloon,
 * shares, working set in a document from before overcommit) is left out. */
#include <math.h>

#include "results/host_page.h"

#define DASH "&ndash;"

static void number_cell(FILE *f, const char *fmt, double x)
{
	fputs("<td>", f);
	if (isfinite(x))
		html_printf(f, fmt, x);
	else
		fputs(DASH, f);
	fputs("</td>", f);
}

static void size_td(FILE *f, double bytes)
{
	fputs("<td>", f);
	host_size_cell(f, bytes);
	fputs("</td>", f);
}

static double field(const json_t *o, const char *key)
{
	const json_t *x = json_object_get(o, key);
	return json_is_number(x) ? json_number_value(x) : NAN;
}

static double ops_lost(const json_t *dips)
{
	const json_t *d;
	size_t i;
	double sum = 0;
	json_array_foreach(dips, i, d) sum += isfinite(field(d, "ops_lost")) ? field(d, "ops_lost") : 0;
	return sum;
}

struct summary_cols {
	bool shares, balloon, wss;
};

static void row(FILE *f, const struct host_page *pg, size_t v, struct summary_cols c)
{
	const json_t *doc = pg->vm[v], *res = json_object_get(doc, "result"), *dips = json_object_get(doc, "dips");
	const json_t *th = json_object_get(json_object_get(doc, "telemetry"), "host");
	double lost = ops_lost(dips), ops = field(res, "ops"), mean, peak;
	html_printf(f, "<tr><td class=l style=\"color:%s\"><b>%s</b></td>", host_vm_color(v), pg->name[v]);
	if (c.shares)
		number_cell(f, "%.0f", field(json_object_get(doc, "vm"), "shares"));
	number_cell(f, "%.0f", ops);
	number_cell(f, "%.4g", field(res, "ops_per_s"));
	html_printf(f, "<td>%zu</td>", json_array_size(dips));
	fputs("<td>", f);
	if (json_is_array(dips) && ops > 0)
		html_printf(f, "%.4g (%.1f%%)", lost, 100 * lost / ops);
	else if (json_is_array(dips))
		html_printf(f, "%.4g", lost);
	else
		fputs(DASH, f);
	fputs("</td>", f);
	number_cell(f, "%.0f", field(json_object_get(doc, "faults"), "host_major"));
	number_cell(f, "%.0f", field(th, "pswpin"));
	number_cell(f, "%.0f", field(th, "pswpout"));
	host_mem_stats(pg, pg->mem.resident[v], v, &mean, &peak);
	size_td(f, mean);
	size_td(f, peak);
	if (c.wss) {
		host_mem_stats(pg, pg->mem.wss[v], v, &mean, &peak);
		size_td(f, mean);
	}
	if (c.balloon)
		size_td(f, host_mem_last(&pg->mem, pg->mem.balloon[v]));
	fputs("</tr>\n", f);
}

void host_summary_table(FILE *f, const struct host_page *pg)
{
	struct summary_cols c = { .balloon = pg->mem.any_balloon, .wss = pg->mem.any_wss };
	for (size_t v = 0; v < pg->n; v++)
		c.shares |= json_is_number(json_object_get(json_object_get(pg->vm[v], "vm"), "shares"));
	fputs("<h2>Per-VM summary</h2>\n<table class=summary><tr><th class=l>vm</th>", f);
	if (c.shares)
		fputs("<th>shares</th>", f);
	fputs("<th>ops</th><th>ops/s</th><th>dips</th><th>ops lost in dips</th><th>major faults</th><th>swap-in pages</th>"
	      "<th>swap-out pages</th><th>resident, mean</th><th>resident, peak</th>", f);
	if (c.wss)
		fputs("<th>working set, mean</th>", f);
	if (c.balloon)
		fputs("<th>balloon at the end</th>", f);
	fputs("</tr>\n", f);
	for (size_t v = 0; v < pg->n; v++)
		row(f, pg, v, c);
	fputs("</table>\n<p class=note>Ops and dips: each VM's measured phase. Major faults: the VMM process (all VMs "
	      "share it) during that VM's measured phase; swap pages: host-wide over the same phase. Resident: the VM's "
	      "guest RAM in host memory over its life, averaged over time.</p>\n", f);
}
