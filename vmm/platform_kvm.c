/* platform_kvm.c — the `kvm` platform's entry in the platform table. The VM itself (vCPU,
 * memslots, the guest kernel in ring 0) is issue #4 and not built yet; until it is, this
 * platform reports itself unavailable with the host's own reason first (no /dev/kvm,
 * permissions), so that `memvirt demo` falls back to `sim` and says why. */
#include <errno.h>
#include <stdio.h>

#include "vmm/hostinfo.h"
#include "vmm/platform.h"

static const char *kvm_unavailable(void)
{
	static struct hostinfo hi;
	static char reason[HOSTINFO_REASON_LEN + 64];
	hostinfo_probe(&hi);
	if (!hi.kvm.available)
		return hi.kvm.reason;
	snprintf(reason, sizeof(reason), "/dev/kvm is usable, but this build has no kvm platform yet");
	return reason;
}

static int kvm_run(const struct run_config *cfg, struct wl_ctx *ctx, struct run_result *res)
{
	(void)cfg;
	(void)ctx;
	snprintf(res->message, sizeof(res->message), "kvm platform unavailable: %s", kvm_unavailable());
	return -ENOSYS;
}

const struct platform platform_kvm = {
	.name = "kvm",
	.summary = "a real VM on /dev/kvm (not built yet: see issue #4)",
	.unavailable = kvm_unavailable,
	.run = kvm_run,
};
