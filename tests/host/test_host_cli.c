/* test_host_cli.c — memvirt host as a user meets it (the real binary, MEMVIRT_BIN): a two-VM
 * scenario (gups under ept beside churn under shadow) gives each VM the checksum and counters
 * of the same workload's single-VM `memvirt run`, on sim and on kvm; every VM's series and the
 * host's memory series share one clock; bad scenario files exit 2 with one line naming file,
 * line, key and value, and write nothing; sweep axes need --point or memvirt sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/test_json.h"
#include "tests/common/tmpdir.h"

static struct memvirt_cmd cmd = { .bin = MEMVIRT_BIN, .dir = test_dir };

static const char *two_vms =
	"; two VMs side by side\n"
	"[host]\n"
	"sample-us = 1000\n"
	"[vm a]\n"
	"platform = %s\n"
	"mmu = ept\n"
	"workload = gups\n"
	"mem = 4m\n"
	"ops = 20000\n"
	"seed = 5\n"
	"%s"
	"[vm b]\n"
	"platform = %s\n"
	"mmu = shadow\n"
	"workload = churn\n"
	"mem = 4m\n"
	"seed = 9\n"
	"%s";

/* The same VM alone through memvirt run: its checksum and, where the platform counts them
 * exactly, its counters must be the VM's in the host document. */
static void expect_single_equal(json_t *host, const char *vm, const char *args, const char **fields)
{
	char path[128], key[64];
	snprintf(path, sizeof(path), "%s/single-%s.json", test_dir, vm);
	assert_int_equal(memvirt_cmd_run(&cmd, "run %s --no-progress --json %s", args, path), 0);
	json_t *single = test_json_load(path);
	snprintf(key, sizeof(key), "vms.%s", vm);
	json_t *in_host = test_json_at(host, key);
	assert_non_null(in_host);
	assert_string_equal(json_string_value(test_json_at(in_host, "status.state")), "ok");
	for (const char **f = fields; *f; f++) {
		json_t *a = test_json_at(single, *f), *b = test_json_at(in_host, *f);
		if (!json_equal(a, b))
			fprintf(stderr, "vm %s: %s differs: single %s, host %s\n", vm, *f, json_dumps(a, JSON_ENCODE_ANY),
				json_dumps(b, JSON_ENCODE_ANY));
		assert_true(a && json_equal(a, b));
	}
	json_decref(single);
}

static void run_two(const char *platform, const char *extra, const char **fields)
{
	char text[2048], ini[128], out[128], args[512];
	snprintf(text, sizeof(text), two_vms, platform, extra, platform, extra);
	test_write_file(test_dir, "two.ini", text, ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/two.json", test_dir);
	int rc = memvirt_cmd_run(&cmd, "host %s --json %s --no-progress", ini, out);
	if (rc)
		fprintf(stderr, "%s%s", cmd.out, cmd.err);
	assert_int_equal(rc, 0);
	json_t *doc = test_json_load(out);
	assert_string_equal(json_string_value(test_json_at(doc, "kind")), "host");
	assert_string_equal(json_string_value(test_json_at(doc, "status.state")), "ok");
	assert_int_equal(json_integer_value(test_json_at(doc, "host.totals.vms")), 2);
	const char *guest_page = strstr(extra, "2m") ? " --guest-page 2m" : "";
	snprintf(args, sizeof(args), "--platform %s --mmu ept --workload gups --mem 4m --ops 20000 --seed 5%s", platform,
		 guest_page);
	expect_single_equal(doc, "a", args, fields);
	snprintf(args, sizeof(args), "--platform %s --mmu shadow --workload churn --mem 4m --seed 9%s", platform,
		 guest_page);
	expect_single_equal(doc, "b", args, fields);
	json_decref(doc);
}

static void test_two_vms_sim_equal_single_runs(void **st)
{
	(void)st;
	static const char *fields[] = { "result.checksum", "result.ops", "mmu", "exits", "faults.guest",
					"memory.frames", NULL };
	run_two("sim", "", fields);
}

static void test_two_vms_kvm_equal_single_runs(void **st)
{
	(void)st;
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		skip(); /* no usable /dev/kvm: the sim case stands for the host layer */
	/* exits that depend only on the guest's own steps (not on host timing) */
	static const char *fields[] = { "result.checksum", "result.ops", "exits.pt_write", "exits.cr3_load",
					"exits.invlpg", "exits.hidden_fault", "faults.guest", NULL };
	run_two("kvm", "guest-page = 2m\n", fields);
}

/* One monitor: every VM's series has the same ticks, and the host's memory series one row
 * per tick (thinned alike) with a column per VM. */
static void test_one_clock_for_every_vm(void **st)
{
	(void)st;
	char ini[128], out[128];
	test_write_file(test_dir, "clock.ini",
			"[host]\nsample-us = 500\n[vm x]\ncount = 3\nplatform = sim\nworkload = seq\nmem = 4m\npasses = 200\n",
			ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/clock.json", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --json %s --no-progress", ini, out), 0);
	json_t *doc = test_json_load(out);
	json_t *first = NULL;
	const char *names[] = { "x-1", "x-2", "x-3" };
	for (int i = 0; i < 3; i++) {
		char key[64];
		snprintf(key, sizeof(key), "vms.%s.telemetry.series.rows", names[i]);
		json_t *rows = test_json_at(doc, key);
		assert_true(json_array_size(rows) > 2);
		if (!first) {
			first = rows;
			continue;
		}
		assert_int_equal(json_array_size(rows), json_array_size(first));
		for (size_t r = 0; r < json_array_size(rows); r++) /* column 0 is time_ms */
			assert_true(json_equal(json_array_get(json_array_get(rows, r), 0),
					       json_array_get(json_array_get(first, r), 0)));
	}
	json_t *cols = test_json_at(doc, "host.memory.columns");
	assert_int_equal(json_array_size(cols), 3 + 2 * 3);
	assert_string_equal(json_string_value(json_array_get(cols, 8)), "x-3.guest_used_bytes");
	assert_string_equal(json_string_value(json_array_get(cols, 5)), "x-3.guest_resident_bytes");
	json_t *rows = test_json_at(doc, "host.memory.rows");
	assert_true(json_array_size(rows) > 2);
	/* every VM's columns hold its guest RAM's resident bytes and its guest's used bytes while it runs (after its end the
	 * VM has withdrawn its RAM, and the column falls to 0) */
	for (size_t c = 3; c < 9; c++) { /* resident, then used */
		json_int_t peak = 0;
		for (size_t r = 0; r < json_array_size(rows); r++)
			if (json_integer_value(json_array_get(json_array_get(rows, r), c)) > peak)
				peak = json_integer_value(json_array_get(json_array_get(rows, r), c));
		assert_true(peak >= 4 << 20);
	}
	assert_true(json_integer_value(test_json_at(doc, "host.totals.host_mem_total_bytes")) > 0);
	assert_true(json_is_number(test_json_at(doc, "vms.x-1.result.create_s")));
	assert_string_equal(json_string_value(test_json_at(doc, "vms.x-2.vm.name")), "x-2");
	assert_true(json_number_value(test_json_at(doc, "vms.x-2.vm.end_s")) > json_number_value(test_json_at(doc, "vms.x-2.vm.start_s")));
	json_decref(doc);
}


static void test_bad_scenarios_refused_before_any_vm(void **st)
{
	(void)st;
	static const struct scenario_refusal cases[] = {
		{ "[vm a]\nworkload = seq\nfoo = 1\n", { ":3:", "foo", "'1'" } },
		{ "[vm a]\nplatform = sim\nmem = 12q\n", { ":3:", "[vm a]", "'mem'", "'12q'" } },
		{ "[vm a]\nmmu = nested\n", { ":2:", "[vm a]", "'mmu'", "'nested'" } },
		{ "[host]\nbudget = 1q\n[vm a]\nmem = 8m\n", { ":2:", "[host]", "'budget'", "'1q'" } },
		{ "[host]\nsample-us = 1000\n", { "no [vm NAME] section" } },
		{ "[vm a]\nmem = 8m\n[vm a]\nmem = 16m\n", { ":3:", "[vm a]", "defined twice" } },
		{ "[vm a]\ncount = 2\n[vm a-1]\nmem = 8m\n", { ":3:", "a-1", "already exists" } },
		{ "[vm a]\ncount = 0\n", { ":2:", "'count'", "'0'" } },
		{ "[vm big]\ncount = 8\nplatform = sim\nmem = 20g\n", { ":4:", "[vm big]", "'mem'", "could ever back" } },
		{ "[vm a]\nswap = zram:1g\n", { ":2:", "[vm a]", "'swap'", "belongs to the host" } },
		/* options that do not apply where they are given (cli_opt.h, applies) */
		{ "[vm a]\njson = a.json\n", { ":2:", "'json'", "set by the command line" } },
		{ "[vm a]\nplatform = native\nmmu = ept\n", { ":3:", "[vm a]", "'mmu'", "applies to sim and kvm, not native" } },
		{ "[vm a]\nplatform = sim\nbackend = memfd\n", { ":3:", "[vm a]", "'backend'", "applies to kvm, not sim" } },
		{ "[host]\nsample-us = 7\n[vm a]\n", { ":2:", "'sample-us'", "'7'" } },
		{ "[job]\nmem = 8m\n", { ":1:", "[job]", "[vm NAME]" } },
		{ "[vm a]\ntimeseries = t.csv\ncount = 2\n", { "both write", "t.csv" } },
		{ "[vm a]\nplatform = sim\nwss = sampled:0,period=5ms\n", { ":3:", "[vm a]", "'wss'" } },
		{ "[host]\nksm = on\n[vm a]\nplatform = sim\nwss = exact\n", { "[vm a]", "'wss'", "ksm = on" } },
		{ "[vm a]\nplatform = sim\nshare = on\nshare_domain = a/b\n", { ":4:", "[vm a]", "'share_domain'", "'a/b'" } },
		{ "[vm a]\nplatform = sim\nshare_domain = d\n", { ":3:", "'share_domain'", "share = on" } },
		{ "[host]\nshare-period = 5ms\n[vm a]\n", { ":2:", "'share-period'", "'5ms'", "10ms" } },
	};
	assert_true(memvirt_host_refuses(&cmd, cases, sizeof(cases) / sizeof(cases[0])));
}

/* wss is a [vm NAME] key like any run option; its commas are its own, not a sweep axis. */
static void test_wss_key(void **st)
{
	(void)st;
	char ini[128], out[128];
	test_write_file(test_dir, "wss.ini",
			"[vm a]\nplatform = sim\nworkload = seq\nmem = 4m\npasses = 200\nwss = sampled:200,period=20ms\n"
			"[vm b]\nplatform = sim\nworkload = seq\nmem = 4m\npasses = 200\n",
			ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/wss.json", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --json %s --no-progress", ini, out), 0);
	json_t *doc = test_json_load(out);
	assert_int_equal(json_integer_value(test_json_at(doc, "vms.a.wss.sample_pages")), 200);
	assert_int_equal(json_integer_value(test_json_at(doc, "vms.a.wss.period_us")), 20000);
	assert_true(json_is_null(test_json_at(doc, "vms.b.wss")));
	json_decref(doc);
}

static void test_axes_need_a_point(void **st)
{
	(void)st;
	char ini[128];
	test_write_file(test_dir, "axes.ini", "[vm a]\nplatform = sim\nmem = 4m,8m\nops = 1000\n[vm b]\ncount = 1,2\nmem = 4m\n",
			ini, sizeof(ini));
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s", ini), 2);
	assert_non_null(strstr(cmd.err, "4 points"));
	assert_non_null(strstr(cmd.err, "memvirt sweep"));
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --list", ini), 0);
	assert_non_null(strstr(cmd.out, "point 3: a.mem=8m b.count=2"));
	assert_non_null(strstr(cmd.out, "vm b-2"));
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --point 4", ini), 2);
	assert_int_equal(memvirt_cmd_run(&cmd, "host %s --point 3 --no-progress", ini), 0);
	assert_non_null(strstr(cmd.out, "3 VMs (3 ok"));
}

/* memvirt sweep on a scenario: count as an axis, each point a host document with a sweep
 * object, one point alone for a job array, and a merged summary of host figures. */
static void test_scenario_sweep(void **st)
{
	(void)st;
	char ini[128], out[128], path[256];
	test_write_file(test_dir, "sweep.ini",
			"[host]\nrepeat = 2\nmetrics = host.totals.ops_per_s, vms.solo.result.ops_per_s\n"
			"[vm solo]\nplatform = sim\nworkload = seq\nmem = 2m\npasses = 2\n"
			"[vm s]\ncount = 1,3\nplatform = sim\nworkload = gups\nmem = 2m\nops = 5000\n",
			ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/sw", test_dir);
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --list", ini), 0);
	assert_non_null(strstr(cmd.out, "1  sweep            x2   4 VMs s.count=3"));
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s --point 1", ini, out), 0);
	snprintf(path, sizeof(path), "%s/points/0001-sweep-r2.json", out);
	assert_true(test_file_exists(path));
	snprintf(path, sizeof(path), "%s/points/0000-sweep-r1.json", out);
	assert_false(test_file_exists(path));
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s", ini, out), 0);
	snprintf(path, sizeof(path), "%s/points/0001-sweep-r2.json", out);
	json_t *doc = test_json_load(path);
	assert_string_equal(json_string_value(test_json_at(doc, "kind")), "host");
	assert_int_equal(json_integer_value(test_json_at(doc, "sweep.point")), 1);
	assert_string_equal(json_string_value(json_object_get(test_json_at(doc, "sweep.settings"), "s.count")), "3");
	assert_int_equal(json_integer_value(test_json_at(doc, "host.totals.vms")), 4);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_t *sum = test_json_load(path);
	char *text = json_dumps(sum, 0);
	assert_non_null(strstr(text, "vms.solo.result.ops_per_s"));
	free(text);
	json_decref(sum);
}

/* A VM's `timeseries = FILE` in a scenario sweep: each repetition's CSV under the sweep's
 * folder beside its host document, named by file name alone in the VM's part of it and linked
 * from the summary by a relative path — never FILE in the current directory, where every
 * repetition overwrote the one before (it did). */
static void test_scenario_sweep_series(void **st)
{
	(void)st;
	char ini[128], out[128], path[400], cwd[4096], page[1 << 16];
	test_write_file(test_dir, "ts.ini",
			"[host]\nrepeat = 2\n"
			"[vm solo]\nplatform = sim\nworkload = seq\nmem = 1m\npasses = 2\nsample-us = 500\ntimeseries = solo.csv\n"
			"[vm b]\nplatform = sim\nworkload = gups\nmem = 1m\nops = 2000, 4000\n",
			ini, sizeof(ini));
	snprintf(out, sizeof(out), "%s/tsw", test_dir);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(test_dir), 0); /* where a relative FILE would land */
	int rc = memvirt_cmd_run(&cmd, "sweep %s --out %s", ini, out);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/solo.csv", test_dir);
	assert_false(test_file_exists(path));
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_t *sum = test_json_load(path), *p, *f;
	size_t i, k, n = 0;
	char seen[4][128];
	snprintf(path, sizeof(path), "%s/report.html", out);
	test_slurp(path, page, sizeof(page));
	json_array_foreach(json_object_get(sum, "points"), i, p) {
		assert_int_equal(json_array_size(json_object_get(p, "files")), 2);
		json_array_foreach(json_object_get(p, "files"), k, f) {
			const char *csv = json_string_value(test_json_at(f, "vm_series.solo"));
			char want[128], href[160];
			snprintf(want, sizeof(want), "points/%04zu-ts-r%zu-solo.csv", i, k + 1);
			assert_non_null(csv);
			assert_string_equal(csv, want);
			assert_null(test_json_at(f, "vm_series.b")); /* b asked for none */
			snprintf(path, sizeof(path), "%s/%s", out, csv);
			assert_true(test_file_exists(path));
			for (size_t j = 0; j < n; j++) /* each repetition its own */
				assert_string_not_equal(seen[j], csv);
			snprintf(seen[n++], sizeof(seen[0]), "%s", csv);
			snprintf(href, sizeof(href), "href=\"%s\"", csv);
			assert_non_null(strstr(page, href));
			/* the host document names it beside itself */
			snprintf(path, sizeof(path), "%s/%s", out, json_string_value(json_object_get(f, "result")));
			json_t *doc = test_json_load(path);
			assert_string_equal(json_string_value(test_json_at(doc, "vms.solo.telemetry.timeseries")), want + 7);
			json_decref(doc);
		}
	}
	assert_int_equal(n, 4);
	json_decref(sum);
	/* --dry-run says where they go */
	assert_int_equal(memvirt_cmd_run(&cmd, "sweep %s --out %s --dry-run", ini, out), 0);
	snprintf(path, sizeof(path), "and %s/points/0001-ts-r2-solo.csv\n", out);
	assert_non_null(strstr(cmd.out, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_vms_sim_equal_single_runs),
		cmocka_unit_test(test_two_vms_kvm_equal_single_runs),
		cmocka_unit_test(test_one_clock_for_every_vm),
		cmocka_unit_test(test_bad_scenarios_refused_before_any_vm),
		cmocka_unit_test(test_axes_need_a_point), cmocka_unit_test(test_wss_key),
		cmocka_unit_test(test_scenario_sweep),
		cmocka_unit_test(test_scenario_sweep_series),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
