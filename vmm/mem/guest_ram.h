/* guest_ram.h — the guest-RAM handle: how every subsystem that acts on a VM's guest memory
 * (host reclaim, the monitor, and later the balloon device and page sharing) reaches it. The
 * VM's platform publishes the host mapping once the memory exists and withdraws it before
 * freeing it; the others receive the handle explicitly and act under its lock, so the memory
 * cannot disappear under an madvise in flight. Nothing reaches guest RAM through the run
 * driver or a global: one handle per VM, passed down.
 *
 * The published view, struct guest_ram: `fd` is the memfd behind the mapping, or -1 for
 * anonymous memory. `reclaimed`, when set, is told each range ([off, off + len) from base)
 * that host reclaim discarded or paged out, so the platform's frame book follows (kvm); it is
 * called under the handle's lock. `uffd_faults`, when set, counts the missing-page faults of
 * guest RAM the platform's userfaultfd handler resolved (kvm --uffd); it only grows, and the
 * monitor reads it with an atomic load. When the platform withdraws guest RAM, the handle
 * keeps the counter's last value readable in its place (the platform may then free it). */
#ifndef MEMVIRT_VMM_MEM_GUEST_RAM_H
#define MEMVIRT_VMM_MEM_GUEST_RAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct guest_ram {
	void *base;
	uint64_t bytes;
	int fd;
	void (*reclaimed)(void *owner, uint64_t off, uint64_t len);
	void *owner;
	const atomic_uint_fast64_t *uffd_faults;
};

struct guest_ram_handle {
	pthread_mutex_t lock;            /* guards ram: published by the VM, read by the others */
	struct guest_ram ram;
	atomic_uint_fast64_t uffd_final; /* ram.uffd_faults's last value once guest RAM is withdrawn */
};

/* An empty handle (nothing published). */
void guest_ram_handle_init(struct guest_ram_handle *h);
void guest_ram_handle_fini(struct guest_ram_handle *h);
/* Publishes ram, or withdraws it (ram NULL). Safe from any thread. A NULL handle is a VM that
 * nobody watches (tests, benchmarks): publishing to it does nothing. */
void guest_ram_publish(struct guest_ram_handle *h, const struct guest_ram *ram);
/* The guest RAM last published (base NULL when none); safe from any thread. */
struct guest_ram guest_ram_get(struct guest_ram_handle *h);
/* Like guest_ram_get, but never waits: false (and *out untouched) while another thread holds
 * the guest RAM (a reclaim in progress), so the monitor keeps its clock. */
bool guest_ram_try_get(struct guest_ram_handle *h, struct guest_ram *out);
/* Calls fn with the published guest RAM under the handle's lock, so the platform cannot
 * withdraw and free it meanwhile (reclaim's madvise). Returns fn's result. */
int guest_ram_with(struct guest_ram_handle *h, int (*fn)(const struct guest_ram *ram, void *arg), void *arg);

/* Gives the host backing of [off, off + len) of ram back for good, contents lost (the balloon;
 * host reclaim keeps contents and does not use this): FALLOC_FL_PUNCH_HOLE on a memfd (hugetlb
 * included: off and len must then be whole huge pages), MADV_DONTNEED on anonymous memory. The
 * range reads back as zeros. Call under the handle's lock (guest_ram_with). 0, -EINVAL (outside
 * ram, nothing published), or -errno of the system call. */
int guest_ram_discard(const struct guest_ram *ram, uint64_t off, uint64_t len);
/* Makes [off, off + len) of ram inaccessible to everyone (access false: PROT_NONE), or
 * readable and writable again (true): the balloon's ranges, so that a guest touching a frame
 * it gave away makes KVM_RUN fail with EFAULT instead of the host backing it again. off and
 * len must be whole host pages (huge pages on hugetlb). Call under the handle's lock. 0,
 * -EINVAL, or -errno of mprotect. */
int guest_ram_protect(const struct guest_ram *ram, uint64_t off, uint64_t len, bool access);

#endif
