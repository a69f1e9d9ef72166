/* test_svg.c — see test_svg.h. */
#include <string.h>

#include "test_svg.h"

int test_count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

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
