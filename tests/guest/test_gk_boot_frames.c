/* test_gk_boot_frames.c — boot-info validation and the frame / pool allocators. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/guest/test_hal.h"

#define MiB (1ULL << 20)

static void boot_info_validation(void **state)
{
	(void)state;
	struct gk_boot_info good = th_boot_info(0, 8 * MiB, MiB, 4, PT_PAGE_4K), bi;
	assert_int_equal(gk_boot_info_check(&good), 0);
	assert_int_equal(gk_boot_info_check(NULL), -EINVAL);
#define BAD(field, value)                                                  \
	do {                                                               \
		bi = good;                                                 \
		bi.field = value;                                          \
		assert_int_equal(gk_boot_info_check(&bi), -EINVAL);        \
	} while (0)
	BAD(magic, 0);
	BAD(version, 2);
	BAD(flags, 1u << 7);
	BAD(reserved, 1);
	BAD(levels, 3);
	BAD(levels, 6);
	BAD(guest_page, PT_PAGE_1G);
	BAD(guest_page, 8192);
	BAD(ram_bytes, 0);
	BAD(ram_bytes, 4097);
	BAD(ram_base, 123);
	BAD(ram_bytes, GK_MAX_RAM_BYTES + PT_PAGE_4K);
	BAD(pt_pool_bytes, 0);
	BAD(pt_pool_base, 4 * MiB);                      /* overlaps RAM */
	BAD(pt_pool_bytes, (uint64_t)(GK_MAX_POOL_PAGES + 1) * PT_PAGE_4K);
	BAD(ram_base, UINT64_MAX & ~0xfffULL);           /* wraps */
#undef BAD
	bi = good;
	bi.flags = GK_BOOT_SHADOW;
	assert_int_equal(gk_boot_info_check(&bi), 0);

	/* gk_boot refuses bad boot info and a HAL with holes */
	struct test_vm vm;
	bi = good;
	bi.levels = 3;
	th_setup(&vm, &good);
	assert_int_equal(gk_boot(vm.k, &vm.hal, &bi), -EINVAL);
	struct gk_hal hal = vm.hal;
	hal.invlpg = NULL;
	assert_int_equal(gk_boot(vm.k, &hal, &good), -EINVAL);
	assert_int_equal(vm.hw.cr3_loads, 0);
	th_teardown(&vm);
}

static void boot_loads_address_space_zero(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 8 * MiB, MiB, 4, PT_PAGE_4K);
	assert_int_equal(gk_current_as(vm.k), 0);
	assert_int_equal(vm.hw.cr3_loads, 1);
	assert_int_equal(vm.hw.last_asid, 1);
	assert_int_equal(vm.hw.last_root, gk_as_root(vm.k, 0));
	assert_true(vm.hw.last_root >= vm.bi.pt_pool_base);
	assert_int_equal(vm.k->stats.pool_pages, 1);
	assert_int_equal(vm.k->stats.frames_4k + vm.k->stats.frames_2m, 0);
	assert_int_equal(vm.hw.pt_writes, 0); /* the pool came zeroed: nothing to write */
	assert_int_equal(gk_as_root(vm.k, 1), PT_NO_TABLE);
	th_teardown(&vm);
}

static void pool_too_small_for_a_root(void **state)
{
	(void)state;
	struct test_vm vm;
	struct gk_boot_info bi = th_boot_info(0, 4 * MiB, PT_PAGE_4K, 4, PT_PAGE_4K);
	th_setup(&vm, &bi);
	assert_int_equal(gk_boot(vm.k, &vm.hal, &vm.bi), 0); /* one page: exactly the root */
	assert_int_equal(gk_as_create(vm.k), -ENOMEM);
	th_teardown(&vm);
}

/* RAM that starts and ends off 2 MiB boundaries: every 4 KiB frame inside it can be had, none
 * outside, 2 MiB frames only from whole chunks, and frees coalesce back into 2 MiB frames. */
static void frames_unaligned_ram(void **state)
{
	(void)state;
	const uint64_t base = MiB, bytes = 5 * MiB; /* [1 MiB, 6 MiB): one whole chunk [2, 4) and [4, 6) */
	struct test_vm vm;
	struct gk_boot_info bi = th_boot_info(base, bytes, MiB, 4, PT_PAGE_2M);
	th_setup(&vm, &bi);
	assert_int_equal(gk_boot(vm.k, &vm.hal, &vm.bi), 0);
	struct gk *k = vm.k;

	uint64_t big[3];
	big[0] = gk_frame_alloc(k, PT_PAGE_2M);
	big[1] = gk_frame_alloc(k, PT_PAGE_2M);
	big[2] = gk_frame_alloc(k, PT_PAGE_2M);
	assert_int_not_equal(big[0], GK_NO_FRAME);
	assert_int_not_equal(big[1], GK_NO_FRAME);
	assert_int_equal(big[2], GK_NO_FRAME); /* [1,2) is not a whole chunk */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(big[i] % PT_PAGE_2M, 0);
		assert_true(big[i] >= base && big[i] + PT_PAGE_2M <= base + bytes);
		assert_true(th_all_zero(&vm, big[i], PT_PAGE_2M));
	}
	assert_int_equal(k->stats.frames_2m, 2);
	assert_int_equal(gk_frame_free(k, big[0], PT_PAGE_4K), -EINVAL); /* wrong size */
	assert_int_equal(gk_frame_free(k, big[0], PT_PAGE_2M), 0);
	assert_int_equal(gk_frame_free(k, big[0], PT_PAGE_2M), -EINVAL); /* double free */
	assert_int_equal(gk_frame_free(k, big[1], PT_PAGE_2M), 0);

	/* now all of RAM in 4 KiB frames */
	uint64_t n = bytes / PT_PAGE_4K;
	uint64_t *f = calloc(n + 1, sizeof(*f));
	uint8_t *seen = calloc(n, 1);
	assert_non_null(f);
	assert_non_null(seen);
	for (uint64_t i = 0; i < n; i++) {
		f[i] = gk_frame_alloc(k, PT_PAGE_4K);
		assert_int_not_equal(f[i], GK_NO_FRAME);
		assert_true(f[i] >= base && f[i] < base + bytes && f[i] % PT_PAGE_4K == 0);
		uint64_t idx = (f[i] - base) / PT_PAGE_4K;
		/* idx < n follows from the assertion above, which gcc 12 -O3 cannot see (cmocka's
		 * failure path is not noreturn): say it in a form it can, or Release builds warn. */
		if (idx >= n)
			fail_msg("frame %#llx outside RAM", (unsigned long long)f[i]);
		else {
			assert_false(seen[idx]);
			seen[idx] = 1;
		}
	}
	assert_int_equal(gk_frame_alloc(k, PT_PAGE_4K), GK_NO_FRAME);
	assert_int_equal(gk_frame_alloc(k, PT_PAGE_2M), GK_NO_FRAME);
	assert_int_equal(k->stats.frames_4k, n);
	assert_int_equal(gk_frame_free(k, base + bytes, PT_PAGE_4K), -EINVAL); /* outside RAM */
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(gk_frame_free(k, f[i], PT_PAGE_4K), 0);
	assert_int_equal(gk_frame_free(k, f[0], PT_PAGE_4K), -EINVAL);
	assert_int_equal(k->stats.frames_4k, 0);
	/* the two whole chunks coalesced */
	assert_int_not_equal(gk_frame_alloc(k, PT_PAGE_2M), GK_NO_FRAME);
	assert_int_not_equal(gk_frame_alloc(k, PT_PAGE_2M), GK_NO_FRAME);
	assert_int_equal(gk_frame_alloc(k, PT_PAGE_2M), GK_NO_FRAME);
	free(f);
	free(seen);
	th_teardown(&vm);
}

static void frames_are_zeroed(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 4 * MiB, MiB, 4, PT_PAGE_4K);
	uint64_t f = gk_frame_alloc(vm.k, PT_PAGE_4K);
	assert_true(th_all_zero(&vm, f, PT_PAGE_4K));
	vm.hal.phys_write(&vm.hw, f + 64, 42);
	assert_int_equal(gk_frame_free(vm.k, f, PT_PAGE_4K), 0);
	uint64_t g = gk_frame_alloc(vm.k, PT_PAGE_4K);
	assert_int_equal(g, f); /* reused */
	assert_true(th_all_zero(&vm, g, PT_PAGE_4K));
	assert_int_equal(gk_frame_alloc(vm.k, PT_PAGE_1G), GK_NO_FRAME);
	th_teardown(&vm);
}

static void pool_free_needs_an_empty_table(void **state)
{
	(void)state;
	struct test_vm vm;
	th_boot(&vm, 4 * MiB, MiB, 4, PT_PAGE_4K);
	uint64_t p = gk_pool_alloc(vm.k);
	assert_int_not_equal(p, GK_NO_FRAME);
	assert_int_equal(vm.k->stats.pool_pages, 2);
	assert_int_equal(gk_pool_free(vm.k, 0), -EINVAL); /* not a pool page */
	assert_int_equal(gk_pool_free(vm.k, p), 0);
	assert_int_equal(gk_pool_alloc(vm.k), p);
	th_teardown(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_info_validation),
		cmocka_unit_test(boot_loads_address_space_zero),
		cmocka_unit_test(pool_too_small_for_a_root),
		cmocka_unit_test(frames_unaligned_ram),
		cmocka_unit_test(frames_are_zeroed),
		cmocka_unit_test(pool_free_needs_an_empty_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
