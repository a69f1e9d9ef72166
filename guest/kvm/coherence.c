/* coherence.c — a guest self-test (GK_SELFTEST_COHERENCE) for shadow paging on real KVM: the
 * guest kernel, in ring 0, runs a long random sequence of map / unmap / protect / unprotect /
 * write / switch steps on its own page tables, in a few address spaces that use the same
 * virtual addresses, and after every step checks every page of the current space through
 * its virtual address: a mapped page reads back the last value stored, an unmapped one
 * faults, a store to a protected page faults and changes nothing, and a successful store
 * leaves D set in the guest's entry. Any difference ends the run with -EIO, so a shadow
 * that went stale (a zap missed, a TLB not flushed, a root mixed up) cannot pass.
 *
 * Accesses go through two probe instructions whose #PF the trap handler turns into a
 * "faulted" result (guest_probe_fixup), like a kernel's exception table. The same test runs
 * under ept as the control. */
#include "guest/gk_internal.h"
#include "guest/kvm/guest_kvm.h"

#define COH_SPACES 3
#define COH_PAGES 8

__asm__(".text\n"
	".global guest_probe_load\n"
	"guest_probe_load:\n"          /* rdi = address -> rax */
	"guest_probe_load_insn:\n"
	"	movq (%rdi), %rax\n"
	"guest_probe_load_done:\n"
	"	ret\n"
	".global guest_probe_store\n"
	"guest_probe_store:\n"         /* rdi = address, rsi = value */
	"guest_probe_store_insn:\n"
	"	movq %rsi, (%rdi)\n"
	"guest_probe_store_done:\n"
	"	ret\n");

uint64_t guest_probe_load(uint64_t va);
void guest_probe_store(uint64_t va, uint64_t v);
extern const char guest_probe_load_insn[], guest_probe_load_done[];
extern const char guest_probe_store_insn[], guest_probe_store_done[];

static volatile int probe_faulted;

bool guest_probe_fixup(struct guest_trap_frame *f)
{
	if (f->rip == (uint64_t)(uintptr_t)guest_probe_load_insn)
		f->rip = (uint64_t)(uintptr_t)guest_probe_load_done;
	else if (f->rip == (uint64_t)(uintptr_t)guest_probe_store_insn)
		f->rip = (uint64_t)(uintptr_t)guest_probe_store_done;
	else
		return false;
	probe_faulted = 1;
	return true;
}

struct coh_page {
	bool mapped, writable;
	uint64_t frame, value;
};

struct coh {
	struct gk *k;
	int space[COH_SPACES];
	unsigned cur;
	struct coh_page page[COH_SPACES][COH_PAGES];
	uint64_t rng, checksum;
};

static uint64_t next_random(struct coh *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static uint64_t page_va(unsigned p) { return GK_VA_BASE + (uint64_t)p * PT_PAGE_4K; }

static uint64_t cur_root(struct coh *c) { return gk_as_root(c->k, c->space[c->cur]); }

/* The guest's leaf entry for page p of the current space (its table and index), or false. */
static bool leaf_of(struct coh *c, unsigned p, uint64_t *table, unsigned *index, uint64_t *entry)
{
	struct pt_walk w;
	if (pt_walk(&pt_format_x86, c->k->levels, cur_root(c), page_va(p), 0, &c->k->ptm, &w) != PT_WALK_OK)
		return false;
	*table = w.tables[1];
	*index = pt_index(page_va(p), 1);
	*entry = w.entry;
	return true;
}

static bool load(uint64_t va, uint64_t *v)
{
	probe_faulted = 0;
	*v = guest_probe_load(va);
	return !probe_faulted;
}

static bool store(uint64_t va, uint64_t v)
{
	probe_faulted = 0;
	guest_probe_store(va, v);
	return !probe_faulted;
}

/* A store where the model says whether it must succeed; D must be set after a success. */
static int store_checked(struct coh *c, unsigned p, uint64_t v)
{
	struct coh_page *pg = &c->page[c->cur][p];
	uint64_t table, e;
	unsigned idx;
	bool ok = store(page_va(p), v);
	if (ok != (pg->mapped && pg->writable))
		return -EIO;
	if (!ok)
		return 0;
	pg->value = v;
	return leaf_of(c, p, &table, &idx, &e) && (e & X86_D) ? 0 : -EIO;
}

static int step_map(struct coh *c, unsigned p)
{
	struct coh_page *pg = &c->page[c->cur][p];
	if (pg->mapped)
		return 0;
	uint64_t frame = gk_frame_alloc(c->k, PT_PAGE_4K);
	if (frame == GK_NO_FRAME || pt_map(&pt_format_x86, c->k->levels, cur_root(c), page_va(p), frame, PT_PAGE_4K,
					   X86_P | X86_RW | X86_US, &c->k->ptm) != 0)
		return -ENOMEM;
	pg->mapped = pg->writable = true;
	pg->frame = frame;
	return store_checked(c, p, next_random(c));
}

static int step_unmap(struct coh *c, unsigned p)
{
	struct coh_page *pg = &c->page[c->cur][p];
	uint64_t old;
	if (!pg->mapped)
		return 0;
	pt_unmap(&pt_format_x86, c->k->levels, cur_root(c), page_va(p), &c->k->ptm, &old);
	c->k->hal.invlpg(c->k->hal.hw, page_va(p));
	gk_frame_free(c->k, pg->frame, PT_PAGE_4K);
	pg->mapped = false;
	return 0;
}

/* Flip the guest leaf's RW bit (a page-table write), then invalidate the page. */
static int step_protect(struct coh *c, unsigned p)
{
	struct coh_page *pg = &c->page[c->cur][p];
	uint64_t table, e;
	unsigned idx;
	if (!pg->mapped)
		return 0;
	if (!leaf_of(c, p, &table, &idx, &e))
		return -EIO;
	c->k->ptm.write(c->k, table, idx, e ^ X86_RW);
	c->k->hal.invlpg(c->k->hal.hw, page_va(p));
	pg->writable = !pg->writable;
	return 0;
}

static int step_switch(struct coh *c, unsigned s)
{
	if (gk_as_switch(c->k, c->space[s]) != 0)
		return -EIO;
	c->cur = s;
	return 0;
}

/* Every page of the current space reads back as the model says. */
static int check_space(struct coh *c)
{
	for (unsigned p = 0; p < COH_PAGES; p++) {
		const struct coh_page *pg = &c->page[c->cur][p];
		uint64_t v;
		bool ok = load(page_va(p), &v);
		if (ok != pg->mapped || (ok && v != pg->value))
			return -EIO;
		c->checksum = (c->checksum ^ (ok ? v : p)) * 0x100000001b3ULL;
	}
	return 0;
}

static int one_step(struct coh *c)
{
	uint64_t r = next_random(c);
	unsigned p = (unsigned)(r >> 8) % COH_PAGES;
	switch (r % 8) {
	case 0: return step_switch(c, (unsigned)(r >> 16) % COH_SPACES);
	case 1: case 2: return step_map(c, p);
	case 3: return step_unmap(c, p);
	case 4: return step_protect(c, p);
	default: return store_checked(c, p, next_random(c));
	}
}

int64_t guest_coherence_run(struct gk *k, uint64_t steps, uint64_t seed, uint64_t *checksum)
{
	static struct coh c;
	c.k = k;
	c.rng = seed | 1;
	c.cur = 0;
	c.checksum = 0xcbf29ce484222325ULL;
	c.space[0] = gk_current_as(k);
	for (unsigned s = 1; s < COH_SPACES; s++)
		if ((c.space[s] = gk_as_create(k)) < 0)
			return c.space[s];
	for (uint64_t i = 0; i < steps; i++) {
		int rc = one_step(&c);
		if (rc == 0)
			rc = check_space(&c);
		if (rc != 0)
			return rc;
	}
	*checksum = c.checksum;
	return 0;
}
