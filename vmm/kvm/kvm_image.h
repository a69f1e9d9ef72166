/* kvm_image.h — guest images (guest/kvm/, built freestanding and flattened by CMake) embedded
 * in a binary with .incbin, checked, and loaded into a VM's system area. The memvirt binary
 * embeds the production image (kvm_image_default); tests/kvm embeds the self-test image the
 * same way (KVM_IMAGE_EMBED) and hands it to kvm_vm_config.image. */
#ifndef MEMVIRT_VMM_KVM_IMAGE_H
#define MEMVIRT_VMM_KVM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "guest/kvm/kvm_abi.h"

/* An embedded flat image: [bytes, end). */
struct kvm_image {
	const char *name;
	const unsigned char *bytes, *end;
};

/* Defines `const struct kvm_image var` over the flat image at path (a string literal),
 * pulled into .rodata (page aligned) at build time. */
#define KVM_IMAGE_EMBED(var, label, path)                                                          \
	__asm__(".section .rodata\n.balign 4096\n.global " #var "_bytes\n" #var "_bytes:\n"        \
		".incbin \"" path "\"\n.global " #var "_end\n" #var "_end:\n.previous\n");            \
	extern const unsigned char var##_bytes[], var##_end[];                                      \
	const struct kvm_image var = { label, var##_bytes, var##_end }

/* The production image (guest/kvm, no self-tests): what kvm_vm_config.image NULL means. */
extern const struct kvm_image kvm_image_default;

/* img's header after checking it (magic, version, addresses); 0 or -ENOEXEC with a one-line
 * reason. img NULL is kvm_image_default. */
int kvm_image_header(const struct kvm_image *img, const struct gk_image_header **out, char *msg, size_t msglen);
/* Copies img to GK_IMAGE_GPA in the system area (sys = host address of gpa 0). */
void kvm_image_load(const struct kvm_image *img, void *sys, uint64_t sys_bytes);

#endif
