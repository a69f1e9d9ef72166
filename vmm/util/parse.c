/* parse.c — strict parsers for sizes, counts, switches and choices (see parse.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mmu/util.h"
#include "vmm/util/parse.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL; /* no sign, no blanks, not empty */
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (hex && !isxdigit((unsigned char)s[2]))
		return -EINVAL; /* "0x" alone, or "0x-1" */
	errno = 0;
	unsigned long long v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10); /* never octal: 010 is ten */
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int size_shift(const char *suffix)
{
	static const struct { const char *s; int shift; } units[] = {
		{ "", 0 }, { "b", 0 }, { "k", 10 }, { "kb", 10 }, { "kib", 10 }, { "m", 20 }, { "mb", 20 },
		{ "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 }, { "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcasecmp(suffix, units[i].s) == 0)
			return units[i].shift;
	return -1;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	int shift = size_shift(end);
	if (shift < 0)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

/* The number s starts with (a digit or a point first: no sign, no blanks, not empty) in *v,
 * and in *end where it stops; -ERANGE when it is not finite. */
static int leading_double(const char *s, double *v, char **end)
{
	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	*v = strtod(s, end);
	if (errno == ERANGE || !isfinite(*v))
		return -ERANGE;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;
	int rc = leading_double(s, &v, &end);
	if (rc)
		return rc;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_duration_us(const char *s, uint64_t *out)
{
	static const struct { const char *unit; double us; } units[] = {
		{ "", 1e3 }, { "ms", 1e3 }, { "s", 1e6 }, { "us", 1.0 },
	};
	char *end;
	double v;
	int rc = leading_double(s, &v, &end);
	if (rc)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].unit) == 0) {
			double us = v * units[i].us;
			if (us >= 1.8e19)
				return -ERANGE;
			*out = (uint64_t)(us + 0.5);
			return 0;
		}
	return -EINVAL;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1", NULL };
	static const char *const no[] = { "off", "no", "false", "0", NULL };
	if (!s)
		return -EINVAL;
	if (parse_choice(s, yes) >= 0)
		return *out = true, 0;
	if (parse_choice(s, no) >= 0)
		return *out = false, 0;
	return -EINVAL;
}

int parse_choice(const char *s, const char *const *words)
{
	for (int i = 0; s && words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -EINVAL;
}
