/* host_memory.c — the host's memory over time on the host report (host_page.h): host.memory
 * read by column name, and the chart of memory by VM and state.
 *
 * Columns are found by name, not position: the overcommit parts (issue 12) add usage_bytes after
 * available_bytes and per-VM balloon and working-set columns after the existing ones, and older
 * documents have none of them, so only names say which column is which.
 *
 * The chart stacks every VM's guest RAM resident in host memory first (solid, a colour per VM),
 * so the top of those layers reads against the budget line, the budget + slack line and the
 * budget cgroup's usage line; then every VM's ballooned bytes above them, hatched in the VM's
 * colour (memory the VM was given but handed back: not held by the host). A VM's working-set
 * estimate is a dashed line in its colour, drawn from the bottom of its resident layer, so the
 * line above the layer's top means the VM holds less than its working set. Policy decisions are
 * ticks at the top edge; hovering anywhere reads every figure at that time. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/host_page.h"

#define MEM_PLOT_H 250   /* the plot area's height */
#define LEGEND_ROW 16
#define HOVER_STRIPS 120
#define USAGE_COLOR "#c92a2a"
#define BUDGET_COLOR "#212529"
#define SLACK_COLOR "#868e96"
#define RSS_COLOR "#495057"

/* ---- Loading ------------------------------------------------------------------------------ */

static long col_index(const json_t *cols, const char *name)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cols, i, c)
		if (json_is_string(c) && strcmp(json_string_value(c), name) == 0)
			return (long)i;
	return -1;
}

int host_series_rows(const json_t *series, const char *what, size_t *rows, char *why, size_t whylen)
{
	const json_t *row;
	size_t width = json_array_size(json_object_get(series, "columns")), i;
	json_array_foreach(json_object_get(series, "rows"), i, row)
		if (!json_is_array(row) || json_array_size(row) != width)
			return snprintf(why, whylen, "%s row %zu has %zu values for %zu columns", what, i, json_array_size(row),
					width), -EINVAL;
	*rows = json_array_size(json_object_get(series, "rows"));
	return 0;
}

double *host_series_col(const json_t *series, size_t rows, const char *name, bool keep_empty, int *rc)
{
	long k = col_index(json_object_get(series, "columns"), name);
	if (k < 0)
		return NULL;
	double *col = calloc(rows + 1, sizeof(double));
	if (!col)
		return *rc = -ENOMEM, NULL;
	bool any = false;
	for (size_t i = 0; i < rows; i++) {
		const json_t *x = json_array_get(json_array_get(json_object_get(series, "rows"), i), (size_t)k);
		col[i] = json_is_number(x) ? json_number_value(x) : NAN;
		any |= isfinite(col[i]);
	}
	if (!any && !keep_empty)
		free(col), col = NULL;
	return col;
}

/* Column `name` (or NAME.suffix) of host.memory (host_series_col). */
static double *load_col_as(const json_t *memory, size_t rows, const char *vm, const char *suffix, bool keep_empty,
			   int *rc)
{
	char name[512];
	snprintf(name, sizeof(name), "%s%s%s", vm ? vm : "", vm ? "." : "", suffix);
	return host_series_col(memory, rows, name, keep_empty, rc);
}

static double *load_col(const json_t *memory, size_t rows, const char *vm, const char *suffix, int *rc)
{
	return load_col_as(memory, rows, vm, suffix, false, rc);
}

void host_mem_free(struct host_mem *m)
{
	free(m->t_s);
	free(m->rss);
	free(m->usage);
	for (size_t v = 0; v < HOST_MAX_VMS; v++) {
		free(m->resident[v]);
		free(m->used[v]);
		free(m->balloon[v]);
		free(m->wss[v]);
	}
	*m = (struct host_mem){ 0 };
}

int host_mem_load(struct host_page *pg, const json_t *memory, char *why, size_t whylen)
{
	struct host_mem *m = &pg->mem;
	int rc = 0;
	*m = (struct host_mem){ .all_used = true };
	if ((rc = host_series_rows(memory, "host.memory", &m->rows, why, whylen)) < 0)
		return rc;
	m->t_s = load_col(memory, m->rows, NULL, "time_ms", &rc);
	m->rss = load_col(memory, m->rows, NULL, "rss_bytes", &rc);
	m->usage = load_col(memory, m->rows, NULL, "usage_bytes", &rc);
	for (size_t v = 0; v < pg->n; v++) {
		/* a VM that failed before it was sampled keeps its (all null) column */
		m->resident[v] = load_col_as(memory, m->rows, pg->name[v], "guest_resident_bytes", true, &rc);
		m->used[v] = load_col(memory, m->rows, pg->name[v], "guest_used_bytes", &rc);
		m->balloon[v] = load_col(memory, m->rows, pg->name[v], "balloon_bytes", &rc);
		m->wss[v] = load_col(memory, m->rows, pg->name[v], "wss_bytes", &rc);
		m->any_balloon |= m->balloon[v] != NULL;
		m->any_wss |= m->wss[v] != NULL;
		m->all_used &= m->used[v] != NULL;
		if (!m->resident[v] && rc == 0 && m->rows)
			return snprintf(why, whylen, "host.memory has no column %.200s.guest_resident_bytes", pg->name[v]),
			       -EINVAL;
	}
	if (rc < 0)
		return snprintf(why, whylen, "out of memory"), rc;
	if (m->rows && (!m->t_s || !m->rss))
		return snprintf(why, whylen, "host.memory lacks time_ms or rss_bytes"), -EINVAL;
	for (size_t i = 0; i < m->rows; i++)
		m->t_s[i] /= 1e3;
	return 0;
}

void host_mem_stats(const struct host_page *pg, const double *col, size_t v, double *mean, double *peak)
{
	const struct host_mem *m = &pg->mem;
	const json_t *life = json_object_get(pg->vm[v], "vm");
	double a = json_is_number(json_object_get(life, "start_s")) ? host_num(life, "start_s") : -INFINITY;
	double b = json_is_number(json_object_get(life, "end_s")) ? host_num(life, "end_s") : INFINITY;
	double sum = 0, span = 0;
	*mean = *peak = NAN;
	for (size_t i = 0; col && i < m->rows; i++) {
		if (!isfinite(col[i]) || m->t_s[i] < a || m->t_s[i] > b)
			continue;
		*peak = isfinite(*peak) ? fmax(*peak, col[i]) : col[i];
		double dt = i + 1 < m->rows ? m->t_s[i + 1] - m->t_s[i] : 0;
		sum += col[i] * dt;
		span += dt;
		if (!isfinite(*mean))
			*mean = col[i]; /* a single sample: its value */
	}
	if (span > 0)
		*mean = sum / span;
}

double host_mem_last(const struct host_mem *m, const double *col)
{
	for (size_t i = m->rows; col && i-- > 0;)
		if (isfinite(col[i]))
			return col[i];
	return NAN;
}

/* ---- Units and legend --------------------------------------------------------------------- */

struct mem_unit {
	double div;
	const char *name;
};

static struct mem_unit unit_for(double peak_bytes)
{
	return peak_bytes >= 2.0 * (1 << 30) ? (struct mem_unit){ 1 << 30, "GiB" } : (struct mem_unit){ 1 << 20, "MiB" };
}

enum key_kind { KEY_AREA, KEY_HATCH, KEY_LINE, KEY_DASHED };

struct key {
	const char *text; /* document text (a VM name) is escaped when drawn */
	const char *suffix;
	const char *color;
	enum key_kind kind;
};

static double key_width(const struct key *k) { return 34 + 6.6 * (double)(strlen(k->text) + strlen(k->suffix)); }

static size_t legend_rows(const struct key *k, size_t n, double width)
{
	size_t rows = n ? 1 : 0;
	double x = 0;
	for (size_t i = 0; i < n; i++) {
		if (x > 0 && x + key_width(&k[i]) > width)
			rows++, x = 0;
		x += key_width(&k[i]);
	}
	return rows;
}

/* The legend in rows from (x0, y0), wrapping at width. */
static void legend(FILE *f, const struct key *k, size_t n, double x0, double y0, double width)
{
	double x = 0, y = y0;
	for (size_t i = 0; i < n; i++) {
		if (x > 0 && x + key_width(&k[i]) > width)
			y += LEGEND_ROW, x = 0;
		double px = x0 + x;
		if (k[i].kind == KEY_AREA || k[i].kind == KEY_HATCH)
			html_printf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"10\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.8\"/>",
				    px, y - 9, k[i].color, k[i].kind == KEY_HATCH ? "#868e96" : k[i].color);
		else
			html_printf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>", px,
				    y - 4, px + 22, y - 4, k[i].color);
		if (k[i].kind == KEY_DASHED)
			html_printf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#fff\" stroke-width=\"3\" "
				       "stroke-dasharray=\"2,5\" stroke-dashoffset=\"-5\"/>", px, y - 4, px + 22, y - 4);
		html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s%s</text>\n", px + 27, y, k[i].text, k[i].suffix);
		x += key_width(&k[i]);
	}
}

/* The hatch of VM v's ballooned bytes: its colour, light, with diagonal stripes. */
static void hatch_defs(FILE *f, const struct host_page *pg)
{
	fputs("<defs>", f);
	for (size_t v = 0; v < pg->n; v++)
		html_printf(f, "<pattern id=\"mv-hatch-%zu\" patternUnits=\"userSpaceOnUse\" width=\"7\" height=\"7\" "
			       "patternTransform=\"rotate(45)\"><rect width=\"7\" height=\"7\" fill=\"%s\" fill-opacity=\"0.18\"/>"
			       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\" stroke=\"%s\" stroke-width=\"2.5\"/></pattern>",
			    v, host_vm_color(v), host_vm_color(v));
	fputs("</defs>\n", f);
}

/* ---- The memory-by-state chart ------------------------------------------------------------ */

static double value(const double *col, size_t i) { return col && isfinite(col[i]) ? col[i] : 0; }

static double budget_bytes(const struct host_page *pg) { return host_num(pg->budget, "bytes"); }

static double stack_peak(const struct host_page *pg)
{
	const struct host_mem *m = &pg->mem;
	double peak = budget_bytes(pg) + (isfinite(host_num(pg->budget, "slack_bytes")) ? host_num(pg->budget, "slack_bytes") : 0);
	peak = isfinite(peak) ? peak : 0;
	for (size_t i = 0; i < m->rows; i++) {
		double sum = 0;
		for (size_t v = 0; v < pg->n; v++)
			sum += value(m->resident[v], i) + value(m->balloon[v], i);
		peak = fmax(peak, fmax(sum, fmax(value(m->rss, i), value(m->usage, i))));
		for (size_t v = 0; v < pg->n; v++)
			peak = fmax(peak, value(m->wss[v], i)); /* a lone dashed line never leaves the chart */
	}
	return peak;
}

/* Every figure at row i, as the tooltip of a strip of the chart. */
static void hover_title(FILE *f, const struct host_page *pg, size_t i, struct mem_unit u)
{
	const struct host_mem *m = &pg->mem;
	html_printf(f, "t = %.3f s", m->t_s[i]);
	for (size_t v = 0; v < pg->n; v++) {
		html_printf(f, "\n%s: resident %.1f %s", pg->name[v], value(m->resident[v], i) / u.div, u.name);
		if (m->balloon[v] && isfinite(m->balloon[v][i]))
			html_printf(f, ", ballooned %.1f %s", m->balloon[v][i] / u.div, u.name);
		if (m->wss[v] && isfinite(m->wss[v][i]))
			html_printf(f, ", working set %.1f %s", m->wss[v][i] / u.div, u.name);
	}
	if (m->usage && isfinite(m->usage[i]))
		html_printf(f, "\nbudget cgroup usage %.1f %s", m->usage[i] / u.div, u.name);
	if (isfinite(budget_bytes(pg)))
		html_printf(f, "\nbudget %.1f %s", budget_bytes(pg) / u.div, u.name);
	html_printf(f, "\nVMM process RSS %.1f %s", value(m->rss, i) / u.div, u.name);
}

static void hover_strips(FILE *f, const struct host_page *pg, const struct svg_plot *p, struct mem_unit u)
{
	const struct host_mem *m = &pg->mem;
	size_t k = m->rows < HOVER_STRIPS ? m->rows : HOVER_STRIPS;
	double width = (double)(p->w - p->left - p->right) / (double)(k ? k : 1);
	for (size_t s = 0; s < k; s++) {
		double xa = p->left + (double)s * width, t = p->x0 + (p->x1 - p->x0) * ((double)s + 0.5) / (double)k;
		size_t best = 0;
		for (size_t i = 1; i < m->rows; i++)
			if (fabs(m->t_s[i] - t) < fabs(m->t_s[best] - t))
				best = i;
		html_printf(f, "<rect class=\"hover\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fff\" fill-opacity=\"0\"><title>",
			    xa, p->top, width, p->h - p->top - p->bottom);
		hover_title(f, pg, best, u);
		fputs("</title></rect>\n", f);
	}
}

/* Layers lo..hi of column col (scaled), stacked on `base`, which is moved up. */
static void layer(FILE *f, const struct svg_plot *p, const struct host_mem *m, const double *col, double *base,
		  double *top, struct mem_unit u, const char *fill, const char *title)
{
	for (size_t i = 0; i < m->rows; i++)
		top[i] = base[i] + value(col, i) / u.div;
	svg_plot_area(f, p, m->t_s, base, top, m->rows, fill, title);
	memcpy(base, top, m->rows * sizeof(double));
}

static size_t memory_keys(const struct host_page *pg, struct key *k, char (*fill)[48])
{
	const struct host_mem *m = &pg->mem;
	size_t n = 0;
	for (size_t v = 0; v < pg->n; v++) {
		k[n++] = (struct key){ pg->name[v], " resident", host_vm_color(v), KEY_AREA };
		if (m->balloon[v]) {
			snprintf(fill[v], sizeof(fill[v]), "url(#mv-hatch-%zu)", v);
			k[n++] = (struct key){ pg->name[v], " ballooned", fill[v], KEY_HATCH };
		}
		if (m->wss[v])
			k[n++] = (struct key){ pg->name[v], " working set", host_vm_color(v), KEY_DASHED };
	}
	if (m->usage)
		k[n++] = (struct key){ "budget cgroup usage", "", USAGE_COLOR, KEY_LINE };
	if (isfinite(budget_bytes(pg)))
		k[n++] = (struct key){ "budget", "", BUDGET_COLOR, KEY_DASHED };
	if (isfinite(budget_bytes(pg)) && host_num(pg->budget, "slack_bytes") > 0)
		k[n++] = (struct key){ "budget + slack", "", SLACK_COLOR, KEY_DASHED };
	k[n++] = (struct key){ "VMM process RSS", "", RSS_COLOR, KEY_LINE };
	return n;
}

/* A horizontal line at y with its label and a tooltip. */
static void budget_line(FILE *f, const struct svg_plot *p, double y, const char *color, const char *label, double bytes)
{
	char size[32], text[96];
	html_size(size, sizeof(size), bytes);
	snprintf(text, sizeof(text), "%s %s", label, size);
	svg_plot_hline(f, p, y, color, text);
}

void host_memory_chart(FILE *f, const void *page)
{
	const struct host_page *pg = page;
	const struct host_mem *m = &pg->mem;
	struct key keys[4 * HOST_MAX_VMS + 4];
	char fill[HOST_MAX_VMS][48]; /* "url(#mv-hatch-" + a size_t + ")" */
	size_t nk = memory_keys(pg, keys, fill);
	struct mem_unit u = unit_for(stack_peak(pg));
	int top = 26 + LEGEND_ROW * (int)legend_rows(keys, nk, HOST_PLOT_W - 80) + 6;
	struct svg_plot p = { .x0 = pg->t0_ms / 1e3, .x1 = pg->t1_ms / 1e3, .y1 = stack_peak(pg) / u.div * 1.08,
			      .w = HOST_PLOT_W, .h = top + MEM_PLOT_H + 34, .left = 64, .right = 16, .top = top, .bottom = 34 };
	double *base = calloc(m->rows + 1, sizeof(double)), *hi = calloc(m->rows + 1, sizeof(double));
	char ylabel[64], title[600];
	if (!(p.y1 > 0))
		p.y1 = 1;
	svg_begin(f, p.w, p.h, "memory by VM and state");
	hatch_defs(f, pg);
	fputs("<text x=\"64\" y=\"14\" font-size=\"13\" font-weight=\"bold\">Memory by VM and state (stacked)</text>\n", f);
	snprintf(ylabel, sizeof(ylabel), "memory (%s)", u.name);
	svg_plot_axes(f, &p, HOST_TIME_LABEL, ylabel);
	for (size_t v = 0; base && hi && v < pg->n; v++) {
		snprintf(title, sizeof(title), "%s: guest RAM resident in host memory", pg->name[v]);
		layer(f, &p, m, m->resident[v], base, hi, u, host_vm_color(v), title);
	}
	for (size_t v = 0; base && hi && v < pg->n; v++)
		if (m->balloon[v]) {
			snprintf(title, sizeof(title), "%s: ballooned (handed back to the host)", pg->name[v]);
			layer(f, &p, m, m->balloon[v], base, hi, u, fill[v], title);
		}
	if (base && hi) {
		memset(base, 0, m->rows * sizeof(double));
		for (size_t v = 0; v < pg->n; v++) {
			for (size_t i = 0; m->wss[v] && i < m->rows; i++)
				hi[i] = base[i] + (isfinite(m->wss[v][i]) ? m->wss[v][i] / u.div : NAN);
			snprintf(title, sizeof(title), "%s: working-set estimate, from the bottom of its resident layer", pg->name[v]);
			/* under the dashes a white line, so they read over the VM's own colour */
			if (m->wss[v])
				svg_plot_line(f, &p, m->t_s, hi, m->rows, "#fff", "halo");
			if (m->wss[v])
				svg_plot_line_titled(f, &p, m->t_s, hi, m->rows, host_vm_color(v), true, title);
			for (size_t i = 0; i < m->rows; i++)
				base[i] += value(m->resident[v], i) / u.div;
		}
		for (size_t i = 0; i < m->rows; i++)
			hi[i] = value(m->rss, i) / u.div;
		svg_plot_line_titled(f, &p, m->t_s, hi, m->rows, RSS_COLOR, false, "VMM process RSS (all VMs and the VMM)");
		for (size_t i = 0; m->usage && i < m->rows; i++)
			hi[i] = isfinite(m->usage[i]) ? m->usage[i] / u.div : NAN;
		if (m->usage)
			svg_plot_line_titled(f, &p, m->t_s, hi, m->rows, USAGE_COLOR, false, "the budget cgroup's usage");
	}
	hover_strips(f, pg, &p, u);
	if (isfinite(budget_bytes(pg))) {
		double slack = host_num(pg->budget, "slack_bytes");
		budget_line(f, &p, budget_bytes(pg) / u.div, BUDGET_COLOR, "budget", budget_bytes(pg));
		if (slack > 0)
			budget_line(f, &p, (budget_bytes(pg) + slack) / u.div, SLACK_COLOR, "budget + slack", budget_bytes(pg) + slack);
	}
	host_decision_marks(f, pg, &p, SIZE_MAX);
	legend(f, keys, nk, p.left, 34, HOST_PLOT_W - 80);
	svg_end(f);
	free(base);
	free(hi);
}

/* ---- What each guest kernel handed out ---------------------------------------------------- */

void host_used_chart(FILE *f, const void *page)
{
	const struct host_page *pg = page;
	const struct host_mem *m = &pg->mem;
	struct key keys[HOST_MAX_VMS + 1];
	size_t nk = 0;
	double peak = 0;
	for (size_t i = 0; i < m->rows; i++) {
		double sum = 0;
		for (size_t v = 0; v < pg->n; v++)
			sum += value(m->used[v], i);
		peak = fmax(peak, fmax(sum, value(m->rss, i)));
	}
	for (size_t v = 0; v < pg->n; v++)
		keys[nk++] = (struct key){ pg->name[v], " used by its guest", host_vm_color(v), KEY_AREA };
	keys[nk++] = (struct key){ "VMM process RSS", "", RSS_COLOR, KEY_LINE };
	struct mem_unit u = unit_for(peak);
	int top = 26 + LEGEND_ROW * (int)legend_rows(keys, nk, HOST_PLOT_W - 80) + 6;
	struct svg_plot p = { .x0 = pg->t0_ms / 1e3, .x1 = pg->t1_ms / 1e3, .y1 = peak > 0 ? peak / u.div * 1.08 : 1,
			      .w = HOST_PLOT_W, .h = top + 200 + 34, .left = 64, .right = 16, .top = top, .bottom = 34 };
	double *base = calloc(m->rows + 1, sizeof(double)), *hi = calloc(m->rows + 1, sizeof(double));
	char ylabel[64], title[600];
	svg_begin(f, p.w, p.h, "memory each guest uses");
	fputs("<text x=\"64\" y=\"14\" font-size=\"13\" font-weight=\"bold\">Memory each VM's guest kernel has handed out "
	      "(stacked)</text>\n", f);
	snprintf(ylabel, sizeof(ylabel), "memory (%s)", u.name);
	svg_plot_axes(f, &p, HOST_TIME_LABEL, ylabel);
	for (size_t v = 0; base && hi && v < pg->n; v++) {
		snprintf(title, sizeof(title), "%s: memory its guest kernel has handed out", pg->name[v]);
		layer(f, &p, m, m->used[v], base, hi, u, host_vm_color(v), title);
	}
	for (size_t i = 0; hi && i < m->rows; i++)
		hi[i] = value(m->rss, i) / u.div;
	if (hi)
		svg_plot_line_titled(f, &p, m->t_s, hi, m->rows, RSS_COLOR, false, "VMM process RSS (all VMs and the VMM)");
	legend(f, keys, nk, p.left, 34, HOST_PLOT_W - 80);
	svg_end(f);
	free(base);
	free(hi);
}
