/* kvm_vm.c — creating and tearing down a VM: host memory for each region (guest_mem.c, 2 MiB
 * aligned; guest RAM with the configured backend and optional uffd tracking), one memslot per
 * region (the pool's flags are the paging strategy's), the embedded guest image copied into
 * the system area, the system area written (kvm_layout.c), the strategy set up (kvm_mmu.h)
 * and the devices attached (kvm_device.h). Everything a VM owns is in its struct kvm_vm;
 * nothing here is global. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm/kvm_image.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/util/clock.h"

#define SZ_2M (2ULL << 20)

/* Lazily backed memory: fresh pages read as zero, which the guest relies on. */
int kvm_region_alloc(struct kvm_region *r, const struct guest_mem_opts *o, uint64_t gpa, uint64_t bytes,
		     uint32_t slot, char *msg, size_t msglen)
{
	int rc = guest_mem_alloc(o, bytes, &r->mem, msg, msglen);
	if (rc < 0)
		return rc;
	r->host = r->mem.base;
	r->gpa = gpa;
	r->bytes = bytes;
	r->slot = slot;
	return 0;
}

void kvm_region_free(struct kvm_region *r)
{
	guest_mem_free(&r->mem);
	r->host = NULL;
}

int kvm_region_register(struct kvm_vm *vm, const struct kvm_region *r, uint32_t flags)
{
	bool del = flags == KVM_REGION_DELETE;
	struct kvm_userspace_memory_region m = {
		.slot = r->slot, .flags = del ? 0 : flags, .guest_phys_addr = r->gpa,
		.memory_size = del ? 0 : r->bytes, .userspace_addr = (uint64_t)(uintptr_t)r->host,
	};
	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m) < 0 ? -errno : 0;
}

static void ram_touched(void *arg, uint64_t off, uint64_t len) { (void)p2m_book_touch(arg, off, len); }

/* The p2m book of guest RAM, and with --uffd the VMM resolving every first touch itself
 * (counted as EPT violations, and marked resident in the book as it happens). */
static int ram_track(struct kvm_vm *vm, const struct guest_mem_opts *o, char *msg, size_t msglen)
{
	int rc = p2m_book_init(&vm->book, vm->ram.bytes);
	if (rc < 0) {
		snprintf(msg, msglen, "no p2m book for %llu MiB of guest RAM: %s",
			 (unsigned long long)(vm->ram.bytes >> 20), strerror(-rc));
		return rc;
	}
	if (!o->uffd)
		return 0;
	return uffd_track_start(&vm->uffd, vm->ram.host, vm->ram.bytes, guest_mem_page(&vm->ram.mem),
				o->backend == GUEST_MEM_HUGETLB, &o->uffd_opts, ram_touched, &vm->book, NULL, 0, msg,
				msglen);
}

/* Guest RAM takes the configured backend; the system area and the page-table pool stay
 * anonymous (the VMM writes the first, the second is small and must not be reclaimed). */
static int vm_memory_create(struct kvm_vm *vm, const struct guest_mem_opts *o, char *msg, size_t msglen)
{
	const struct kvm_layout *l = &vm->layout;
	int rc = kvm_region_alloc(&vm->sys, &guest_mem_defaults, 0, l->sys_bytes, KVM_SLOT_SYS, msg, msglen);
	if (rc == 0)
		rc = kvm_region_alloc(&vm->ram, o, l->ram_gpa, l->ram_bytes, KVM_SLOT_RAM, msg, msglen);
	if (rc == 0)
		rc = kvm_region_alloc(&vm->pool, &guest_mem_defaults, l->pool_gpa, l->pool_bytes, KVM_SLOT_POOL, msg, msglen);
	if (rc == 0)
		rc = ram_track(vm, o, msg, msglen);
	if (rc < 0)
		return rc;
	const struct kvm_region *regions[] = { &vm->sys, &vm->ram, &vm->pool };
	for (size_t i = 0; i < 3; i++) {
		uint32_t flags = regions[i] == &vm->pool ? vm->mmu->pool_slot_flags : 0;
		if ((rc = kvm_region_register(vm, regions[i], flags)) < 0) {
			snprintf(msg, msglen, "KVM_SET_USER_MEMORY_REGION (slot %u at 0x%llx): %s", regions[i]->slot,
				 (unsigned long long)regions[i]->gpa, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int vm_fds_create(struct kvm_vm *vm, char *msg, size_t msglen)
{
	if ((vm->kvm_fd = kvm_dev_open(msg, msglen)) < 0)
		return vm->kvm_fd;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		int rc = -errno;
		snprintf(msg, msglen, "KVM_CREATE_VM: %s", strerror(errno));
		return rc;
	}
	return 0;
}

/* The defaults, then the strategy's device, then the config's: all or nothing. */
static int vm_devices_attach(struct kvm_vm *vm, const struct kvm_vm_config *cfg, char *msg, size_t msglen)
{
	int rc = 0;
	for (const struct kvm_device *const *d = kvm_default_devices; rc == 0 && *d; d++)
		rc = kvm_device_attach(vm, *d, msg, msglen);
	if (rc == 0 && vm->mmu->device)
		rc = kvm_device_attach(vm, vm->mmu->device, msg, msglen);
	for (const struct kvm_device *const *d = cfg->devices; rc == 0 && d && *d; d++)
		rc = kvm_device_attach(vm, *d, msg, msglen);
	return rc;
}

int kvm_vm_create(const struct kvm_vm_config *cfg, const struct gk_run_block *run, struct kvm_vm **out,
		  char *msg, size_t msglen)
{
	const struct gk_image_header *img;
	const struct kvm_image *image = cfg->image ? cfg->image : &kvm_image_default;
	*out = NULL;
	int rc = kvm_image_header(image, &img, msg, msglen);
	if (rc < 0)
		return rc;
	if (run->selftest != GK_SELFTEST_NONE && !(img->flags & GK_IMAGE_SELFTESTS)) {
		snprintf(msg, msglen, "guest self-test %u needs the self-test image (tests/kvm); the %s image has none",
			 run->selftest, image->name);
		return -ENOTSUP;
	}
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	if (vm)
		vm->out.start_ns = monotonic_ns();
	if (!vm)
		return -ENOMEM;
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->uffd.fd = vm->uffd.stop_fd = -1;
	vm->image = image;
	vm->mmu = cfg->mmu ? cfg->mmu : &kvm_mmu_ept;
	const struct guest_mem_opts *mem = cfg->mem ? cfg->mem : &guest_mem_defaults;
	if ((rc = kvm_layout_compute(cfg, img->bss_end, &vm->layout)) < 0) {
		snprintf(msg, msglen, "no guest-physical layout for %llu MiB of RAM and a %llu MiB page-table pool",
			 (unsigned long long)(cfg->ram_bytes >> 20), (unsigned long long)(cfg->pool_bytes >> 20));
	} else if ((rc = vm_fds_create(vm, msg, msglen)) == 0 && (rc = vm_memory_create(vm, mem, msg, msglen)) == 0) {
		kvm_image_load(image, vm->sys.host, vm->sys.bytes);
		if ((rc = kvm_layout_write_system(vm, cfg, img, run)) < 0)
			snprintf(msg, msglen, "inconsistent boot information (levels %u, guest page %llu)", cfg->levels,
				 (unsigned long long)cfg->guest_page);
		else
			rc = kvm_vcpu_create(vm, img, msg, msglen);
		if (rc == 0 && vm->mmu->setup)
			rc = vm->mmu->setup(vm, msg, msglen);
		if (rc == 0)
			rc = vm_devices_attach(vm, cfg, msg, msglen);
	}
	if (rc < 0) {
		kvm_vm_destroy(vm);
		return rc;
	}
	*out = vm;
	return 0;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm)
		return;
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	uffd_track_stop(&vm->uffd); /* before the memory it tracks goes, and the book it tells */
	p2m_book_fini(&vm->book);
	kvm_device_detach_all(vm); /* devices may hold the strategy's state: before its teardown */
	if (vm->mmu && vm->mmu->teardown)
		vm->mmu->teardown(vm);
	kvm_region_free(&vm->sys);
	kvm_region_free(&vm->ram);
	kvm_region_free(&vm->pool);
	free(vm);
}

void *kvm_gpa_host(struct kvm_vm *vm, uint64_t gpa, uint64_t len)
{
	struct kvm_region *regions[] = { &vm->sys, &vm->ram, &vm->pool };
	for (size_t i = 0; i < 3; i++) {
		struct kvm_region *r = regions[i];
		if (kvm_gpa_within(gpa, len, r->gpa, r->bytes))
			return (uint8_t *)r->host + (gpa - r->gpa);
	}
	return NULL;
}

static uint64_t region_resident(const struct kvm_region *r)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t pages = (r->bytes + (uint64_t)psz - 1) / (uint64_t)psz;
	unsigned char *vec = malloc(pages ? pages : 1);
	uint64_t n = 0;
	if (vec && r->host && mincore(r->host, r->bytes, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * (uint64_t)psz;
}

uint64_t kvm_vm_resident_bytes(const struct kvm_vm *vm)
{
	return region_resident(&vm->sys) + region_resident(&vm->ram) + region_resident(&vm->pool) +
	       region_resident(&vm->mmu_area);
}
