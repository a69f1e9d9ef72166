/* registry.c — the list of paging strategies and the lookups over it (see registry.h). */
#include <stdio.h>
#include <string.h>

#include "ept/ept.h"
#include "paging/registry.h"
#include "shadow/shadow.h"

const struct mmu_strategy_ops *const mmu_strategies[] = { &ept_strategy, &shadow_strategy, NULL };

const struct mmu_strategy_ops *mmu_strategy_find(const char *name)
{
	for (size_t i = 0; name && mmu_strategies[i]; i++)
		if (strcmp(mmu_strategies[i]->name, name) == 0)
			return mmu_strategies[i];
	return NULL;
}

size_t mmu_strategy_names(char *buf, size_t len, const char *sep)
{
	size_t need = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; mmu_strategies[i]; i++) {
		size_t at = need < len ? need : len;
		int n = snprintf(buf + at, len - at, "%s%s", i ? sep : "", mmu_strategies[i]->name);
		need += n > 0 ? (size_t)n : 0;
	}
	return need;
}
