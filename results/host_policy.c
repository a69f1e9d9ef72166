/* host_policy.c — the overcommit parts of the host report (host_page.h, issue 12): the budget,
 * the policy with its knobs and its own CPU cost, and the decision log, as ticks on the charts
 * and as a table.
 *
 * A decision is drawn as a tick at its time in the colour of its VM (grey: host-wide), with a
 * faint line down the chart so it reads against the curve below, and a tooltip saying what was
 * decided, from what to what, and why. The charts carry at most HOST_MAX_MARKS ticks and the
 * table HOST_MAX_DECISION_ROWS rows, then a count of the rest: a long run's log must not make a
 * page no browser opens; the whole log stays in the document.
 *
 * The values of a decision are numbers, strings or null (the agreed format): numbers of the
 * actions that move memory (target, limit, reclaim) are byte figures, shown in binary units;
 * every string is the document's and is escaped. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "results/host_page.h"

#define DASH "\xe2\x80\x93" /* an en dash, as UTF-8: valid in the page and in a standalone SVG */
#define ARROW "\xe2\x86\x92"

static bool bytes_action(const char *action)
{
	return strcmp(action, "target") == 0 || strcmp(action, "limit") == 0 || strcmp(action, "reclaim") == 0;
}

/* A decision's from or to. */
static void decision_value(FILE *f, const char *action, const json_t *x)
{
	char size[32];
	if (json_is_number(x) && bytes_action(action)) {
		html_size(size, sizeof(size), json_number_value(x));
		html_escape(f, size);
	} else if (json_is_number(x)) {
		html_printf(f, "%.6g", json_number_value(x));
	} else if (json_is_string(x)) {
		html_escape(f, json_string_value(x));
	} else if (json_is_boolean(x)) {
		fputs(json_is_true(x) ? "on" : "off", f);
	} else {
		fputs(DASH, f);
	}
}

/* The VM a decision is about: its name, or "host" for a host-wide one. */
static const char *decision_vm(const json_t *d)
{
	const char *vm = json_string_value(json_object_get(d, "vm"));
	return vm ? vm : "host";
}

static void decision_title(FILE *f, const json_t *d)
{
	const char *action = host_str(d, "action");
	html_printf(f, "t = %.3f s, %s: %s ", host_num(d, "t_ms") / 1e3, decision_vm(d), action);
	decision_value(f, action, json_object_get(d, "from"));
	fputs(" " ARROW " ", f);
	decision_value(f, action, json_object_get(d, "to"));
	html_printf(f, "\n%s", host_str(d, "reason"));
}

void host_decision_marks(FILE *f, const struct host_page *pg, const struct svg_plot *p, size_t v)
{
	const json_t *d;
	size_t i, drawn = 0;
	json_array_foreach(pg->decisions, i, d) {
		const char *vm = json_string_value(json_object_get(d, "vm"));
		double t = host_num(d, "t_ms") / 1e3;
		if (v != SIZE_MAX && vm && strcmp(vm, pg->name[v]) != 0)
			continue;
		if (!isfinite(t) || t < p->x0 || t > p->x1 || drawn == HOST_MAX_MARKS)
			continue;
		const char *c = host_vm_color_by_name(pg, vm);
		double x = svg_px(p, t);
		html_printf(f, "<g class=\"decision\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
			       "stroke-opacity=\"0.45\" stroke-dasharray=\"2,3\"/><path d=\"M%.1f,%dh9l-4.5,9z\" fill=\"%s\"/><title>",
			    x, p->top, x, p->h - p->bottom, c, x - 4.5, p->top, c);
		decision_title(f, d);
		fputs("</title></g>\n", f);
		drawn++;
	}
}

/* ---- Budget --------------------------------------------------------------------------------- */

/* A row of a two-column table: the heading (constant markup) and a byte figure. */
static void size_row(FILE *f, const char *heading, double bytes)
{
	html_printf(f, "<tr><th class=l>%s</th><td>", heading);
	host_size_cell(f, bytes);
	fputs("</td></tr>\n", f);
}

void host_budget_section(FILE *f, const struct host_page *pg)
{
	const json_t *b = pg->budget, *swap = json_object_get(b, "swap");
	if (!b)
		return;
	double bytes = host_num(b, "bytes"), slack = host_num(b, "slack_bytes"), oom = host_num(b, "oom_kills");
	fputs("<h2>Host memory budget</h2>\n<table>\n", f);
	size_row(f, "budget", bytes);
	size_row(f, "slack (the policy's allowance above it)", slack);
	size_row(f, "budget + slack", bytes + (isfinite(slack) ? slack : 0));
	html_printf(f, "<tr><th class=l>peak usage of the budget cgroup</th><td>");
	host_size_cell(f, host_num(b, "peak_usage_bytes"));
	if (bytes > 0 && isfinite(host_num(b, "peak_usage_bytes")))
		html_printf(f, " (%.0f%% of the budget)", 100 * host_num(b, "peak_usage_bytes") / bytes);
	html_printf(f, "</td></tr>\n<tr><th class=l>time above budget + slack</th><td>%.1f ms</td></tr>\n", host_num(b, "over_ms"));
	html_printf(f, "<tr><th class=l>OOM kills</th><td>%.0f</td></tr>\n", oom);
	fputs("<tr><th class=l>cgroup</th><td class=l>", f);
	html_escape(f, host_str(b, "cgroup"));
	html_printf(f, " (v%.0f)</td></tr>\n<tr><th class=l>host swap</th><td class=l>", host_num(b, "version"));
	if (json_is_object(swap)) {
		html_escape(f, host_str(swap, "kind"));
		fputs(", ", f);
		host_size_cell(f, host_num(swap, "bytes"));
	} else {
		fputs("none", f);
	}
	fputs("</td></tr>\n</table>\n", f);
	if (oom > 0)
		html_printf(f, "<p><b>%.0f OOM kill%s under the budget</b>: the scenario did not fit even with everything "
			       "reclaimed; see each VM's state in the table above.</p>\n", oom, oom == 1 ? "" : "s");
}

/* ---- Policy --------------------------------------------------------------------------------- */

static void knob_value(FILE *f, const json_t *x)
{
	if (json_is_number(x))
		html_printf(f, "%.6g", json_number_value(x));
	else if (json_is_string(x))
		html_escape(f, json_string_value(x));
	else if (json_is_boolean(x))
		fputs(json_is_true(x) ? "true" : "false", f);
	else
		fputs(DASH, f);
}

void host_policy_section(FILE *f, const struct host_page *pg)
{
	const json_t *pol = pg->policy, *cpu = json_object_get(pol, "step_cpu_us"), *x;
	const char *k;
	if (!pol)
		return;
	fputs("<h2>Policy</h2>\n<table>\n<tr><th class=l>policy</th><td class=l><b>", f);
	html_escape(f, host_str(pol, "name"));
	html_printf(f, "</b>, a step every %.1f ms</td></tr>\n<tr><th class=l>steps</th><td class=l>%.0f, each costing "
		       "%.1f &micro;s of CPU on average (p50 %.1f, p99 %.1f, max %.1f &micro;s)</td></tr>\n",
		    host_num(pol, "period_ms"), host_num(pol, "steps"), host_num(cpu, "mean"), host_num(cpu, "p50"),
		    host_num(cpu, "p99"), host_num(cpu, "max"));
	html_printf(f, "<tr><th class=l>decisions</th><td class=l>%zu</td></tr>\n", json_array_size(pg->decisions));
	fputs("<tr><th class=l>knobs</th><td class=l>", f);
	size_t i = 0;
	json_object_foreach((json_t *)json_object_get(pol, "knobs"), k, x) {
		html_printf(f, "%s<code>%s</code> = ", i++ ? ", " : "", k);
		knob_value(f, x);
	}
	if (!i)
		fputs("none", f);
	fputs("</td></tr>\n</table>\n", f);
}

/* ---- The decision log ------------------------------------------------------------------------ */

static void inputs_cell(FILE *f, const json_t *inputs)
{
	const char *k;
	const json_t *x;
	size_t i = 0;
	json_object_foreach((json_t *)inputs, k, x) {
		size_t len = strlen(k);
		html_printf(f, "%s%s=", i++ ? ", " : "", k);
		if (json_is_number(x) && len > 6 && strcmp(k + len - 6, "_bytes") == 0)
			host_size_cell(f, json_number_value(x)); /* a byte figure, by the format's naming */
		else
			knob_value(f, x);
	}
}

void host_decisions_table(FILE *f, const struct host_page *pg)
{
	const json_t *d;
	size_t i, n = json_array_size(pg->decisions);
	if (!pg->policy && !pg->decisions)
		return;
	fputs("<h2>Policy decisions</h2>\n", f);
	if (!n) {
		fputs("<p>None: the policy took no action.</p>\n", f);
		return;
	}
	fputs("<table class=decisions><tr><th>#</th><th>time s</th><th class=l>vm</th><th class=l>action</th><th>from</th>"
	      "<th>to</th><th class=l>reason</th><th class=l>inputs</th></tr>\n", f);
	json_array_foreach(pg->decisions, i, d) {
		if (i == HOST_MAX_DECISION_ROWS)
			break;
		const char *action = host_str(d, "action");
		html_printf(f, "<tr><td>%zu</td><td>", i + 1);
		if (isfinite(host_num(d, "t_ms")))
			html_printf(f, "%.3f", host_num(d, "t_ms") / 1e3);
		else
			fputs(DASH, f);
		html_printf(f, "</td><td class=l style=\"color:%s\"><b>%s</b></td><td class=l>%s</td><td>",
			    host_vm_color_by_name(pg, json_string_value(json_object_get(d, "vm"))), decision_vm(d), action);
		decision_value(f, action, json_object_get(d, "from"));
		fputs("</td><td>", f);
		decision_value(f, action, json_object_get(d, "to"));
		html_printf(f, "</td><td class=l>%s</td><td class=l>", host_str(d, "reason"));
		inputs_cell(f, json_object_get(d, "inputs"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (n > HOST_MAX_DECISION_ROWS)
		html_printf(f, "<p>&hellip; and %zu more decisions (the first %d are shown; all are in the document's "
			       "<code>host.policy.decisions</code>).</p>\n", n - HOST_MAX_DECISION_ROWS, HOST_MAX_DECISION_ROWS);
}
