/* telemetry_csv.c — the sample series in memory, as CSV (--timeseries FILE: a header line
 * "time_ms,phase,progress,...", one line per sample, cumulative counters as integers) and as
 * embedded in a result document. The readers accept what the writers write (the report reads
 * them back). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "vmm/telemetry.h"

#define TEL_NAME(f) "," #f
static const char header[] = "time_ms" TEL_COLUMNS(TEL_NAME);

int tel_series_push(struct tel_series *ts, const struct tel_sample *s)
{
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 4096;
		struct tel_sample *n = realloc(ts->s, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		ts->s = n;
		ts->cap = cap;
	}
	ts->s[ts->n++] = *s;
	return 0;
}

void tel_series_free(struct tel_series *ts)
{
	free(ts->s);
	*ts = (struct tel_series){ 0 };
}

static void emit_csv(FILE *f, const void *arg)
{
	const struct tel_series *ts = arg;
	fprintf(f, "%s\n", header);
	for (size_t i = 0; i < ts->n; i++) {
		const struct tel_sample *s = &ts->s[i];
		fprintf(f, "%.3f", s->time_ms);
#define TEL_VALUE(field) fprintf(f, ",%" PRIu64, s->field);
		TEL_COLUMNS(TEL_VALUE)
#undef TEL_VALUE
		fputc('\n', f);
	}
}

int tel_series_write_csv(const struct tel_series *ts, const char *path)
{
	return atomic_write_stream(path, emit_csv, ts);
}

static int parse_line(char *line, struct tel_sample *s)
{
	char *p = line, *end;
	s->time_ms = strtod(p, &end);
	if (end == p)
		return -EINVAL;
	p = end;
#define TEL_PARSE(field)                            \
	if (*p++ != ',')                            \
		return -EINVAL;                     \
	s->field = strtoull(p, &end, 10);           \
	if (end == p)                               \
		return -EINVAL;                     \
	p = end;
	TEL_COLUMNS(TEL_PARSE)
#undef TEL_PARSE
	return *p == '\n' || *p == 0 ? 0 : -EINVAL;
}

int tel_series_read_csv(const char *path, struct tel_series *ts)
{
	char line[1024];
	*ts = (struct tel_series){ 0 };
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int rc = fgets(line, sizeof(line), f) && strncmp(line, header, strlen(header)) == 0 ? 0 : -EINVAL;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		struct tel_sample s;
		rc = parse_line(line, &s);
		if (rc == 0)
			rc = tel_series_push(ts, &s);
	}
	fclose(f);
	if (rc < 0)
		tel_series_free(ts);
	return rc;
}

static const char *const column_names[] = { "time_ms",
#define TEL_STR(f) #f,
	TEL_COLUMNS(TEL_STR)
#undef TEL_STR
};
#define NCOLUMNS (sizeof(column_names) / sizeof(column_names[0]))

static int row_to_sample(const json_t *row, struct tel_sample *s)
{
	if (json_array_size(row) != NCOLUMNS)
		return -EINVAL;
	size_t k = 0;
	s->time_ms = json_number_value(json_array_get(row, k++));
#define TEL_GET(f) s->f = (uint64_t)json_integer_value(json_array_get(row, k++));
	TEL_COLUMNS(TEL_GET)
#undef TEL_GET
	return 0;
}

int tel_series_from_json(const json_t *series, struct tel_series *ts)
{
	const json_t *cols = json_object_get(series, "columns"), *rows = json_object_get(series, "rows");
	*ts = (struct tel_series){ 0 };
	if (json_array_size(cols) != NCOLUMNS || !json_is_array(rows))
		return -EINVAL;
	for (size_t i = 0; i < NCOLUMNS; i++)
		if (strcmp(json_string_value(json_array_get(cols, i)) ?: "", column_names[i]) != 0)
			return -EINVAL;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(rows); i++) {
		struct tel_sample s;
		rc = row_to_sample(json_array_get(rows, i), &s);
		if (rc == 0)
			rc = tel_series_push(ts, &s);
	}
	if (rc < 0)
		tel_series_free(ts);
	return rc;
}
