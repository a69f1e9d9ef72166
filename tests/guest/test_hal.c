/* test_hal.c — the flat-array HAL used by the guest kernel tests (see test_hal.h). */
#include "tests/guest/test_hal.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint8_t *at(struct test_hw *hw, uint64_t gpa, uint64_t bytes)
{
	assert_true(gpa <= hw->bytes && bytes <= hw->bytes - gpa);
	return hw->mem + gpa;
}

static uint64_t th_phys_read(void *p, uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, at(p, gpa, 8), 8);
	return v;
}

static void th_phys_write(void *p, uint64_t gpa, uint64_t v)
{
	memcpy(at(p, gpa, 8), &v, 8);
}

static void th_phys_zero(void *p, uint64_t gpa, uint64_t bytes)
{
	struct test_hw *hw = p;
	memset(at(hw, gpa, bytes), 0, bytes);
	hw->zeroed_bytes += bytes;
}

static void th_pt_write(void *p, uint64_t gpa, uint64_t v)
{
	struct test_hw *hw = p;
	hw->pt_writes++;
	if (gpa < hw->pool_base || gpa >= hw->pool_base + hw->pool_bytes)
		hw->pt_writes_outside_pool++;
	th_phys_write(p, gpa, v);
}

static void th_cr3_load(void *p, uint64_t root, uint16_t asid)
{
	struct test_hw *hw = p;
	hw->cr3_loads++;
	hw->last_root = root;
	hw->last_asid = asid;
}

static void th_invlpg(void *p, uint64_t gva)
{
	struct test_hw *hw = p;
	if (hw->invlpgs < TH_INVLPG_LOG)
		hw->invlpg_log[hw->invlpgs] = gva;
	hw->invlpgs++;
}

struct gk_boot_info th_boot_info(uint64_t ram_base, uint64_t ram_bytes, uint64_t pool_bytes,
				 unsigned levels, uint64_t guest_page)
{
	struct gk_boot_info bi = {
		.magic = GK_BOOT_MAGIC,
		.version = GK_BOOT_VERSION,
		.ram_base = ram_base,
		.ram_bytes = ram_bytes,
		.pt_pool_base = (ram_base + ram_bytes + PT_PAGE_2M - 1) & ~(PT_PAGE_2M - 1),
		.pt_pool_bytes = pool_bytes,
		.levels = levels,
		.guest_page = guest_page,
	};
	return bi;
}

void th_setup(struct test_vm *vm, const struct gk_boot_info *bi)
{
	memset(vm, 0, sizeof(*vm));
	vm->bi = *bi;
	vm->hw.bytes = bi->pt_pool_base + bi->pt_pool_bytes;
	vm->hw.pool_base = bi->pt_pool_base;
	vm->hw.pool_bytes = bi->pt_pool_bytes;
	vm->hw.mem = malloc(vm->hw.bytes);
	assert_non_null(vm->hw.mem);
	memset(vm->hw.mem, 0xA5, bi->pt_pool_base);                 /* garbage in RAM */
	memset(vm->hw.mem + bi->pt_pool_base, 0, bi->pt_pool_bytes); /* the VMM zeroes the pool */
	vm->hal = (struct gk_hal){ .phys_read = th_phys_read, .phys_write = th_phys_write, .phys_zero = th_phys_zero,
				   .pt_write = th_pt_write, .cr3_load = th_cr3_load, .invlpg = th_invlpg, .hw = &vm->hw };
	vm->k = malloc(sizeof(*vm->k)); /* deliberately not zeroed: gk_boot must not need it */
	assert_non_null(vm->k);
	memset(vm->k, 0x5A, sizeof(*vm->k));
}

void th_boot(struct test_vm *vm, uint64_t ram_bytes, uint64_t pool_bytes, unsigned levels,
	     uint64_t guest_page)
{
	struct gk_boot_info bi = th_boot_info(0, ram_bytes, pool_bytes, levels, guest_page);
	th_setup(vm, &bi);
	assert_int_equal(gk_boot(vm->k, &vm->hal, &vm->bi), 0);
}

void th_teardown(struct test_vm *vm)
{
	free(vm->hw.mem);
	free(vm->k);
}

uint64_t th_read(struct test_vm *vm, uint64_t gpa)
{
	return th_phys_read(&vm->hw, gpa);
}

bool th_all_zero(struct test_vm *vm, uint64_t gpa, uint64_t bytes)
{
	const uint8_t *p = at(&vm->hw, gpa, bytes);
	for (uint64_t i = 0; i < bytes; i++)
		if (p[i])
			return false;
	return true;
}

int th_walk(struct test_vm *vm, int as, uint64_t va, struct pt_walk *w)
{
	return pt_walk(&pt_format_x86, gk_levels(vm->k), gk_as_root(vm->k, as), va, 0,
		       gk_pt_mem(vm->k), w);
}

unsigned th_dirty_free_pool_pages(struct test_vm *vm, uint64_t *reachable)
{
	/* in-use tables are exactly the ones reachable from some root: mark them */
	uint64_t npages = vm->bi.pt_pool_bytes / PT_PAGE_4K;
	uint8_t *in_use = calloc(npages, 1);
	unsigned dirty = 0;
	for (uint64_t p = 0; p < npages; p++) {
		uint64_t table = vm->bi.pt_pool_base + p * PT_PAGE_4K;
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t e = th_read(vm, table + i * 8);
			uint64_t child = e & PT_ADDR_MASK;
			if ((e & X86_P) && !(e & X86_PS) && child >= vm->bi.pt_pool_base &&
			    child < vm->bi.pt_pool_base + vm->bi.pt_pool_bytes)
				in_use[(child - vm->bi.pt_pool_base) / PT_PAGE_4K] = 1;
		}
	}
	for (int a = 0; a < GK_MAX_AS; a++)
		if (gk_as_root(vm->k, a) != PT_NO_TABLE)
			in_use[(gk_as_root(vm->k, a) - vm->bi.pt_pool_base) / PT_PAGE_4K] = 1;
	*reachable = 0;
	for (uint64_t p = 0; p < npages; p++)
		*reachable += in_use[p];
	for (uint64_t p = 0; p < npages; p++)
		if (!in_use[p] && !th_all_zero(vm, vm->bi.pt_pool_base + p * PT_PAGE_4K, PT_PAGE_4K))
			dirty++;
	free(in_use);
	return dirty;
}
