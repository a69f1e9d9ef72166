/* kvm_layout.c — the guest-physical layout of a kvm VM and the system area the VMM writes
 * before the first instruction: an identity map of guest-physical memory (2 MiB pages,
 * supervisor-only except the image, which ring 3 executes), the GDT (kernel and user
 * segments, TSS), the IDT (32 exception gates into the image's trap stubs), the TSS (RSP0 =
 * the kernel stack), and the boot page (boot info for gk_boot and the run block).
 * No firmware: the vCPU starts in long mode with these tables loaded. */
#include <errno.h>
#include <string.h>

#include "vmm/kvm/kvm_vm.h"

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define PTE_P  (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PS (1ULL << 7)

#define PML4_GPA GK_SYS_PT_GPA
#define PDPT_GPA (GK_SYS_PT_GPA + 0x1000)
#define PD_GPA   (GK_SYS_PT_GPA + 0x2000)
#define PT_GPA   0x100000ULL /* 4 KiB tables for the image, one per 2 MiB */
#define MAX_PDS  ((PT_GPA - PD_GPA) / 0x1000)
#define MAX_PTS  ((GK_SYS_PT_END - PT_GPA) / 0x1000)

/* Guest RAM starts at 1 GiB: the system area and image fit below, and the gap leaves room. */
#define RAM_GPA SZ_1G

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

int kvm_layout_compute(const struct kvm_vm_config *cfg, uint64_t image_end, struct kvm_layout *l)
{
	if (cfg->ram_bytes == 0 || cfg->ram_bytes > GK_MAX_RAM_BYTES || cfg->pool_bytes < PT_PAGE_4K ||
	    cfg->pool_bytes / PT_PAGE_4K > GK_MAX_POOL_PAGES || image_end <= GK_IMAGE_GPA)
		return -EINVAL;
	*l = (struct kvm_layout){ 0 };
	l->sys_bytes = round_up(image_end, SZ_2M);
	if (l->sys_bytes > RAM_GPA || (l->sys_bytes - GK_IMAGE_GPA) / SZ_2M > MAX_PTS)
		return -EINVAL;
	l->ram_gpa = RAM_GPA;
	l->ram_bytes = round_up(cfg->ram_bytes, SZ_2M);
	l->pool_gpa = l->ram_gpa + l->ram_bytes;
	l->pool_bytes = round_up(cfg->pool_bytes, SZ_2M);
	l->shadow_gpa = l->pool_gpa + l->pool_bytes;
	/* shadow tables mirror the guest's, so as many pages, plus the kernel's half */
	l->shadow_bytes = l->pool_bytes + SZ_2M;
	l->mmio_gpa = l->shadow_gpa + l->shadow_bytes;
	l->mmio_bytes = SZ_2M;
	l->identity_end = l->mmio_gpa + l->mmio_bytes;
	if (round_up(l->identity_end, SZ_1G) / SZ_1G > MAX_PDS)
		return -EINVAL;
	return 0;
}

uint64_t kvm_layout_kernel_pml4e(void) { return PDPT_GPA | PTE_P | PTE_RW | PTE_US; }

/* The image in 4 KiB pages: ring 3 may read and execute its text, read and write its data,
 * and nothing else; everything else in the image is supervisor-only. */
static uint64_t image_pte(const struct gk_image_header *img, uint64_t gpa)
{
	uint64_t pte = gpa | PTE_P | PTE_RW;
	if (gpa >= img->user_text && gpa < img->user_data)
		pte = (pte & ~PTE_RW) | PTE_US;
	else if (gpa >= img->user_data && gpa < img->user_end)
		pte |= PTE_US;
	return pte;
}

static uint64_t image_pd_entry(struct kvm_vm *vm, const struct gk_image_header *img, uint64_t gpa2m)
{
	uint64_t pt_gpa = PT_GPA + (gpa2m - GK_IMAGE_GPA) / SZ_2M * 0x1000;
	uint64_t *pt = (uint64_t *)((uint8_t *)vm->sys.host + pt_gpa);
	for (unsigned i = 0; i < 512; i++)
		pt[i] = image_pte(img, gpa2m + (uint64_t)i * 0x1000);
	return pt_gpa | PTE_P | PTE_RW | PTE_US;
}

/* 2 MiB identity pages for the ranges that exist (4 KiB pages for the image); ring 3 may
 * reach only the image's user pages. The shadow area stays unmapped: the guest never
 * touches it. */
static void write_identity_map(struct kvm_vm *vm, const struct gk_image_header *img)
{
	const struct kvm_layout *l = &vm->layout;
	uint8_t *sys = vm->sys.host;
	uint64_t *pml4 = (uint64_t *)(sys + PML4_GPA), *pdpt = (uint64_t *)(sys + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(sys + PD_GPA);
	pml4[0] = kvm_layout_kernel_pml4e();
	for (uint64_t g = 0; g < round_up(l->identity_end, SZ_1G) / SZ_1G; g++)
		pdpt[g] = (PD_GPA + g * 0x1000) | PTE_P | PTE_RW | PTE_US;
	for (uint64_t gpa = 0; gpa < l->identity_end; gpa += SZ_2M) {
		bool sys_area = gpa < l->sys_bytes;
		bool guest_mem = gpa >= l->ram_gpa && gpa < l->shadow_gpa;
		bool mmio = gpa >= l->mmio_gpa;
		if (!sys_area && !guest_mem && !mmio)
			continue;
		pd[gpa / SZ_2M] = sys_area && gpa >= GK_IMAGE_GPA ? image_pd_entry(vm, img, gpa)
								 : gpa | PTE_P | PTE_RW | PTE_PS;
	}
}

static uint64_t gdt_tss_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) | (0x89ULL << 40) |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
}

static void write_gdt(uint8_t *sys)
{
	uint64_t *gdt = (uint64_t *)(sys + GK_SYS_GDT_GPA);
	gdt[0] = 0;
	gdt[GK_SEL_KCODE / 8] = 0x00af9a000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[GK_SEL_KDATA / 8] = 0x00cf92000000ffffULL; /* data, DPL 0 */
	gdt[GK_SEL_UCODE / 8] = 0x00affa000000ffffULL; /* 64-bit code, DPL 3 */
	gdt[GK_SEL_UDATA / 8] = 0x00cff2000000ffffULL; /* data, DPL 3 */
	gdt[GK_SEL_TSS / 8] = gdt_tss_low(GK_SYS_TSS_GPA, 103);
	gdt[GK_SEL_TSS / 8 + 1] = GK_SYS_TSS_GPA >> 32;
}

/* Interrupt gates (IF cleared on entry), DPL 0: `int n` from ring 3 is a #GP, not a call. */
static void write_idt(uint8_t *sys, const struct gk_image_header *img)
{
	uint64_t *idt = (uint64_t *)(sys + GK_SYS_IDT_GPA);
	for (unsigned v = 0; v < GK_TRAP_VECTORS; v++) {
		uint64_t off = img->trap_stubs + (uint64_t)v * img->trap_stub_size;
		idt[2 * v] = (off & 0xffff) | ((uint64_t)GK_SEL_KCODE << 16) | (0x8eULL << 40) |
			     ((off >> 16 & 0xffff) << 48);
		idt[2 * v + 1] = off >> 32;
	}
}

static void write_tss(uint8_t *sys, const struct gk_image_header *img)
{
	uint8_t *tss = sys + GK_SYS_TSS_GPA;
	memcpy(tss + 4, &img->kstack_top, 8); /* RSP0 */
	uint16_t iomap = 104; /* no I/O bitmap: ring 3 has no port access */
	memcpy(tss + 102, &iomap, 2);
}

static void write_boot_page(struct kvm_vm *vm, const struct kvm_vm_config *cfg, const struct gk_run_block *run)
{
	struct gk_boot_page *bp = (struct gk_boot_page *)((uint8_t *)vm->sys.host + GK_SYS_BOOT_GPA);
	const struct kvm_layout *l = &vm->layout;
	bp->info = (struct gk_boot_info){
		.magic = GK_BOOT_MAGIC, .version = GK_BOOT_VERSION, .flags = vm->mmu->boot_flags | cfg->boot_flags,
		.ram_base = l->ram_gpa, .ram_bytes = l->ram_bytes,
		.pt_pool_base = l->pool_gpa, .pt_pool_bytes = l->pool_bytes,
		.levels = cfg->levels, .guest_page = cfg->guest_page,
	};
	bp->run = *run;
	bp->run.magic = GK_RUN_MAGIC;
	bp->run.version = GK_RUN_VERSION;
	bp->run.kernel_pml4e = kvm_layout_kernel_pml4e();
	bp->run.mmio_gpa = l->mmio_gpa;
}

int kvm_layout_write_system(struct kvm_vm *vm, const struct kvm_vm_config *cfg, const struct gk_image_header *img,
			    const struct gk_run_block *run)
{
	if (cfg->levels != 4 || (cfg->guest_page != PT_PAGE_4K && cfg->guest_page != PT_PAGE_2M))
		return -EINVAL;
	uint8_t *sys = vm->sys.host;
	write_identity_map(vm, img);
	write_gdt(sys);
	write_idt(sys, img);
	write_tss(sys, img);
	write_boot_page(vm, cfg, run);
	return gk_boot_info_check(&((struct gk_boot_page *)(sys + GK_SYS_BOOT_GPA))->info);
}
