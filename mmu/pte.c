/* pte.c — the two page-table formats as bit-mask descriptors for the one walker.
 * Freestanding (the guest kernel links it). */
#include "mmu/pte.h"

/* x86-64: leaves carry their own rights; tables created by pt_map are fully permissive
 * (P|RW|US) so that the leaf alone decides, as Linux does. */
const struct pt_format pt_format_x86 = {
	.name = "x86",
	.present = X86_P,
	.writable = X86_RW,
	.user = X86_US,
	.large = X86_PS,
	.accessed = X86_A,
	.dirty = X86_D,
	.table = X86_P | X86_RW | X86_US,
};

/* EPT: "present" means any of R/W/X; no user/supervisor distinction; EPT accessed/dirty
 * flags are left disabled (EPTP bit 6 clear), as most hypervisors run by default. */
const struct pt_format pt_format_ept = {
	.name = "ept",
	.present = EPT_R | EPT_W | EPT_X,
	.writable = EPT_W,
	.user = 0,
	.large = EPT_PS,
	.accessed = 0,
	.dirty = 0,
	.table = EPT_R | EPT_W | EPT_X,
};
