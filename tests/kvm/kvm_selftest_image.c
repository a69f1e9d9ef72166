/* kvm_selftest_image.c — the self-test guest image (guest/kvm, GK_IMAGE_SELFTESTS), embedded in
 * the KVM tests only: the memvirt binary carries the production image, which has no
 * misbehaving guest in it. Tests hand it to kvm_platform_hooks.image with a selftest. */
#include "tests/kvm/kvm_test.h"

KVM_IMAGE_EMBED(kvm_selftest_image, "self-test", MEMVIRT_GUEST_KVM_SELFTEST_IMAGE);
