/* kvm_mmu.c — the registry of the kvm VMM's paging strategies (kvm_mmu.h) and the ept one,
 * which needs nothing from the VMM: the guest's tables are what the CPU walks, through KVM's
 * own second stage, so the pool is ordinary memory and no exit is the strategy's. */
#include <stddef.h>

#include "ept/ept.h"
#include "mmu/util.h"

#include "vmm/kvm/kvm_mmu.h"
#include "vmm/kvm/kvm_vm.h"

const struct kvm_mmu_ops kvm_mmu_ept = {
	.name = "ept",
	.strategy = &ept_strategy,
};

static const struct kvm_mmu_ops *const kvm_mmus[] = { &kvm_mmu_ept, &kvm_mmu_shadow };

const struct kvm_mmu_ops *kvm_mmu_for(const struct mmu_strategy_ops *strategy)
{
	for (size_t i = 0; strategy && i < ARRAY_SIZE(kvm_mmus); i++)
		if (kvm_mmus[i]->strategy == strategy)
			return kvm_mmus[i];
	return NULL;
}

void kvm_mmu_get_stats(const struct kvm_vm *vm, struct kvm_mmu_stats *s)
{
	*s = (struct kvm_mmu_stats){ 0 };
	if (vm->mmu->stats)
		vm->mmu->stats(vm, s);
}
