/* ept.h — the two-dimensional paging strategy (ept_strategy.c): guest tables walked through
 * the p2m (p2m.h). Found by name through the strategy registry (paging/registry.h). */
#ifndef MEMVIRT_EPT_EPT_H
#define MEMVIRT_EPT_EPT_H

#include "mmu/strategy.h"

extern const struct mmu_strategy_ops ept_strategy;

#endif
