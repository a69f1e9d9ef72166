/* reclaim_spec.c — parsing `--reclaim KIND:key=value,...` into a struct reclaim_spec (see
 * reclaim_spec.h). Each key is checked on its own so the error names the one that is wrong;
 * the combination is checked last (limit needs bytes, until must follow at, ...). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vmm/util/parse.h"
#include "vmm/reclaim/reclaim_spec.h"

static const char *const kind_names[] = { "discard", "pageout", "limit", NULL };

const char *reclaim_kind_name(enum reclaim_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "?";
}

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* range=OFFSET+LENGTH, both sizes ("64m+32m"). */
static int parse_range(const char *v, struct reclaim_spec *s)
{
	char off[64];
	const char *plus = strchr(v, '+');
	if (!plus || (size_t)(plus - v) >= sizeof(off))
		return -EINVAL;
	snprintf(off, sizeof(off), "%.*s", (int)(plus - v), v);
	if (parse_size(off, &s->offset) < 0 || parse_size(plus + 1, &s->length) < 0 || s->length == 0 ||
	    s->offset > RECLAIM_MAX_BYTES || s->length > RECLAIM_MAX_BYTES)
		return -EINVAL;
	return 0;
}

static int parse_key(struct reclaim_spec *s, const char *key, const char *val, char *why, size_t n)
{
	bool mem_kind = s->kind != RECLAIM_LIMIT;
	if (strcmp(key, "at") == 0) {
		if (parse_duration_us(val, &s->at_us) < 0)
			return fail(why, n, "at='%s': expected a time such as 1s, 250ms or 500us", val);
	} else if (strcmp(key, "frac") == 0 && mem_kind) {
		if (parse_double(val, &s->frac) < 0 || s->frac <= 0 || s->frac > 1)
			return fail(why, n, "frac='%s': expected a fraction in (0, 1]", val);
	} else if (strcmp(key, "range") == 0 && mem_kind) {
		if (parse_range(val, s) < 0)
			return fail(why, n, "range='%s': expected OFFSET+LENGTH such as 0+64m", val);
	} else if (strcmp(key, "pattern") == 0 && mem_kind) {
		int p = parse_choice(val, (const char *const[]){ "seq", "random", NULL });
		if (p < 0)
			return fail(why, n, "pattern='%s': expected seq or random", val);
		s->pattern = p == 0 ? RECLAIM_SEQ : RECLAIM_RANDOM;
	} else if (strcmp(key, "seed") == 0 && mem_kind) {
		if (parse_u64(val, &s->seed) < 0 || s->seed > INT64_MAX)
			return fail(why, n, "seed='%s': expected an integer from 0 to %lld", val, (long long)INT64_MAX);
	} else if (strcmp(key, "bytes") == 0 && !mem_kind) {
		if (parse_size(val, &s->limit_bytes) < 0 || s->limit_bytes < (1ULL << 20) ||
		    s->limit_bytes > RECLAIM_MAX_BYTES)
			return fail(why, n, "bytes='%s': expected a size from 1m to 1024t such as 64m", val);
	} else if (strcmp(key, "until") == 0 && !mem_kind) {
		if (parse_duration_us(val, &s->until_us) < 0)
			return fail(why, n, "until='%s': expected a time such as 3s", val);
	} else {
		return fail(why, n, "unknown key '%s' for %s (see docs/reclaim.md)", key, reclaim_kind_name(s->kind));
	}
	return 0;
}

static int check_combination(const struct reclaim_spec *s, bool have_at, bool have_frac, char *why, size_t n)
{
	if (!have_at)
		return fail(why, n, "missing at=TIME");
	if (have_frac && s->length)
		return fail(why, n, "give frac= or range=, not both");
	if (s->kind == RECLAIM_LIMIT && !s->limit_bytes)
		return fail(why, n, "limit needs bytes=SIZE");
	if (s->kind == RECLAIM_LIMIT && s->until_us && s->until_us <= s->at_us)
		return fail(why, n, "until must be later than at");
	return 0;
}

/* Splits "k=v,k=v" in a copy and hands each pair to parse_key. */
static int parse_pairs(char *list, struct reclaim_spec *s, char *why, size_t n)
{
	bool have_at = false, have_frac = false;
	for (char *kv; (kv = strsep(&list, ",")) != NULL;) { /* strsep: an empty pair is an error */
		char *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			return fail(why, n, "'%s': expected key=value", kv);
		*eq = 0;
		int rc = parse_key(s, kv, eq + 1, why, n);
		if (rc < 0)
			return rc;
		have_at |= strcmp(kv, "at") == 0;
		have_frac |= strcmp(kv, "frac") == 0;
	}
	return check_combination(s, have_at, have_frac, why, n);
}

int reclaim_spec_parse(const char *spec, struct reclaim_spec *out, char *why, size_t whylen)
{
	char buf[256];
	const char *colon = spec ? strchr(spec, ':') : NULL;
	if (!colon || strlen(spec) >= sizeof(buf))
		return fail(why, whylen, "expected KIND:key=value,... with KIND discard, pageout or limit");
	snprintf(buf, sizeof(buf), "%.*s", (int)(colon - spec), spec);
	int kind = parse_choice(buf, kind_names);
	if (kind < 0)
		return fail(why, whylen, "unknown kind '%s': expected discard, pageout or limit", buf);
	*out = (struct reclaim_spec){ .kind = (enum reclaim_kind)kind, .frac = 1.0, .seed = 1 };
	snprintf(buf, sizeof(buf), "%s", colon + 1);
	return parse_pairs(buf, out, why, whylen);
}

json_t *reclaim_spec_json(const struct reclaim_spec *s)
{
	json_t *o = json_pack("{s:s, s:f}", "kind", reclaim_kind_name(s->kind), "at_ms", (double)s->at_us / 1e3);
	if (s->kind == RECLAIM_LIMIT) {
		json_object_set_new(o, "bytes", json_integer((json_int_t)s->limit_bytes));
		json_object_set_new(o, "until_ms", s->until_us ? json_real((double)s->until_us / 1e3) : json_null());
		return o;
	}
	if (s->length) {
		json_object_set_new(o, "offset", json_integer((json_int_t)s->offset));
		json_object_set_new(o, "length", json_integer((json_int_t)s->length));
	} else {
		json_object_set_new(o, "frac", json_real(s->frac));
	}
	json_object_set_new(o, "pattern", json_string(s->pattern == RECLAIM_SEQ ? "seq" : "random"));
	if (s->pattern == RECLAIM_RANDOM)
		json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));
	return o;
}
