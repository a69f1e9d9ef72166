/* kvm_dev.c — /dev/kvm: open it, check the API version and every capability the kvm platform
 * relies on, and say in one line what is missing. The same check decides whether the
 * platform is available (memvirt info, demo, the skip message of the KVM tests). */
#include <errno.h>
#include <fcntl.h>
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
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct hostinfo hi;
		hostinfo_probe(&hi); /* knows how to explain a missing or forbidden /dev/kvm */
		snprintf(why, whylen, "%s", hi.kvm.reason[0] ? hi.kvm.reason : strerror(err));
		return -err;
	}
	int api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api < 0) { /* not a KVM device at all (e.g. something else mounted there) */
		snprintf(why, whylen, "/dev/kvm is not a KVM device: KVM_GET_API_VERSION failed: %s", strerror(errno));
		close(fd);
		return -ENODEV;
	}
	if (api != KVM_API_VERSION) {
		snprintf(why, whylen, "/dev/kvm speaks API version %d, memvirt needs %d", api, KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
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
