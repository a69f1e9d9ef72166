/* test_golden.c — every single-VM command line recorded in tests/golden/single_vm.json still
 * gives the recorded checksum and counters: runs the built memvirt (MEMVIRT_BIN) with each
 * case's arguments plus --json, and compares each recorded field (a dotted path into the result
 * document) with the recording, naming the command and the field on a mismatch. One cmocka test
 * per command line; kvm cases are skipped where /dev/kvm cannot run a VM, and when that leaves
 * nothing to run the test exits 77 saying so. Re-recording: tests/golden/record.py.
 *
 * The recording is of schema_version 1, whose counter blocks (mmu, exits, faults.guest) covered
 * the whole run; version 2 reports the measured phase there and the setup and checksum passes
 * under phases{}. A recorded counter is therefore compared with the sum of the three phases:
 * the split must partition the run exactly, not just look plausible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "results/metric_path.h"
#include "tests/common/run_cmd.h"
#include "tests/common/tmpdir.h"
#include "vmm/kvm/kvm_vm.h"

#define ARGS_MAX 48

static const char *kvm_missing; /* why kvm cases cannot run, or NULL */

static bool is_kvm(const json_t *c)
{
	return strcmp(json_string_value(json_object_get(c, "platform")), "kvm") == 0;
}

/* A value for a message: its JSON text (freed by the caller), "(missing)" when absent. */
static char *shown(const json_t *v)
{
	return v ? json_dumps(v, JSON_ENCODE_ANY) : strdup("(missing)");
}

static void print_file(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		print_error("  | %s", line);
	if (f)
		fclose(f);
}

static void test_case(void **state)
{
	const json_t *c = *state;
	if (is_kvm(c) && kvm_missing) {
		print_message("kvm platform unavailable (%s): skipped\n", kvm_missing);
		skip();
	}
	char json_path[300], err_path[300], cmd[1024];
	snprintf(json_path, sizeof(json_path), "%s/result.json", test_dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", test_dir);
	const json_t *args = json_object_get(c, "args");
	char *argv[ARGS_MAX];
	size_t n = 0;
	argv[n++] = MEMVIRT_BIN;
	for (size_t i = 0; i < json_array_size(args) && n < ARGS_MAX - 4; i++)
		argv[n++] = (char *)json_string_value(json_array_get(args, i));
	argv[n] = NULL;
	test_cmd_line(argv, cmd, sizeof(cmd)); /* as recorded, for the messages */
	argv[n++] = "--json";
	argv[n++] = json_path;
	argv[n++] = "--no-progress";
	argv[n] = NULL;
	unlink(json_path);

	int rc = test_run_cmd(argv, NULL, err_path);
	if (rc != 0) {
		print_file(err_path);
		fail_msg("memvirt %s: exit %d", cmd, rc);
	}
	json_error_t err;
	json_t *doc = json_load_file(json_path, 0, &err);
	if (!doc)
		fail_msg("memvirt %s: result document %s: %s", cmd, json_path, err.text);
	unsigned wrong = 0;
	const char *field;
	const json_t *want;
	json_object_foreach((json_t *)json_object_get(c, "expect"), field, want) {
		json_t *got = metric_whole_run(doc, field);
		if (got && json_equal(got, want)) {
			json_decref(got);
			continue;
		}
		char *w = shown(want), *g = shown(got);
		print_error("memvirt %s: %s: recorded %s, now %s (whole run)\n", cmd, field, w, g);
		free(w);
		free(g);
		json_decref(got);
		wrong++;
	}
	json_decref(doc);
	if (wrong)
		fail_msg("memvirt %s: %u field(s) differ from the recording", cmd, wrong);
}

/* golden_single_vm [FILE]: FILE instead of the recording in the source tree. */
int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : GOLDEN_FILE;
	json_error_t err;
	json_t *golden = json_load_file(file, 0, &err);
	const json_t *cases = json_object_get(golden, "cases");
	size_t ncases = json_array_size(cases), runnable = 0;
	if (ncases == 0) {
		fprintf(stderr, "golden_single_vm: %s: %s\n", file, golden ? "no cases" : err.text);
		return 1;
	}
	kvm_missing = kvm_dev_unavailable();
	struct CMUnitTest *tests = calloc(ncases, sizeof(*tests));
	char (*names)[256] = calloc(ncases, sizeof(*names));
	if (!tests || !names)
		return 1;
	for (size_t i = 0; i < ncases; i++) {
		json_t *c = json_array_get(cases, i);
		const json_t *args = json_object_get(c, "args");
		char *line[ARGS_MAX] = { "memvirt" };
		for (size_t a = 0; a < json_array_size(args) && a + 2 < ARGS_MAX; a++)
			line[a + 1] = (char *)json_string_value(json_array_get(args, a));
		tests[i].name = test_cmd_line(line, names[i], sizeof(names[i]));
		tests[i].test_func = test_case;
		tests[i].initial_state = c;
		runnable += !(is_kvm(c) && kvm_missing);
	}
	if (runnable == 0) {
		printf("golden_single_vm: SKIP: %zu recorded case(s), all on kvm, and the kvm platform is "
		       "unavailable: %s\n", ncases, kvm_missing);
		return 77;
	}
	int failed = _cmocka_run_group_tests("golden_single_vm", tests, ncases, test_dir_setup, test_dir_teardown);
	free(names);
	free(tests);
	json_decref(golden);
	return failed;
}
