/* registry.c — the policies by name and their knobs (see policy.h). One table, so that a
 * scenario, the help and the tests see the same names; a knob's value is checked against its
 * range here, once, for every policy. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "overcommit/policy.h"
#include "vmm/util/parse.h"

extern const struct oc_policy_ops oc_policy_none, oc_policy_static, oc_policy_mom, oc_policy_esx, oc_policy_psi;

static const struct oc_policy_ops *const policies[] = { &oc_policy_none, &oc_policy_static, &oc_policy_mom,
							 &oc_policy_esx, &oc_policy_psi };

const struct oc_policy_ops *oc_policy_at(size_t i)
{
	return i < sizeof(policies) / sizeof(policies[0]) ? policies[i] : NULL;
}

const struct oc_policy_ops *oc_policy_find(const char *name)
{
	for (size_t i = 0; oc_policy_at(i); i++)
		if (strcmp(policies[i]->name, name) == 0)
			return policies[i];
	return NULL;
}

const char *oc_policy_names(void) { return "none, static, mom, esx, psi"; }

void oc_ctx_init(struct oc_ctx *c, const struct oc_policy_ops *ops, size_t nvms)
{
	*c = (struct oc_ctx){ .ops = ops, .n = nvms };
	for (size_t i = 0; i < ops->nknobs && i < OC_MAX_KNOBS; i++)
		c->knob[i] = ops->knobs[i].def;
}

int oc_knob_index(const struct oc_policy_ops *ops, const char *name)
{
	for (size_t i = 0; i < ops->nknobs; i++)
		if (strcmp(ops->knobs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int oc_knob_set(struct oc_ctx *c, const char *key, const char *value, char *why, size_t n)
{
	int i = oc_knob_index(c->ops, key);
	double x;
	if (i < 0) {
		int used = snprintf(why, n, "policy %s has no knob '%s'; its knobs:", c->ops->name, key);
		for (size_t k = 0; k < c->ops->nknobs && used >= 0 && (size_t)used < n; k++)
			used += snprintf(why + used, n - (size_t)used, "%s %s", k ? "," : "", c->ops->knobs[k].name);
		if (!c->ops->nknobs && used >= 0 && (size_t)used < n)
			snprintf(why + used, n - (size_t)used, " none");
		return -EINVAL;
	}
	const struct oc_knob *k = &c->ops->knobs[i];
	if (parse_double(value, &x) < 0 || !(x >= k->min && x <= k->max)) {
		snprintf(why, n, "policy %s knob '%s' = '%s': expected a number from %g to %g (%s)", c->ops->name, key,
			 value, k->min, k->max, k->help);
		return -EINVAL;
	}
	c->knob[i] = x;
	return 0;
}
