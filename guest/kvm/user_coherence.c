/* user_coherence.c — the coherence self-test's driver, in ring 3 (GK_SELFTEST_COHERENCE): a
 * long random sequence of map / unmap / protect / unprotect / write / switch steps on a few
 * pages that every address space has at the same virtual addresses, the page-table work
 * done by the guest kernel (GK_SYS_TEST_PT, coherence.c), and after every step a check of
 * every page of the current space through its virtual address, natively from ring 3 — so
 * through the translations the CPU (and KVM under it) really caches: a mapped page reads back
 * the last value stored, an unmapped one faults, a store to a protected page faults and
 * changes nothing, and a store that succeeds leaves A and D set in the guest's entry. Any
 * difference ends the run with -EIO, so a shadow that went stale (a zap missed, a host TLB
 * not flushed, a root mixed up) cannot pass. The same test runs under ept as the control.
 *
 * Accesses go through two probe instructions whose #PF the kernel turns into a "faulted"
 * result (guest_probe_fixup), like a kernel's exception table. */
#include "guest/kvm/guest_kvm.h"

#define COH_SPACES 3

__asm__(".text\n"
	".global guest_probe_load\n"
	"guest_probe_load:\n"          /* rdi = address -> rax = value, rdx = faulted */
	"	xor %edx, %edx\n"
	".global guest_probe_load_insn\n"
	"guest_probe_load_insn:\n"
	"	movq (%rdi), %rax\n"
	".global guest_probe_load_done\n"
	"guest_probe_load_done:\n"
	"	ret\n"
	".global guest_probe_store\n"
	"guest_probe_store:\n"         /* rdi = address, rsi = value -> rdx = faulted */
	"	xor %edx, %edx\n"
	".global guest_probe_store_insn\n"
	"guest_probe_store_insn:\n"
	"	movq %rsi, (%rdi)\n"
	".global guest_probe_store_done\n"
	"guest_probe_store_done:\n"
	"	mov %rdx, %rax\n"
	"	ret\n");

struct coh_page {
	bool mapped, writable;
	uint64_t value;
};

struct coh {
	int space[COH_SPACES];
	unsigned cur;
	struct coh_page page[COH_SPACES][GK_TEST_PAGES];
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

static long test_pt(enum gk_test_pt op, unsigned p) { return guest_user_sys(GK_SYS_TEST_PT, op, p); }

static bool load(uint64_t va, uint64_t *v)
{
	struct probe_result r = guest_probe_load(va);
	*v = r.value;
	return !r.faulted;
}

/* A store where the model says whether it must succeed; D must be set after a success. */
static int store_checked(struct coh *c, unsigned p, uint64_t v)
{
	struct coh_page *pg = &c->page[c->cur][p];
	bool ok = guest_probe_store(page_va(p), v) == 0;
	if (ok != (pg->mapped && pg->writable))
		return -EIO;
	if (!ok)
		return 0;
	pg->value = v;
	/* A and D emulated (shadow) or set by the CPU (ept) in the guest entry */
	return (test_pt(GK_TEST_PT_LEAF, p) & (X86_A | X86_D)) == (X86_A | X86_D) ? 0 : -EIO;
}

static int step_map(struct coh *c, unsigned p)
{
	struct coh_page *pg = &c->page[c->cur][p];
	if (pg->mapped)
		return 0;
	if (test_pt(GK_TEST_PT_MAP, p) != 0)
		return -ENOMEM;
	pg->mapped = pg->writable = true;
	return store_checked(c, p, next_random(c));
}

static int step_unmap(struct coh *c, unsigned p)
{
	struct coh_page *pg = &c->page[c->cur][p];
	if (!pg->mapped)
		return 0;
	pg->mapped = false;
	return test_pt(GK_TEST_PT_UNMAP, p) == 0 ? 0 : -EIO;
}

static int step_protect(struct coh *c, unsigned p)
{
	struct coh_page *pg = &c->page[c->cur][p];
	if (!pg->mapped)
		return 0;
	pg->writable = !pg->writable;
	return test_pt(GK_TEST_PT_PROTECT, p) == 0 ? 0 : -EIO;
}

static int step_switch(struct coh *c, unsigned s)
{
	if (guest_user_sys(GK_SYS_AS_SWITCH, (uint64_t)c->space[s], 0) != 0)
		return -EIO;
	c->cur = s;
	return 0;
}

/* Every page of the current space reads back as the model says. */
static int check_space(struct coh *c)
{
	for (unsigned p = 0; p < GK_TEST_PAGES; p++) {
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
	unsigned p = (unsigned)(r >> 8) % GK_TEST_PAGES;
	switch (r % 8) {
	case 0: return step_switch(c, (unsigned)(r >> 16) % COH_SPACES);
	case 1: case 2: return step_map(c, p);
	case 3: return step_unmap(c, p);
	case 4: return step_protect(c, p);
	default: return store_checked(c, p, next_random(c));
	}
}

int guest_user_coherence(uint64_t steps, uint64_t seed, uint64_t *checksum)
{
	static struct coh c;
	c.rng = seed | 1;
	c.checksum = 0xcbf29ce484222325ULL;
	c.space[0] = 0; /* the space the kernel booted in */
	for (unsigned s = 1; s < COH_SPACES; s++)
		if ((c.space[s] = (int)guest_user_sys(GK_SYS_AS_CREATE, 0, 0)) < 0)
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
