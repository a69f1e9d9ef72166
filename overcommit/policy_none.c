/* policy_none.c — no cooperation: the VMs keep all their guest RAM and the host kernel
 * reclaims under the budget's cgroup limit, blind to what the guests use (the baseline of
 * VSwapper, Amit et al., ASPLOS 2014). It never acts; its log stays empty, which is the point. */
#include "overcommit/policy.h"

static void none_step(struct oc_ctx *c, const struct oc_view *v, struct oc_actions *a)
{
	(void)c;
	(void)v;
	(void)a;
}

const struct oc_policy_ops oc_policy_none = {
	.name = "none",
	.help = "no cooperation: the host kernel reclaims under the budget's cgroup limit",
	.step = none_step,
};
