/* user.c — ring 3 of the kvm guest: the workload's system calls (struct wl_sys) made through
 * the guest kernel's gate, and the user entry that finds the workload the VMM asked for, runs
 * it and exits with its checksum. The workloads are the same sources as on native and sim,
 * in their direct flavour (plain loads and stores). */
#include "guest/kvm/guest_kvm.h"

/* The system-call gate: ring 3 calls it like a function (rdi = nr, rsi, rdx, rcx =
 * arguments, rax = result); the #UD handler recognises this address and skips the ud2. */
__asm__(".text\n"
	".global guest_syscall_gate\n"
	"guest_syscall_gate:\n"
	"	ud2\n"
	"	ret\n");

/* Ring-3 state the kernel sets up before entering ring 3 (it lives in the user pages). */
struct gk_run_block guest_user_run;
uint8_t guest_user_stack[64 << 10] __attribute__((aligned(16)));

long guest_user_sys(enum gk_sys nr, uint64_t a0, uint64_t a1)
{
	return guest_syscall_gate((long)nr, (long)a0, (long)a1, 0);
}

static wl_addr_t user_map(struct wl_ctx *c, uint64_t bytes)
{
	(void)c;
	return (wl_addr_t)guest_user_sys(GK_SYS_MAP, bytes, 0);
}

static int user_unmap(struct wl_ctx *c, wl_addr_t a, uint64_t bytes)
{
	(void)c;
	return (int)guest_user_sys(GK_SYS_UNMAP, a, bytes);
}

static int user_as_create(struct wl_ctx *c)
{
	(void)c;
	return (int)guest_user_sys(GK_SYS_AS_CREATE, 0, 0);
}

static int user_as_switch(struct wl_ctx *c, int as)
{
	(void)c;
	return (int)guest_user_sys(GK_SYS_AS_SWITCH, (uint64_t)(int64_t)as, 0);
}

/* The TSC is read here, in ring 3, so the mark does not include the kernel's entry cost. */
static void user_phase(struct wl_ctx *c, enum wl_phase p)
{
	(void)c;
	guest_user_sys(GK_SYS_PHASE, p, guest_rdtsc());
}

/* Paravirtual: the kernel passes it to the VMM (GK_HC_SLEEP), which sleeps the vCPU thread. */
static int user_sleep_us(struct wl_ctx *c, uint64_t us)
{
	(void)c;
	return (int)guest_user_sys(GK_SYS_SLEEP, us, 0);
}

static const struct wl_sys user_sys = {
	.map = user_map, .unmap = user_unmap, .as_create = user_as_create,
	.as_switch = user_as_switch, .phase = user_phase, .sleep_us = user_sleep_us,
};

static int name_equal(const char *a, const char *b, unsigned max)
{
	for (unsigned i = 0; i < max; i++) {
		if (a[i] != b[i])
			return 0;
		if (a[i] == 0)
			return 1;
	}
	return 1;
}

static const struct wl_workload *workload_of(const struct gk_run_block *run)
{
	for (uint32_t i = 0; wl_registry_direct[i]; i++)
		if (i == run->workload)
			return name_equal(wl_registry_direct[i]->name, run->workload_name,
					  sizeof(run->workload_name)) ? wl_registry_direct[i] : 0;
	return 0;
}

struct wl_ctx guest_user_ctx;

void guest_user_main(const struct gk_run_block *run)
{
	const struct wl_workload *w = workload_of(run);
	uint64_t checksum = 0;
	guest_user_ctx.sys = &user_sys;
	int rc;
	if (!guest_user_selftest(run, &rc, &checksum)) /* the test image's; never in production */
		rc = w ? wl_run(w, &guest_user_ctx, &run->params, &checksum) : -EINVAL;
	guest_user_sys(GK_SYS_EXIT, (uint64_t)(int64_t)rc, checksum);
	for (;;)
		;
}
