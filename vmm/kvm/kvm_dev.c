/* kvm_dev.c — /dev/kvm for the VMM: opened and its API version checked by hostinfo_kvm_open
 * (vmm/host, the one place that does, shared with `memvirt info`), then every capability the
 * kvm platform relies on checked here, saying in one line what is missing. The same check decides whether the
 * platform is available (memvirt info, demo, the skip message of the KVM tests). */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/host/hostinfo.h"
#include "vmm/kvm/kvm_vm.h"

static const struct {
	int cap;
	const char *name;
	const char *why;
} required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest memory from host mappings" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "a CPUID with long mode for the guest" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "kicking a running vCPU" },
	{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ", "guest TSC timing" },
	{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS", "three memslots" },
};

int kvm_dev_open(char *why, size_t whylen)
{
	int fd = hostinfo_kvm_open(NULL, why, whylen); /* open and API version: vmm/host's, shared */
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			snprintf(why, whylen, "/dev/kvm lacks %s (needed for %s)", required_caps[i].name,
				 required_caps[i].why);
			close(fd);
			return -ENOTSUP;
		}
	}
	return fd;
}

static char unavailable_reason[256];
static bool unavailable;

static void probe_once(void)
{
	int fd = kvm_dev_open(unavailable_reason, sizeof(unavailable_reason));
	unavailable = fd < 0;
	if (fd >= 0)
		close(fd);
}

const char *kvm_dev_unavailable(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, probe_once);
	return unavailable ? unavailable_reason : NULL;
}
