/* test_svg.c — reading memvirt's SVG charts in a test (see test_svg.h): plain string search,
 * since the charts are written by memvirt itself and a test only needs to count what is there. */
#include <string.h>

#include "tests/common/test_svg.h"

int test_svg_polyline_points(const char *svg, const char *title)
{
	for (const char *p = svg; (p = strstr(p, "<polyline")); p++) {
		const char *end = strstr(p, "</polyline>"), *t = strstr(p, "<title>");
		if (!end || !t || t > end || strncmp(t + 7, title, strlen(title)) != 0)
			continue;
		const char *pts = strstr(p, "points=\""), *q = pts ? strchr(pts + 8, '"') : NULL;
		int n = 0;
		for (const char *c = pts ? pts + 8 : q; c && c < q; c++)
			n += *c == ',';
		return n;
	}
	return -1;
}
