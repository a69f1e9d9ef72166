/* kvm_image.c — the production guest image embedded in memvirt (its path comes from CMake as
 * MEMVIRT_GUEST_KVM_IMAGE), and the checks every image's header passes once before any VM
 * trusts the addresses in it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_image.h"

KVM_IMAGE_EMBED(kvm_image_default, "production", MEMVIRT_GUEST_KVM_IMAGE);

static size_t image_size(const struct kvm_image *img) { return (size_t)(img->end - img->bytes); }

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

/* The kernel's counters: aligned, inside the image's kernel part (not ring 3's pages). */
static bool kernel_stats_ok(const struct gk_image_header *h)
{
	uint64_t end = h->kstats_gpa + sizeof(struct gk_stats);
	return h->kstats_gpa % 8 == 0 && inside_image(h->kstats_gpa, h) && end > h->kstats_gpa && end <= h->bss_end &&
	       (end <= h->user_text || h->kstats_gpa >= h->user_end);
}

int kvm_image_header(const struct kvm_image *img, const struct gk_image_header **out, char *msg, size_t msglen)
{
	if (!img)
		img = &kvm_image_default;
	const struct gk_image_header *h = (const void *)img->bytes;
	if (image_size(img) < sizeof(*h) || h->magic != GK_IMAGE_MAGIC || h->version != GK_IMAGE_VERSION ||
	    h->load_gpa != GK_IMAGE_GPA || h->file_end < h->load_gpa + image_size(img) || h->bss_end < h->file_end ||
	    !inside_image(h->entry, h) || !inside_image(h->trap_stubs, h) ||
	    h->trap_stubs + (uint64_t)GK_TRAP_VECTORS * h->trap_stub_size > h->file_end ||
	    !inside_image(h->kstack_top - 1, h) || !user_part_ok(h) || !kernel_stats_ok(h)) {
		snprintf(msg, msglen, "the embedded %s guest image is damaged (bad header)", img->name);
		return -ENOEXEC;
	}
	*out = h;
	return 0;
}

void kvm_image_load(const struct kvm_image *img, void *sys, uint64_t sys_bytes)
{
	if (!img)
		img = &kvm_image_default;
	if (GK_IMAGE_GPA + image_size(img) <= sys_bytes)
		memcpy((unsigned char *)sys + GK_IMAGE_GPA, img->bytes, image_size(img));
}
