/* html.c — page chrome and SVG plotting shared by memvirt's HTML reports (see html.h). */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "mmu/util.h"
#include "results/html.h"
#include "results/result.h"

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

/* Escapes at most max bytes of s. */
static void escape_n(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s && i < max && s[i]; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(s[i], f);
		}
	}
}

void html_escape(FILE *f, const char *s) { escape_n(f, s, SIZE_MAX); }

/* One conversion of html_printf: spec is "%...c" (flags, width, precision, length, conversion)
 * with '*' already taken from ap into star[0..nstar). */
static void one_conversion(FILE *f, const char *spec, const char *len, char conv, const int *star, int nstar,
			   int precision, va_list *ap)
{
#define PUT(value) (nstar == 2 ? fprintf(f, spec, star[0], star[1], value) \
		    : nstar == 1 ? fprintf(f, spec, star[0], value) : fprintf(f, spec, value))
	bool l = len[0] == 'l' && len[1] != 'l', ll = len[0] == 'l' && len[1] == 'l';
	switch (conv) {
	case 's': escape_n(f, va_arg(*ap, const char *), precision < 0 ? SIZE_MAX : (size_t)precision); break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		escape_n(f, &ch, 1);
		break;
	}
	case 'p': PUT(va_arg(*ap, void *)); break;
	case 'd': case 'i':
		if (ll) PUT(va_arg(*ap, long long));
		else if (l) PUT(va_arg(*ap, long));
		else if (len[0] == 'z') PUT(va_arg(*ap, ssize_t));
		else if (len[0] == 'j') PUT(va_arg(*ap, intmax_t));
		else if (len[0] == 't') PUT(va_arg(*ap, ptrdiff_t));
		else PUT(va_arg(*ap, int));
		break;
	case 'u': case 'x': case 'X': case 'o':
		if (ll) PUT(va_arg(*ap, unsigned long long));
		else if (l) PUT(va_arg(*ap, unsigned long));
		else if (len[0] == 'z') PUT(va_arg(*ap, size_t));
		else if (len[0] == 'j') PUT(va_arg(*ap, uintmax_t));
		else PUT(va_arg(*ap, unsigned));
		break;
	default: /* e f g a, upper case too */
		if (len[0] == 'L') PUT(va_arg(*ap, long double));
		else PUT(va_arg(*ap, double));
	}
#undef PUT
}

void html_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p;) {
		if (*p != '%' || p[1] == '%') {
			fputc(*p, f);
			p += *p == '%' ? 2 : 1;
			continue;
		}
		const char *start = p++;
		int star[2], nstar = 0, precision = -1;
		p += strspn(p, "-+ #0'");
		if (*p == '*')
			star[nstar++] = va_arg(ap, int), p++;
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			if (*p == '*')
				precision = star[nstar++] = va_arg(ap, int), p++;
			else
				precision = atoi(p);
			p += strspn(p, "0123456789");
		}
		const char *len = p;
		p += strspn(p, "hlLzjt");
		char spec[32];
		if (!*p || (size_t)(p - start) + 2 > sizeof(spec))
			break; /* not a conversion gcc's format check lets through */
		snprintf(spec, sizeof(spec), "%.*s", (int)(p - start + 1), start);
		char lenbuf[3] = { len < p ? len[0] : 0, len + 1 < p ? len[1] : 0, 0 };
		one_conversion(f, spec, lenbuf, *p, star, nstar, precision, &ap);
		p++;
	}
	va_end(ap);
}

void svg_begin(FILE *f, int w, int h, const char *label)
{
	html_printf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"sans-serif\" role=\"img\" aria-label=\"", w, h);
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

/* The ticks of [a, b] at multiples of step: at most MAX_TICKS, and none twice (far from zero
 * a step can be below the spacing of doubles, where x + step == x). */
#define MAX_TICKS 64
static size_t ticks(double a, double b, double step, double *out)
{
	size_t n = 0;
	if (!isfinite(a) || !isfinite(b) || !(step > 0) || !isfinite(step))
		return 0;
	double first = ceil(a / step) * step;
	for (size_t i = 0; n < MAX_TICKS && i < 4 * MAX_TICKS; i++) {
		double x = first + (double)i * step;
		if (!(x <= b + step * 1e-9))
			break;
		if (n && x <= out[n - 1])
			continue;
		out[n++] = x;
	}
	return n;
}

static void axis_ticks_x(FILE *f, const struct svg_plot *p)
{
	double at[MAX_TICKS];
	size_t n = ticks(p->x0, p->x1, nice_step(p->x1 - p->x0, 8), at);
	for (size_t i = 0; i < n; i++) {
		double x = at[i];
		char b[32];
		svg_short_number(b, sizeof(b), x);
		html_printf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
			   "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
			svg_px(p, x), p->top, svg_px(p, x), p->h - p->bottom, svg_px(p, x), p->h - p->bottom + 14, b);
	}
}

static void axis_ticks_y(FILE *f, const struct svg_plot *p)
{
	double at[MAX_TICKS];
	size_t n = ticks(p->y0, p->y1, nice_step(p->y1 - p->y0, 5), at);
	for (size_t i = 0; i < n; i++) {
		double y = at[i];
		char b[32];
		svg_short_number(b, sizeof(b), y);
		html_printf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
			   "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
			p->left, svg_py(p, y), p->w - p->right, svg_py(p, y), p->left - 4, svg_py(p, y) + 4, b);
	}
}

void svg_plot_axes(FILE *f, const struct svg_plot *p, const char *xlabel, const char *ylabel)
{
	axis_ticks_x(f, p);
	axis_ticks_y(f, p);
	html_printf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", p->left, p->top,
		p->w - p->left - p->right, p->h - p->top - p->bottom);
	html_printf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">", (double)(p->left + p->w - p->right) / 2,
		p->h - 4);
	html_escape(f, xlabel);
	html_printf(f, "</text>\n<text x=\"12\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">",
		(double)(p->top + p->h - p->bottom) / 2, (double)(p->top + p->h - p->bottom) / 2);
	html_escape(f, ylabel);
	fputs("</text>\n", f);
}

/* The points of a polyline: (x[i], y[i]) within [x0, x1] and finite. */
static void line_points(FILE *f, const struct svg_plot *p, const double *x, const double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i] >= p->x0 && x[i] <= p->x1 && isfinite(y[i]))
			html_printf(f, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, y[i]));
}

void svg_plot_line(FILE *f, const struct svg_plot *p, const double *x, const double *y, size_t n, const char *color,
		   const char *css_class)
{
	html_printf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" points=\"", css_class, color);
	line_points(f, p, x, y, n);
	fputs("\"/>\n", f);
}

void svg_plot_line_titled(FILE *f, const struct svg_plot *p, const double *x, const double *y, size_t n,
			  const char *color, bool dashed, const char *title)
{
	html_printf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" ", color, dashed ? "1.6" : "1.8");
	fputs(dashed ? "stroke-dasharray=\"6,4\" points=\"" : "points=\"", f);
	line_points(f, p, x, y, n);
	fputs("\"><title>", f);
	html_escape(f, title);
	fputs("</title></polyline>\n", f);
}

void svg_plot_area(FILE *f, const struct svg_plot *p, const double *x, const double *lo, const double *hi, size_t n,
		   const char *color, const char *title)
{
	html_printf(f, "<polygon fill=\"%s\" fill-opacity=\"0.75\" stroke=\"%s\" stroke-width=\"0.5\" points=\"", color, color);
	for (size_t i = 0; i < n; i++)
		if (x[i] >= p->x0 && x[i] <= p->x1 && isfinite(hi[i]))
			html_printf(f, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, hi[i]));
	for (size_t i = n; i-- > 0;)
		if (x[i] >= p->x0 && x[i] <= p->x1 && isfinite(lo[i]))
			html_printf(f, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, lo[i]));
	fputs("\"><title>", f);
	html_escape(f, title);
	fputs("</title></polygon>\n", f);
}

void svg_plot_band(FILE *f, const struct svg_plot *p, double xa, double xb, const char *color, const char *title)
{
	double a = svg_px(p, xa), b = svg_px(p, xb);
	html_printf(f, "<rect class=\"dip\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.25\"><title>",
		a, p->top, b - a > 1.5 ? b - a : 1.5, p->h - p->top - p->bottom, color);
	html_escape(f, title);
	fputs("</title></rect>\n", f);
}

/* A line from (x1, y1) to (x2, y2) and its label at (tx, ty), both in color; line_attrs and
 * text_attrs are added to the <line> and <text> elements. */
static void svg_labelled_line(FILE *f, const double line[4], const char *line_attrs, double tx, double ty,
			      const char *text_attrs, const char *color, const char *label)
{
	fputs("<line ", f);
	fputs(line_attrs, f); /* markup of this file's own */
	html_printf(f, "x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" ",
		    line[0], line[1], line[2], line[3], color, tx, ty);
	fputs(text_attrs, f);
	html_printf(f, "fill=\"%s\">", color);
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
		html_printf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\">",
			x, p->top - 10, colors[i], x + 16, p->top - 5);
		html_escape(f, names[i]);
		fputs("</text>\n", f);
		x += 30 + 7.0 * (double)strlen(names[i]);
	}
}

struct svg_file {
	void (*emit)(FILE *f, const void *arg);
	const void *arg;
};

static void svg_file_emit(FILE *f, const void *arg)
{
	const struct svg_file *s = arg;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	s->emit(f, s->arg);
}

int svg_write_file(const char *path, void (*emit)(FILE *f, const void *arg), const void *arg)
{
	struct svg_file s = { emit, arg };
	return atomic_write_stream(path, svg_file_emit, &s);
}

void html_size(char *buf, size_t n, double bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;
	double v = bytes;
	while (fabs(v) >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	if (!isfinite(bytes))
		snprintf(buf, n, "-");
	else if (u == 0)
		snprintf(buf, n, "%.0f B", v);
	else
		snprintf(buf, n, fabs(v) < 10 ? "%.2f %s" : "%.1f %s", v, unit[u]);
}
