/* ksm_scan.h — memvirt's own content scanner, as an estimator: it hashes every mapped 4 KiB
 * page of each VM's guest RAM (XXH3, 128 bits, so two different pages colliding is not a
 * practical concern for an estimate) and counts what merging could free — inside each VM,
 * and across all the VMs given to one scan, which is one sharing domain. Zero pages are counted
 * apart: Linux KSM with use_zero_pages maps them to the kernel's zero page instead of one KSM
 * page. It merges nothing and writes nothing; it reads guest RAM on the host mapping.
 *
 * Only mapped pages are read (the pagemap present bit): reading a hole would make the kernel
 * back it (a memfd) or map the zero page, and neither is content a guest wrote.
 *
 * Over several passes (ksm_scan_vm with `prev`), a page whose hash changed since the VM's last
 * pass is `volatile` and left out, as KSM keeps a page out of its unstable tree while its
 * checksum changes between scans: the estimate then counts only content that stays put long
 * enough to be merged. The first pass has no history and counts every page.
 *
 * Not done here (issue 11, part 2): full-content comparison before a merge, and merging itself
 * (the copy-on-write engine over sim's p2m). */
#ifndef MEMVIRT_KSM_SCAN_H
#define MEMVIRT_KSM_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define KSM_SCAN_MAX_VMS 64

struct ksm_scan_vm_figures {
	uint64_t scanned;      /* mapped pages hashed and counted (volatile ones excluded) */
	uint64_t zero;         /* of them, all-zero */
	uint64_t dup;          /* non-zero pages whose content another page of the same VM has too */
	uint64_t distinct;     /* distinct non-zero contents */
	uint64_t saved_pages;  /* merging inside this VM would free this many (zero pages merged as one
				* content, as KSM without use_zero_pages does) */
	uint64_t volatile_pages; /* changed since the previous pass: left out of the counts */
	double scan_s;         /* wall time of this VM's hashing */
	double at_ms;          /* when it was hashed, on the caller's clock */
	bool missed;           /* its guest RAM was not published when the scan ran */
};

struct ksm_estimate {
	size_t n;
	struct ksm_scan_vm_figures vm[KSM_SCAN_MAX_VMS];
	uint64_t scanned, zero, distinct;
	uint64_t saved_within;  /* the sum of each VM's own saving: sharing only inside a VM */
	uint64_t saved_across;  /* every VM in one domain: scanned - distinct contents (zero as one) */
	uint64_t hashed_bytes;
	double hash_cpu_s;      /* the scanning thread's CPU time (all VMs): GB/s per core */
};

struct ksm_scan_entry;

struct ksm_scanner {
	struct ksm_scan_entry *e;
	size_t n, cap;
	int pagemap_fd;
	size_t nvms;
	struct ksm_estimate est;
};

/* For nvms VMs (indexes 0..nvms-1). Returns 0 or -errno. */
int ksm_scan_begin(struct ksm_scanner *sc, size_t nvms);
/* Hashes the mapped pages of [base, base + bytes) as VM vm's. prev, when not NULL, holds one
 * word per page from the VM's previous pass (0: none; unmapped pages get 0) and is updated;
 * pages whose word changed are counted volatile and left out. Returns 0 or -errno. */
int ksm_scan_vm(struct ksm_scanner *sc, unsigned vm, const void *base, uint64_t bytes, uint64_t *prev);
/* Counts, fills *out and frees the scanner. */
void ksm_scan_finish(struct ksm_scanner *sc, struct ksm_estimate *out);
/* The estimate as JSON (names: the VMs' names, n of them). */
json_t *ksm_estimate_json(const struct ksm_estimate *e, const char *const *names);

#endif
