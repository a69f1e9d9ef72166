/* kvm_test.h — what the KVM tests share: skipping (exit 77, naming what is missing) where
 * /dev/kvm cannot run a VM, small run configurations for any platform, and the self-test
 * guest image (kvm_selftest_image.c, library memvirt_kvm_selftest_image). */
#ifndef MEMVIRT_TESTS_KVM_TEST_H
#define MEMVIRT_TESTS_KVM_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/kvm/kvm_image.h"
#include "vmm/kvm/kvm_vm.h"

/* The guest image with the self-tests (GK_IMAGE_SELFTESTS): for kvm_platform_hooks.image. */
extern const struct kvm_image kvm_selftest_image;

static inline void kvm_test_skip_unless_usable(const char *test)
{
	const char *why = kvm_dev_unavailable();
	if (why) {
		printf("%s: SKIP: kvm platform unavailable: %s\n", test, why);
		exit(77);
	}
}

/* A small run of workload wl on platform with the CLI's defaults for everything else. */
static inline struct run_config kvm_test_config(const char *wl, const char *platform, uint64_t mem, uint64_t seed,
						 uint64_t ops)
{
	struct run_config c;
	cli_run_defaults(&c);
	c.workload = wl_find(wl_registry_direct, wl);
	c.platform = platform;
	c.progress = false;
	c.params.mem_bytes = mem;
	c.params.seed = seed;
	c.params.ops = ops;
	for (const struct wl_param_desc *d = c.workload->params; d && d->name; d++)
		*(uint64_t *)((char *)&c.params + d->offset) = d->def;
	if (strcmp(wl, "churn") == 0)
		c.params.region_bytes = 256 << 10;
	cli_finish_config(&c, NULL);
	c.mmu = strcmp(platform, "native") == 0 ? "none" : "ept";
	return c;
}

#endif
