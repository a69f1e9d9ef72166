/* cost.c — named per-event cycle costs and the modelled-cycles sum (see cost.h for defaults
 * and their sources). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/cost.h"
#include "mmu/util.h"

static const struct mmu_cost_param params[] = {
#define MMU_COST_ROW(n, d, h) { #n, d, h, offsetof(struct mmu_cost, n) },
	MMU_COST_PARAMS(MMU_COST_ROW)
#undef MMU_COST_ROW
};
#define N_PARAMS ARRAY_SIZE(params)

static const char *const names[] = {
#define MMU_COST_NAME(n, d, h) #n,
	MMU_COST_PARAMS(MMU_COST_NAME)
#undef MMU_COST_NAME
	NULL
};

struct mmu_cost mmu_cost_defaults(void)
{
	return (struct mmu_cost){
#define MMU_COST_DEF(n, d, h) .n = d,
		MMU_COST_PARAMS(MMU_COST_DEF)
#undef MMU_COST_DEF
	};
}

const struct mmu_cost_param *mmu_cost_params(size_t *n)
{
	*n = N_PARAMS;
	return params;
}

const char *const *mmu_cost_names(void) { return names; }

int mmu_cost_set(struct mmu_cost *c, const char *name, const char *value)
{
	char *end;
	unsigned long long v;

	if (!name || !value || !*value || *value == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || *end)
		return -EINVAL;
	for (size_t i = 0; i < N_PARAMS; i++)
		if (!strcmp(params[i].name, name)) {
			*(uint64_t *)((char *)c + params[i].offset) = v;
			return 0;
		}
	return -EINVAL;
}

uint64_t mmu_modeled_cycles(const struct mmu_cost *c, const struct mmu_counters *m,
			    const struct exit_counters *e)
{
	uint64_t t = m->tlb_hits * c->tlb_hit + m->walk_refs * c->walk_ref + m->pwc_hits * c->pwc_hit +
		     m->ntlb_hits * c->ntlb_hit + m->guest_faults * c->guest_fault;
	if (e) {
#define MMU_EXIT_COST(name) t += e->name * c->exit_##name;
		MMU_EXIT_REASONS(MMU_EXIT_COST)
#undef MMU_EXIT_COST
	}
	return t;
}
