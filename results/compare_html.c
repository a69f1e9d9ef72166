/* compare_html.c — the comparison as one self-contained HTML page: a short explanation,
 * the table, and an SVG bar chart of modeled cycles (ept and shadow side by side, each
 * workload scaled to its larger bar) — readable in any browser, no scripts, no assets (page
 * chrome and SVG helpers shared with the run report: html.h). On kvm the sim rows (":sim")
 * and the measured exit costs (compare_costs.c) are added. */
#include <inttypes.h>
#include <stdio.h>

#include "results/compare.h"
#include "results/html.h"

#define BAR_W 34
#define GROUP_W 110
#define CHART_H 220

static void html_head(FILE *f, const struct compare *c)
{
	html_page_begin(f, "memvirt compare", NULL);
	html_printf(f, "<h1>memvirt: ept vs shadow paging</h1>\n<p>Platform <b>%s</b>, footprint %.0f MiB, seed %" PRIu64
		   ". Each workload ran natively (checksum and time baseline) and under both "
		   "paging strategies. Modeled cycles price TLB hits, walk references, guest faults and exits with "
		   "the cost model (see docs/reading-reports.md); counters are exact. On kvm, times and exit costs "
		   "are measured and the faster strategy by measured time is marked on the measured rows; rows marked "
		   ":sim are the same workloads on the simulator, where the cheaper by modeled cycles is marked.</p>\n",
		c->base.platform, (double)c->base.params.mem_bytes / (1 << 20), c->base.params.seed);
}

static void html_row(FILE *f, const char *wl, const char *mmu, const struct run_result *r, bool win)
{
	struct compare_mmu_cells m;
	compare_mmu_cells(r, &m);
	html_printf(f, "<tr><td class=l>%s</td><td class=\"l%s\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%" PRIu64
		   "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		   "</td><td>%s</td><td>%.3f</td></tr>\n",
		wl, win ? " win" : "", mmu, m.tlb_misses, m.walks, m.refs_per_walk, r->exits.pt_write,
		r->exits.cr3_load, r->exits.hidden_fault, r->exits.invlpg, r->exits.ept_violation, m.modeled_cycles,
		r->run_s);
}

/* A strategy the platform cannot run was skipped (platform.mmu_unsupported); NULL: the
 * checksums differ. */
static const char *checksum_note(const struct compare_row *r)
{
	bool ept_ok = r->native.checksum == r->ept.checksum;
	if (r->shadow.state == RUN_SKIPPED)
		return ept_ok ? "ept checksum equal; shadow skipped on this platform" : NULL;
	return ept_ok && r->native.checksum == r->shadow.checksum ? "ept and shadow checksums equal" : NULL;
}

static void html_table(FILE *f, const struct compare *c)
{
	fputs("<h2>Counters</h2>\n<table><tr><th>workload</th><th>mmu</th><th>TLB misses</th><th>walks</th>"
	      "<th>refs/walk</th><th>pt_write</th><th>cr3_load</th><th>hidden faults</th><th>invlpg</th><th>EPT violations</th>"
	      "<th>modeled cycles</th><th>time (s)</th></tr>\n", f);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		bool ept_cheaper = compare_modeled(c, r, false)->modeled_cycles < compare_modeled(c, r, true)->modeled_cycles;
		/* measured rows are marked by what was measured (time); modeled rows by modeled cycles */
		bool ept_faster = r->ept.run_s > 0 && r->shadow.run_s > 0 && r->ept.run_s < r->shadow.run_s;
		bool shadow_faster = r->ept.run_s > 0 && r->shadow.run_s > 0 && r->shadow.run_s < r->ept.run_s;
		html_row(f, r->workload->name, "ept", &r->ept, c->with_sim ? ept_faster : ept_cheaper);
		html_row(f, "", "shadow", &r->shadow, c->with_sim ? shadow_faster : !ept_cheaper);
		if (c->with_sim) {
			html_row(f, "", "ept:sim", &r->sim_ept, ept_cheaper);
			html_row(f, "", "shadow:sim", &r->sim_shadow, !ept_cheaper);
		}
		html_printf(f, "<tr><td class=l></td><td class=l>native</td><td colspan=9 class=l>checksum 0x%016" PRIx64
			   " &mdash; ", r->native.checksum);
		const char *note = checksum_note(r);
		if (note)
			html_escape(f, note);
		else
			fputs("<b>checksums differ</b>", f);
		html_printf(f, "</td><td>%.3f</td></tr>\n", r->native.run_s);
	}
	fputs("</table>\n", f);
}

#define CHART_LEFT 70 /* room for the y axis and its title */

/* A bar of height v / max, its value (modeled cycles, short) above it. */
static void svg_bar(FILE *f, double x, uint64_t v, uint64_t max, const char *color, const char *label)
{
	double h = max ? (double)CHART_H * (double)v / (double)max : 0;
	char value[32];
	svg_short_number(value, sizeof(value), (double)v);
	html_printf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s: %" PRIu64
		   " cycles</title></rect>\n<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
		x, 20 + CHART_H - h, BAR_W, h, color, label, v, x + BAR_W / 2.0, 20 + CHART_H - h - 3, value);
}

/* The y axis: 0 to 1 of the workload's larger bar, ticks every quarter, its title. */
static void chart_axis(FILE *f, int w)
{
	html_printf(f, "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n"
		       "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n",
		CHART_LEFT - 10, CHART_LEFT - 10, CHART_H + 20, CHART_LEFT - 10, CHART_H + 20, w - 10, CHART_H + 20);
	for (int q = 0; q <= 4; q++) {
		double y = 20 + CHART_H - CHART_H * q / 4.0;
		html_printf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			       "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.2f</text>\n",
			CHART_LEFT - 10, y, w - 10, y, CHART_LEFT - 14, y + 3, q / 4.0);
	}
	html_printf(f, "<text transform=\"translate(14,%d) rotate(-90)\" font-size=\"11\" text-anchor=\"middle\">"
		       "modeled cycles / the larger of the two</text>\n", 20 + CHART_H / 2);
	int ly = CHART_H + 58; /* the legend, under the workload names */
	html_printf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"#3a7bd5\"/><text x=\"%d\" y=\"%d\" "
		       "font-size=\"11\">ept</text><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"#e07b39\"/>"
		       "<text x=\"%d\" y=\"%d\" font-size=\"11\">shadow (above each bar: its modeled cycles)</text>\n",
		CHART_LEFT, ly - 8, CHART_LEFT + 16, ly, CHART_LEFT + 50, ly - 8, CHART_LEFT + 66, ly);
}

static void html_chart(FILE *f, const struct compare *c)
{
	int w = (int)c->n * GROUP_W + CHART_LEFT + 20;
	html_printf(f, "<h2>Modeled cycles%s (each workload scaled to its larger bar; lower is better)</h2>\n",
		    c->with_sim ? " on sim" : "");
	svg_begin(f, w < 420 ? 420 : w, CHART_H + 70, "modeled cycles, ept and shadow, per workload");
	chart_axis(f, w);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		uint64_t ept = compare_modeled(c, r, false)->modeled_cycles, shadow = compare_modeled(c, r, true)->modeled_cycles;
		uint64_t max = ept > shadow ? ept : shadow;
		double x = CHART_LEFT + (double)i * GROUP_W;
		svg_bar(f, x, ept, max, "#3a7bd5", "ept");
		svg_bar(f, x + BAR_W + 4, shadow, max, "#e07b39", "shadow");
		html_printf(f, "<text x=\"%.0f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
			x + BAR_W + 2, CHART_H + 40, r->workload->name);
	}
	svg_end(f);
}

static void compare_emit_html(FILE *f, const void *arg)
{
	const struct compare *c = arg;
	html_head(f, c);
	html_table(f, c);
	if (c->with_sim)
		compare_html_costs(f, c);
	html_chart(f, c);
	html_page_end(f);
}

int compare_write_html(const struct compare *c, const char *path)
{
	return atomic_write_stream(path, compare_emit_html, c);
}
