/* html.c — page chrome and SVG plotting shared by memvirt's HTML reports (see html.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mmu/util.h"
#include "results/html.h"

static const char base_css[] =
	"body{font-family:sans-serif;max-width:72em;margin:2em auto;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}"
	"th{background:#eee}td.l,th.l{text-align:left}.win{font-weight:bold;color:#075}"
	"svg{display:block;margin:.5em 0}svg text{font-family:sans-serif}";

void html_page_begin(FILE *f, const char *title, const char *extra_css)
{
	fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>", f);
	html_escape(f, title);
	fprintf(f, "</title>\n<style>%s%s</style></head><body>\n", base_css, extra_css ? extra_css : "");
}

void html_page_end(FILE *f) { fputs("</body></html>\n", f); }

void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

void svg_begin(FILE *f, int w, int h, const char *label)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", w, h);
	html_escape(f, label);
	fputs("\">\n", f);
}

void svg_end(FILE *f) { fputs("</svg>\n", f); }

double svg_px(const struct svg_plot *p, double x)
{
	double span = p->x1 > p->x0 ? p->x1 - p->x0 : 1;
	return p->left + (x - p->x0) / span * (p->w - p->left - p->right);
}

double svg_py(const struct svg_plot *p, double y)
{
	double span = p->y1 > p->y0 ? p->y1 - p->y0 : 1;
	double v = (y - p->y0) / span;
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return p->h - p->bottom - v * (p->h - p->top - p->bottom);
}

void svg_short_number(char *buf, size_t n, double v)
{
	static const struct { double div; const char *suffix; } units[] = {
		{ 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (fabs(v) >= units[i].div) {
			snprintf(buf, n, "%.3g%s", v / units[i].div, units[i].suffix);
			return;
		}
	snprintf(buf, n, "%.3g", v);
}

/* A tick step of 1, 2 or 5 times a power of ten giving about `want` ticks over span. */
static double nice_step(double span, int want)
{
	double raw = span / want, mag = pow(10, floor(log10(raw > 0 ? raw : 1)));
	double norm = raw / mag;
	return (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
}

static void axis_ticks_x(FILE *f, const struct svg_plot *p)
{
	double step = nice_step(p->x1 - p->x0, 8);
	for (double x = ceil(p->x0 / step) * step; x <= p->x1 + step * 1e-9; x += step) {
		char b[32];
		svg_short_number(b, sizeof(b), x);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
			   "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
			svg_px(p, x), p->top, svg_px(p, x), p->h - p->bottom, svg_px(p, x), p->h - p->bottom + 14, b);
	}
}

static void axis_ticks_y(FILE *f, const struct svg_plot *p)
{
	double step = nice_step(p->y1 - p->y0, 5);
	for (double y = ceil(p->y0 / step) * step; y <= p->y1 + step * 1e-9; y += step) {
		char b[32];
		svg_short_number(b, sizeof(b), y);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
			   "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
			p->left, svg_py(p, y), p->w - p->right, svg_py(p, y), p->left - 4, svg_py(p, y) + 4, b);
	}
}

void svg_plot_axes(FILE *f, const struct svg_plot *p, const char *xlabel, const char *ylabel)
{
	axis_ticks_x(f, p);
	axis_ticks_y(f, p);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", p->left, p->top,
		p->w - p->left - p->right, p->h - p->top - p->bottom);
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">", (double)(p->left + p->w - p->right) / 2,
		p->h - 4);
	html_escape(f, xlabel);
	fprintf(f, "</text>\n<text x=\"12\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">",
		(double)(p->top + p->h - p->bottom) / 2, (double)(p->top + p->h - p->bottom) / 2);
	html_escape(f, ylabel);
	fputs("</text>\n", f);
}

void svg_plot_line(FILE *f, const struct svg_plot *p, const double *x, const double *y, size_t n, const char *color,
		   const char *css_class)
{
	fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" points=\"", css_class, color);
	for (size_t i = 0; i < n; i++)
		if (x[i] >= p->x0 && x[i] <= p->x1 && isfinite(y[i]))
			fprintf(f, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, y[i]));
	fputs("\"/>\n", f);
}

void svg_plot_area(FILE *f, const struct svg_plot *p, const double *x, const double *lo, const double *hi, size_t n,
		   const char *color, const char *title)
{
	fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.75\" stroke=\"%s\" stroke-width=\"0.5\" points=\"", color, color);
	for (size_t i = 0; i < n; i++)
		if (x[i] >= p->x0 && x[i] <= p->x1 && isfinite(hi[i]))
			fprintf(f, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, hi[i]));
	for (size_t i = n; i-- > 0;)
		if (x[i] >= p->x0 && x[i] <= p->x1 && isfinite(lo[i]))
			fprintf(f, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, lo[i]));
	fputs("\"><title>", f);
	html_escape(f, title);
	fputs("</title></polygon>\n", f);
}

void svg_plot_band(FILE *f, const struct svg_plot *p, double xa, double xb, const char *color, const char *title)
{
	double a = svg_px(p, xa), b = svg_px(p, xb);
	fprintf(f, "<rect class=\"dip\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.25\"><title>",
		a, p->top, b - a > 1.5 ? b - a : 1.5, p->h - p->top - p->bottom, color);
	html_escape(f, title);
	fputs("</title></rect>\n", f);
}

/* A line from (x1, y1) to (x2, y2) and its label at (tx, ty), both in color; line_attrs and
 * text_attrs are added to the <line> and <text> elements. */
static void svg_labelled_line(FILE *f, const double line[4], const char *line_attrs, double tx, double ty,
			      const char *text_attrs, const char *color, const char *label)
{
	fprintf(f, "<line %sx1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
		   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" %sfill=\"%s\">",
		line_attrs, line[0], line[1], line[2], line[3], color, tx, ty, text_attrs, color);
	html_escape(f, label);
	fputs("</text>\n", f);
}

void svg_plot_marker(FILE *f, const struct svg_plot *p, double x, const char *color, const char *label)
{
	double px = svg_px(p, x);
	svg_labelled_line(f, (const double[]){ px, p->top, px, p->h - p->bottom }, "class=\"event\" stroke-width=\"2\" ",
			  px + 3, p->top + 12, "", color, label);
}

void svg_plot_hline(FILE *f, const struct svg_plot *p, double y, const char *color, const char *label)
{
	double py = svg_py(p, y);
	svg_labelled_line(f, (const double[]){ p->left, py, p->w - p->right, py }, "stroke-dasharray=\"5,4\" ",
			  p->w - p->right - 4, py - 3, "text-anchor=\"end\" ", color, label);
}

void svg_plot_legend(FILE *f, const struct svg_plot *p, const char *const *names, const char *const *colors, size_t n)
{
	double x = p->left + 8;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\">",
			x, p->top - 10, colors[i], x + 16, p->top - 5);
		html_escape(f, names[i]);
		fputs("</text>\n", f);
		x += 30 + 7.0 * (double)strlen(names[i]);
	}
}
