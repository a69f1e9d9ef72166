/* pte.h — page-table entry formats: x86-64 (4- and 5-level) and EPT, described as bit masks so
 * that one walker (walk.h) reads and builds guest, shadow and EPT tables alike.
 * Freestanding: included by the guest kernel as well as the VMM. */
#ifndef MEMVIRT_MMU_PTE_H
#define MEMVIRT_MMU_PTE_H

#include <stdbool.h>
#include <stdint.h>

#define PT_ENTRIES 512u
#define PT_PAGE_4K (1ULL << 12)
#define PT_PAGE_2M (1ULL << 21)
#define PT_PAGE_1G (1ULL << 30)
#define PT_ADDR_MASK 0x000ffffffffff000ULL

/* x86-64 entry bits */
#define X86_P   (1ULL << 0)
#define X86_RW  (1ULL << 1)
#define X86_US  (1ULL << 2)
#define X86_A   (1ULL << 5)
#define X86_D   (1ULL << 6)
#define X86_PS  (1ULL << 7)
#define X86_NX  (1ULL << 63)

/* EPT entry bits (Intel SDM vol. 3, 29.3.2) */
#define EPT_R   (1ULL << 0)
#define EPT_W   (1ULL << 1)
#define EPT_X   (1ULL << 2)
#define EPT_PS  (1ULL << 7)
#define EPT_A   (1ULL << 8)
#define EPT_D   (1ULL << 9)

/* x86 page-fault error code bits */
#define PF_ERR_P    (1u << 0) /* protection violation (else: not present) */
#define PF_ERR_W    (1u << 1)
#define PF_ERR_U    (1u << 2)

struct pt_format {
	const char *name;
	uint64_t present;  /* an entry is present when any of these bits is set */
	uint64_t writable;
	uint64_t user;     /* 0 where the format has no user/supervisor bit (EPT) */
	uint64_t large;    /* PS: a leaf above level 1 */
	uint64_t accessed; /* 0 where A/D are not used */
	uint64_t dirty;
	uint64_t table;    /* flags of a non-leaf entry created by pt_map */
};

extern const struct pt_format pt_format_x86;
extern const struct pt_format pt_format_ept;

/* Level 1 holds 4 KiB leaves; level L covers 2^(12 + 9L) bytes per table. */
static inline unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline uint64_t pt_level_page_size(unsigned level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* The level whose leaves have this size (1 for 4 KiB, 2 for 2 MiB, 3 for 1 GiB), or 0. */
static inline unsigned pt_leaf_level(uint64_t page_size)
{
	return page_size == PT_PAGE_4K ? 1 : page_size == PT_PAGE_2M ? 2 : page_size == PT_PAGE_1G ? 3 : 0;
}

static inline bool pt_present(const struct pt_format *f, uint64_t e) { return (e & f->present) != 0; }

#endif
