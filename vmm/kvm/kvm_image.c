/* kvm_image.c — the embedded guest image. The flat binary built in guest/kvm/ is pulled in
 * with .incbin (its path comes from CMake as MEMVIRT_GUEST_KVM_IMAGE); its header is checked
 * once before any VM trusts the addresses in it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_image.h"

__asm__(".section .rodata\n"
	".balign 4096\n"
	".global memvirt_guest_image\n"
	"memvirt_guest_image:\n"
	".incbin \"" MEMVIRT_GUEST_KVM_IMAGE "\"\n"
	".global memvirt_guest_image_end\n"
	"memvirt_guest_image_end:\n"
	".previous\n");

extern const unsigned char memvirt_guest_image[], memvirt_guest_image_end[];

static size_t image_size(void) { return (size_t)(memvirt_guest_image_end - memvirt_guest_image); }

static bool inside_image(uint64_t addr, const struct gk_image_header *h)
{
	return addr >= h->load_gpa && addr < h->bss_end;
}

/* Ring 3's pages: page aligned, ordered, inside the image, and holding the progress word. */
static bool user_part_ok(const struct gk_image_header *h)
{
	return h->user_text % 4096 == 0 && h->user_data % 4096 == 0 && h->user_end % 4096 == 0 &&
	       h->load_gpa < h->user_text && h->user_text <= h->user_data && h->user_data <= h->user_end &&
	       h->user_end <= h->bss_end && h->progress_gpa >= h->user_data && h->progress_gpa < h->user_end &&
	       h->progress_gpa % 8 == 0 && h->entry < h->user_text;
}

int kvm_image_header(const struct gk_image_header **out, char *msg, size_t msglen)
{
	const struct gk_image_header *h = (const void *)memvirt_guest_image;
	uint64_t stubs_end = h->trap_stubs + (uint64_t)GK_TRAP_VECTORS * h->trap_stub_size;
	if (image_size() < sizeof(*h) || h->magic != GK_IMAGE_MAGIC || h->version != GK_IMAGE_VERSION ||
	    h->load_gpa != GK_IMAGE_GPA || h->file_end < h->load_gpa + image_size() || h->bss_end < h->file_end ||
	    !inside_image(h->entry, h) || !inside_image(h->trap_stubs, h) || stubs_end > h->file_end ||
	    !inside_image(h->kstack_top - 1, h) || !user_part_ok(h)) {
		snprintf(msg, msglen, "the embedded guest image is damaged (bad header)");
		return -ENOEXEC;
	}
	*out = h;
	return 0;
}

void kvm_image_load(void *sys, uint64_t sys_bytes)
{
	if (GK_IMAGE_GPA + image_size() <= sys_bytes)
		memcpy((unsigned char *)sys + GK_IMAGE_GPA, memvirt_guest_image, image_size());
}
