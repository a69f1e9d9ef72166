/* test_svg.h — reading the SVG charts memvirt writes, in a test: the lines a chart draws are
 * <polyline> elements with a <title> tooltip, so a test finds a line by its tooltip and counts
 * its points. One helper here because several report tests ask the same of different charts. */
#ifndef MEMVIRT_TESTS_COMMON_TEST_SVG_H
#define MEMVIRT_TESTS_COMMON_TEST_SVG_H

/* Points in the points="..." of the first polyline whose tooltip begins with title, or -1 when
 * there is no such polyline. */
int test_svg_polyline_points(const char *svg, const char *title);

#endif
