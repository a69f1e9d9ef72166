/* registry.h — the paging strategies by name: the one place that knows every struct
 * mmu_strategy_ops (ept/, shadow/), so platforms and the CLI look a strategy up instead of
 * comparing strings. Its own small library (memvirt_paging) above ept/ and shadow/: mmu/
 * declares the interface and must not know its implementations, and neither strategy should
 * know the other. Pure C, no KVM. Adding a strategy: one line in registry.c. */
#ifndef MEMVIRT_PAGING_REGISTRY_H
#define MEMVIRT_PAGING_REGISTRY_H

#include <stddef.h>

#include "mmu/strategy.h"

/* Every strategy, in the order help text lists them, NULL-terminated; the first is the
 * default. */
extern const struct mmu_strategy_ops *const mmu_strategies[];

/* The strategy --mmu NAME selects (exact match), or NULL. */
const struct mmu_strategy_ops *mmu_strategy_find(const char *name);

/* The names joined by sep ("ept|shadow", "ept or shadow") into buf, always terminated;
 * returns the length the whole list needs, as snprintf does. */
size_t mmu_strategy_names(char *buf, size_t len, const char *sep);

#endif
