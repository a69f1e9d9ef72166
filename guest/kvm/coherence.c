/* coherence.c — the guest kernel's half of the coherence self-test (GK_SELFTEST_COHERENCE;
 * the driver runs in ring 3: user_coherence.c): the page-table operations ring 3 asks for
 * (GK_SYS_TEST_PT: map a fresh frame, unmap, flip RW, read the leaf) on a few fixed pages of
 * the current address space, made with the shared walker through the kernel's pt_mem, so
 * every store goes through hal.pt_write (an exit under shadow paging) and every change is
 * followed by the kernel's invlpg; and the fix-up that turns a #PF raised by one of ring 3's
 * probe instructions into a "faulted" result instead of killing the workload. */
#include "guest/gk_internal.h"
#include "guest/kvm/guest_kvm.h"

bool guest_probe_fixup(struct guest_trap_frame *f)
{
	if (f->rip == (uint64_t)(uintptr_t)guest_probe_load_insn)
		f->rip = (uint64_t)(uintptr_t)guest_probe_load_done;
	else if (f->rip == (uint64_t)(uintptr_t)guest_probe_store_insn)
		f->rip = (uint64_t)(uintptr_t)guest_probe_store_done;
	else
		return false;
	f->rdx = 1; /* the probes return the fault flag in rdx */
	return true;
}

static uint64_t test_va(uint64_t page) { return GK_VA_BASE + page * PT_PAGE_4K; }

static uint64_t cur_root(struct gk *k) { return gk_as_root(k, gk_current_as(k)); }

static bool leaf_of(struct gk *k, uint64_t va, struct pt_walk *w)
{
	return pt_walk(&pt_format_x86, k->levels, cur_root(k), va, 0, &k->ptm, w) == PT_WALK_OK;
}

static int64_t test_map(struct gk *k, uint64_t va)
{
	uint64_t frame = gk_frame_alloc(k, PT_PAGE_4K);
	if (frame == GK_NO_FRAME)
		return -ENOMEM;
	int rc = pt_map(&pt_format_x86, k->levels, cur_root(k), va, frame, PT_PAGE_4K, X86_P | X86_RW | X86_US, &k->ptm);
	if (rc)
		gk_frame_free(k, frame, PT_PAGE_4K);
	return rc;
}

static int64_t test_unmap(struct gk *k, uint64_t va)
{
	uint64_t old;
	if (!pt_unmap(&pt_format_x86, k->levels, cur_root(k), va, &k->ptm, &old))
		return -ENOENT;
	k->hal.invlpg(k->hal.hw, va);
	return gk_frame_free(k, old & PT_ADDR_MASK, PT_PAGE_4K);
}

static int64_t test_protect(struct gk *k, uint64_t va)
{
	struct pt_walk w;
	if (!leaf_of(k, va, &w))
		return -ENOENT;
	k->ptm.write(k, w.tables[1], pt_index(va, 1), w.entry ^ X86_RW);
	k->hal.invlpg(k->hal.hw, va);
	return 0;
}

int64_t guest_coherence_syscall(struct gk *k, uint64_t op, uint64_t page)
{
	struct pt_walk w;
	if (page >= GK_TEST_PAGES)
		return -EINVAL;
	switch (op) {
	case GK_TEST_PT_MAP: return test_map(k, test_va(page));
	case GK_TEST_PT_UNMAP: return test_unmap(k, test_va(page));
	case GK_TEST_PT_PROTECT: return test_protect(k, test_va(page));
	case GK_TEST_PT_LEAF: return leaf_of(k, test_va(page), &w) ? (int64_t)w.entry : 0;
	}
	return -EINVAL;
}
