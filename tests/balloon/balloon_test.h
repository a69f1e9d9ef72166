/* balloon_test.h — what the balloon run tests share: a small `phases` run whose working set
 * grows and shrinks inside a small guest, run on sim or kvm with or without a balloon. */
#ifndef MEMVIRT_TESTS_BALLOON_TEST_H
#define MEMVIRT_TESTS_BALLOON_TEST_H

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>

#include <cmocka.h>

#include "balloon/balloon.h"
#include "tests/kvm/kvm_test.h"
#include "vmm/run/kvm_platform.h"

#define MIB (1ULL << 20)
#define BT_GUEST_MEM "64m"
#define BT_GUEST_BYTES (64 * MIB)

/* phases in a 64 MiB guest with 2 MiB guest pages (few guest faults: kvm's ring 0 is slow;
 * phases maps 2 MiB-aligned chunks from a 32 MiB peak on, so peaks are >= 32 MiB): 8 MiB,
 * then `peak` (6 touches a page: ~99.8% of its pages touched), then 8 MiB — the last step
 * frees what the peak took. */
static inline struct run_config bt_config(const char *platform, const char *mmu, uint64_t peak)
{
	struct run_config c = kvm_test_config("phases", platform, peak, 7, 0);
	c.params.ws[0] = (struct wl_ws_step){ 8 * MIB, 500 };
	c.params.ws[1] = (struct wl_ws_step){ peak, 6 * peak / 4096 };
	c.params.ws[2] = (struct wl_ws_step){ 8 * MIB, 500 };
	c.params.ws[3] = (struct wl_ws_step){ 0, 0 };
	c.sim.guest_page = 2 * MIB;
	assert_int_equal(cli_finish_config(&c, BT_GUEST_MEM), 0);
	c.mmu = mmu;
	return c;
}

/* Runs c; with the --balloon values in specs (NULL-terminated; NULL: no balloon). The balloon
 * is left in *b for the caller to read (balloon_fini it). hooks may be NULL. */
static inline int bt_run(const struct run_config *cfg, const char *const *specs, struct balloon *b,
			 struct kvm_platform_hooks *hooks, struct run_result *res)
{
	struct run_config c = *cfg;
	struct balloon_config bc = { 0 };
	char why[160];
	for (size_t i = 0; specs && specs[i]; i++)
		assert_int_equal(balloon_config_add(&bc, specs[i], why, sizeof(why)), 0);
	struct balloon *bp = NULL;
	if (specs) {
		c.balloon = &bc;
		balloon_init(b, &bc);
		bp = b;
	}
	struct wl_ctx ctx = { 0 };
	memset(res, 0, sizeof(*res));
	if (strcmp(c.platform, "sim") == 0)
		return platform_sim.run(&c, &ctx, NULL, bp, res);
	struct kvm_platform_hooks h = hooks ? *hooks : (struct kvm_platform_hooks){ 0 };
	h.balloon = bp;
	return kvm_platform_run(&c, &ctx, NULL, res, &h);
}

#endif
