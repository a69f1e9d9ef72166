/* test_sim_share_write.c — the guest kernel's own writes to a shared frame (sim_share.h): on
 * sim the kernel writes guest RAM through host pointers, not through the EPT leaf that makes a
 * shared frame read-only, so sim_share_before_write must give the frame a private copy first.
 * When that copy cannot be made (the VM's host memory is exhausted), the frame still maps the
 * pool frame every sharer reads: the break's error must reach the caller, which fails the VM
 * rather than write into a neighbour's memory. Two VMs share one frame; A's host memory is used
 * up; a kernel write of A's frame is refused, and B's content and the pool frame stay as they
 * were. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ept/p2m.h"
#include "paging/registry.h"
#include "vmm/cli/cli.h"
#include "vmm/run/share_host.h"
#include "vmm/run/sim_share.h"

#define MEM (4u << 20)
#define GPA_A 0x3000ULL
#define GPA_B 0x5000ULL

static void vm_up(struct mmu_vm *vm, struct share_host *sh)
{
	struct run_config c;
	assert_int_equal(cli_config_for(&c, "seq", "sim", "ept", MEM), 0);
	cli_finish_config(&c, NULL);
	struct mmu_config mc = c.sim;
	share_host_window(sh, &mc);
	assert_int_equal(mmu_vm_init(vm, &mc, mmu_strategy_find("ept")), 0);
}

static uint8_t *frame_of(struct mmu_vm *vm, uint64_t gpa)
{
	uint64_t hpa;
	assert_int_equal(p2m_lookup(p2m_from(vm->p2m), gpa, &hpa), 0);
	return hostmem_ptr(&vm->host, hpa);
}

static void test_failed_break_is_reported(void **st)
{
	(void)st;
	static struct share_host sh;
	static struct mmu_vm a, b;
	assert_int_equal(share_host_init(&sh, 2 * MEM, 0), 0);
	vm_up(&a, &sh);
	vm_up(&b, &sh);
	struct p2m *pa = p2m_from(a.p2m), *pb = p2m_from(b.p2m);
	assert_int_equal(p2m_back(pa, GPA_A), 0);
	assert_int_equal(p2m_back(pb, GPA_B), 0);
	memset(frame_of(&a, GPA_A), 0x5a, P2M_FRAME);
	memset(frame_of(&b, GPA_B), 0x5a, P2M_FRAME);
	uint64_t f;
	assert_int_equal(p2m_share_new(pa, GPA_A, &sh.pool, 0, &f), 0);
	assert_int_equal(p2m_share(pb, GPA_B, &sh.pool, f, 0), 0);

	struct sim_share ss = { .host = &sh, .slot = -1, .vm = &a, .joined = true };
	/* a break that works: A's frame is private again, B still maps the pool frame */
	assert_int_equal(sim_share_before_write(&ss, GPA_A, 8), 0);
	assert_int_equal(p2m_get_state(pa, GPA_A), P2M_RESIDENT);
	assert_int_equal(a.exits.cow_break, 1);
	assert_int_equal(p2m_share(pa, GPA_A, &sh.pool, f, 0), 0); /* shared again */

	/* A's host memory used up: the break cannot get a frame */
	uint64_t hpa;
	while (hostmem_alloc(&a.host, P2M_FRAME, &hpa) == 0)
		;
	assert_int_equal(sim_share_before_write(&ss, GPA_A + 16, 8), -ENOMEM);
	assert_int_equal(p2m_get_state(pa, GPA_A), P2M_SHARED);
	assert_int_equal(a.exits.cow_break, 1);
	assert_int_equal(p2m_pool_refs(&sh.pool, f), 2);
	assert_int_equal(frame_of(&b, GPA_B)[16], 0x5a);

	mmu_vm_fini(&a);
	mmu_vm_fini(&b);
	assert_int_equal(p2m_pool_refs(&sh.pool, f), 0); /* the last sharer gone: freed */
	share_host_fini(&sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_break_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
