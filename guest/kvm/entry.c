/* entry.c — the guest image's ring-0 assembly: the entry the VMM starts the vCPU at, the 32
 * exception stubs the VMM points the IDT at, and the iretq into ring 3 (the ring-3
 * system-call gate is in user.c, in the pages ring 3 may execute). Written as top-level asm in a C file so the guest build needs no assembler setup.
 *
 * Traps save only the caller-saved registers (the C handler preserves the others): every
 * ring-0 instruction may be emulated at ~1 µs on some hosts, so the stubs stay short. */
#include "guest/kvm/guest_kvm.h"

/* Stubs are 16 bytes apart; vectors with a CPU-pushed error code skip the dummy push. */
#define GK_STUB(v) \
	".balign 16\n" \
	"push $0\n" \
	"push $" #v "\n" \
	"jmp guest_trap_common\n"
#define GK_STUB_ERR(v) \
	".balign 16\n" \
	"push $" #v "\n" \
	"jmp guest_trap_common\n"

__asm__(".section .text.gk_entry, \"ax\"\n"
	".global guest_kernel_entry\n"
	"guest_kernel_entry:\n"
	"	call guest_kernel_main\n" /* rdi = boot page, rsp = kernel stack (set by the VMM) */
	"1:	hlt\n"
	"	jmp 1b\n"

	/* guest_enter_user(entry, user_rsp, arg): iretq into ring 3 with rdi = arg. */
	".global guest_enter_user\n"
	"guest_enter_user:\n"
	"	mov %rdi, %rax\n"
	"	mov %rdx, %rdi\n"
	"	push $0x23\n"       /* ss = GK_SEL_UDATA */
	"	push %rsi\n"        /* rsp */
	"	push $0x2\n"        /* rflags: IF stays clear, there are no interrupts */
	"	push $0x1b\n"       /* cs = GK_SEL_UCODE */
	"	push %rax\n"        /* rip */
	"	iretq\n"

	"guest_trap_common:\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	push %rsi\n"
	"	push %rdi\n"
	"	push %r8\n"
	"	push %r9\n"
	"	push %r10\n"
	"	push %r11\n"
	"	mov %rsp, %rdi\n"
	"	cld\n"
	"	call guest_trap\n"
	"	pop %r11\n"
	"	pop %r10\n"
	"	pop %r9\n"
	"	pop %r8\n"
	"	pop %rdi\n"
	"	pop %rsi\n"
	"	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	add $16, %rsp\n"    /* vector and error code */
	"	iretq\n"

	".balign 16\n"
	".global guest_trap_stubs\n"
	"guest_trap_stubs:\n"
	GK_STUB(0) GK_STUB(1) GK_STUB(2) GK_STUB(3) GK_STUB(4) GK_STUB(5) GK_STUB(6) GK_STUB(7)
	GK_STUB_ERR(8) GK_STUB(9) GK_STUB_ERR(10) GK_STUB_ERR(11) GK_STUB_ERR(12) GK_STUB_ERR(13)
	GK_STUB_ERR(14) GK_STUB(15) GK_STUB(16) GK_STUB_ERR(17) GK_STUB(18) GK_STUB(19) GK_STUB(20)
	GK_STUB_ERR(21) GK_STUB(22) GK_STUB(23) GK_STUB(24) GK_STUB(25) GK_STUB(26) GK_STUB(27)
	GK_STUB(28) GK_STUB_ERR(29) GK_STUB_ERR(30) GK_STUB(31)
	".previous\n");
