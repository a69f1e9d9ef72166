/* test_kvm_layout.c — the kvm platform's guest-physical layout and embedded image, checked
 * without /dev/kvm: regions ordered and disjoint, 2 MiB aligned, the page-table pool in its
 * own range (a slot of its own), the shadow area reserved, the MMIO window last, limits
 * refused; the image header consistent; the self-tests only in the test image. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mmu/util.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/kvm/kvm_image.h"
#include "vmm/kvm/kvm_vm.h"

#define MiB (1ULL << 20)

static void test_layout_regions_ordered_disjoint_aligned(void **st)
{
	(void)st;
	const uint64_t sizes[][2] = { { 1 * MiB, 4096 }, { 35 * MiB, 17 * MiB }, { 4096ULL * MiB, 32 * MiB } };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct kvm_vm_config c = { .ram_bytes = sizes[i][0], .pool_bytes = sizes[i][1], .guest_page = 4096, .levels = 4 };
		struct kvm_layout l;
		assert_int_equal(kvm_layout_compute(&c, GK_IMAGE_GPA + 5 * MiB + 4096, &l), 0);
		assert_int_equal(l.sys_gpa, 0);
		assert_true(l.sys_bytes >= 8 * MiB); /* image end rounded up to 2 MiB */
		assert_true(l.sys_bytes <= l.ram_gpa);
		assert_true(l.ram_bytes >= c.ram_bytes && l.pool_bytes >= c.pool_bytes);
		assert_int_equal(l.pool_gpa, l.ram_gpa + l.ram_bytes);
		assert_int_equal(l.shadow_gpa, l.pool_gpa + l.pool_bytes);
		assert_true(l.shadow_bytes >= l.pool_bytes);
		assert_int_equal(l.mmio_gpa, l.shadow_gpa + l.shadow_bytes);
		assert_int_equal(l.identity_end, l.mmio_gpa + l.mmio_bytes);
		const uint64_t v[] = { l.sys_bytes, l.ram_gpa, l.ram_bytes, l.pool_gpa, l.pool_bytes, l.shadow_gpa, l.mmio_gpa };
		for (size_t k = 0; k < ARRAY_SIZE(v); k++)
			assert_int_equal(v[k] % (2 * MiB), 0);
	}
}

static void test_layout_refuses_what_the_guest_cannot_hold(void **st)
{
	(void)st;
	struct kvm_layout l;
	struct kvm_vm_config c = { .ram_bytes = GK_MAX_RAM_BYTES + 2 * MiB, .pool_bytes = 16 * MiB, .guest_page = 4096, .levels = 4 };
	assert_int_equal(kvm_layout_compute(&c, GK_IMAGE_GPA + MiB, &l), -EINVAL);
	c.ram_bytes = 0;
	assert_int_equal(kvm_layout_compute(&c, GK_IMAGE_GPA + MiB, &l), -EINVAL);
	c.ram_bytes = 16 * MiB;
	c.pool_bytes = (uint64_t)(GK_MAX_POOL_PAGES + 1) * 4096;
	assert_int_equal(kvm_layout_compute(&c, GK_IMAGE_GPA + MiB, &l), -EINVAL);
	c.pool_bytes = 16 * MiB;
	assert_int_equal(kvm_layout_compute(&c, 2048 * MiB, &l), -EINVAL); /* image past 1 GiB */
}

static void test_embedded_image_header(void **st)
{
	(void)st;
	const struct gk_image_header *h;
	char msg[128];
	assert_int_equal(kvm_image_header(NULL, &h, msg, sizeof(msg)), 0);
	assert_int_equal(h->load_gpa, GK_IMAGE_GPA);
	assert_true(h->entry >= h->load_gpa && h->entry < h->file_end);
	assert_true(h->trap_stubs + GK_TRAP_VECTORS * h->trap_stub_size <= h->file_end);
	assert_true(h->kstack_top > h->file_end && h->kstack_top <= h->bss_end);
	assert_int_equal(h->kstack_top % 16, 0);
	/* the kernel's counters the VMM mirrors (guest_used_bytes): in the kernel's bss, not ring 3's */
	assert_true(h->kstats_gpa >= h->user_end && h->kstats_gpa + sizeof(struct gk_stats) <= h->bss_end);
}

/* The misbehaving guest is in the test image only: the production image says it has no
 * self-tests (the VMM then refuses to start one) and is smaller by their code. */
static void test_selftests_only_in_the_test_image(void **st)
{
	(void)st;
	const struct gk_image_header *prod, *test;
	char msg[128];
	assert_int_equal(kvm_image_header(NULL, &prod, msg, sizeof(msg)), 0);
	assert_int_equal(kvm_image_header(&kvm_selftest_image, &test, msg, sizeof(msg)), 0);
	assert_true((prod->flags & GK_IMAGE_SELFTESTS) == 0);
	assert_true((test->flags & GK_IMAGE_SELFTESTS) != 0);
	assert_true(kvm_image_default.end - kvm_image_default.bytes < kvm_selftest_image.end - kvm_selftest_image.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_regions_ordered_disjoint_aligned),
		cmocka_unit_test(test_layout_refuses_what_the_guest_cannot_hold),
		cmocka_unit_test(test_embedded_image_header),
		cmocka_unit_test(test_selftests_only_in_the_test_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
