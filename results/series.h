/* series.h — the telemetry time series as data: one sample per monitor tick, every column a
 * cumulative counter or a level (so a rate over any window is a difference of two samples).
 * TEL_COLUMNS is the one list of columns: it makes the struct, the CSV header and the JSON
 * rows, so the three cannot disagree. The monitor that fills it is vmm/reclaim/telemetry.h;
 * reports read it back from CSV or from a result document. */
#ifndef MEMVIRT_RESULTS_SERIES_H
#define MEMVIRT_RESULTS_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The CSV columns after time_ms, in order: name and struct tel_sample field. */
#define TEL_COLUMNS(X)                                                                 \
	X(phase) X(progress) X(minflt) X(majflt) X(pswpin) X(pswpout) X(pgmajfault)    \
	X(workingset_refault) X(psi_some_us) X(psi_full_us) X(guest_resident_bytes)    \
	X(guest_mapped_bytes) X(worker_wait_us) X(reclaim_events) X(uffd_faults)        \
	X(guest_used_bytes) X(steal_us) X(wss_bytes) X(damon_applied_bytes)            \
	X(balloon_bytes) X(guest_free_bytes) X(balloon_reported_bytes)
/* The last columns, which files written before them lack: read as TEL_ABSENT (uffd_faults,
 * then guest_used_bytes, then steal_us, then wss_bytes, then damon_applied_bytes, then the
 * balloon's three, which came together). */
#define TEL_OPTIONAL_COLUMNS 8
/* A value the run does not have (uffd_faults without --uffd): an empty CSV field, null in JSON. */
#define TEL_ABSENT UINT64_MAX

struct tel_sample {
	double time_ms;                /* since the run clock's zero */
	uint64_t phase;                /* enum wl_phase */
	uint64_t progress;             /* workload operations so far */
	uint64_t minflt, majflt;       /* the VMM process (getrusage) */
	uint64_t pswpin, pswpout;      /* host-wide pages swapped in/out (/proc/vmstat) */
	uint64_t pgmajfault;           /* host-wide major faults */
	uint64_t workingset_refault;   /* host-wide refaults of recently evicted pages (anon+file) */
	uint64_t psi_some_us, psi_full_us; /* memory PSI totals */
	uint64_t guest_resident_bytes; /* guest RAM in host memory (mincore) */
	uint64_t guest_mapped_bytes;   /* guest RAM mapped in the VMM (pagemap): touchable without a host fault */
	uint64_t worker_wait_us;       /* the workload thread's time waiting for a CPU */
	uint64_t reclaim_events;       /* reclaim actions started so far */
	uint64_t uffd_faults;          /* missing-page faults of guest RAM the VMM's userfaultfd handler
					* resolved (kvm --uffd); TEL_ABSENT until published, or without uffd */
	uint64_t guest_used_bytes;     /* memory the guest kernel has handed out to the workload (its frame
					* allocator's frames in use; natively the workload's mapped bytes):
					* the guest's own view, which falls when it frees what the host still holds */
	uint64_t steal_us;             /* the machine's CPU steal (/proc/stat: time its hypervisor ran
					* something else), averaged over its CPUs; TEL_ABSENT where unreadable */
	uint64_t wss_bytes;            /* the working-set estimate (--wss, vmm/mem/wss.h), a level: guest RAM
					* touched over the estimator's last period; TEL_ABSENT with the
					* estimator off, and until its first figure */
	uint64_t damon_applied_bytes;  /* the host's DAMON schemes: bytes their actions were applied to
					* (stats/sz_applied summed over every scheme; read only, as fresh as
					* the kernel's refresh_ms); TEL_ABSENT on a host without schemes */
	/* The VM's balloon (balloon/balloon.h), TEL_ABSENT without one: */
	uint64_t balloon_bytes;        /* a level: what the balloon holds (accepted inflates less deflates) */
	uint64_t guest_free_bytes;     /* a level: the guest's free memory in its last statistics that
					* passed the VMM's checks (stats=PERIOD polls them); TEL_ABSENT
					* before the first */
	uint64_t balloon_reported_bytes; /* cumulative: free memory the guest reported (report=on) */
};

/* b - a for a cumulative counter that may be TEL_ABSENT (check b first): a counter not yet
 * published at a had counted nothing. */
static inline uint64_t tel_counter_delta(uint64_t a, uint64_t b) { return b - (a == TEL_ABSENT ? 0 : a); }
/* A column's value in the JSON series: an integer, or null when TEL_ABSENT. */
json_t *tel_value_json(uint64_t v);

struct tel_series {
	struct tel_sample *s;
	size_t n, cap;
};

int tel_series_push(struct tel_series *ts, const struct tel_sample *s);
/* Room for one more of `n` items of `size` bytes (capacity *cap, doubled when full): the array
 * to use from now on, or NULL when it cannot grow (items is then unchanged and still valid).
 * The one growth rule of every series. */
void *series_room(void *items, size_t *cap, size_t n, size_t size);
void tel_series_free(struct tel_series *ts);
/* CSV with a header line; first column time_ms. Written atomically. */
int tel_series_write_csv(const struct tel_series *ts, const char *path);
int tel_series_read_csv(const char *path, struct tel_series *ts);
/* Appends samples [from, n) of ts as CSV lines to fd (the header first when from is 0), in
 * whole lines with one write: a series kept on disk while it grows, so that a run killed
 * before it could write its result leaves the samples so far (vmm/run/run_record.h). 0 or
 * -errno. */
int tel_series_append_csv(int fd, const struct tel_series *ts, size_t from);
/* The series embedded in a result document ({columns, rows}, see experiment_doc.c). */
int tel_series_from_json(const json_t *series, struct tel_series *ts);

#endif
