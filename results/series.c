/* series.c — the sample series in memory, as CSV (--timeseries FILE: a header line
 * "time_ms,phase,progress,...", one line per sample, cumulative counters as integers, an empty
 * field for a counter the run does not have) and as embedded in a result document (null for
 * it). The readers accept what the writers write (the report reads them back), and files
 * written before the optional last columns existed. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu/util.h"
#include "results/result.h"
#include "results/series.h"

#define TEL_NAME(f) "," #f
static const char header[] = "time_ms" TEL_COLUMNS(TEL_NAME);

static const char *const column_names[] = { "time_ms",
#define TEL_STR(f) #f,
	TEL_COLUMNS(TEL_STR)
#undef TEL_STR
};
#define NCOLUMNS ARRAY_SIZE(column_names)

/* Where column i + 1 (after time_ms) lives in a sample: every one is a uint64_t. */
static const size_t field_offset[] = {
#define TEL_OFF(f) offsetof(struct tel_sample, f),
	TEL_COLUMNS(TEL_OFF)
#undef TEL_OFF
};
#define NFIELDS (NCOLUMNS - 1)

static uint64_t field_get(const struct tel_sample *s, size_t i)
{
	return *(const uint64_t *)((const char *)s + field_offset[i]);
}

static void field_set(struct tel_sample *s, size_t i, uint64_t v) { *(uint64_t *)((char *)s + field_offset[i]) = v; }

/* A file or document with k columns is ours when they are the known ones, in order, less at
 * most the optional last ones. */
static bool known_count(size_t k) { return k <= NCOLUMNS && k + TEL_OPTIONAL_COLUMNS >= NCOLUMNS; }

json_t *tel_value_json(uint64_t v) { return v == TEL_ABSENT ? json_null() : json_integer((json_int_t)v); }

void *series_room(void *items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return items;
	size_t want = *cap ? 2 * *cap : 1024;
	void *p = realloc(items, want * size);
	if (p)
		*cap = want;
	return p;
}

int tel_series_push(struct tel_series *ts, const struct tel_sample *s)
{
	struct tel_sample *p = series_room(ts->s, &ts->cap, ts->n, sizeof(*s));
	if (!p)
		return -ENOMEM;
	ts->s = p;
	ts->s[ts->n++] = *s;
	return 0;
}

void tel_series_free(struct tel_series *ts)
{
	free(ts->s);
	*ts = (struct tel_series){ 0 };
}

static void emit_rows(FILE *f, const struct tel_series *ts, size_t from)
{
	if (from == 0)
		fprintf(f, "%s\n", header);
	for (size_t i = from; i < ts->n; i++) {
		const struct tel_sample *s = &ts->s[i];
		fprintf(f, "%.3f", s->time_ms);
		for (size_t k = 0; k < NFIELDS; k++) {
			uint64_t v = field_get(s, k);
			if (v == TEL_ABSENT)
				fputc(',', f);
			else
				fprintf(f, ",%" PRIu64, v);
		}
		fputc('\n', f);
	}
}

static void emit_csv(FILE *f, const void *arg) { emit_rows(f, arg, 0); }

int tel_series_append_csv(int fd, const struct tel_series *ts, size_t from)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	emit_rows(f, ts, from);
	int rc = fclose(f) == 0 ? 0 : -ENOMEM;
	for (size_t off = 0; rc == 0 && off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno != EINTR)
			rc = -errno;
		off += w > 0 ? (size_t)w : 0;
	}
	free(text);
	return rc;
}

int tel_series_write_csv(const struct tel_series *ts, const char *path)
{
	return atomic_write_stream(path, emit_csv, ts);
}

/* The number of columns a CSV header names (time_ms included), 0 when they are not ours. */
static size_t header_columns(const char *line)
{
	const char *end = line + strcspn(line, "\r\n"), *p = line;
	size_t k = 0;
	while (k < NCOLUMNS) {
		size_t w = strlen(column_names[k]);
		if (strncmp(p, column_names[k], w) != 0 || (p + w != end && p[w] != ','))
			return 0;
		p += w;
		k++;
		if (p == end)
			break;
		p++;
	}
	return p == end && known_count(k) ? k : 0;
}

/* One value after a comma: empty is TEL_ABSENT. */
static int parse_value(char **p, uint64_t *v)
{
	char *end;
	if (*(*p)++ != ',')
		return -EINVAL;
	if (**p == ',' || **p == '\n' || **p == 0) {
		*v = TEL_ABSENT;
		return 0;
	}
	*v = strtoull(*p, &end, 10);
	if (end == *p)
		return -EINVAL;
	*p = end;
	return 0;
}

/* A line of ncols columns; the fields a shorter (older) file lacks are TEL_ABSENT. */
static int parse_line(char *line, size_t ncols, struct tel_sample *s)
{
	char *p = line, *end;
	s->time_ms = strtod(p, &end);
	if (end == p)
		return -EINVAL;
	p = end;
	for (size_t k = 0; k < NFIELDS; k++) {
		uint64_t v = TEL_ABSENT;
		if (k + 1 < ncols && parse_value(&p, &v) < 0)
			return -EINVAL;
		field_set(s, k, v);
	}
	return *p == '\n' || *p == 0 ? 0 : -EINVAL;
}

int tel_series_read_csv(const char *path, struct tel_series *ts)
{
	char line[1024];
	*ts = (struct tel_series){ 0 };
	FILE *f;
	int orc = regular_fopen(path, &f);
	if (orc < 0)
		return orc;
	size_t ncols = fgets(line, sizeof(line), f) ? header_columns(line) : 0;
	int rc = ncols ? 0 : -EINVAL;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		struct tel_sample s;
		rc = parse_line(line, ncols, &s);
		if (rc == 0)
			rc = tel_series_push(ts, &s);
	}
	fclose(f);
	if (rc < 0)
		tel_series_free(ts);
	return rc;
}

static int row_to_sample(const json_t *row, size_t ncols, struct tel_sample *s)
{
	if (json_array_size(row) != ncols)
		return -EINVAL;
	s->time_ms = json_number_value(json_array_get(row, 0));
	for (size_t k = 0; k < NFIELDS; k++) {
		const json_t *v = k + 1 < ncols ? json_array_get(row, k + 1) : NULL;
		field_set(s, k, v && json_is_integer(v) ? (uint64_t)json_integer_value(v) : TEL_ABSENT);
	}
	return 0;
}

int tel_series_from_json(const json_t *series, struct tel_series *ts)
{
	const json_t *cols = json_object_get(series, "columns"), *rows = json_object_get(series, "rows");
	size_t ncols = json_array_size(cols);
	*ts = (struct tel_series){ 0 };
	if (!known_count(ncols) || !json_is_array(rows))
		return -EINVAL;
	for (size_t i = 0; i < ncols; i++)
		if (strcmp(json_string_value(json_array_get(cols, i)) ?: "", column_names[i]) != 0)
			return -EINVAL;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(rows); i++) {
		struct tel_sample s;
		rc = row_to_sample(json_array_get(rows, i), ncols, &s);
		if (rc == 0)
			rc = tel_series_push(ts, &s);
	}
	if (rc < 0)
		tel_series_free(ts);
	return rc;
}
