/* ept_strategy.c — EPT-style two-dimensional paging. The guest owns its x86 page tables; on a
 * TLB miss the "hardware" walks them with the shared walker, translating every guest table
 * address through the p2m (itself an EPT walk), then translates the final gpa the same way.
 * Every entry read in either dimension is counted: n*m + n + m references without caches.
 * Caches: the PWC skips upper guest levels (and their nested walks), the nested TLB serves the
 * guest-table gpa translations (not the final data gpa: that ends up in the TLB entry).
 * No exits except EPT violations (first touch of an unbacked frame; a write to a frame shared
 * copy-on-write, counted as cow_break, ept/p2m_share.c) — page-table writes,
 * CR3 loads and invlpg are ordinary guest operations here. */
#include "ept/ept.h"
#include "ept/p2m.h"

/* State of one 2D walk, shared with the guest-table pt_mem callbacks. */
struct walk2d {
	struct mmu_vm *vm;
	struct p2m *p2m;
	bool violation;     /* a gpa on the way is not backed ... */
	bool outside;       /* ... or is outside guest memory altogether */
	uint64_t fault_gpa;
};

/* gpa -> hpa through the p2m, counting the p2m walk's references. */
static bool nested_xlat(struct walk2d *c, uint64_t gpa, bool use_ntlb, uint64_t *hpa, bool *writable)
{
	struct mmu_vm *vm = c->vm;
	struct pt_walk w;

	*writable = true;
	if (use_ntlb && ntlb_lookup(&vm->ntlb, gpa, hpa)) {
		vm->cur->ntlb_hits++;
		return true;
	}
	if (gpa >= c->p2m->gpa_limit) {
		c->outside = true;
		c->fault_gpa = gpa;
		return false;
	}
	p2m_walk(c->p2m, gpa, &w);
	vm->cur->walk_refs += w.refs;
	if (w.status != PT_WALK_OK) {
		c->violation = true;
		c->fault_gpa = gpa;
		return false;
	}
	if (use_ntlb)
		ntlb_insert(&vm->ntlb, gpa & ~(c->p2m->page_size - 1), w.pa & ~(c->p2m->page_size - 1),
			    w.writable);
	*hpa = w.pa;
	*writable = w.writable;
	return true;
}

static bool guest_table_read(void *ctx, uint64_t table, unsigned index, uint64_t *entry)
{
	struct walk2d *c = ctx;
	uint64_t hpa;
	bool wr;
	const uint64_t *e;

	if (!nested_xlat(c, table + index * sizeof(uint64_t), c->vm->cfg.ntlb, &hpa, &wr))
		return false;
	e = hostmem_ptr(&c->vm->host, hpa);
	if (!e)
		return false;
	*entry = *e;
	return true;
}

/* A/D updates of an entry the walk has just read (its translation is known to exist). */
static void guest_table_write(void *ctx, uint64_t table, unsigned index, uint64_t entry)
{
	struct walk2d *c = ctx;
	uint64_t hpa;
	uint64_t *e;

	if (p2m_lookup(c->p2m, table + index * sizeof(uint64_t), &hpa))
		return;
	e = hostmem_ptr(&c->vm->host, hpa);
	if (e)
		*e = entry;
}

/* A gpa of the walk had no host frame: the VMM backs it (EPT violation) and the walk restarts;
 * a gpa outside guest memory has no device behind it here: an MMIO exit nobody can serve. */
static enum mmu_fill_result nested_fault(struct walk2d *c)
{
	struct mmu_vm *vm = c->vm;

	if (c->outside) {
		vm->exits.mmio++;
		return MMU_FILL_ERROR;
	}
	vm->exits.ept_violation++;
	return p2m_back(c->p2m, c->fault_gpa) ? MMU_FILL_ERROR : MMU_FILL_RETRY;
}

static enum mmu_fill_result ept_fill(struct mmu_vm *vm, uint64_t gva, unsigned access, struct mmu_xlat *out,
				     uint32_t *pf_err)
{
	struct walk2d c = { .vm = vm, .p2m = p2m_from(vm->p2m) };
	const struct pt_mem mem = { .read = guest_table_read, .write = guest_table_write, .ctx = &c };
	unsigned flags = PT_WALK_SET_AD | mmu_walk_flags(access);
	struct pt_walk w;
	uint64_t hpa, size;
	bool host_writable;

	vm->cur->walks++;
	mmu_hw_walk(vm, vm->cr3, gva, flags, &mem, &w);
	switch (w.status) {
	case PT_WALK_OK:
		break;
	case PT_WALK_MEM_FAULT:
		return nested_fault(&c);
	default:
		*pf_err = mmu_pf_error(w.status, access);
		return MMU_FILL_GUEST_FAULT;
	}
	if (!nested_xlat(&c, w.pa, false, &hpa, &host_writable))
		return nested_fault(&c);
	/* a write to a frame shared copy-on-write (ept/p2m_share.c): the p2m leaf is read-only, an
	 * EPT violation the VMM resolves by giving the frame its own copy */
	if ((access & MMU_WRITE) && !host_writable) {
		vm->exits.cow_break++;
		return p2m_cow_break(c.p2m, w.pa) ? MMU_FILL_ERROR : MMU_FILL_RETRY;
	}
	size = w.page_size < c.p2m->page_size ? w.page_size : c.p2m->page_size;
	out->hpa_page = hpa & ~(size - 1);
	out->page_size = size;
	out->writable = w.writable && host_writable;
	out->user = w.user;
	out->dirty = w.dirty;
	return MMU_FILL_OK;
}

static void ept_pt_write(struct mmu_vm *vm, uint64_t gpa, uint64_t val)
{
	uint64_t *e = mmu_gpa_ptr(vm, gpa);
	if (e)
		*e = val;
	mmu_fast_invalidate(vm);
}

static void ept_cr3_load(struct mmu_vm *vm, uint64_t root_gpa, uint16_t asid)
{
	vm->cr3 = root_gpa;
	vm->asid = asid;
	if (!vm->cfg.pcid) {
		tlb_flush_all(&vm->tlb);
		pwc_flush_all(&vm->pwc);
	}
	mmu_fast_invalidate(vm);
}

static void ept_invlpg(struct mmu_vm *vm, uint64_t gva)
{
	tlb_flush_va(&vm->tlb, vm->asid, gva);
	pwc_flush_va(&vm->pwc, vm->asid, gva);
	mmu_fast_invalidate(vm);
}

static int ept_init(struct mmu_vm *vm)
{
	(void)vm;
	return 0;
}

static void ept_fini(struct mmu_vm *vm) { (void)vm; }

const struct mmu_strategy_ops ept_strategy = {
	.name = "ept",
	.p2m = &p2m_ops,
	.init = ept_init,
	.fini = ept_fini,
	.fill = ept_fill,
	.pt_write = ept_pt_write,
	.cr3_load = ept_cr3_load,
	.invlpg = ept_invlpg,
	.first_touch_exits = true,
	.pt_writes_trap = false,
};
