/* pt_hostmem.c — the walker's pt_mem over host memory for VMM-built tables (see
 * pt_hostmem.h). An entry outside the host region cannot be read (the walk reports a memory
 * fault) and is never written. */
#include "mmu/pt_hostmem.h"

static uint64_t *entry_ptr(struct hostmem *h, uint64_t table, unsigned index)
{
	return hostmem_ptr(h, table + (uint64_t)index * sizeof(uint64_t));
}

static bool table_read(void *ctx, uint64_t table, unsigned index, uint64_t *entry)
{
	struct pt_hostmem *t = ctx;
	uint64_t *e = entry_ptr(t->host, table, index);
	if (!e)
		return false;
	*entry = *e;
	return true;
}

static void table_write(void *ctx, uint64_t table, unsigned index, uint64_t entry)
{
	struct pt_hostmem *t = ctx;
	uint64_t *e = entry_ptr(t->host, table, index);
	if (e)
		*e = entry;
}

/* hostmem hands out zeroed frames: a fresh table is empty. */
static uint64_t table_alloc(void *ctx)
{
	struct pt_hostmem *t = ctx;
	uint64_t hpa;
	if (hostmem_alloc(t->host, PT_PAGE_4K, &hpa))
		return PT_NO_TABLE;
	t->table_pages++;
	return hpa;
}

/* hostmem zeroes the frame as it takes it back, so the next table starts empty. */
static void table_free(void *ctx, uint64_t table)
{
	struct pt_hostmem *t = ctx;
	if (hostmem_free(t->host, table, PT_PAGE_4K) == 0)
		t->table_pages--;
}

void pt_hostmem_init(struct pt_hostmem *t, struct hostmem *h)
{
	t->host = h;
	t->table_pages = 0;
	t->mem = (struct pt_mem){ .read = table_read, .write = table_write, .alloc_table = table_alloc,
				  .free_table = table_free, .ctx = t };
}
