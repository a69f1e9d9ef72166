/* test_p2m_pool.c — the host's shared-frame pool and sharing across two sim p2ms (two VMs'
 * host memories, each mapping the pool's window): a frame of one VM moved into the pool is
 * read by the other VM through its own window; a write breaks it (the pool frame stays while
 * the other VM maps it, and is freed with the last); a VM that ends while the other still maps
 * the frame only drops its reference; a frame of another sharing domain is refused (-EXDEV). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ept/p2m.h"
#include "ept/p2m_pool.h"

#define POOL_BYTES (1ULL << 20)
#define LIMIT (8ULL << 20)

struct vm {
	struct hostmem h;
	struct p2m *p;
};

static void vm_up(struct vm *v, struct p2m_pool *pool)
{
	assert_int_equal(hostmem_init_window(&v->h, 64ULL << 20, 0, pool->fd, p2m_pool_bytes(pool)), 0);
	assert_int_equal(p2m_create(&v->h, LIMIT, PT_PAGE_4K, &v->p), 0);
}

static void vm_down(struct vm *v)
{
	p2m_destroy(v->p);
	hostmem_fini(&v->h);
}

/* Backs gpa and fills its frame with byte c. */
static void fill(struct vm *v, uint64_t gpa, int c)
{
	uint64_t hpa;
	assert_int_equal(p2m_back(v->p, gpa), 0);
	assert_int_equal(p2m_lookup(v->p, gpa, &hpa), 0);
	memset(hostmem_ptr(&v->h, hpa), c, P2M_FRAME);
}

static const uint8_t *content(struct vm *v, uint64_t gpa)
{
	uint64_t hpa;
	assert_int_equal(p2m_lookup(v->p, gpa, &hpa), 0);
	return hostmem_ptr(&v->h, hpa);
}

static void test_two_vms_share_one_frame(void **st)
{
	(void)st;
	struct p2m_pool pool;
	struct vm a, b;
	struct p2m_pool_counts c;
	uint64_t f, f2;
	assert_int_equal(p2m_pool_init(&pool, POOL_BYTES), 0);
	vm_up(&a, &pool);
	vm_up(&b, &pool);
	fill(&a, 0x3000, 0x5a);
	fill(&b, 0x7000, 0x5a);
	uint64_t a_backed = a.p->backed_pages, b_backed = b.p->backed_pages;
	assert_int_equal(p2m_share_new(a.p, 0x3000, &pool, 1, &f), 0);
	assert_int_equal(p2m_share(b.p, 0x7000, &pool, f, 1), 0);
	/* each VM's own frame went back; one pool frame serves both, read through each window */
	assert_int_equal(a.p->backed_pages, a_backed - 1);
	assert_int_equal(b.p->backed_pages, b_backed - 1);
	assert_int_equal(p2m_shared_frame(b.p, 0x7000, &f2), 0);
	assert_int_equal(f2, f);
	assert_int_equal(content(&b, 0x7000)[100], 0x5a);
	assert_ptr_not_equal(content(&a, 0x3000), content(&b, 0x7000)); /* two mappings ... */
	assert_int_equal(p2m_get_state(a.p, 0x3000), P2M_SHARED);
	p2m_pool_counts(&pool, &c);
	assert_int_equal(c.used, 1);
	assert_int_equal(c.refs, 2); /* ... of one frame: saved = refs - used = 1 */
	assert_int_equal(p2m_share_pss_frames(a.p) * 2, 1.0);
	/* a write breaks a's frame: a private copy, the pool frame stays for b */
	assert_int_equal(p2m_cow_break(a.p, 0x3000), 0);
	assert_int_equal(p2m_get_state(a.p, 0x3000), P2M_RESIDENT);
	assert_int_equal(content(&a, 0x3000)[4095], 0x5a);
	assert_int_equal(a.p->backed_pages, a_backed);
	p2m_pool_counts(&pool, &c);
	assert_int_equal(c.used, 1);
	assert_int_equal(c.refs, 1);
	assert_int_equal(c.cow_breaks, 1);
	assert_int_equal(p2m_cow_break(a.p, 0x3000), -ENOENT); /* not shared any more */
	/* b's frame is the last: breaking it frees the pool frame */
	assert_int_equal(p2m_cow_break(b.p, 0x7000), 0);
	p2m_pool_counts(&pool, &c);
	assert_int_equal(c.used, 0);
	assert_int_equal(c.refs, 0);
	vm_down(&a);
	vm_down(&b);
	p2m_pool_fini(&pool);
}

static void test_a_vm_ends_while_another_maps_the_frame(void **st)
{
	(void)st;
	struct p2m_pool pool;
	struct vm a, b;
	struct p2m_pool_counts c;
	uint64_t f;
	assert_int_equal(p2m_pool_init(&pool, POOL_BYTES), 0);
	vm_up(&a, &pool);
	vm_up(&b, &pool);
	fill(&a, 0, 0x11);
	fill(&b, 0, 0x11);
	fill(&b, 0x1000, 0x11);
	assert_int_equal(p2m_share_new(a.p, 0, &pool, 0, &f), 0);
	assert_int_equal(p2m_share(b.p, 0, &pool, f, 0), 0);
	assert_int_equal(p2m_share(b.p, 0x1000, &pool, f, 0), 0);
	vm_down(&a); /* a ends: its reference goes, the frame stays for b */
	p2m_pool_counts(&pool, &c);
	assert_int_equal(c.used, 1);
	assert_int_equal(c.refs, 2);
	assert_int_equal(content(&b, 0x1000)[7], 0x11);
	assert_int_equal(p2m_share_pss_frames(b.p), 1.0); /* b alone maps it now: all of it is b's */
	/* a balloon unback of a shared frame drops the reference, not the pool's frame */
	uint64_t backed = b.p->backed_pages;
	assert_int_equal(p2m_unback(b.p, 0, P2M_BALLOONED), 0);
	assert_int_equal(b.p->backed_pages, backed);
	p2m_pool_counts(&pool, &c);
	assert_int_equal(c.refs, 1);
	vm_down(&b);
	p2m_pool_counts(&pool, &c);
	assert_int_equal(c.used, 0);
	assert_int_equal(c.refs, 0);
	p2m_pool_fini(&pool);
}

static void test_domains_do_not_mix(void **st)
{
	(void)st;
	struct p2m_pool pool;
	struct vm a, b;
	uint64_t f;
	assert_int_equal(p2m_pool_init(&pool, POOL_BYTES), 0);
	vm_up(&a, &pool);
	vm_up(&b, &pool);
	fill(&a, 0, 0x22);
	fill(&b, 0, 0x22);
	assert_int_equal(p2m_share_new(a.p, 0, &pool, 3, &f), 0);
	assert_int_equal(p2m_share(b.p, 0, &pool, f, 4), -EXDEV); /* another domain's frame */
	assert_int_equal(p2m_get_state(b.p, 0), P2M_RESIDENT);   /* b keeps its own frame */
	assert_int_equal(p2m_pool_refs(&pool, f), 1);
	assert_int_equal(p2m_share(b.p, 0, &pool, f, 3), 0);
	assert_int_equal(p2m_share(b.p, 0, &pool, f, 3), -EINVAL); /* shared already */
	assert_int_equal(p2m_pool_new(&pool, P2M_POOL_DOMAINS, content(&a, 0), &f), -EINVAL);
	vm_down(&a);
	vm_down(&b);
	p2m_pool_fini(&pool);
}

static void test_pool_full_and_reuse(void **st)
{
	(void)st;
	struct p2m_pool pool;
	uint8_t page[4096] = { 1 };
	uint64_t f[2], g;
	assert_int_equal(p2m_pool_init(&pool, 2 * 4096), 0);
	assert_int_equal(p2m_pool_new(&pool, 0, page, &f[0]), 0);
	assert_int_equal(p2m_pool_new(&pool, 0, page, &f[1]), 0);
	assert_int_equal(p2m_pool_new(&pool, 0, page, &g), -ENOSPC);
	assert_true(p2m_pool_put(&pool, f[0], false)); /* freed: its memory back, zero when reused */
	memset(page, 0, sizeof(page));
	assert_int_equal(p2m_pool_new(&pool, 0, page, &g), 0);
	assert_int_equal(g, f[0]);
	assert_memory_equal(p2m_pool_ptr(&pool, g), page, sizeof(page));
	assert_int_equal(p2m_pool_init(&(struct p2m_pool){ 0 }, 100), -EINVAL);
	p2m_pool_fini(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_vms_share_one_frame),
		cmocka_unit_test(test_a_vm_ends_while_another_maps_the_frame),
		cmocka_unit_test(test_domains_do_not_mix),
		cmocka_unit_test(test_pool_full_and_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
