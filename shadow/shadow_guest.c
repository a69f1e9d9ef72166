/* shadow_guest.c — how the VMM's shadow code reads and updates the guest's page tables: plain
 * guest-physical accesses through the p2m (mmu_gpa_ptr), which never exit — the VMM is not
 * the guest. A table address outside guest memory cannot be read, so a walk through a
 * corrupted entry ends in a memory fault instead of touching host memory it should not. */
#include "mmu/strategy.h"
#include "shadow/shadow_internal.h"

static bool guest_entry_read(void *ctx, uint64_t table, unsigned index, uint64_t *entry)
{
	const uint64_t *e = mmu_gpa_ptr(ctx, table + (uint64_t)index * sizeof(uint64_t));
	if (!e)
		return false;
	*entry = *e;
	return true;
}

/* Only the A/D updates of the VMM's walk come here: they need not (and must not) trap. */
static void guest_entry_write(void *ctx, uint64_t table, unsigned index, uint64_t entry)
{
	uint64_t *e = mmu_gpa_ptr(ctx, table + (uint64_t)index * sizeof(uint64_t));
	if (e)
		*e = entry;
}

struct pt_mem shadow_guest_mem(struct mmu_vm *vm)
{
	return (struct pt_mem){ .read = guest_entry_read, .write = guest_entry_write, .ctx = vm };
}

static uint64_t guest_limit(const struct mmu_vm *vm) { return vm->cfg.ram_bytes + vm->cfg.pt_pool_bytes; }

bool shadow_gpa_range_ok(const struct mmu_vm *vm, uint64_t gpa, uint64_t size)
{
	return gpa < guest_limit(vm) && size <= guest_limit(vm) - gpa;
}

bool shadow_gpa_in_pt_pool(const struct mmu_vm *vm, uint64_t gpa, uint64_t size)
{
	return gpa + size > vm->cfg.ram_bytes && gpa < guest_limit(vm);
}
