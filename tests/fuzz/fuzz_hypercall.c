/* fuzz_hypercall.c — libFuzzer harness for the hypercall and MMIO dispatch of a kvm VM's
 * device table (vmm/kvm/kvm_device.c), reached without /dev/kvm: a struct kvm_vm with only
 * its system page, its MMIO window size and two test devices, no KVM file descriptors. The
 * input is what a guest controls: the port number of the OUT, the hypercall page, and MMIO
 * accesses (offset, length, direction). The checks are the table's promises (kvm_device.h): a
 * handler runs only for a number its device registered, when the page's version and number
 * agree with the port; it sees exactly the VMM's copy of the page; an MMIO handler runs only
 * for an access wholly inside its range, with the offset inside that range; anything else
 * stops the VM with a message. The real devices' handlers (console, DONE, ...) are not
 * called here: they need a running vCPU. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vmm/kvm/kvm_device.h"
#include "vmm/kvm/kvm_vm.h"

static struct {
	unsigned calls;
	uint32_t nr;
	struct kvm_hc_args args;
	struct gk_hcall_page page; /* what the handler saw through args.page */
	unsigned mmio;
	uint64_t mmio_offset;
	uint32_t mmio_len;
} seen;

static bool hc_handle(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)vm;
	FUZZ_CHECK(state == &seen);
	FUZZ_CHECK(*ret == 0);
	seen.calls++;
	seen.args = *hc;
	seen.page = *hc->page;
	*ret = (int64_t)hc->arg[0];
	return hc->arg[1] != 0; /* a handler may also stop the VM */
}

static bool mmio_handle(struct kvm_vm *vm, void *state, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	(void)vm;
	(void)is_write;
	FUZZ_CHECK(state == &seen);
	seen.mmio++;
	seen.mmio_offset = offset;
	seen.mmio_len = len;
	memset(data, 0x5a, len); /* the whole buffer is the caller's: ASan checks it */
	return true;
}

static int dev_init(struct kvm_vm *vm, void **state, char *msg, size_t msglen)
{
	(void)vm;
	(void)msg;
	(void)msglen;
	*state = &seen;
	return 0;
}

static const struct kvm_hypercall calls_a[] = { { 1, "a1", hc_handle, false }, { 7, "a7", hc_handle, true },
						{ KVM_HC_MAX - 1, "alast", hc_handle, false } };
static const struct kvm_hypercall calls_b[] = { { 0, "b0", hc_handle, false }, { 33, "b33", hc_handle, false } };
static const struct kvm_device dev_a = { "fuzz-a", calls_a, 3, 0x1000, 0x1000, mmio_handle, dev_init, NULL };
static const struct kvm_device dev_b = { "fuzz-b", calls_b, 2, 0x3000, 0x800, mmio_handle, dev_init, NULL };
#define WINDOW 0x4000u

static bool registered(uint32_t nr)
{
	return nr == 1 || nr == 7 || nr == KVM_HC_MAX - 1 || nr == 0 || nr == 33;
}

static struct kvm_vm *vm_make(void)
{
	static uint8_t sys[GK_SYS_HCALL_GPA + 4096];
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	char msg[256];
	if (!vm)
		abort();
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->sys.host = sys;
	vm->sys.bytes = sizeof(sys);
	vm->layout.mmio_bytes = WINDOW;
	FUZZ_CHECK(kvm_device_attach(vm, &dev_a, msg, sizeof(msg)) == 0);
	FUZZ_CHECK(kvm_device_attach(vm, &dev_b, msg, sizeof(msg)) == 0);
	return vm;
}

static uint64_t take(const uint8_t **data, size_t *size, size_t n)
{
	uint64_t v = 0;
	size_t k = n < *size ? n : *size;
	memcpy(&v, *data, k);
	*data += k;
	*size -= k;
	return v;
}

static void one_hypercall(struct kvm_vm *vm, const uint8_t **data, size_t *size)
{
	struct gk_hcall_page *page = (struct gk_hcall_page *)((uint8_t *)vm->sys.host + GK_SYS_HCALL_GPA);
	uint32_t port = (uint32_t)take(data, size, 4);
	if (port & 0x100) /* often a valid page: the refusals come first, the handlers need one */
		port &= 0xff;
	size_t n = *size < sizeof(*page) ? *size : sizeof(*page);
	memset(page, 0, sizeof(*page));
	memcpy(page, *data, n);
	*data += n;
	*size -= n;
	if (n > 0 && ((const uint8_t *)page)[0] & 1) {
		page->version = GK_HC_VERSION;
		page->nr = port;
	}
	struct gk_hcall_page before = *page;
	unsigned calls = seen.calls;
	vm->out.failed = false;
	bool go_on = kvm_device_hypercall(vm, port);
	bool valid = before.version == GK_HC_VERSION && before.nr == port && registered(port);
	FUZZ_CHECK(seen.calls == calls + (valid ? 1u : 0u));
	if (!valid) {
		FUZZ_CHECK(!go_on && vm->out.failed && vm->out.message[0]);
		FUZZ_CHECK(memcmp(page, &before, sizeof(before)) == 0); /* nothing written back */
		return;
	}
	FUZZ_CHECK(seen.args.nr == port && memcmp(seen.args.arg, before.arg, sizeof(before.arg)) == 0);
	FUZZ_CHECK(memcmp(&seen.page, &before, sizeof(before)) == 0);
	FUZZ_CHECK(seen.args.page != page); /* the copy, never the guest's live page */
	FUZZ_CHECK(go_on == (before.arg[1] != 0));
	if (go_on)
		FUZZ_CHECK(page->ret == (int64_t)before.arg[0]);
}

static void one_mmio(struct kvm_vm *vm, const uint8_t **data, size_t *size)
{
	uint8_t buf[64];
	uint64_t offset = take(data, size, 8);
	if (offset & (1ULL << 63)) /* often inside the window */
		offset &= WINDOW - 1;
	uint32_t len = (uint32_t)take(data, size, 1) % (sizeof(buf) + 1);
	bool is_write = len & 1;
	unsigned before = seen.mmio;
	vm->out.failed = false;
	bool ok = kvm_device_mmio(vm, offset, buf, len, is_write);
	bool in_a = kvm_gpa_within(offset, len, dev_a.mmio_offset, dev_a.mmio_bytes);
	bool in_b = kvm_gpa_within(offset, len, dev_b.mmio_offset, dev_b.mmio_bytes);
	FUZZ_CHECK(ok == (in_a || in_b));
	FUZZ_CHECK(seen.mmio == before + (ok ? 1u : 0u));
	if (!ok) {
		FUZZ_CHECK(vm->out.failed && vm->out.message[0]);
		return;
	}
	const struct kvm_device *d = in_a ? &dev_a : &dev_b;
	FUZZ_CHECK(seen.mmio_len == len && seen.mmio_offset == offset - d->mmio_offset);
	FUZZ_CHECK(seen.mmio_offset + len <= d->mmio_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvm_vm *vm;
	if (!vm)
		vm = vm_make();
	for (int k = 0; k < 16 && size > 0; k++) {
		if (take(&data, &size, 1) & 1)
			one_mmio(vm, &data, &size);
		else
			one_hypercall(vm, &data, &size);
	}
	return 0;
}
