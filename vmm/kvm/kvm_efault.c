/* kvm_efault.c — KVM_RUN failed with EFAULT: KVM could not back a guest access. On this
 * project's VMs that means the guest touched a frame it gave to the balloon (balloon_kvm.c
 * makes released ranges PROT_NONE precisely so that such a touch cannot be silently backed
 * again); anything else is a VMM or host fault. Either way the VM stops, with the frame named
 * where it can be.
 *
 * Why two ways to name the frame: Linux 6.8's KVM_EXIT_MEMORY_FAULT gives the guest-physical
 * address, but the PVM hosts this is developed on report KVM_CAP_MEMORY_FAULT_INFO and still
 * leave the exit reason unset on this path. Then the VMM looks where a ring-3 access must have
 * come from: the current address space's page tables (in the page-table pool, never followed
 * elsewhere), and names the first leaf that maps a ballooned frame — a guest kernel mapping a
 * frame it gave away is the error. The scan is bounded (a hostile guest can make its tables a
 * cycle), and a ring-0 access, which goes through the kernel's identity map of all RAM, can
 * only be reported as "one of the ballooned frames" — except that on PVM ring 0 is emulated,
 * and the emulator turns its access to an inaccessible frame into an MMIO exit at the frame's
 * own address, which kvm_exit.c hands to kvm_ballooned_touch. */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mmu/pte.h"
#include "vmm/kvm/kvm_vm.h"

/* KVM_EXIT_MEMORY_FAULT and its member of the kvm_run union, spelled out because older
 * <linux/kvm.h> lack them; the layout is the kernel ABI. */
#define MEMVIRT_KVM_EXIT_MEMORY_FAULT 39
struct memvirt_memory_fault {
	uint64_t flags, gpa, size;
};

#define SCAN_MAX_ENTRIES (1u << 22) /* ~4 M entries read at most: a few ms */

struct scan {
	struct kvm_vm *vm;
	uint64_t budget, found;
};

/* The ballooned frame a leaf mapping [to, to + size) covers, if any. */
static bool leaf_ballooned(struct scan *s, uint64_t to, uint64_t size)
{
	const struct kvm_region *ram = &s->vm->ram;
	uint64_t lo = to > ram->gpa ? to : ram->gpa, end = ram->gpa + ram->bytes;
	uint64_t hi = to + size < end ? to + size : end;
	uint64_t at;
	if (lo >= hi || p2m_book_find(&s->vm->book, lo - ram->gpa, hi - lo, P2M_BALLOONED, &at) != 1)
		return false;
	s->found = ram->gpa + at;
	return true;
}

static bool scan_table(struct scan *s, uint64_t table, unsigned level)
{
	const struct kvm_region *pool = &s->vm->pool;
	if (!kvm_gpa_within(table, PT_PAGE_4K, pool->gpa, pool->bytes))
		return false; /* tables live in the pool; nothing else is followed */
	const uint64_t *t = kvm_gpa_host(s->vm, table, PT_PAGE_4K);
	for (unsigned i = 0; t && i < PT_ENTRIES && s->budget; i++, s->budget--) {
		uint64_t e = t[i];
		if (!(e & X86_P) || (level == 4 && e == kvm_layout_kernel_pml4e()))
			continue;
		uint64_t size = level == 1 ? PT_PAGE_4K : level == 2 ? PT_PAGE_2M : PT_PAGE_1G;
		if (level == 1 || (level < 4 && (e & X86_PS))) {
			if (leaf_ballooned(s, e & PT_ADDR_MASK & ~(size - 1), size))
				return true;
		} else if (scan_table(s, e & PT_ADDR_MASK, level - 1)) {
			return true;
		}
	}
	return false;
}

bool kvm_ballooned_touch(struct kvm_vm *vm, uint64_t gpa, const char *how)
{
	const struct kvm_region *ram = &vm->ram;
	uint64_t at;
	if (!kvm_gpa_within(gpa, 1, ram->gpa, ram->bytes) ||
	    p2m_book_find(&vm->book, gpa - ram->gpa, 1, P2M_BALLOONED, &at) != 1)
		return false;
	kvm_vm_fail(vm, "guest error: touched guest frame 0x%" PRIx64 ", which it gave to the balloon (%s)",
		    gpa & ~(uint64_t)(PT_PAGE_4K - 1), how);
	return true;
}

void kvm_exit_efault(struct kvm_vm *vm)
{
	const struct kvm_run *run = vm->run;
	if (run->exit_reason == MEMVIRT_KVM_EXIT_MEMORY_FAULT) {
		struct memvirt_memory_fault mf;
		memcpy(&mf, &run->hw, sizeof(mf));
		if (!kvm_ballooned_touch(vm, mf.gpa, "KVM_EXIT_MEMORY_FAULT"))
			kvm_vm_fail(vm, "KVM_RUN: Bad address: KVM could not back guest-physical 0x%" PRIx64, mf.gpa);
		return;
	}
	uint64_t ballooned = p2m_book_count(&vm->book, P2M_BALLOONED);
	if (!ballooned) {
		kvm_vm_fail(vm, "KVM_RUN: %s", strerror(EFAULT));
		return;
	}
	struct kvm_sregs sr;
	bool user = false;
	struct scan s = { .vm = vm, .budget = SCAN_MAX_ENTRIES };
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) == 0) {
		user = (sr.cs.selector & 3) == 3;
		if (user && scan_table(&s, sr.cr3 & PT_ADDR_MASK, 4)) {
			kvm_vm_fail(vm, "guest error: touched guest frame 0x%" PRIx64 ", which it gave to the balloon "
					"(ring 3 maps it; KVM gave no address)", s.found);
			return;
		}
	}
	kvm_vm_fail(vm, "guest error: %s touched memory the host cannot back: one of the %" PRIu64
		    " frames it gave to the balloon (KVM gave no address)", user ? "ring 3" : "ring 0", ballooned);
}
