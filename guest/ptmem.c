/* ptmem.c — how the shared walker (mmu/walk.h) reaches the guest kernel's page tables:
 * entries are read with hal.phys_read and written with hal.pt_write, tables come from the
 * pool. Every entry write also keeps the pool's bookkeeping: the count of non-zero entries
 * per table (so an empty table is known without reading 512 entries) and each table's parent
 * entry (so an empty table can be unlinked and returned to the pool). */
#include "guest/gk_internal.h"

static bool gk_pte_read(void *ctx, uint64_t table, unsigned index, uint64_t *entry)
{
	struct gk *k = ctx;
	*entry = k->hal.phys_read(k->hal.hw, table + (uint64_t)index * GK_PTE_SIZE);
	return true;
}

/* Entries pointing into the pool are table links (leaves always point into RAM). */
static void note_table_link(struct gk *k, uint64_t table, unsigned index, uint64_t entry)
{
	uint64_t child = entry & PT_ADDR_MASK;
	if (!(entry & X86_P) || (entry & X86_PS) || !gk_pool_contains(k, child))
		return;
	uint32_t c = gk_pool_index(k, child);
	k->pool.link[c] = gk_pool_index(k, table);
	k->pool.parent_index[c] = (uint16_t)index;
}

static void gk_pte_write(void *ctx, uint64_t table, unsigned index, uint64_t entry)
{
	struct gk *k = ctx;
	uint64_t gpa = table + (uint64_t)index * GK_PTE_SIZE;
	uint64_t old = k->hal.phys_read(k->hal.hw, gpa);
	uint32_t t = gk_pool_index(k, table);
	k->hal.pt_write(k->hal.hw, gpa, entry);
	k->stats.pt_writes++;
	k->pt_last_table = table;
	if (old == 0 && entry != 0)
		k->pool.nonzero[t]++;
	else if (old != 0 && entry == 0)
		k->pool.nonzero[t]--;
	note_table_link(k, table, index, entry);
}

static uint64_t gk_pte_alloc_table(void *ctx)
{
	uint64_t gpa = gk_pool_alloc(ctx);
	return gpa == GK_NO_FRAME ? PT_NO_TABLE : gpa;
}

void gk_ptmem_init(struct gk *k)
{
	k->ptm.read = gk_pte_read;
	k->ptm.write = gk_pte_write;
	k->ptm.alloc_table = gk_pte_alloc_table;
	k->ptm.free_table = NULL; /* the walker never frees; gk_pt_reclaim does */
	k->ptm.ctx = k;
	k->pt_last_table = PT_NO_TABLE;
}

const struct pt_mem *gk_pt_mem(struct gk *k)
{
	return &k->ptm;
}

/* Starting at `table`, unlink and free every table that has become empty, walking up towards
 * the root (roots have no parent and are kept). One pt_write per freed table; the caller's
 * invlpg afterwards also drops paging-structure caches. */
void gk_pt_reclaim(struct gk *k, uint64_t table)
{
	if (table == PT_NO_TABLE || !gk_pool_contains(k, table))
		return;
	uint32_t t = gk_pool_index(k, table);
	while (k->pool.nonzero[t] == 0 && k->pool.link[t] != GK_NONE32) {
		uint32_t parent = k->pool.link[t];
		gk_pte_write(k, gk_pool_gpa(k, parent), k->pool.parent_index[t], 0);
		gk_pool_free(k, gk_pool_gpa(k, t));
		k->stats.tables_freed++;
		t = parent;
	}
}
