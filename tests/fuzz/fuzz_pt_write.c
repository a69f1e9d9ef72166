/* fuzz_pt_write.c — libFuzzer harness for the shadow PTE write checker (vmm/kvm/kvm_pt_check.c):
 * what the VMM does with a guest store into its page-table pool under `--mmu shadow` on kvm.
 * The input chooses a layout (guest RAM and pool sizes, through kvm_layout_compute as a VM
 * would get it) and then stores: gpa, length and the bytes written, with the gpa and the
 * entry's target often steered into one of the layout's areas so that every rule is reached.
 * The check is compared with the rules restated here from the layout (kvm_shadow.c's header):
 * a store is accepted exactly when it is one aligned 8-byte entry inside the pool that is not
 * present, is the kernel's PML4 entry, or points at a 4 KiB page of guest RAM or of the pool
 * (and then is not a writable large page); a refusal says why in one line. */
#include <errno.h>
#include <string.h>

#include "mmu/pte.h"
#include "tests/fuzz/fuzz_common.h"
#include "vmm/kvm/kvm_mmu.h"
#include "vmm/kvm/kvm_vm.h"

static uint64_t take(const uint8_t **data, size_t *size, size_t n)
{
	uint64_t v = 0;
	size_t k = n < *size ? n : *size;
	memcpy(&v, *data, k);
	*data += k;
	*size -= k;
	return v;
}

/* One of the layout's areas (0 RAM, 1 pool, 2 shadow, 3 system, 4 MMIO): base and size. */
static void area(const struct kvm_layout *l, unsigned which, uint64_t *base, uint64_t *bytes)
{
	const uint64_t b[5][2] = { { l->ram_gpa, l->ram_bytes },       { l->pool_gpa, l->pool_bytes },
				   { l->shadow_gpa, l->shadow_bytes }, { l->sys_gpa, l->sys_bytes },
				   { l->mmio_gpa, l->mmio_bytes } };
	*base = b[which % 5][0];
	*bytes = b[which % 5][1];
}

static bool inside(uint64_t a, uint64_t n, uint64_t base, uint64_t bytes)
{
	return a >= base && a + n >= a && a + n <= base + bytes;
}

static bool expect_accepted(const struct kvm_layout *l, uint64_t gpa, uint32_t len, uint64_t e)
{
	if (len != 8 || gpa % 8 || !inside(gpa, 8, l->pool_gpa, l->pool_bytes))
		return false;
	if (!(e & X86_P) || e == kvm_layout_kernel_pml4e())
		return true;
	uint64_t to = e & PT_ADDR_MASK;
	if (inside(to, PT_PAGE_4K, l->pool_gpa, l->pool_bytes))
		return !((e & X86_PS) && (e & X86_RW));
	return inside(to, PT_PAGE_4K, l->ram_gpa, l->ram_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvm_layout l;
	struct kvm_vm_config cfg = { 0 };
	cfg.ram_bytes = (take(&data, &size, 2) % 512 + 1) << 20;  /* 1 MiB .. 512 MiB */
	cfg.pool_bytes = (take(&data, &size, 1) % 64 + 1) << 20;  /* 1 MiB .. 64 MiB */
	if (kvm_layout_compute(&cfg, GK_IMAGE_GPA + (1u << 20), &l) < 0)
		return 0;
	for (int k = 0; k < 32 && size > 0; k++) {
		unsigned steer = (unsigned)take(&data, &size, 1);
		uint64_t gpa = take(&data, &size, 8);
		uint32_t len = (uint32_t)take(&data, &size, 1) % 17;
		uint8_t bytes[16] = { 0 };
		size_t k = size < len ? size : len;
		memcpy(bytes, data, k);
		data += k;
		size -= k;
		uint64_t base, n, e;
		if (steer & 1) { /* a store into some area (the pool most often) */
			area(&l, steer & 2 ? 1 : steer >> 5, &base, &n);
			gpa = base + gpa % (n + 16) - 8;
		}
		if (len >= 8 && (steer & 4)) { /* the entry's target in some area */
			memcpy(&e, bytes, 8);
			area(&l, steer >> 3, &base, &n);
			e = (e & ~PT_ADDR_MASK) | ((base + (e & PT_ADDR_MASK) % (n + 2 * PT_PAGE_4K) - PT_PAGE_4K) & PT_ADDR_MASK);
			if (steer & 0x80)
				e = kvm_layout_kernel_pml4e();
			memcpy(bytes, &e, 8);
		}
		uint64_t got = 0;
		char why[200];
		why[0] = 0;
		int rc = kvm_pt_write_check(&l, gpa, bytes, len, &got, why, sizeof(why));
		memcpy(&e, bytes, 8);
		FUZZ_CHECK((rc == 0) == expect_accepted(&l, gpa, len, e));
		if (rc == 0)
			FUZZ_CHECK(got == e);
		else
			FUZZ_CHECK(rc == -EINVAL && why[0] && memchr(why, 0, sizeof(why)) && strstr(why, "refused"));
	}
	return 0;
}
