/* kvm_shadow.c — shadow paging on a real KVM VM (`--platform kvm --mmu shadow`), the
 * strategy kvm_mmu_shadow (kvm_mmu.h): the VMM's shadow tables live in the shadow area of
 * guest-physical memory (a memslot the guest never maps, vm->mmu_area), built by the same
 * shadow/ code as on `sim` over a different physical layer; the vCPU's CR3 always points at a
 * shadow root.
 *
 * The traps (docs/kvm-platform.md, docs/paging-strategies.md):
 *   - the page-table pool is a read-only memslot: each guest PTE store exits as an MMIO write
 *     that the VMM checks, applies through its own mapping and makes coherent (pool_write,
 *     exits.pt_write);
 *   - CR3 loads, hidden-fault checks and invlpg are hypercalls of the strategy's device
 *     (cr3_load, hidden_fault or hypercall when the fault is the guest's, invlpg);
 *   - whatever the VMM removed from the shadow tables is flushed from KVM's own MMU before the
 *     guest runs again (sync: the memslot of the shadow area is re-registered: a userspace
 *     write to guest tables is invisible to a host that shadows them, and no ioctl flushes a
 *     guest TLB).
 * Only vmm/ issues the ioctls; shadow/ stays pure C.
 *
 *
 * Physical layer: shadow tables are 4 KiB pages of the shadow area (gpa addresses, written
 * through the VMM's mapping); guest tables are read (and A/D-updated) only in the
 * page-table pool and the boot tables of the system area — a guest "table" anywhere else
 * could be written without a trap, so a walk through one is refused; a shadow leaf maps the
 * guest page to itself (gva -> gpa), wholly inside guest RAM (writable as the guest says) or
 * the pool (read-only): never the shadow area, the system area or the MMIO window.
 *
 * The kernel's half: every shadow root carries, in entry 0, a link to tables the VMM builds
 * once from its boot identity map (same U/S bits, so ring 3 reaches only the image's user
 * pages), except that the boot tables themselves are read-only and the pool is writable —
 * its memslot is read-only, so a ring-0 store there exits as MMIO (the pt_write trap). */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mmu/strategy.h"
#include "shadow/shadow.h"
#include "shadow/shadow_core.h"
#include "shadow/shadow_roots.h"
#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_mmu.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/util/clock.h"

#define KERNEL_INDEX 0u     /* PML4 entry of the identity map (kvm_layout.c) */
#define SPURIOUS_REPEAT_MAX 8 /* the shadow allowed the same fault this often in a row: the flush is not taking effect */

struct kvm_shadow {
	struct kvm_vm *vm;
	struct kvm_region *area;    /* the shadow area: slot KVM_SLOT_SHADOW (vm->mmu_area) */
	uint32_t *free_pages;       /* stack of free page indexes of the area */
	uint32_t nfree;
	struct pt_mem mem;          /* shadow tables in the area */
	struct pt_mem guest;        /* guest tables: pool and boot tables */
	struct shadow_tables tables;
	struct shadow_roots roots;
	struct shadow_phys phys;
	struct shadow_page *cur;    /* the shadow root in CR3; cur->guest_table is the guest root it shadows */
	uint64_t flushed_zapped, flushed_freed; /* tables.zapped / .freed at the last host flush */
	uint64_t last_spurious_gva, spurious_repeats;
	struct kvm_mmu_stats stats;
};

/* ---- Table memory in the shadow area --------------------------------------------------- */

static uint64_t *area_entry(struct kvm_shadow *s, uint64_t table, unsigned index)
{
	uint64_t off = table - s->area->gpa + (uint64_t)index * sizeof(uint64_t);
	return table >= s->area->gpa && off < s->area->bytes ? (uint64_t *)((uint8_t *)s->area->host + off) : NULL;
}

static bool area_read(void *ctx, uint64_t table, unsigned index, uint64_t *entry)
{
	uint64_t *e = area_entry(ctx, table, index);
	if (!e)
		return false;
	*entry = *e;
	return true;
}

static void area_write(void *ctx, uint64_t table, unsigned index, uint64_t entry)
{
	uint64_t *e = area_entry(ctx, table, index);
	if (e)
		*e = entry;
}

static uint64_t area_alloc(void *ctx)
{
	struct kvm_shadow *s = ctx;
	if (!s->nfree)
		return PT_NO_TABLE;
	uint64_t table = s->area->gpa + (uint64_t)s->free_pages[--s->nfree] * PT_PAGE_4K;
	memset(area_entry(s, table, 0), 0, PT_PAGE_4K);
	return table;
}

static void area_free(void *ctx, uint64_t table)
{
	struct kvm_shadow *s = ctx;
	s->free_pages[s->nfree++] = (uint32_t)((table - s->area->gpa) / PT_PAGE_4K);
}

/* ---- Guest tables, as the VMM reads them -------------------------------------------------- */

static uint64_t *guest_table_entry(struct kvm_shadow *s, uint64_t table, unsigned index)
{
	uint64_t gpa = table + (uint64_t)index * sizeof(uint64_t);
	const struct kvm_layout *l = &s->vm->layout;
	if (!kvm_gpa_within(gpa, 8, l->pool_gpa, l->pool_bytes) && !kvm_gpa_within(gpa, 8, GK_SYS_PT_GPA, GK_SYS_PT_END - GK_SYS_PT_GPA))
		return NULL;
	return kvm_gpa_host(s->vm, gpa, 8);
}

static bool guest_read(void *ctx, uint64_t table, unsigned index, uint64_t *entry)
{
	uint64_t *e = guest_table_entry(ctx, table, index);
	if (!e)
		return false;
	*entry = *e;
	return true;
}

/* A and D set by the VMM's walk: the VMM's own mapping, so no exit. */
static void guest_write(void *ctx, uint64_t table, unsigned index, uint64_t entry)
{
	uint64_t *e = guest_table_entry(ctx, table, index);
	if (e)
		*e = entry;
}

/* ---- The physical layer ------------------------------------------------------------------ */

static bool kvm_leaf(void *ctx, const struct pt_walk *g, struct shadow_leaf *leaf)
{
	struct kvm_shadow *s = ctx;
	const struct kvm_layout *l = &s->vm->layout;
	uint64_t gpa = g->pa & ~(g->page_size - 1);
	bool ram = kvm_gpa_within(gpa, g->page_size, l->ram_gpa, l->ram_bytes);
	if (!ram && !kvm_gpa_within(gpa, g->page_size, l->pool_gpa, l->pool_bytes))
		return false;
	*leaf = (struct shadow_leaf){ .level = pt_leaf_level(g->page_size), .addr = gpa,
				      .writable = g->writable && ram, .user = g->user };
	return true;
}

static void tables_freed(void *ctx, unsigned n)
{
	(void)ctx;
	(void)n; /* the host flush before the next entry covers it (shadow_sync) */
}

/* ---- Set-up ------------------------------------------------------------------------------ */

/* The kernel's half of every root: the boot identity map, read with the shared walker and
 * rebuilt in the shadow area. The first 2 MiB (system pages and the boot tables) go in 4 KiB
 * pages so the tables can be read-only. */
static int map_kernel_page(struct kvm_shadow *s, uint64_t kroot, uint64_t gpa, uint64_t size, uint64_t flags)
{
	bool tables = gpa < GK_SYS_PT_END && gpa + size > GK_SYS_PT_GPA;
	if (tables && size > PT_PAGE_4K) {
		for (uint64_t a = gpa; a < gpa + size; a += PT_PAGE_4K) {
			int rc = map_kernel_page(s, kroot, a, PT_PAGE_4K, flags);
			if (rc)
				return rc;
		}
		return 0;
	}
	return pt_map(&pt_format_x86, 4, kroot, gpa, gpa, size, tables ? flags & ~(uint64_t)X86_RW : flags, &s->mem);
}

static int build_kernel_half(struct kvm_shadow *s)
{
	uint64_t kroot = area_alloc(s), gpa = 0;
	if (kroot == PT_NO_TABLE)
		return -ENOMEM;
	while (gpa < s->vm->layout.identity_end) {
		struct pt_walk w;
		if (pt_walk(&pt_format_x86, 4, GK_SYS_PT_GPA, gpa, 0, &s->guest, &w) != PT_WALK_OK) {
			gpa = (gpa | (PT_PAGE_2M - 1)) + 1;
			continue;
		}
		uint64_t flags = X86_P | (w.writable ? X86_RW : 0) | (w.user ? X86_US : 0);
		int rc = map_kernel_page(s, kroot, gpa & ~(w.page_size - 1), w.page_size, flags);
		if (rc)
			return rc;
		gpa = (gpa & ~(w.page_size - 1)) + w.page_size;
	}
	area_read(s, kroot, KERNEL_INDEX, &s->tables.fixed_entry);
	s->tables.fixed_index = KERNEL_INDEX;
	return 0;
}

static int area_create(struct kvm_shadow *s, char *msg, size_t msglen)
{
	const struct kvm_layout *l = &s->vm->layout;
	int rc = kvm_region_alloc(s->area, &guest_mem_defaults, l->shadow_gpa, l->shadow_bytes, KVM_SLOT_SHADOW, msg, msglen);
	if (rc < 0)
		return rc;
	uint32_t pages = (uint32_t)(l->shadow_bytes / PT_PAGE_4K);
	if (!(s->free_pages = malloc(pages * sizeof(uint32_t))))
		return -ENOMEM;
	for (uint32_t i = 0; i < pages; i++) /* lowest pages handed out first */
		s->free_pages[s->nfree++] = pages - 1 - i;
	if ((rc = kvm_region_register(s->vm, s->area, 0)) < 0)
		snprintf(msg, msglen, "KVM_SET_USER_MEMORY_REGION (shadow area): %s", strerror(-rc));
	return rc;
}

/* Points the vCPU's CR3 at a shadow root (a CR3 change also flushes KVM's TLB). */
static int set_cr3(struct kvm_vm *vm, uint64_t cr3)
{
	struct kvm_sregs sr;
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	sr.cr3 = cr3;
	return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sr) < 0 ? -errno : 0;
}

/* Switch to the shadow tree of guest_root (cached, or a new one with the kernel's half). */
static int load_root(struct kvm_shadow *s, uint64_t guest_root)
{
	unsigned freed;
	struct shadow_page *sp = shadow_roots_get(&s->roots, &s->tables, guest_root, 4, &freed);
	if (!sp)
		return -ENOMEM;
	s->cur = sp;
	return set_cr3(s->vm, sp->table);
}

static int shadow_setup(struct kvm_vm *vm, char *msg, size_t msglen)
{
	struct kvm_shadow *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	vm->mmu_state = s;
	s->vm = vm;
	s->area = &vm->mmu_area;
	s->mem = (struct pt_mem){ .read = area_read, .write = area_write, .alloc_table = area_alloc,
				  .free_table = area_free, .ctx = s };
	s->guest = (struct pt_mem){ .read = guest_read, .write = guest_write, .ctx = s };
	s->phys = (struct shadow_phys){ .levels = 4, .guest = &s->guest, .leaf = kvm_leaf,
					.tables_freed = tables_freed, .ctx = s };
	int rc = area_create(s, msg, msglen);
	if (rc < 0)
		return rc;
	if (shadow_tables_init(&s->tables, &s->mem) < 0)
		return -ENOMEM;
	shadow_roots_init(&s->roots);
	if ((rc = build_kernel_half(s)) < 0 || (rc = load_root(s, GK_SYS_PT_GPA)) < 0)
		snprintf(msg, msglen, "shadow paging set-up: %s", strerror(-rc));
	return rc;
}

static void shadow_teardown(struct kvm_vm *vm)
{
	struct kvm_shadow *s = vm->mmu_state;
	if (!s)
		return;
	if (s->tables.pages.slot) {
		shadow_roots_free_all(&s->roots, &s->tables);
		shadow_tables_fini(&s->tables);
	}
	kvm_region_free(s->area);
	free(s->free_pages);
	free(s);
	vm->mmu_state = NULL;
}

/* ---- Exits ------------------------------------------------------------------------------- */

/* A guest store into the pool: checked (kvm_pt_check.c), applied through the VMM's mapping,
 * and the shadow entries derived from the entry written are zapped. */
static bool shadow_pool_write(struct kvm_vm *vm, uint64_t gpa, const uint8_t *data, uint32_t len)
{
	struct kvm_shadow *s = vm->mmu_state;
	uint64_t e;
	char why[200];
	vm->out.exits.pt_write++;
	if (kvm_pt_write_check(&vm->layout, gpa, data, len, &e, why, sizeof(why)) < 0) {
		kvm_vm_fail(vm, "%s", why);
		return false;
	}
	memcpy(kvm_gpa_host(vm, gpa, sizeof(e)), &e, sizeof(e));
	shadow_guest_entry_written(&s->tables, gpa);
	return true;
}

static bool hc_cr3_load(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	struct kvm_shadow *s = state;
	uint64_t guest_root = hc->arg[0];
	const struct kvm_layout *l = &vm->layout;
	vm->out.exits.cr3_load++;
	guest_root &= PT_ADDR_MASK; /* CR3's low bits are flags, not address */
	if (!kvm_gpa_within(guest_root, PT_PAGE_4K, l->pool_gpa, l->pool_bytes)) {
		kvm_vm_fail(vm, "guest CR3 load refused: root 0x%" PRIx64 " is not a page-table pool page", guest_root);
		return false;
	}
	int rc = load_root(s, guest_root);
	if (rc < 0) {
		kvm_vm_fail(vm, "shadow root for guest root 0x%" PRIx64 ": %s", guest_root, strerror(-rc));
		return false;
	}
	*ret = 0;
	return true;
}

static unsigned fault_access(uint64_t err)
{
	return (err & PF_ERR_W ? MMU_WRITE : MMU_READ) | (err & PF_ERR_U ? MMU_USER : 0);
}

/* The shadow already allows the access: the CPU used a translation KVM kept from before a
 * change (or a fault raced a fill); a host flush makes it take the shadow as it is. */
static bool already_mapped(struct kvm_shadow *s, uint64_t gva, unsigned access)
{
	struct pt_walk w;
	return pt_walk(&pt_format_x86, 4, s->cur->table, gva, mmu_walk_flags(access), &s->mem, &w) == PT_WALK_OK;
}

/* A spurious fault is retried after a host flush; the same one again and again means the
 * flush does not reach the CPU: stop rather than spin. */
static bool spurious_repeats(struct kvm_shadow *s, uint64_t gva)
{
	if (gva != s->last_spurious_gva) {
		s->last_spurious_gva = gva;
		s->spurious_repeats = 0;
	}
	return ++s->spurious_repeats > SPURIOUS_REPEAT_MAX;
}

static bool hc_hidden_fault(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	struct kvm_shadow *s = state;
	uint64_t gva = hc->arg[0], err = hc->arg[1];
	unsigned access = fault_access(err);
	uint32_t pf_err;
	if (already_mapped(s, gva, access)) {
		if (spurious_repeats(s, gva)) {
			kvm_vm_fail(vm, "fault at 0x%" PRIx64 " (error 0x%" PRIx64 ") keeps coming back although the shadow "
				    "maps it", gva, err);
			return false;
		}
		s->stats.spurious_faults++;
		s->flushed_zapped = UINT64_MAX; /* force the host flush */
		vm->out.exits.hidden_fault++;
		*ret = 0;
		return true;
	}
	s->last_spurious_gva = UINT64_MAX;
	switch (shadow_resolve(&s->tables, &s->phys, s->cur, s->cur->guest_table, gva, access, &pf_err)) {
	case SHADOW_RESOLVED:
		vm->out.exits.hidden_fault++;
		*ret = 0;
		return true;
	case SHADOW_GUEST_FAULT: /* the guest's own fault: an exit all the same */
		vm->out.exits.hypercall++;
		*ret = -EFAULT;
		return true;
	case SHADOW_REFUSED:
		kvm_vm_fail(vm, "hidden fault at 0x%" PRIx64 " refused: the guest's tables map it onto memory it may not "
			    "map (outside guest RAM, or a page table, writable)", gva);
		return false;
	case SHADOW_NO_MEMORY:
	default:
		kvm_vm_fail(vm, "hidden fault at 0x%" PRIx64 ": the shadow area is full", gva);
		return false;
	}
}

static bool hc_invlpg(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	struct kvm_shadow *s = state;
	uint64_t gva = hc->arg[0];
	vm->out.exits.invlpg++;
	if (pt_index(gva, 4) != KERNEL_INDEX) /* the kernel's half is the VMM's, never dropped */
		shadow_drop_leaf(&s->tables, &s->phys, s->cur, gva);
	*ret = 0;
	return true;
}

static bool shadow_sync(struct kvm_vm *vm)
{
	struct kvm_shadow *s = vm->mmu_state;
	if (!s || (s->tables.zapped == s->flushed_zapped && s->tables.freed == s->flushed_freed))
		return true;
	/* deleting the slot drops every KVM translation through it; then it comes back as it was */
	uint64_t t0 = monotonic_ns();
	int rc = kvm_region_register(vm, s->area, KVM_REGION_DELETE);
	if (rc == 0)
		rc = kvm_region_register(vm, s->area, 0);
	if (rc < 0) {
		kvm_vm_fail(vm, "flushing KVM's MMU (shadow area memslot): %s", strerror(-rc));
		return false;
	}
	s->flushed_zapped = s->tables.zapped;
	s->flushed_freed = s->tables.freed;
	s->stats.host_flushes++;
	s->stats.host_flush_ns += monotonic_ns() - t0;
	return true;
}

static void shadow_stats(const struct kvm_vm *vm, struct kvm_mmu_stats *out)
{
	const struct kvm_shadow *s = vm->mmu_state;
	if (!s)
		return;
	*out = s->stats;
	out->tables_live = s->tables.live;
	out->tables_created = s->tables.created;
	out->zapped = s->tables.zapped;
	out->roots_built = s->roots.built;
	out->roots_hit = s->roots.hits;
	out->roots_evicted = s->roots.evicted;
}

/* ---- The strategy --------------------------------------------------------------------------- */

/* The device's state is the VM's shadow (set up before devices are attached). */
static int shadow_device_init(struct kvm_vm *vm, void **state, char *msg, size_t msglen)
{
	if (!vm->mmu_state) {
		snprintf(msg, msglen, "shadow hypercalls without shadow paging set up");
		return -EINVAL;
	}
	*state = vm->mmu_state;
	return 0;
}

static const struct kvm_hypercall shadow_calls[] = {
	{ GK_HC_CR3_LOAD, "CR3_LOAD", hc_cr3_load, true },
	{ GK_HC_HIDDEN_FAULT, "HIDDEN_FAULT", hc_hidden_fault, true },
	{ GK_HC_INVLPG, "INVLPG", hc_invlpg, true },
};

static const struct kvm_device shadow_device = {
	.name = "shadow",
	.calls = shadow_calls,
	.ncalls = sizeof(shadow_calls) / sizeof(shadow_calls[0]),
	.init = shadow_device_init,
};

const struct kvm_mmu_ops kvm_mmu_shadow = {
	.name = "shadow",
	.strategy = &shadow_strategy,
	.boot_flags = GK_BOOT_SHADOW,
	.pool_slot_flags = KVM_MEM_READONLY, /* every guest store to a page table exits (as MMIO) */
	.setup = shadow_setup,
	.teardown = shadow_teardown,
	.pool_write = shadow_pool_write,
	.sync = shadow_sync,
	.device = &shadow_device,
	.stats = shadow_stats,
};
