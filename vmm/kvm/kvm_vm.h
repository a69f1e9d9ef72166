/* kvm_vm.h — one virtual machine on /dev/kvm: its guest-physical layout and memslots, one
 * vCPU entered directly in 64-bit long mode, the KVM_RUN loop with its exit dispatcher, the
 * VM's devices (kvm_device.h: the hypercall table) and its paging strategy (kvm_mmu.h), and a
 * kick for a control thread. Only vmm/ issues KVM ioctls; every VM's state
 * lives in its struct kvm_vm, so a process can run several VMs side by side.
 *
 * Guest-physical layout (docs/kvm-platform.md):
 *   [0, sys_end)            system area: boot page, GDT, IDT, TSS, hypercall page, boot page
 *                           tables, then the guest image (kernel + workloads) and its bss
 *   [ram_gpa, +ram)         guest RAM the guest kernel's frame allocator hands out (slot 1)
 *   [pool_gpa, +pool)       guest page-table pool (slot 2, its own slot so that shadow paging
 *                           can make it read-only)
 *   [shadow_gpa, +shadow)   the paging strategy's own slot (slot 3): the VMM's shadow tables
 *                           under --mmu shadow (kvm_shadow.c); no memslot under ept. The
 *                           strategy also decides the pool slot's flags (read-only under shadow)
 *   [mmio_gpa, +mmio)       MMIO window: no memslot, every access exits to the VMM */
#ifndef MEMVIRT_VMM_KVM_VM_H
#define MEMVIRT_VMM_KVM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_mmu.h"
#include "mmu/counters.h"
#include "vmm/mem/guest_mem.h"
#include "ept/p2m_book.h"
#include "vmm/mem/uffd_track.h"

struct kvm_run;
struct kvm_image;

struct kvm_layout {
	uint64_t sys_gpa, sys_bytes;
	uint64_t ram_gpa, ram_bytes;
	uint64_t pool_gpa, pool_bytes;
	uint64_t shadow_gpa, shadow_bytes;
	uint64_t mmio_gpa, mmio_bytes;
	uint64_t identity_end; /* the boot page tables identity-map [0, identity_end) */
};

/* A memslot and the host memory behind it. */
struct kvm_region {
	void *host;           /* = mem.base */
	uint64_t gpa, bytes;
	uint32_t slot;
	struct guest_mem mem;
};

/* [gpa, gpa + size) lies wholly inside [base, base + bytes); safe for any guest-given values. */
static inline bool kvm_gpa_within(uint64_t gpa, uint64_t size, uint64_t base, uint64_t bytes)
{
	return gpa >= base && gpa - base < bytes && size <= bytes - (gpa - base);
}

/* What the guest told the VMM, and how the run ended. */
struct kvm_guest_outcome {
	bool done;              /* DONE hypercall received */
	bool stopped;           /* the loop ended (done, failure or stop request) */
	bool failed;            /* the VM was stopped because of an error; message says why */
	bool interrupted;       /* stopped on request (kvm_vm_kick with stop) */
	int64_t rc;             /* the workload's return code (DONE) */
	uint64_t checksum;
	uint64_t passes, ops_measured; /* DONE: the workload's passes and time-based measured ops (wl.h) */
	struct gk_stats stats;  /* the guest kernel's counters (DONE) */
	uint64_t phase_tsc[3];  /* guest TSC at WL_PHASE_SETUP / MEASURE / DONE; 0 = not seen */
	/* The PHASE marks as the VMM bounds them (kvm_dev_core.c): each phase once and in order
	 * (next_phase is the lowest acceptable), the guest's TSC never going back, and each
	 * interval checked against the VMM's own clock at the marks (phase_ns); an interval that
	 * disagrees by more than KVM_PHASE_SLACK is replaced by the VMM's (phase_clock_fixes). */
	unsigned next_phase;
	uint64_t phase_ns[3];
	unsigned phase_clock_fixes;
	uint64_t start_ns;      /* the VMM's clock when the VM was created: DONE's timing is bounded by it */
	struct exit_counters exits;
	uint64_t io_exits, mmio_exits, other_exits, kicks;
	uint64_t zeroed_bytes;  /* recycled frames the VMM zeroed for the guest */
	/* Measured exit costs by reason (enum mmu_exit_reason): exits the VMM handled and the
	 * nanoseconds in its handlers (host flushes included); the guest's own round-trip
	 * timing arrives with DONE. */
	uint64_t handled[MMU_EXIT_REASON_COUNT], handler_ns[MMU_EXIT_REASON_COUNT];
	struct gk_exit_timing guest_timing;
	/* The guest's counters at each phase mark (PHASE fills them as DONE does): the kernel's
	 * faults and the round trips, split by phase like the VMM's own counters. */
	struct gk_stats phase_stats[3];
	struct gk_exit_timing phase_timing[3];
	char message[768];
};

struct kvm_vm;
/* Called on the vCPU thread at each phase mark the guest reports (stats snapshots). */
typedef void (*kvm_phase_fn)(struct kvm_vm *vm, unsigned phase, void *arg);

struct kvm_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint64_t tsc_khz;
	struct kvm_layout layout;
	struct kvm_region sys, ram, pool;
	const struct kvm_image *image; /* the guest image it runs (kvm_image.h) */
	const struct kvm_mmu_ops *mmu; /* the paging strategy, chosen at creation (kvm_mmu.h) */
	void *mmu_state;          /* the strategy's own (kvm_shadow.c's struct kvm_shadow); NULL under ept */
	struct kvm_region mmu_area; /* the strategy's own memslot (shadow tables); empty under ept */
	struct kvm_device_table devices; /* attached devices and the hypercall table (kvm_device.h) */
	struct uffd_track uffd;   /* --uffd: first touches of guest RAM */
	struct p2m_book book;     /* the frame state of each guest RAM frame (ept/p2m_book.h) */
	pthread_t vcpu_thread;
	atomic_bool vcpu_thread_set;
	atomic_bool stop_requested;
	kvm_phase_fn on_phase;
	void *on_phase_arg;
	bool verbose_console;   /* copy guest console lines to stderr */
	struct kvm_guest_outcome out;
};

/* What the VM is made of. */
struct kvm_vm_config {
	uint64_t ram_bytes;     /* guest RAM (rounded up to 2 MiB) */
	uint64_t pool_bytes;    /* page-table pool (rounded up to 2 MiB) */
	uint64_t guest_page;    /* 4 KiB or 2 MiB */
	unsigned levels;        /* 4 (5-level paging needs LA57 in the guest: not supported) */
	const struct guest_mem_opts *mem; /* guest RAM's backend, THP, NUMA, uffd; NULL = defaults */
	const struct kvm_mmu_ops *mmu;    /* paging strategy (kvm_mmu_find); NULL = kvm_mmu_ept */
	/* The guest image; NULL = kvm_image_default (production). A run block asking for a
	 * self-test needs an image with GK_IMAGE_SELFTESTS (tests/kvm's). */
	const struct kvm_image *image;
	/* Devices this VM carries besides kvm_default_devices and the strategy's, NULL-terminated;
	 * NULL = none. */
	const struct kvm_device *const *devices;
	/* Boot flags for the guest besides the strategy's (GK_BOOT_BALLOON when a device the
	 * guest must know about is among `devices`). */
	uint32_t boot_flags;
};

/* Memslots. */
enum { KVM_SLOT_SYS = 0, KVM_SLOT_RAM = 1, KVM_SLOT_POOL = 2, KVM_SLOT_SHADOW = 3 };
#define KVM_REGION_DELETE UINT32_MAX /* kvm_region_register: remove the slot */

/* ---- /dev/kvm (kvm_dev.c) ------------------------------------------------------------------ */

/* Opens /dev/kvm and checks the API version and every capability the platform uses. Returns
 * the fd, or a negative errno with a one-line reason in why. */
int kvm_dev_open(char *why, size_t whylen);
/* NULL when a VM can run here, else a one-line reason (cached after the first call). */
const char *kvm_dev_unavailable(void);

/* ---- The VM (kvm_vm.c, kvm_layout.c, kvm_vcpu.c) -------------------------------------------- */

/* Creates the VM, its memslots and its vCPU, loads the guest image (cfg->image) and writes the
 * system area for `run` (the workload to start), sets up the paging strategy and attaches the
 * devices (defaults, the strategy's, cfg->devices). *out is NULL on failure; msg says why. */
int kvm_vm_create(const struct kvm_vm_config *cfg, const struct gk_run_block *run, struct kvm_vm **out,
		  char *msg, size_t msglen);
void kvm_vm_destroy(struct kvm_vm *vm);

/* A region of host memory (guest_mem_alloc with options o) for [gpa, +bytes) in `slot`. */
int kvm_region_alloc(struct kvm_region *r, const struct guest_mem_opts *o, uint64_t gpa, uint64_t bytes,
		     uint32_t slot, char *msg, size_t msglen);
void kvm_region_free(struct kvm_region *r);
/* Registers the region's memslot with KVM memslot flags (KVM_MEM_READONLY), or deletes it
 * (KVM_REGION_DELETE). 0 or -errno. */
int kvm_region_register(struct kvm_vm *vm, const struct kvm_region *r, uint32_t flags);

/* Computes the layout for cfg and an image whose bss ends at image_end. 0 or -EINVAL. */
int kvm_layout_compute(const struct kvm_vm_config *cfg, uint64_t image_end, struct kvm_layout *l);
/* Writes the boot page tables, GDT, IDT, TSS and boot page into the system area. */
int kvm_layout_write_system(struct kvm_vm *vm, const struct kvm_vm_config *cfg, const struct gk_image_header *img,
			    const struct gk_run_block *run);
/* The PML4 entry of the identity map, which every guest root carries in entry 0. */
uint64_t kvm_layout_kernel_pml4e(void);

/* Creates the vCPU and puts it at the image's entry in 64-bit mode. */
int kvm_vcpu_create(struct kvm_vm *vm, const struct gk_image_header *img, char *msg, size_t msglen);
/* Runs the vCPU on the calling thread until the guest is done, fails or is stopped; the
 * outcome is in vm->out. Returns 0 when the guest reported DONE, else a negative errno. */
int kvm_vcpu_run(struct kvm_vm *vm);
/* From any thread: interrupt KVM_RUN (signal + immediate_exit). With stop, the run loop
 * ends (interrupted); without, the vCPU resumes where it was and nothing is lost. */
void kvm_vm_kick(struct kvm_vm *vm, bool stop);
/* Appends "rip=... rsp=... cr0=..." for the vCPU to buf. */
void kvm_vcpu_dump(struct kvm_vm *vm, char *buf, size_t len);

/* ---- Exits (kvm_exit.c; hypercalls and MMIO devices: kvm_device.h) ------------------------- */

/* Handles the exit in vm->run. Returns true to re-enter the guest, false to stop. */
bool kvm_exit_dispatch(struct kvm_vm *vm);
/* KVM_RUN failed with EFAULT: KVM could not back a guest access. Names the guest-physical
 * address when the kernel gave it (KVM_EXIT_MEMORY_FAULT), and says when the frame is the
 * balloon's (the guest touched a frame it gave away: a guest error). Stops the VM. */
void kvm_exit_efault(struct kvm_vm *vm);
/* When gpa is a frame of guest RAM the guest gave to the balloon: stops the VM saying so (how:
 * how the touch was seen) and returns true; else false. */
bool kvm_ballooned_touch(struct kvm_vm *vm, uint64_t gpa, const char *how);
/* Marks the outcome failed with a message (printf-style) and a register dump. */
void kvm_vm_fail(struct kvm_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Host address of guest-physical [gpa, gpa + len) when it lies wholly inside one region. */
void *kvm_gpa_host(struct kvm_vm *vm, uint64_t gpa, uint64_t len);

/* Host bytes resident behind guest memory (mincore over the regions). */
uint64_t kvm_vm_resident_bytes(const struct kvm_vm *vm);

#endif
