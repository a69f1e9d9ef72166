/* balloon_abi.h — the paravirtual balloon interface between the guest kernel's driver
 * (guest/balloon.c) and the VMM's device (balloon/), the same on sim and kvm: a shared control
 * area where the VMM writes the target and the guest its statistics, an array of page entries
 * the guest fills, and a doorbell (a hypercall on kvm, a call on sim) that hands the first n
 * entries over as one INFLATE or DEFLATE message. Described for humans in docs/balloon.md.
 *
 * Why an array plus a doorbell and not a ring: the guest is the only producer and waits for
 * each message (one exit), so there is nothing to overlap; a fixed array at a fixed place lets
 * the VMM read it without trusting a guest-given address. Why entries of 2 MiB: on hosts where
 * ring 0 is emulated every guest instruction costs ~1-2 µs, so the driver's per-entry path must
 * be short and few — one entry gives back 512 frames.
 *
 * Version 2 adds three things the VMM asks for without a message, each one word in the control
 * area that the guest compares at its check (guest/balloon.c): statistics on request
 * (stats_request, answered under the stats_seq seqlock, because the VMM copies them from another
 * thread while the guest may be writing), and free page reporting (report_epoch, a clock the VMM
 * advances; the guest answers with REPORT messages of free 2 MiB chunks). Every value the guest
 * writes is copied once by the VMM and range-checked before it is used (balloon/balloon.c).
 *
 * Versioned (GK_BALLOON_VERSION); a layout change bumps it. Freestanding: included by both
 * sides. */
#ifndef MEMVIRT_GUEST_BALLOON_ABI_H
#define MEMVIRT_GUEST_BALLOON_ABI_H

#include <stdint.h>

#define GK_BALLOON_VERSION 2u /* 2: stats_request/stats_seq, report_epoch, REPORT */

/* Entries per message. virtio-balloon's 256; with 2 MiB entries one message is 512 MiB, so a
 * larger batch would save at most a handful of exits per GiB (docs/balloon.md, where 256 is
 * measured against 512). One constant for both sides: the entry array (one 4 KiB page on kvm,
 * which holds 512) and every check follow it. A build may set it (-DGK_BALLOON_BATCH=512, as
 * bench/balloon_batch.sh does): the VMM and the guest image are built from one tree, so both
 * sides always agree. */
#ifndef GK_BALLOON_BATCH
#define GK_BALLOON_BATCH 256u
#endif

/* An entry: the guest-physical address of a 4 KiB frame, or of a 2 MiB-aligned 2 MiB chunk
 * with GK_BALLOON_ENTRY_2M set. Bits 1-11 must be zero. */
#define GK_BALLOON_ENTRY_2M    0x1ULL
#define GK_BALLOON_ENTRY_FLAGS 0xfffULL

/* INFLATE: the frames are the balloon's (host backing released, ballooned). DEFLATE: they are
 * the guest's again. REPORT (version 2, only with GK_BALLOON_REPORTING): free 2 MiB chunks the
 * guest has not used for a while; the VMM releases their host backing and they stay the guest's
 * (a later touch gets a zero frame). Entries of a REPORT are 2 MiB chunks only. */
enum gk_balloon_op { GK_BALLOON_INFLATE = 1, GK_BALLOON_DEFLATE = 2, GK_BALLOON_REPORT = 3 };
#define GK_BALLOON_OPS 4 /* arrays indexed by op */

/* Message flags (the doorbell's third argument). */
#define GK_BALLOON_MSG_LAST (1u << 0) /* the last message of a round: the guest stopped here */
#define GK_BALLOON_MSG_OOM  (1u << 1) /* a deflate the guest made because an allocation failed */
#define GK_BALLOON_MSG_KNOWN (GK_BALLOON_MSG_LAST | GK_BALLOON_MSG_OOM)

/* Control-area flags, set by the VMM. */
#define GK_BALLOON_DEFLATE_ON_OOM (1u << 0)
#define GK_BALLOON_REPORTING      (1u << 1) /* free page reporting on: report_epoch advances */

/* A free chunk is reported once report_epoch has advanced this many times since the epoch it
 * was freed in: with the VMM advancing it every report_delay / 2, a chunk is reported more than
 * report_delay and at most 1.5 x report_delay after it was freed, at the guest's first check
 * after that (checks happen only at system calls). */
#define GK_BALLOON_REPORT_AGE 3u

/* Statistics in virtio-balloon's terms, as far as this kernel has them (4 KiB frames and
 * counts); the guest refreshes them at the end of every round. */
struct gk_balloon_stats {
	uint64_t total_frames;     /* guest RAM */
	uint64_t free_frames;      /* not in use by the kernel (the balloon's are in use) */
	uint64_t available_frames; /* what an allocation could get: free (no page cache here) */
	uint64_t major_faults;     /* always 0: the guest kernel has no paging */
	uint64_t minor_faults;     /* page faults resolved */
	uint64_t oom_events;       /* deflates on OOM */
	uint64_t alloc_stalls;     /* allocations that failed at first (before an OOM deflate) */
};

/* The control area. The VMM writes version, batch_max, flags and target_frames (the latter at
 * any time, with one 8-byte store), stats_request and report_epoch (any time, one store each);
 * the guest writes actual_frames, stats and stats_seq.
 *
 * Statistics: the guest refreshes them at the end of every round and when stats_request differs
 * from the last request it answered. While it writes them stats_seq is odd, and it is even
 * again (one more) when they are complete: the VMM copies stats between two reads of the same
 * even stats_seq, else it takes nothing this time (a seqlock; the guest never waits). */
struct gk_balloon_shared {
	uint32_t version;          /* GK_BALLOON_VERSION */
	uint32_t batch_max;        /* GK_BALLOON_BATCH */
	uint32_t flags;            /* GK_BALLOON_DEFLATE_ON_OOM */
	uint32_t reserved;
	uint64_t target_frames;    /* 4 KiB frames the VMM wants the balloon to hold */
	uint64_t actual_frames;    /* what the guest says it holds (the VMM counts its own) */
	struct gk_balloon_stats stats;
	/* version 2 */
	uint64_t stats_request;    /* VMM: a new value asks for fresh statistics */
	uint64_t stats_seq;        /* guest: odd while it writes stats */
	uint64_t report_epoch;     /* VMM: advanced every report_delay / 2 (GK_BALLOON_REPORTING) */
};

#endif
