/* test_json.h — reading the documents memvirt writes, in a test: load one (the test fails,
 * saying why, when it is not JSON) and follow a dotted path into it. */
#ifndef MEMVIRT_TESTS_COMMON_TEST_JSON_H
#define MEMVIRT_TESTS_COMMON_TEST_JSON_H

#include <jansson.h>

/* The document at path; fails the running cmocka test when it cannot be read as JSON. */
json_t *test_json_load(const char *path);
/* The value at a dotted path ("host.budget.bytes": no dots in its keys), or NULL. */
json_t *test_json_at(json_t *doc, const char *path);

#endif
