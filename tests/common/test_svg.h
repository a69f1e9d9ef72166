/* test_svg.h — reading the HTML and SVG memvirt draws, in tests: how often a string occurs,
 * and how many points a given line of a chart has. Plain string search on purpose: the tests
 * check what a reader would see (titles, legends, points), not a parsed DOM. */
#ifndef MEMVIRT_TESTS_COMMON_TEST_SVG_H
#define MEMVIRT_TESTS_COMMON_TEST_SVG_H

/* Occurrences of needle in hay (not overlapping). */
int test_count(const char *hay, const char *needle);
/* The points of the first <polyline> whose <title> begins with title (the number of x,y pairs
 * in its points="..."), or -1 when there is none. */
int test_svg_polyline_points(const char *svg, const char *title);

#endif
