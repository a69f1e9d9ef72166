/* test_hal.h — a test HAL for the guest kernel: guest-physical memory is one malloc'd flat
 * array (RAM, then the page-table pool); pt_write stores and counts, cr3_load and invlpg
 * are recorded, so tests can check what the kernel asked the "hardware" to do. */
#ifndef MEMVIRT_TESTS_GUEST_TEST_HAL_H
#define MEMVIRT_TESTS_GUEST_TEST_HAL_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/gk.h"

#define TH_INVLPG_LOG 4096

struct test_hw {
	uint8_t *mem;
	uint64_t bytes;                /* guest-physical [0, bytes) */
	uint64_t pool_base, pool_bytes;
	uint64_t pt_writes, pt_writes_outside_pool;
	uint64_t cr3_loads, last_root;
	uint16_t last_asid;
	uint64_t invlpgs;
	uint64_t invlpg_log[TH_INVLPG_LOG];
	uint64_t zeroed_bytes;
};

struct test_vm {
	struct test_hw hw;
	struct gk_hal hal;
	struct gk_boot_info bi;
	struct gk *k;
};

/* Boot info for RAM [ram_base, +ram_bytes) followed by a pool of pool_bytes. */
struct gk_boot_info th_boot_info(uint64_t ram_base, uint64_t ram_bytes, uint64_t pool_bytes,
				 unsigned levels, uint64_t guest_page);
/* Allocate memory (RAM filled with 0xA5 garbage, pool zeroed) and the kernel; does not boot. */
void th_setup(struct test_vm *vm, const struct gk_boot_info *bi);
/* th_setup then gk_boot, asserting success. */
void th_boot(struct test_vm *vm, uint64_t ram_bytes, uint64_t pool_bytes, unsigned levels,
	     uint64_t guest_page);
void th_teardown(struct test_vm *vm);

uint64_t th_read(struct test_vm *vm, uint64_t gpa);
bool th_all_zero(struct test_vm *vm, uint64_t gpa, uint64_t bytes);
/* Translate through the guest's own tables of address space `as`. */
int th_walk(struct test_vm *vm, int as, uint64_t va, struct pt_walk *w);
/* Pool pages not in use as tables (reachable from a root) that are not all zero;
 * *reachable receives the number of in-use tables. */
unsigned th_dirty_free_pool_pages(struct test_vm *vm, uint64_t *reachable);

#endif
