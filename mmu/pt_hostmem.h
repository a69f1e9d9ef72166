/* pt_hostmem.h — page tables the VMM builds in host memory (the p2m's EPT tables, the shadow
 * tables): the walker's pt_mem over hostmem, with table pages allocated and freed as 4 KiB
 * host frames and counted. One helper so that every VMM-built table reaches memory the
 * same way. */
#ifndef MEMVIRT_MMU_PT_HOSTMEM_H
#define MEMVIRT_MMU_PT_HOSTMEM_H

#include <stdint.h>

#include "mmu/hostmem.h"
#include "mmu/walk.h"

struct pt_hostmem {
	struct hostmem *host;
	uint64_t table_pages; /* table pages currently allocated */
	struct pt_mem mem;    /* read/write/alloc_table/free_table; ctx = this struct */
};

/* Point t->mem at hostmem h. The struct must not move afterwards (mem.ctx points to it). */
void pt_hostmem_init(struct pt_hostmem *t, struct hostmem *h);

#endif
