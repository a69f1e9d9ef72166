/* kvm_image.h — the guest image (guest/kvm/, built freestanding and flattened by CMake)
 * embedded in the memvirt binary, and its loading into a VM's system area. */
#ifndef MEMVIRT_VMM_KVM_IMAGE_H
#define MEMVIRT_VMM_KVM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "guest/kvm/kvm_abi.h"

/* The embedded image's header after checking it (magic, version, addresses); 0 or -ENOEXEC
 * with a one-line reason. */
int kvm_image_header(const struct gk_image_header **out, char *msg, size_t msglen);
/* Copies the image to GK_IMAGE_GPA in the system area (sys = host address of gpa 0). */
void kvm_image_load(void *sys, uint64_t sys_bytes);

#endif
