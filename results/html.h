/* html.h — the pieces every memvirt HTML page shares: one self-contained page (inline style,
 * no scripts, no assets), escaped text, and SVG line plots with a common time axis. Used by
 * `memvirt compare` (compare_html.c) and `memvirt report` (report_html.c). */
#ifndef MEMVIRT_HTML_H
#define MEMVIRT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* <!doctype html> ... <body> with the shared style plus `extra_css` (may be NULL). */
void html_page_begin(FILE *f, const char *title, const char *extra_css);
void html_page_end(FILE *f);
/* The one escaping path of every page. html_escape writes s with &, <, >, " and ' as
 * character references (safe in text and in quoted attributes, HTML and SVG alike).
 * html_printf is fprintf whose every %s and %c argument goes through html_escape: text from a
 * document can only reach a page as an argument, and markup only as the (constant) format or
 * through fputs. */
void html_escape(FILE *f, const char *s);
void html_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An SVG chart: data coordinates [x0,x1] x [y0,y1] drawn in a w x h box with margins for
 * the axes. */
struct svg_plot {
	double x0, x1, y0, y1;
	int w, h;
	int left, right, top, bottom; /* margins in pixels */
};

/* The <svg> element (its text in sans-serif, so a standalone file reads as the page does). */
void svg_begin(FILE *f, int w, int h, const char *label);
void svg_end(FILE *f);
double svg_px(const struct svg_plot *p, double x);
double svg_py(const struct svg_plot *p, double y);
/* Frame, grid, tick labels (about 8 on x, 5 on y) and the axis titles. */
void svg_plot_axes(FILE *f, const struct svg_plot *p, const char *xlabel, const char *ylabel);
/* A polyline through (x[i], y[i]); points outside [x0,x1] are skipped. */
void svg_plot_line(FILE *f, const struct svg_plot *p, const double *x, const double *y, size_t n,
		   const char *color, const char *css_class);
/* The same, solid or dashed, with a tooltip (a person hovering reads what the line is). */
void svg_plot_line_titled(FILE *f, const struct svg_plot *p, const double *x, const double *y, size_t n,
			  const char *color, bool dashed, const char *title);
/* A filled area between lo[i] and hi[i] (a layer of a stacked chart), with a tooltip. */
void svg_plot_area(FILE *f, const struct svg_plot *p, const double *x, const double *lo, const double *hi, size_t n,
		   const char *color, const char *title);
/* A shaded band over [xa, xb] across the whole height, with a tooltip. */
void svg_plot_band(FILE *f, const struct svg_plot *p, double xa, double xb, const char *color, const char *title);
/* A vertical marker at x with a short label at the top. */
void svg_plot_marker(FILE *f, const struct svg_plot *p, double x, const char *color, const char *label);
/* A horizontal reference line at y (dashed) with a label at the right. */
void svg_plot_hline(FILE *f, const struct svg_plot *p, double y, const char *color, const char *label);
/* A legend row of coloured swatches at the top-left of the plot area. */
void svg_plot_legend(FILE *f, const struct svg_plot *p, const char *const *names, const char *const *colors, size_t n);
/* "12.3k", "4.5M": short numbers for tick labels. */
void svg_short_number(char *buf, size_t n, double v);
/* A chart as a standalone SVG file (for a paper): the XML declaration, then what `emit` draws
 * (one <svg> element, svg_begin .. svg_end), written atomically. Returns 0 or a negative errno. */
int svg_write_file(const char *path, void (*emit)(FILE *f, const void *arg), const void *arg);
/* A byte count as a person reads it, in binary units: "512 B", "4.0 KiB", "384.0 MiB", "1.50 GiB". */
void html_size(char *buf, size_t n, double bytes);

#endif
