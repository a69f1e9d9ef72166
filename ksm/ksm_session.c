/* ksm_session.c — Linux KSM for one host of VMs (see ksm.h): knobs saved, set and restored;
 * guest RAM marked mergeable as each VM publishes it; KSM's counters sampled on a period of
 * their own.
 *
 * Why a sampler thread of its own and not columns of the VMs' telemetry: KSM's figures are
 * host-wide (one ksmd, one stable tree for every process) or process-wide (ksm_stat), not one
 * VM's; and ksmd moves in sleep_millisecs steps, so a 1 kHz monitor reading a dozen sysfs files
 * per tick would cost far more than it shows. The series goes in the host document, on the same
 * run clock as every VM's series.
 *
 * Why madvise and not prctl(PR_SET_MEMORY_MERGE): the prctl makes every anonymous mapping of
 * the process mergeable — the VMM's own heap, the simulator's tables — while sharing is about
 * guest RAM; MADV_MERGEABLE over the range the handle publishes says exactly that. KSM merges
 * private anonymous pages only: a memfd-backed mapping (kvm --backend memfd) is marked but
 * never merged, and the document says so (`shared_mapping`). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ksm/ksm.h"
#include "vmm/host/sysfs.h"
#include "vmm/util/clock.h"

#define PAGE 4096u

const char *ksm_unavailable(void)
{
	if (!sysfs_exists(KSM_SYSFS "/run"))
		return "this kernel has no KSM (" KSM_SYSFS " is absent: CONFIG_KSM)";
	if (geteuid() != 0)
		return "Linux KSM needs root (it writes " KSM_SYSFS ")";
	return NULL;
}

/* ---- Sampling -------------------------------------------------------------------------- */

int ksm_find_ksmd(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pid = 0;
	while (d && !pid && (e = readdir(d)) != NULL) {
		char path[300], comm[32];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (sysfs_read(path, comm, sizeof(comm)) > 0 && strcmp(comm, "ksmd") == 0)
			pid = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return pid;
}

/* utime + stime of a thread, in ms (fields 14 and 15 of /proc/PID/stat, after the comm). */
static uint64_t thread_cpu_ms(int pid)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!pid || sysfs_read(path, buf, sizeof(buf)) <= 0)
		return KSM_ABSENT;
	const char *p = strrchr(buf, ')');
	/* after ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return KSM_ABSENT;
	return (ut + st) * 1000 / (uint64_t)sysconf(_SC_CLK_TCK);
}

/* A counter file of KSM_SYSFS; general_profit may be negative (kept as int64 bits). */
static uint64_t read_counter(const char *name)
{
	char path[128], buf[64];
	snprintf(path, sizeof(path), KSM_SYSFS "/%s", name);
	if (sysfs_read(path, buf, sizeof(buf)) <= 0)
		return KSM_ABSENT;
	return (uint64_t)strtoll(buf, NULL, 10);
}

/* /proc/self/ksm_stat: "ksm_rmap_items 12" lines (6.1+; ksm_merging_pages 6.2+, profit 6.4+,
 * ksm_zero_pages 6.10+). */
static void read_ksm_stat(struct ksm_sample *s)
{
	FILE *f = fopen("/proc/self/ksm_stat", "re");
	char key[64];
	long long v;
	while (f && fscanf(f, "%63s %lld", key, &v) == 2) {
		if (strcmp(key, "ksm_rmap_items") == 0)
			s->proc_rmap_items = (uint64_t)v;
		else if (strcmp(key, "ksm_merging_pages") == 0)
			s->proc_merging_pages = (uint64_t)v;
		else if (strcmp(key, "ksm_zero_pages") == 0)
			s->proc_zero_pages = (uint64_t)v;
		else if (strcmp(key, "ksm_process_profit") == 0)
			s->proc_profit = (uint64_t)v;
	}
	if (f)
		fclose(f);
}

void ksm_sample_read(struct ksm_sample *s, int ksmd_pid)
{
	double t = s->time_ms;
	uint64_t marked = s->marked_bytes;
	memset(s, 0xff, sizeof(*s)); /* every column KSM_ABSENT until read */
	s->time_ms = t;
	s->marked_bytes = marked;
#define KSM_READ(n) if (strncmp(#n, "proc_", 5) != 0 && strcmp(#n, "ksmd_cpu_ms") != 0 && strcmp(#n, "marked_bytes") != 0) s->n = read_counter(#n);
	KSM_COLUMNS(KSM_READ)
#undef KSM_READ
	read_ksm_stat(s);
	s->ksmd_cpu_ms = thread_cpu_ms(ksmd_pid);
}

/* ---- Begin and restore ----------------------------------------------------------------- */

static double now_ms(const struct ksm_session *s) { return (monotonic_seconds() - s->t0) * 1e3; }

/* Every knob as found goes to the janitor, in restore order: should this process die, the
 * janitor writes them all back (writing a value a knob already has is harmless). */
static void note_knobs(struct ksm_session *s)
{
	char run[128];
	if (s->found_clean) /* unmerge first, then run = 0 and the rest */
		janitor_note_sysfs(&s->janitor, ksm_knob_path(KSM_RUN, run, sizeof(run)), "2");
	for (int k = 0; k < KSM_KNOBS; k++) {
		char path[128];
		if (s->saved.has[k])
			janitor_note_sysfs(&s->janitor, ksm_knob_path((enum ksm_knob)k, path, sizeof(path)), s->saved.v[k]);
	}
}

int ksm_session_begin(struct ksm_session *s, const struct ksm_opts *opts, double t0, char *why, size_t n)
{
	*s = (struct ksm_session){ .opts = *opts, .t0 = t0, .janitor = { .fd = -1 } };
	if (!s->opts.sample_ms)
		s->opts.sample_ms = KSM_DEFAULT_SAMPLE_MS;
	s->ksmd_pid = ksm_find_ksmd();
	if (!opts->on) { /* the estimate alone changes nothing on the host */
		s->began = true;
		return 0;
	}
	const char *un = ksm_unavailable();
	if (un)
		return snprintf(why, n, "ksm = on: %s", un), geteuid() ? -EPERM : -ENODEV;
	ksm_knobs_save(&s->saved);
	for (int k = 0; k < KSM_KNOBS; k++)
		if (opts->set.has[k] && !s->saved.has[k])
			return snprintf(why, n, "this kernel has no " KSM_SYSFS "/%s", ksm_knob_name((enum ksm_knob)k)),
			       -ENOENT;
	s->found_clean = ksm_found_clean(&s->saved);
	int rc = janitor_start(&s->janitor);
	if (rc < 0)
		return snprintf(why, n, "cannot start the host-state janitor: %s", strerror(-rc)), rc;
	note_knobs(s);
	struct ksm_knob_values want = opts->set;
	want.has[KSM_RUN] = true;
	snprintf(want.v[KSM_RUN], sizeof(want.v[KSM_RUN]), "1");
	s->before.time_ms = now_ms(s);
	ksm_sample_read(&s->before, s->ksmd_pid);
	if ((rc = ksm_knobs_apply(&want, &s->applied, why, n)) < 0) {
		char ignored[256];
		if (ksm_knobs_restore(&s->saved, ignored, sizeof(ignored)) < 0)
			janitor_abandon(&s->janitor);
		else
			janitor_done(&s->janitor);
		return rc;
	}
	s->on_ms = now_ms(s);
	s->began = true;
	return 0;
}

void ksm_session_restore(struct ksm_session *s)
{
	if (!s->began || !s->opts.on || s->restored)
		return;
	/* found off and empty: leave it empty (in an interrupted run this copies back the merged
	 * pages of VMs still mapped: the memory they had before merging) */
	if (s->found_clean && ksm_unmerge_all() < 0)
		fprintf(stderr, "memvirt: KSM unmerge (run = 2) failed; merged pages stay merged\n");
	s->restore_rc = ksm_knobs_restore(&s->saved, s->restore_msg, sizeof(s->restore_msg));
	if (s->restore_rc == 0 && !ksm_knobs_equal_now(&s->saved, s->restore_msg, sizeof(s->restore_msg)))
		s->restore_rc = -EIO;
	s->restored = s->restore_rc == 0;
	if (s->restored) {
		janitor_done(&s->janitor);
	} else {
		fprintf(stderr, "memvirt: KSM knobs not restored: %s (the janitor keeps trying; check " KSM_SYSFS ")\n",
			s->restore_msg);
		janitor_abandon(&s->janitor);
	}
}

/* ---- The sampler ----------------------------------------------------------------------- */

int ksm_session_add(struct ksm_session *s, const char *name, struct guest_ram_handle *ram, const struct wl_ctx *ctx)
{
	if (s->running || s->n == KSM_MAX_VMS)
		return -E2BIG;
	s->vm[s->n++] = (struct ksm_vm){ .name = name, .ram = ram, .ctx = ctx };
	return 0;
}

static int mark_cb(const struct guest_ram *ram, void *arg)
{
	struct ksm_vm *v = arg;
	if (!ram->base || ram->base == v->marked_base)
		return 0;
	v->marked_base = ram->base;
	v->marked_bytes = ram->bytes;
	v->shared_mapping = ram->fd >= 0;
	v->mark_rc = madvise(ram->base, ram->bytes, MADV_MERGEABLE) < 0 ? errno : 0;
	return 0;
}

/* Marks guest RAM that appeared since the last tick; forgets RAM that was withdrawn. */
static uint64_t mark_new_ram(struct ksm_session *s)
{
	uint64_t marked = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct ksm_vm *v = &s->vm[i];
		struct guest_ram now;
		if (!guest_ram_try_get(v->ram, &now))
			continue; /* busy (reclaim): next tick */
		if (!now.base)
			v->marked_base = NULL;
		else if (now.base != v->marked_base)
			guest_ram_with(v->ram, mark_cb, v);
		marked += v->marked_base && !v->mark_rc ? v->marked_bytes : 0;
	}
	return marked;
}

struct scan_arg {
	struct ksm_session *s;
	struct ksm_scanner *sc;
	unsigned vm;
	bool history;                   /* compare with the VM's previous pass */
};

/* The VM's one word per page from its previous pass, sized for `bytes` (a new mapping starts
 * without history). */
static uint64_t *pass_history(struct ksm_vm *v, uint64_t bytes)
{
	uint64_t pages = bytes / PAGE;
	if (v->prev && v->prev_pages == pages)
		return v->prev;
	free(v->prev);
	v->prev = calloc(pages ? pages : 1, sizeof(*v->prev));
	v->prev_pages = v->prev ? pages : 0;
	return v->prev;
}

static int scan_cb(const struct guest_ram *ram, void *arg)
{
	struct scan_arg *a = arg;
	struct ksm_vm *v = &a->s->vm[a->vm];
	if (!ram->base)
		return 0;
	v->scanned = true;
	a->sc->est.vm[a->vm].at_ms = now_ms(a->s);
	return ksm_scan_vm(a->sc, a->vm, ram->base, ram->bytes, a->history ? pass_history(v, ram->bytes) : NULL);
}

/* Hashes each VM once, when its workload has written its memory (measured phase or later);
 * `all`: every VM not yet hashed whose RAM is still there (the end of the run). */
static void scan_ready(struct ksm_session *s, bool all)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->vm[i].scanned && (all || s->vm[i].ctx->phase != WL_PHASE_SETUP))
			guest_ram_with(s->vm[i].ram, scan_cb, &(struct scan_arg){ .s = s, .sc = &s->scanner, .vm = (unsigned)i });
}

static bool missed_any(const struct ksm_estimate *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->vm[i].missed)
			return true;
	return false;
}

/* ksm-scan-every-ms: one pass over every VM already measuring, each compared with its last
 * pass; the pass's figures go into the pass series, and the estimate reported is the last
 * pass that reached every VM (or the last one at all, when none did). */
static void scan_pass(struct ksm_session *s)
{
	struct ksm_scanner sc;
	struct ksm_estimate e;
	if (ksm_scan_begin(&sc, s->n) < 0)
		return;
	double at = now_ms(s);
	for (size_t i = 0; i < s->n; i++)
		if (s->vm[i].ctx->phase != WL_PHASE_SETUP)
			guest_ram_with(s->vm[i].ram, scan_cb,
				       &(struct scan_arg){ .s = s, .sc = &sc, .vm = (unsigned)i, .history = true });
	ksm_scan_finish(&sc, &e);
	s->last_pass_ms = at;
	if (!e.scanned)
		return;
	if (!s->scanned || !missed_any(&e) || missed_any(&s->est))
		s->est = e;
	s->scanned = true;
	uint64_t vol = 0;
	for (size_t i = 0; i < e.n; i++)
		vol += e.vm[i].volatile_pages;
	if (s->npass == s->cap_pass) {
		size_t cap = s->cap_pass ? s->cap_pass * 2 : 64;
		struct ksm_pass *p = realloc(s->passes, cap * sizeof(*p));
		if (!p)
			return;
		s->passes = p;
		s->cap_pass = cap;
	}
	s->passes[s->npass++] = (struct ksm_pass){ .time_ms = at, .scanned = e.scanned, .volatile_pages = vol,
						   .saved_within = e.saved_within, .saved_across = e.saved_across,
						   .hash_cpu_ms = e.hash_cpu_s * 1e3 };
}

static void push_sample(struct ksm_session *s, uint64_t marked)
{
	struct ksm_sample x = { .time_ms = now_ms(s), .marked_bytes = marked };
	ksm_sample_read(&x, s->ksmd_pid);
	if (s->ns == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct ksm_sample *p = realloc(s->series, cap * sizeof(*p));
		if (!p)
			return;
		s->series = p;
		s->cap = cap;
	}
	s->series[s->ns++] = x;
}

static void *sampler_main(void *arg)
{
	struct ksm_session *s = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&s->stop)) {
		uint64_t marked = s->opts.on ? mark_new_ram(s) : 0;
		if (s->opts.scan && !s->opts.scan_every_ms)
			scan_ready(s, false);
		else if (s->opts.scan && now_ms(s) - s->last_pass_ms >= (double)s->opts.scan_every_ms)
			scan_pass(s);
		push_sample(s, marked);
		next.tv_nsec += (long)(s->opts.sample_ms % 1000) * 1000000;
		next.tv_sec += (time_t)(s->opts.sample_ms / 1000) + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

int ksm_session_start(struct ksm_session *s)
{
	if (!s->began)
		return -EINVAL;
	bool once = s->opts.scan && !s->opts.scan_every_ms;
	if (once && ksm_scan_begin(&s->scanner, s->n) < 0)
		return -ENOMEM;
	s->scanner_open = once;
	s->last_pass_ms = -1e12;
	int err = pthread_create(&s->thread, NULL, sampler_main, s);
	if (err)
		return -err;
	s->running = true;
	return 0;
}

void ksm_session_stop(struct ksm_session *s)
{
	if (s->running) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	if (!s->began)
		return;
	if (s->scanner_open) {
		scan_ready(s, true); /* what is still published; the others are `missed` */
		ksm_scan_finish(&s->scanner, &s->est);
		s->scanner_open = false;
		s->scanned = true;
	}
	push_sample(s, s->ns ? s->series[s->ns - 1].marked_bytes : 0);
	s->after = s->series[s->ns - 1];
}

void ksm_session_fini(struct ksm_session *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->vm[i].prev);
		s->vm[i].prev = NULL;
	}
	free(s->passes);
	s->passes = NULL;
	free(s->series);
	s->series = NULL;
	s->ns = s->cap = 0;
}

/* ---- The document ---------------------------------------------------------------------- */

static json_t *val_json(uint64_t v) { return v == KSM_ABSENT ? json_null() : json_integer((json_int_t)v); }

static json_t *sample_json(const struct ksm_sample *x)
{
	json_t *o = json_object();
#define KSM_JSON(n) json_object_set_new(o, #n, val_json(x->n));
	KSM_COLUMNS(KSM_JSON)
#undef KSM_JSON
	return o;
}

static json_t *series_json(const struct ksm_session *s)
{
	json_t *cols = json_pack("[s]", "time_ms"), *rows = json_array();
#define KSM_COL(n) json_array_append_new(cols, json_string(#n));
	KSM_COLUMNS(KSM_COL)
#undef KSM_COL
	for (size_t i = 0; i < s->ns; i++) {
		const struct ksm_sample *x = &s->series[i];
		json_t *row = json_pack("[f]", x->time_ms);
#define KSM_ROW(n) json_array_append_new(row, val_json(x->n));
		KSM_COLUMNS(KSM_ROW)
#undef KSM_ROW
		json_array_append_new(rows, row);
	}
	return json_pack("{s:o, s:o}", "columns", cols, "rows", rows);
}

static json_t *knobs_json(const struct ksm_knob_values *v)
{
	json_t *o = json_object();
	for (int k = 0; k < KSM_KNOBS; k++)
		if (v->has[k])
			json_object_set_new(o, ksm_knob_name((enum ksm_knob)k), json_string(v->v[k]));
	return o;
}

static uint64_t delta(uint64_t a, uint64_t b) { return a == KSM_ABSENT || b == KSM_ABSENT || b < a ? 0 : b - a; }

/* Pages KSM saved at sample x: the sites sharing a KSM page, plus zero pages it mapped to the
 * kernel's zero page (use_zero_pages), both counted from before the run. */
static uint64_t saved_pages(const struct ksm_session *s, const struct ksm_sample *x)
{
	return delta(s->before.pages_sharing, x->pages_sharing) + delta(s->before.ksm_zero_pages, x->ksm_zero_pages);
}

static json_t *vms_json(const struct ksm_session *s)
{
	json_t *o = json_object();
	for (size_t i = 0; i < s->n; i++) {
		const struct ksm_vm *v = &s->vm[i];
		json_object_set_new(o, v->name,
				    json_pack("{s:I, s:b, s:s?}", "marked_bytes", (json_int_t)v->marked_bytes,
					      "shared_mapping", v->shared_mapping, "madvise_error",
					      v->mark_rc ? strerror(v->mark_rc) : NULL));
	}
	return o;
}

json_t *ksm_session_json(const struct ksm_session *s)
{
	if (!s->began)
		return json_null();
	json_t *o = json_pack("{s:s, s:b, s:o, s:I}", "engine", s->opts.on ? "linux-ksm" : "none", "on", s->opts.on,
			      "vms", vms_json(s), "sample_ms", (json_int_t)s->opts.sample_ms);
	if (s->opts.on && s->ns) {
		uint64_t peak = 0, fin = saved_pages(s, &s->after);
		double t90 = -1;
		for (size_t i = 0; i < s->ns; i++)
			peak = saved_pages(s, &s->series[i]) > peak ? saved_pages(s, &s->series[i]) : peak;
		for (size_t i = 0; i < s->ns && peak && t90 < 0; i++)
			if (saved_pages(s, &s->series[i]) * 10 >= peak * 9)
				t90 = (s->series[i].time_ms - s->on_ms) / 1e3;
		json_object_set_new(o, "knobs", json_pack("{s:o, s:o, s:b, s:s?}", "found", knobs_json(&s->saved), "set",
							  knobs_json(&s->applied), "restored", s->restored,
							  "restore_error", s->restored ? NULL : s->restore_msg));
		json_object_set_new(o, "before", sample_json(&s->before));
		json_object_set_new(o, "after", sample_json(&s->after));
		json_object_set_new(o, "saved_pages", json_integer((json_int_t)peak));
		json_object_set_new(o, "saved_bytes", json_integer((json_int_t)(peak * PAGE)));
		json_object_set_new(o, "final_saved_bytes", json_integer((json_int_t)(fin * PAGE)));
		json_object_set_new(o, "time_to_savings_s", t90 < 0 ? json_null() : json_real(t90));
		json_object_set_new(o, "ksmd_cpu_s",
				    s->after.ksmd_cpu_ms == KSM_ABSENT || s->before.ksmd_cpu_ms == KSM_ABSENT
					    ? json_null()
					    : json_real((double)delta(s->before.ksmd_cpu_ms, s->after.ksmd_cpu_ms) / 1e3));
		json_object_set_new(o, "on_ms", json_real(s->on_ms));
		json_object_set_new(o, "series", series_json(s));
	}
	const char *names[KSM_MAX_VMS];
	for (size_t i = 0; i < s->n; i++)
		names[i] = s->vm[i].name;
	json_t *est = s->scanned ? ksm_estimate_json(&s->est, names) : json_null();
	if (s->scanned && s->opts.scan_every_ms) {
		json_t *rows = json_array();
		for (size_t i = 0; i < s->npass; i++) {
			const struct ksm_pass *p = &s->passes[i];
			json_array_append_new(rows, json_pack("[f, I, I, I, I, f]", p->time_ms, (json_int_t)p->scanned,
							      (json_int_t)p->volatile_pages, (json_int_t)p->saved_within,
							      (json_int_t)p->saved_across, p->hash_cpu_ms));
		}
		json_object_set_new(est, "passes",
				    json_pack("{s:[s, s, s, s, s, s], s:o}", "columns", "time_ms", "scanned", "volatile",
					      "saved_within_vm_pages", "saved_across_vms_pages", "hash_cpu_ms", "rows", rows));
	}
	json_object_set_new(o, "estimate", est);
	return o;
}

int ksm_session_run(struct ksm_session *s, bool on)
{
	if (!s->began || !s->opts.on)
		return -ENODEV;
	return ksm_knob_write(KSM_RUN, on ? "1" : "0");
}
