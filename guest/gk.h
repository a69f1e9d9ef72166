/* gk.h — the guest kernel's public interface: boot info, the hardware abstraction (HAL) it runs
 * on, its state, and the entry points a platform calls (boot, page fault, system calls).
 *
 * The same freestanding source runs on `sim` (host build; the HAL is the software MMU) and on
 * `kvm` (guest ring 0; the HAL is real memory plus CR3/INVLPG/hypercalls). No libc, no
 * allocation, no floating point: the platform allocates `struct gk` (zeroing is not needed)
 * and every table in it has a fixed, documented size.
 *
 * Page tables are built and edited only with the shared walker (mmu/walk.h) in x86-64 format,
 * through the pt_mem that gk_pt_mem() returns: reads are hal.phys_read, writes are
 * hal.pt_write (a VM exit under shadow paging), tables come from the page-table pool.
 *
 * Limits (compile-time, override with -D before including this header everywhere):
 *   GK_MAX_RAM_BYTES   64 GiB of guest RAM (frame metadata lives in struct gk, ~2.4 MiB)
 *   GK_MAX_POOL_PAGES  65536 page-table pool pages (256 MiB of tables)
 *   GK_MAX_AS          64 address spaces (ASID = id + 1)
 *   GK_MAX_REGIONS     64 mapped regions per address space
 * Errors are negative errno values (-EINVAL, -EFAULT, -ENOMEM).
 */
#ifndef MEMVIRT_GUEST_GK_H
#define MEMVIRT_GUEST_GK_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/balloon_abi.h"
#include "mmu/walk.h"

/* ---- Boot info: written by the VMM (on kvm: into a boot page), read once by gk_boot ------- */

#define GK_BOOT_MAGIC   0x31544f4f424b4731ULL /* "1GKBOOT1" little-endian-ish tag */
#define GK_BOOT_VERSION 1u

#define GK_BOOT_SHADOW  (1u << 0) /* the VMM runs shadow paging: every pt_write traps */
#define GK_BOOT_BALLOON (1u << 1) /* the VM has a balloon device: hal.balloon_* are set */
#define GK_BOOT_FLAGS_KNOWN (GK_BOOT_SHADOW | GK_BOOT_BALLOON)

/* Fixed layout (no implicit padding) so the VMM and the guest agree across compilers. */
struct gk_boot_info {
	uint64_t magic;         /* GK_BOOT_MAGIC */
	uint32_t version;       /* GK_BOOT_VERSION */
	uint32_t flags;         /* GK_BOOT_* */
	uint64_t ram_base;      /* guest RAM the kernel may hand out: 4 KiB aligned */
	uint64_t ram_bytes;     /*   multiple of 4 KiB, > 0, <= GK_MAX_RAM_BYTES */
	uint64_t pt_pool_base;  /* page-table pool, zeroed by the VMM, disjoint from RAM */
	uint64_t pt_pool_bytes; /*   multiple of 4 KiB, >= 4 KiB, <= GK_MAX_POOL_PAGES pages */
	uint32_t levels;        /* guest paging levels: 4 or 5 */
	uint32_t reserved;      /* must be 0 */
	uint64_t guest_page;    /* largest guest page to use: 4 KiB or 2 MiB */
};

/* ---- Hardware abstraction ----------------------------------------------------------------- */

struct gk_hal {
	/* The kernel's own accesses to guest-physical memory (8-byte aligned). */
	uint64_t (*phys_read)(void *hw, uint64_t gpa);
	void (*phys_write)(void *hw, uint64_t gpa, uint64_t v);
	void (*phys_zero)(void *hw, uint64_t gpa, uint64_t bytes); /* zero a RAM frame */
	/* Write one page-table entry (traps to the VMM under shadow paging). */
	void (*pt_write)(void *hw, uint64_t gpa, uint64_t v);
	/* Load CR3 (a paravirtual hypercall under shadow). asid = address-space id + 1. */
	void (*cr3_load)(void *hw, uint64_t root_gpa, uint16_t asid);
	void (*invlpg)(void *hw, uint64_t gva);
	void *hw;
	/* The balloon device (GK_BOOT_BALLOON; all NULL without one): the control area the VMM
	 * writes the target into (read with one load at each check), the entry array the driver
	 * fills, and the doorbell handing its first n entries over (enum gk_balloon_op,
	 * GK_BALLOON_MSG_*). The doorbell returns 0; a message the VMM refuses stops the VM. */
	volatile struct gk_balloon_shared *balloon_shared;
	uint64_t *balloon_entries;
	int64_t (*balloon_doorbell)(void *bhw, uint32_t op, uint32_t n, uint32_t flags);
	void *balloon_hw;
};

/* ---- Limits -------------------------------------------------------------------------------- */

#ifndef GK_MAX_RAM_BYTES
#define GK_MAX_RAM_BYTES (64ULL << 30)
#endif
#ifndef GK_MAX_POOL_PAGES
#define GK_MAX_POOL_PAGES 65536u
#endif
#ifndef GK_MAX_AS
#define GK_MAX_AS 64
#endif
#ifndef GK_MAX_REGIONS
#define GK_MAX_REGIONS 64
#endif

/* RAM is managed in 2 MiB chunks; +1 because unaligned RAM can straddle one more chunk. */
#define GK_MAX_CHUNKS ((uint32_t)(GK_MAX_RAM_BYTES / PT_PAGE_2M) + 1u)
#define GK_FRAMES_PER_CHUNK 512u

/* First address gk_sys_map hands out in every address space (16 TiB, user half). */
#define GK_VA_BASE 0x100000000000ULL

#define GK_NO_FRAME UINT64_MAX /* gk_frame_alloc / gk_pool_alloc failure */
#define GK_NONE32 UINT32_MAX   /* empty link in the index-linked lists below */

/* ---- Kernel state (allocated by the platform; fields are read-only outside guest/) -------- */

struct gk_stats {
	uint64_t faults;        /* page faults handled successfully (frame mapped) */
	uint64_t faults_failed; /* -EFAULT / -ENOMEM faults */
	uint64_t frames_4k;     /* 4 KiB frames in use */
	uint64_t frames_2m;     /* 2 MiB frames in use */
	uint64_t pool_pages;    /* page-table pool pages in use (roots included) */
	uint64_t maps, unmaps;  /* successful gk_sys_map / gk_sys_unmap */
	uint64_t switches;      /* CR3 loads (gk_as_switch to another space, plus boot) */
	uint64_t pt_writes;     /* page-table entries written through hal.pt_write */
	uint64_t invlpgs;
	uint64_t tables_freed;  /* empty tables returned to the pool */
};

/* Chunk states; a chunk at index >= frames.bump has never been used and is implicitly free. */
enum gk_chunk_state { GK_CHUNK_FREE = 0, GK_CHUNK_LARGE = 1, GK_CHUNK_SPLIT = 2 };

/* Frame allocator (frames.c). Chunk i covers [chunk_base + i * 2 MiB, +2 MiB). A SPLIT chunk
 * has a 512-bit in-use map and a free count and, while it has free frames, sits on the
 * doubly-linked partial list; FREE chunks sit on a singly-linked free list (through next[]).
 * RAM that does not fill its first/last chunk makes those chunks permanently SPLIT with the
 * frames outside RAM marked in use. Everything is O(1) except a 8-word scan in a chunk. */
struct gk_frames {
	uint64_t chunk_base;            /* ram_base rounded down to 2 MiB */
	uint32_t nchunks;               /* chunks spanned by RAM */
	uint32_t bump, bump_end;        /* whole chunks never used yet: [bump, bump_end) */
	uint32_t free_head;             /* FREE chunks (returned ones) */
	uint32_t partial_head;          /* SPLIT chunks with free frames */
	uint8_t state[GK_MAX_CHUNKS];
	uint16_t nfree[GK_MAX_CHUNKS];
	uint32_t next[GK_MAX_CHUNKS], prev[GK_MAX_CHUNKS];
	uint64_t used[GK_MAX_CHUNKS][GK_FRAMES_PER_CHUNK / 64];
	/* Free page reporting (balloon.c): the report epoch the balloon driver last saw, stamped
	 * on each chunk pushed on the free list; reported[c] once the VMM released the free chunk's
	 * backing (cleared when the chunk is taken). The free list is a stack, so walking it from
	 * the head the stamps never grow, and below a reported chunk every chunk is reported. */
	uint64_t epoch;
	uint64_t freed_epoch[GK_MAX_CHUNKS];
	uint8_t reported[GK_MAX_CHUNKS];
};

/* Page-table-pool allocator (ptpool.c). Pool pages are zero whenever they are free: the VMM
 * hands the pool over zeroed and a table goes back only once all its entries are zero, so the
 * kernel never zeroes a pool page (that would be 512 traps under shadow paging).
 * nonzero[p] counts the non-zero entries of in-use page p; link[p] is its parent table (the
 * pool page whose entry parent_index[p] points to it) while in use, the next free page while
 * free. */
struct gk_pool {
	uint64_t base;
	uint32_t npages;
	uint32_t bump;       /* pages never used yet: [bump, npages) */
	uint32_t free_head;  /* returned pages */
	uint16_t nonzero[GK_MAX_POOL_PAGES];
	uint16_t parent_index[GK_MAX_POOL_PAGES];
	uint32_t link[GK_MAX_POOL_PAGES];
};

/* A reserved virtual range; its pages are mapped on first touch. */
struct gk_region {
	uint64_t start, len;  /* len: rounded to page_size */
	uint64_t page_size;   /* 4 KiB or 2 MiB */
	uint64_t mapped;      /* leaves currently mapped */
};

struct gk_aspace {
	bool used;
	uint64_t root;        /* gpa of the top-level table (a pool page) */
	uint64_t va_next;     /* bump pointer for gk_sys_map */
	uint32_t nregions;    /* regions[0..nregions) sorted by start */
	struct gk_region regions[GK_MAX_REGIONS];
};

/* The balloon driver (balloon.c). What it holds is recorded here, not in the frames (whose
 * host backing is gone): whole chunks by index, single 4 KiB frames by index from
 * frames.chunk_base. 4 KiB frames are taken only when no whole chunk is free (or for a
 * remainder below 2 MiB), so their array is bounded. */
#ifndef GK_BALLOON_MAX_4K
#define GK_BALLOON_MAX_4K 32768u /* 128 MiB of single frames */
#endif
struct gk_balloon {
	uint64_t frames;          /* 4 KiB frames held (actual) */
	uint32_t nchunks, n4k;    /* chunk[0..nchunks), frame4k[0..n4k) */
	uint64_t oom_deflates;    /* deflates made because an allocation failed */
	uint64_t alloc_stalls;    /* allocations that failed at first while the balloon held frames */
	/* After an OOM deflate the driver does not inflate above oom_cap frames again (no
	 * inflate/OOM ping-pong) until the VMM changes the target away from oom_target, or the
	 * kernel's own frame use (the balloon's excluded) falls below half of oom_own, its use
	 * at the OOM deflate: the demand that caused it has gone. */
	uint64_t oom_cap, oom_target, oom_own;
	/* The allocator ran dry before the target: no retry (one doorbell per system call) until
	 * the target changes or the kernel's frame use does. */
	uint64_t dry_target, dry_used;
	bool in_oom;              /* re-entry guard: a deflate never allocates, but be sure */
	uint64_t stats_answered;  /* the VMM's last stats_request answered */
	uint64_t stats_seq;       /* the seqlock's count (even between writes) */
	uint64_t reported_chunks, report_messages; /* free page reporting so far */
	uint32_t chunk[GK_MAX_CHUNKS];
	uint32_t frame4k[GK_BALLOON_MAX_4K];
};

struct gk {
	struct gk_hal hal;
	uint32_t flags;       /* GK_BOOT_* */
	unsigned levels;      /* 4 or 5 */
	uint64_t max_page;    /* 4 KiB or 2 MiB */
	uint64_t ram_base, ram_bytes;
	uint64_t va_limit;    /* end of the user half for `levels` */
	int cur_as;
	struct pt_mem ptm;    /* the kernel's view of its tables (ctx = this struct) */
	uint64_t pt_last_table; /* table of the most recent entry write (for table reclaim) */
	struct gk_stats stats;
	struct gk_frames frames;
	struct gk_pool pool;
	struct gk_aspace as[GK_MAX_AS];
	struct gk_balloon balloon;
};

/* ---- Boot (boot.c) ------------------------------------------------------------------------- */

/* 0 when the boot info is consistent, else -EINVAL. */
int gk_boot_info_check(const struct gk_boot_info *bi);
/* Initialise k from bi, create address space 0 and load it. 0, -EINVAL, or -ENOMEM (the pool
 * cannot hold a root table). `hal` is copied. */
int gk_boot(struct gk *k, const struct gk_hal *hal, const struct gk_boot_info *bi);

/* ---- System calls (syscalls.c, aspace.c): the platform's struct wl_sys calls these -------- */

/* Reserve `bytes` of demand-zero memory in the current address space: rounded up to 4 KiB, or
 * to 2 MiB (and 2 MiB aligned, mapped with 2 MiB pages) when the kernel uses 2 MiB pages and
 * bytes >= 2 MiB. Returns the address, or 0 (bytes == 0, no region slot, no virtual space). */
uint64_t gk_sys_map(struct gk *k, uint64_t bytes);
/* Release a region: va and bytes must be those of a gk_sys_map in the current space, else
 * -EINVAL. Unmaps every mapped page (pt_write + invlpg each), frees frames and empty tables. */
int gk_sys_unmap(struct gk *k, uint64_t va, uint64_t bytes);
/* New empty address space; its id (>= 0), or -ENOMEM (no slot, or the pool is full). */
int gk_as_create(struct gk *k);
/* Make `id` current (hal.cr3_load(root, id + 1); no reload when already current). 0/-EINVAL. */
int gk_as_switch(struct gk *k, int id);

/* ---- Page fault (fault.c) ------------------------------------------------------------------ */

/* x86 #PF at gva with error code err (PF_ERR_*). A not-present fault inside a region of the
 * current space maps a zeroed frame (RW|US) and returns 0; a fault outside every region or a
 * protection fault returns -EFAULT (the platform kills the workload); -ENOMEM when out of
 * frames or page-table pool (nothing is leaked). */
int gk_page_fault(struct gk *k, uint64_t gva, uint32_t err);
/* The same with the signature of mmu_guest_pf_fn (mmu/strategy.h), `guest` = struct gk *. */
int gk_page_fault_cb(void *guest, uint64_t gva, uint32_t err);

/* ---- Balloon driver (balloon.c) ------------------------------------------------------------ */

/* The check the platform makes at points the guest passes anyway (every system call on kvm,
 * every wl_sys call on sim): three loads and compares — the target against what the balloon
 * holds (inflate or deflate toward it), the VMM's stats request against the last answered
 * (refresh the statistics), the report epoch against the last seen (report free chunks that
 * are old enough). Nothing without a balloon device. */
void gk_balloon_poll(struct gk *k);
/* An allocation of page_size failed: deflate enough to retry, when the VMM allows it
 * (GK_BALLOON_DEFLATE_ON_OOM) and the balloon holds frames. True when it gave some back. */
bool gk_balloon_oom(struct gk *k, uint64_t page_size);

/* ---- Introspection (for the platform, the VMM's shadow code, and tests) -------------------- */

/* Reads with hal.phys_read; writes go through the kernel's bookkeeping and hal.pt_write, so
 * use it to read (pt_walk without PT_WALK_SET_AD). */
const struct pt_mem *gk_pt_mem(struct gk *k);
/* Root table gpa of address space id, or PT_NO_TABLE. */
uint64_t gk_as_root(const struct gk *k, int id);
static inline int gk_current_as(const struct gk *k) { return k->cur_as; }
static inline unsigned gk_levels(const struct gk *k) { return k->levels; }
/* Bytes of RAM frames in use (handed out by the frame allocator): the guest's own view of the
 * memory it uses. volatile: the kvm VMM reads the stats in guest memory while the guest runs. */
static inline uint64_t gk_used_bytes(const volatile struct gk_stats *s)
{
	return s->frames_4k * PT_PAGE_4K + s->frames_2m * PT_PAGE_2M;
}

/* ---- Allocators (frames.c, ptpool.c), public for tests and the balloon driver -------------- */

/* A zeroed frame of page_size (4 KiB or 2 MiB, naturally aligned), or GK_NO_FRAME. When none
 * is free and the balloon holds frames (deflate on OOM on), the balloon deflates first. */
uint64_t gk_frame_alloc(struct gk *k, uint64_t page_size);
/* The same without zeroing and without the balloon: for the balloon, whose frames the host
 * takes away anyway. */
uint64_t gk_frame_take(struct gk *k, uint64_t page_size);
/* Return a frame; -EINVAL when it was not allocated with that size. */
int gk_frame_free(struct gk *k, uint64_t gpa, uint64_t page_size);
/* An all-zero pool page, or GK_NO_FRAME. */
uint64_t gk_pool_alloc(struct gk *k);
/* Return a pool page whose entries are all zero (checked by its non-zero count: -EINVAL). */
int gk_pool_free(struct gk *k, uint64_t gpa);

#endif
