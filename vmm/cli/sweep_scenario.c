/* sweep_scenario.c — `memvirt sweep SCENARIO.ini`: a scenario's sweep axes (any [host] or
 * [vm NAME] value with commas, count included) expanded into points, each point one host run
 * (vmm/run/host.h) written as DIR/points/NNNN-<scenario>-r<k>.json with a sweep object like an
 * experiment file's, then merged. A VM that writes its time series (`timeseries = FILE`) writes
 * each repetition's beside the point, NNNN-<scenario>-r<k>-<VM>.csv, named in the document by
 * the file name alone: never FILE in the current directory, which every repetition would
 * overwrite (and a point's report would draw another repetition's series). The merge summarises host-level figures by default
 * (host.totals.*); `metrics =` in [host] chooses others, for example vms.a.result.ops_per_s,
 * and `plot =` / `error =` the charts it draws (sweep_charts).
 * Every point is configured and checked before anything runs or is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/merge.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/scenario.h"
#include "vmm/cli/sweep_cmd.h"
#include "vmm/run/run.h"

static const char *const default_metrics[] = { "host.totals.ops_per_s", "host.totals.wall_s",
						"host.totals.rss_peak_bytes", NULL };

/* The settings as merge wants them: one flat object of "section.key": "value". */
static json_t *flat_settings(const json_t *settings)
{
	json_t *flat = json_object(), *kv, *v;
	const char *sec, *key;
	json_object_foreach((json_t *)settings, sec, kv) {
		const char *name = strncmp(sec, "vm ", 3) == 0 ? sec + 3 : sec;
		json_object_foreach(kv, key, v) {
			char k[160];
			snprintf(k, sizeof(k), "%s.%s", name, key);
			json_object_set(flat, k, v);
		}
	}
	return flat;
}

static json_t *sweep_json(const struct scenario *sc, size_t k, unsigned rep)
{
	json_t *metrics = json_array();
	if (sc->metrics.n)
		for (size_t i = 0; i < sc->metrics.n; i++)
			json_array_append_new(metrics, json_string(sc->metrics.path[i]));
	else
		for (const char *const *m = default_metrics; *m; m++)
			json_array_append_new(metrics, json_string(*m));
	json_t *settings = scenario_point_settings(sc, k);
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:n, s:o, s:o}", "file", sc->xf.path, "job", sc->spec.name,
			      "point", (json_int_t)k, "points", (json_int_t)sc->npoints, "repetition", (int)rep, "repeat",
			      (int)sc->repeat, "baseline", "metrics", metrics, "settings", flat_settings(settings));
	json_decref(settings);
	char why[8];
	json_t *charts = NULL;
	if (sweep_charts(&sc->xf, &charts, why, sizeof(why)) == 0 && charts) /* checked when the file was read */
		json_object_set_new(o, "charts", charts);
	return o;
}

/* Every point configured before anything runs; *kvm: some VM of some point runs on kvm. */
static int check_all(struct scenario *sc, bool *kvm)
{
	char why[1024];
	*kvm = false;
	for (size_t k = 0; k < sc->npoints; k++) {
		if (scenario_configure(sc, k, why, sizeof(why)) != 0)
			return cli_error("%s", why), EXIT_USAGE;
		for (size_t v = 0; v < sc->spec.n; v++)
			*kvm |= strcmp(sc->spec.vm[v].cfg.platform, "kvm") == 0;
	}
	return 0;
}

/* Each VM section that writes a series writes this repetition's beside point_json (at most one
 * VM a section: check_files refuses two VMs writing one file). */
static void series_beside(struct scenario *sc, const char *point_json)
{
	size_t len = strlen(point_json);
	for (size_t j = 0; j < sc->xf.njobs; j++) {
		struct scenario_vm_store *s = &sc->store[j];
		if (!s->run.experiment.timeseries_path)
			continue;
		snprintf(s->series, sizeof(s->series), "%.*s-%s.csv", (int)(len > 5 ? len - 5 : len), point_json,
			 sc->xf.jobs[j].name);
		s->run.experiment.timeseries_path = s->series;
		for (size_t v = 0; v < sc->spec.n; v++)
			if (sc->spec.vm[v].cfg.experiment == &s->run.experiment)
				sc->spec.vm[v].cfg.finish_doc = sweep_series_recorded;
	}
}

static void print_points(struct scenario *sc, const struct sweep_opts *o, const char *dir)
{
	char axes[2048], why[64], path[4200];
	for (size_t k = 0; k < sc->npoints; k++) {
		if (o->one && k != o->point)
			continue;
		scenario_configure(sc, k, why, sizeof(why)); /* checked before */
		scenario_point_text(sc, k, axes, sizeof(axes));
		printf("%4zu  %-16s x%-3u %zu VMs %s\n", k, sc->spec.name, sc->repeat, sc->spec.n, axes);
		for (unsigned r = 1; o->dry_run && r <= sc->repeat; r++) {
			sweep_point_path(path, sizeof(path), dir, k, sc->spec.name, r);
			printf("        would write %s\n", path);
			series_beside(sc, path);
			for (size_t j = 0; j < sc->xf.njobs; j++)
				if (sc->store[j].run.experiment.timeseries_path == sc->store[j].series)
					printf("        and %s\n", sc->store[j].series);
		}
	}
	printf("metrics:");
	for (size_t i = 0; i < (sc->metrics.n ? sc->metrics.n : 3); i++)
		printf("%s %s", i ? "," : "", sc->metrics.n ? sc->metrics.path[i] : default_metrics[i]);
	printf("%s\n", sc->metrics.n ? "" : " (the default for scenarios; metrics = in [host] to choose)");
	if (!o->one)
		printf("%zu points; baseline: the first point\n", sc->npoints);
}

/* --resume: the file holds an ok host result of this same point and repetition. */
static bool already_done(const struct scenario *sc, size_t k, unsigned rep, const char *path)
{
	json_error_t err;
	json_t *doc = result_load_file(path, &err), *want = sweep_json(sc, k, rep);
	const char *state = json_string_value(json_object_get(json_object_get(doc, "status"), "state"));
	bool done = doc && state && strcmp(state, "ok") == 0 && json_equal(json_object_get(doc, "sweep"), want);
	printf("resume: point %zu r%u/%u: %s\n", k, rep, sc->repeat, done ? "already done" : "re-running");
	json_decref(doc);
	json_decref(want);
	return done;
}

static enum run_state run_point(struct scenario *sc, size_t k, unsigned rep, const char *dir,
				struct sweep_progress *prog)
{
	char why[1024], path[4200];
	json_t *doc = NULL;
	scenario_configure(sc, k, why, sizeof(why)); /* checked before */
	sc->spec.settings = scenario_point_settings(sc, k);
	/* written by host_execute with its sweep object, or by its janitor if the host is killed */
	sweep_point_path(path, sizeof(path), dir, k, sc->spec.name, rep);
	series_beside(sc, path);
	json_t *extra = json_pack("{s:o}", "sweep", sweep_json(sc, k, rep));
	sc->spec.json_path = path;
	sc->spec.doc_extra = extra;
	enum run_state st = host_execute(&sc->spec, &doc);
	sc->spec.json_path = NULL;
	sc->spec.doc_extra = NULL;
	json_decref(extra);
	json_decref(sc->spec.settings);
	sc->spec.settings = NULL;
	if (!doc)
		return RUN_FAILED;
	const json_t *t = json_object_get(json_object_get(doc, "host"), "totals");
	char where[96];
	sweep_progress_step(prog, true);
	sweep_progress_text(prog, where, sizeof(where));
	printf("%s point %zu r%u/%u: %s, %lld VMs, %.3f s, %.3g ops/s%s%s\n", where, k, rep, sc->repeat,
	       run_state_name(st), json_integer_value(json_object_get(t, "vms")),
	       json_number_value(json_object_get(t, "wall_s")), json_number_value(json_object_get(t, "ops_per_s")),
	       st == RUN_OK ? "" : " — ",
	       st == RUN_OK ? "" : json_string_value(json_object_get(json_object_get(doc, "status"), "message")));
	fflush(stdout);
	json_decref(doc);
	return st; /* failed when the document could not be written (host_execute said so) */
}

static int run_points(struct scenario *sc, const struct sweep_opts *o, const char *dir)
{
	struct sweep_progress prog;
	int status = 0;
	sweep_progress_start(&prog, (o->one ? 1 : sc->npoints) * sc->repeat);
	char path[4200];
	for (size_t k = 0; k < sc->npoints; k++) {
		if (o->one && k != o->point)
			continue;
		for (unsigned r = 1; r <= sc->repeat; r++) {
			sweep_point_path(path, sizeof(path), dir, k, sc->spec.name, r);
			if (o->resume && already_done(sc, k, r, path)) {
				sweep_progress_step(&prog, false);
				continue;
			}
			enum run_state st = run_point(sc, k, r, dir, &prog);
			if (st == RUN_INTERRUPTED || sweep_stop_signal) {
				printf("interrupted: the repetitions written so far stay in %s/points; merging them\n", dir);
				return 130;
			}
			if (st == RUN_FAILED)
				status = 1;
		}
	}
	return status;
}

int sweep_scenario(const struct sweep_opts *o)
{
	char dir[2048], why[1024];
	/* On the heap, and kept when interrupted: the workers of a host run may still use it. */
	struct scenario *sc = malloc(sizeof(*sc));
	if (!sc)
		return cli_error("out of memory"), 1;
	int rc = scenario_load(o->file, sc, why, sizeof(why));
	if (rc)
		return free(sc), cli_error("%s", why), rc;
	if (o->out)
		snprintf(dir, sizeof(dir), "%s", o->out);
	else
		sweep_default_dir(dir, sizeof(dir), o->file);
	if (o->one && o->point >= sc->npoints) {
		cli_error("invalid --point value '%zu': the sweep has points 0 to %zu", o->point, sc->npoints - 1);
		free(sc);
		return EXIT_USAGE;
	}
	bool kvm;
	if ((rc = check_all(sc, &kvm)) != 0)
		return free(sc), rc;
	if (o->slurm.on) {
		rc = sweep_slurm(o, sc->spec.name, sc->npoints, sc->repeat, kvm);
		free(sc);
		return rc;
	}
	if (o->list || o->dry_run)
		return print_points(sc, o, dir), free(sc), 0;
	if ((rc = cli_dir_value("out", dir, "points")) != 0)
		return free(sc), rc;
	sweep_catch_stop_signals();
	rc = run_points(sc, o, dir);
	if (rc != 130)
		free(sc); /* else it stays: an interrupted host's workers may still use it */
	return sweep_merge_after(o, dir, rc);
}
