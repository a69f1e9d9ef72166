/* kvm_pt_check.c — the shadow PTE write checker: whether a guest store into its page-table
 * pool (an MMIO exit of the read-only pool memslot under `--mmu shadow`) may be applied.
 *
 * Why a function of its own, over the layout alone: the store is the guest's, so the check is
 * where a hostile guest meets the shadow paging code, and it must hold for any gpa, length and
 * bytes. Kept apart from the vCPU and the shadow tables (kvm_shadow.c applies what it accepts)
 * it is a pure function of the layout that tests/fuzz/fuzz_pt_write.c drives with any input,
 * without /dev/kvm. The rules (kvm_shadow.c's header): whole, aligned 8-byte entries only; a
 * present entry points into guest RAM or the pool — never the shadow area, the system area or
 * the MMIO window — and a large writable leaf never onto the pool; the kernel's PML4 entry (the
 * boot identity map) is the one exception. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mmu/pte.h"
#include "vmm/kvm/kvm_mmu.h"
#include "vmm/kvm/kvm_vm.h"

static const char *entry_refusal(const struct kvm_layout *l, uint64_t e)
{
	uint64_t to = e & PT_ADDR_MASK;
	if (!(e & X86_P) || e == kvm_layout_kernel_pml4e())
		return NULL;
	if (kvm_gpa_within(to, PT_PAGE_4K, l->shadow_gpa, l->shadow_bytes))
		return "it points into the VMM's shadow area";
	if (kvm_gpa_within(to, PT_PAGE_4K, l->pool_gpa, l->pool_bytes))
		return (e & X86_PS) && (e & X86_RW) ? "a writable large page onto the page-table pool" : NULL;
	return kvm_gpa_within(to, PT_PAGE_4K, l->ram_gpa, l->ram_bytes) ? NULL : "it points outside guest RAM and the pool";
}

int kvm_pt_write_check(const struct kvm_layout *l, uint64_t gpa, const uint8_t *data, uint32_t len, uint64_t *entry,
		       char *why, size_t whylen)
{
	uint64_t e;
	if (len != sizeof(e) || gpa % sizeof(e) || !kvm_gpa_within(gpa, sizeof(e), l->pool_gpa, l->pool_bytes)) {
		snprintf(why, whylen, "guest page-table write refused: %" PRIu32 " bytes at gpa 0x%" PRIx64 " (whole entries only)",
			 len, gpa);
		return -EINVAL;
	}
	memcpy(&e, data, sizeof(e));
	const char *refusal = entry_refusal(l, e);
	if (refusal) {
		snprintf(why, whylen, "guest page-table write refused (not applied): entry 0x%" PRIx64 " at gpa 0x%" PRIx64 ": %s",
			 e, gpa, refusal);
		return -EINVAL;
	}
	*entry = e;
	return 0;
}
