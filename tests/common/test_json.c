/* test_json.c — reading memvirt's documents in a test (see test_json.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/common/test_json.h"

json_t *test_json_load(const char *path)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	if (!doc)
		fprintf(stderr, "%s: %s\n", path, e.text);
	assert_non_null(doc);
	return doc;
}

json_t *test_json_at(json_t *doc, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && doc; k = strtok_r(NULL, ".", &save))
		doc = json_object_get(doc, k);
	return doc;
}
