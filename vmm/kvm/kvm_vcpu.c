/* kvm_vcpu.c — the VM's one vCPU: created with the host's supported CPUID (long mode must be
 * in it, or KVM refuses EFER.LME), put directly into 64-bit mode with paging at the image's
 * entry (no firmware, no real mode), run by KVM_RUN on the caller's thread, and kicked from
 * other threads with a signal whose handler sets kvm_run.immediate_exit, so that no kick is
 * lost between two KVM_RUN calls. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm/kvm/kvm_vm.h"

/* The kick signal; its handler does nothing, the point is to make KVM_RUN return EINTR. */
#define KVM_KICK_SIGNAL SIGUSR2

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

static int set_cpuid(struct kvm_vm *vm)
{
	const int nent = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(struct kvm_cpuid_entry2));
	if (!c)
		return -ENOMEM;
	c->nent = nent;
	int rc = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0 ? -errno : 0;
	if (rc == 0 && ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c) < 0)
		rc = -errno;
	free(c);
	return rc;
}

static struct kvm_segment segment(uint16_t sel, uint8_t type, bool code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0, .g = 1,
	};
}

static int set_long_mode(struct kvm_vm *vm)
{
	struct kvm_sregs s;
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cs = segment(GK_SEL_KCODE, 11, true);
	s.ds = s.es = s.fs = s.gs = s.ss = segment(GK_SEL_KDATA, 3, false);
	s.tr = (struct kvm_segment){ .base = GK_SYS_TSS_GPA, .limit = 103, .selector = GK_SEL_TSS,
				     .type = 11, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s.gdt.base = GK_SYS_GDT_GPA;
	s.gdt.limit = 7 * 8 - 1;
	s.idt.base = GK_SYS_IDT_GPA;
	s.idt.limit = GK_TRAP_VECTORS * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s.cr3 = GK_SYS_PT_GPA;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s) < 0 ? -errno : 0;
}

static int set_entry_regs(struct kvm_vm *vm, const struct gk_image_header *img)
{
	struct kvm_regs r = { 0 };
	r.rip = img->entry;
	r.rsp = img->kstack_top;
	r.rdi = GK_SYS_BOOT_GPA;
	r.rflags = 0x2;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

static int map_run(struct kvm_vm *vm)
{
	int sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run))
		return sz < 0 ? -errno : -EINVAL;
	void *p = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	vm->run = p;
	vm->run_size = (size_t)sz;
	return 0;
}

int kvm_vcpu_create(struct kvm_vm *vm, const struct gk_image_header *img, char *msg, size_t msglen)
{
	const char *step = "KVM_CREATE_VCPU";
	int rc = 0;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		rc = -errno;
	if (rc == 0 && (step = "mapping kvm_run", rc = map_run(vm)) == 0 &&
	    (step = "KVM_SET_CPUID2", rc = set_cpuid(vm)) == 0 &&
	    (step = "KVM_SET_SREGS (long mode)", rc = set_long_mode(vm)) == 0 &&
	    (step = "KVM_SET_REGS", rc = set_entry_regs(vm, img)) == 0) {
		int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
		if (khz <= 0)
			step = "KVM_GET_TSC_KHZ", rc = khz < 0 ? -errno : -EINVAL;
		else
			vm->tsc_khz = (uint64_t)khz;
	}
	if (rc < 0)
		snprintf(msg, msglen, "vCPU setup failed at %s: %s", step, strerror(-rc));
	return rc;
}

/* ---- Kicks ------------------------------------------------------------------------------ */

/* The kvm_run of the vCPU the calling thread runs (one per vCPU thread, so several VMs can
 * run side by side). The kick handler sets immediate_exit in it: a kick that lands just before
 * KVM_RUN then makes that KVM_RUN return EINTR at once instead of being lost (api.rst). */
static _Thread_local struct kvm_run *vcpu_thread_run;

static void kick_handler(int sig)
{
	(void)sig;
	if (vcpu_thread_run)
		vcpu_thread_run->immediate_exit = 1;
}

static void kick_signal_install(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(KVM_KICK_SIGNAL, &sa, NULL);
}

void kvm_vm_kick(struct kvm_vm *vm, bool stop)
{
	if (stop)
		atomic_store(&vm->stop_requested, true);
	if (atomic_load(&vm->vcpu_thread_set))
		pthread_kill(vm->vcpu_thread, KVM_KICK_SIGNAL);
}

/* ---- The run loop ------------------------------------------------------------------------ */

static void vcpu_thread_prepare(struct kvm_vm *vm)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, kick_signal_install);
	vcpu_thread_run = vm->run;
	vm->vcpu_thread = pthread_self();
	atomic_store(&vm->vcpu_thread_set, true);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

static void vcpu_thread_release(struct kvm_vm *vm)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	atomic_store(&vm->vcpu_thread_set, false);
	vcpu_thread_run = NULL;
}

/* One KVM_RUN; false when the loop must end. */
static bool vcpu_run_once(struct kvm_vm *vm)
{
	if (atomic_load(&vm->stop_requested)) {
		vm->out.interrupted = true;
		snprintf(vm->out.message, sizeof(vm->out.message), "stopped on request");
		return false;
	}
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN) {
			vm->run->immediate_exit = 0; /* kicked: the guest state is intact, resume */
			vm->out.kicks++;
			return true;
		}
		if (errno == EFAULT)
			kvm_exit_efault(vm);
		else
			kvm_vm_fail(vm, "KVM_RUN: %s", strerror(errno));
		return false;
	}
	return kvm_exit_dispatch(vm);
}

int kvm_vcpu_run(struct kvm_vm *vm)
{
	vcpu_thread_prepare(vm);
	while (vcpu_run_once(vm))
		;
	vcpu_thread_release(vm);
	vm->out.stopped = true;
	if (vm->out.done)
		return 0;
	return vm->out.interrupted ? -EINTR : -EIO;
}

void kvm_vcpu_dump(struct kvm_vm *vm, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "(registers unavailable: %s)", strerror(errno));
		return;
	}
	snprintf(buf, len,
		 "rip=0x%llx rsp=0x%llx rflags=0x%llx rax=0x%llx rdi=0x%llx rsi=0x%llx cs=0x%x ss=0x%x "
		 "cr0=0x%llx cr2=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx",
		 r.rip, r.rsp, r.rflags, r.rax, r.rdi, r.rsi, s.cs.selector, s.ss.selector, s.cr0, s.cr2, s.cr3,
		 s.cr4, s.efer);
}
