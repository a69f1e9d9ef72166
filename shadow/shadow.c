/* shadow.c — placeholder until shadow paging lands: the strategy refuses to start, so a
 * `--mmu shadow` run fails with a clear message instead of the build failing. */
#include <errno.h>

#include "mmu/strategy.h"

static int shadow_init(struct mmu_vm *vm)
{
	(void)vm;
	return -ENOSYS;
}

const struct mmu_strategy_ops shadow_strategy = { .name = "shadow", .init = shadow_init };
