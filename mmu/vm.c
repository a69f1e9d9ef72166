/* vm.c — the simulated machine: set-up, the translated access (TLB, then the strategy's walk,
 * then faults), the guest's direct-map access, and the hardware operations it delegates to
 * the paging strategy. The p2m is the strategy's second-dimension map (ops->p2m), reached
 * only through struct mmu_p2m_ops. */
#include <errno.h>
#include <string.h>

#include "mmu/strategy.h"
#include "workloads/wl.h"

/* A fill that keeps asking for a retry (or a guest handler that never fixes the mapping)
 * would spin forever; a real access needs at most a few rounds (violation on a table, on
 * the data page, a guest fault, a hidden fault ...). */
#define MMU_MAX_FILL_ROUNDS 64

static int check_config(const struct mmu_config *c)
{
	if (c->levels != 4 && c->levels != 5)
		return -EINVAL;
	if (c->guest_page != PT_PAGE_4K && c->guest_page != PT_PAGE_2M)
		return -EINVAL;
	if (!pt_leaf_level(c->host_page))
		return -EINVAL;
	if (!c->ram_bytes || ((c->ram_bytes | c->pt_pool_bytes) & (PT_PAGE_4K - 1)))
		return -EINVAL;
	return 0;
}

int mmu_vm_init(struct mmu_vm *vm, const struct mmu_config *cfg, const struct mmu_strategy_ops *ops)
{
	int rc = check_config(cfg);

	memset(vm, 0, sizeof(*vm));
	if (rc == 0 && (!ops || !ops->p2m))
		rc = -EINVAL;
	if (rc)
		return rc;
	vm->cfg = *cfg;
	vm->ops = ops;
	vm->cur = &vm->user;
	rc = hostmem_init_window(&vm->host, hostmem_bytes_for(cfg->ram_bytes, cfg->pt_pool_bytes, cfg->host_page),
				 (cfg->host_page > PT_PAGE_4K ? HOSTMEM_HUGEPAGE : 0) | (cfg->host_anon ? HOSTMEM_ANON : 0),
				 cfg->share_fd, cfg->share_bytes);
	if (rc)
		return rc;
	rc = tlb_init(&vm->tlb, cfg->tlb_entries);
	if (rc)
		goto fail;
	pwc_init(&vm->pwc, cfg->pwc);
	ntlb_init(&vm->ntlb, cfg->ntlb, cfg->host_page);
	rc = ops->p2m->create(&vm->host, cfg->ram_bytes + cfg->pt_pool_bytes, cfg->host_page, &vm->p2m);
	if (rc)
		goto fail;
	if (ops->init) {
		rc = ops->init(vm);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	ops->p2m->destroy(vm->p2m);
	tlb_fini(&vm->tlb);
	hostmem_fini(&vm->host);
	memset(vm, 0, sizeof(*vm));
	return rc;
}

void mmu_vm_fini(struct mmu_vm *vm)
{
	if (!vm->ops)
		return; /* never set up, or set up and failed: nothing to free */
	if (vm->ops->fini)
		vm->ops->fini(vm);
	vm->ops->p2m->destroy(vm->p2m);
	tlb_fini(&vm->tlb);
	hostmem_fini(&vm->host);
	memset(vm, 0, sizeof(*vm));
}

void mmu_fast_invalidate(struct mmu_vm *vm)
{
	struct wl_xlat_cache *rd = vm->fast_rd, *wr = vm->fast_wr;
	if (rd)
		rd->vpage = UINT64_MAX;
	if (wr)
		wr->vpage = UINT64_MAX;
}

/* A p2m mapping changed (reclaim, balloon, sharing): cached gpa->hpa translations are stale.
 * This is what the VMM's INVEPT does; the PWC holds gpas under EPT and is unaffected. */
static void sync_p2m(struct mmu_vm *vm)
{
	if (vm->p2m->gen == vm->p2m_gen)
		return;
	vm->p2m_gen = vm->p2m->gen;
	tlb_flush_all(&vm->tlb);
	ntlb_flush(&vm->ntlb);
	mmu_fast_invalidate(vm);
}

/* A TLB entry serves an access only if it grants it; a write also needs the D bit already set
 * in the guest leaf (hardware re-walks to set it). Otherwise the access is handled as a miss
 * and re-filled with the access's own rights: the walk then sets D or reports the fault. */
static bool xlat_allows(const struct mmu_xlat *x, unsigned access)
{
	if ((access & MMU_WRITE) && !(x->writable && x->dirty))
		return false;
	if ((access & MMU_USER) && !x->user)
		return false;
	return true;
}

static void *xlat_ptr(struct mmu_vm *vm, const struct mmu_xlat *x, uint64_t gva)
{
	return hostmem_ptr(&vm->host, x->hpa_page + (gva & (x->page_size - 1)));
}

static int fill_loop(struct mmu_vm *vm, uint64_t gva, unsigned access, struct mmu_xlat *x)
{
	for (int round = 0; round < MMU_MAX_FILL_ROUNDS; round++) {
		uint32_t err = 0;
		int rc;
		switch (vm->ops->fill(vm, gva, access, x, &err)) {
		case MMU_FILL_OK:
			return 0;
		case MMU_FILL_RETRY:
			continue;
		case MMU_FILL_GUEST_FAULT:
			vm->cur->guest_faults++;
			if (!vm->guest_pf)
				return -EFAULT;
			rc = vm->guest_pf(vm->guest, gva, err);
			if (rc < 0)
				return rc;
			continue;
		default:
			return -EFAULT;
		}
	}
	return -EFAULT;
}

int mmu_access(struct mmu_vm *vm, uint64_t gva, unsigned access, void **host_ptr)
{
	struct mmu_xlat x;
	uint64_t gen;
	int rc;

	sync_p2m(vm);
	vm->cur->accesses++;
	gen = vm->tlb.gen;
	if (tlb_lookup(&vm->tlb, vm->asid, gva, &x) && xlat_allows(&x, access)) {
		vm->cur->tlb_hits++;
	} else {
		vm->cur->tlb_misses++;
		rc = fill_loop(vm, gva, access, &x);
		if (rc)
			return rc;
		tlb_insert(&vm->tlb, vm->asid, gva, &x);
	}
	/* the fast-path caches are exact only while the TLB state they mirror is unchanged */
	if (vm->tlb.gen != gen)
		mmu_fast_invalidate(vm);
	*host_ptr = xlat_ptr(vm, &x, gva);
	return *host_ptr ? 0 : -EFAULT;
}

void *mmu_gpa_ptr(struct mmu_vm *vm, uint64_t gpa)
{
	const struct mmu_p2m_ops *p2m = vm->ops->p2m;
	uint64_t hpa;

	if (gpa >= vm->cfg.ram_bytes + vm->cfg.pt_pool_bytes)
		return NULL;
	if (p2m->lookup(vm->p2m, gpa, &hpa)) {
		if (vm->ops->first_touch_exits)
			vm->exits.ept_violation++; /* first touch of this host page by the guest kernel */
		if (p2m->back(vm->p2m, gpa) || p2m->lookup(vm->p2m, gpa, &hpa))
			return NULL;
	}
	return hostmem_ptr(&vm->host, hpa);
}

/* The strategies invalidate the fast-path caches themselves; doing it here as well keeps the
 * workload fast path exact whatever a strategy forgets. */
void mmu_pt_write(struct mmu_vm *vm, uint64_t gpa, uint64_t val)
{
	vm->ops->pt_write(vm, gpa, val);
	mmu_fast_invalidate(vm);
}

void mmu_cr3_load(struct mmu_vm *vm, uint64_t root_gpa, uint16_t asid)
{
	vm->ops->cr3_load(vm, root_gpa, asid);
	mmu_fast_invalidate(vm);
}

void mmu_invlpg(struct mmu_vm *vm, uint64_t gva)
{
	vm->ops->invlpg(vm, gva);
	mmu_fast_invalidate(vm);
}
