/* p2m.c — the EPT-format guest-physical -> host-physical map and its per-frame state
 * (see p2m.h). Tables and backing frames come from hostmem; the shared walker reads them. */
#include <errno.h>
#include <stdlib.h>

#include "ept/p2m.h"

/* Leaves map read/write/execute; only sharing (p2m_share.c) clears EPT_W, on shared frames. */
#define P2M_LEAF_FLAGS (EPT_R | EPT_W | EPT_X)

int p2m_create(struct hostmem *h, uint64_t gpa_limit, uint64_t host_page, struct p2m **out)
{
	struct p2m *p;
	unsigned leaf = pt_leaf_level(host_page);

	/* 4 EPT levels map 256 TiB; page-align the limit so per-frame state is whole */
	if (!leaf || !gpa_limit || (gpa_limit & (PT_PAGE_4K - 1)) || gpa_limit > (1ULL << 48))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (p2m_book_init(&p->book, gpa_limit) < 0) {
		free(p);
		return -ENOMEM;
	}
	p->host = h;
	p->gpa_limit = gpa_limit;
	p->page_size = host_page;
	p->leaf_level = leaf;
	pt_hostmem_init(&p->tables, h);
	p->root = p->tables.mem.alloc_table(&p->tables);
	if (p->root == PT_NO_TABLE) {
		p2m_book_fini(&p->book);
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

/* Host frames and tables stay in hostmem: they go away with the region (hostmem_fini). */
void p2m_destroy(struct p2m *p)
{
	if (!p)
		return;
	p2m_share_drop_all(p); /* before the tables go: it walks them */
	p2m_book_fini(&p->book);
	free(p);
}

static bool in_range(const struct p2m *p, uint64_t gpa) { return gpa < p->gpa_limit; }

unsigned p2m_walk_levels(const struct p2m *p) { return P2M_LEVELS - (p->leaf_level - 1); }

enum pt_walk_status p2m_walk(struct p2m *p, uint64_t gpa, struct pt_walk *w)
{
	return pt_walk(&pt_format_ept, P2M_LEVELS, p->root, gpa, 0, &p->tables.mem, w);
}

int p2m_lookup(struct p2m *p, uint64_t gpa, uint64_t *hpa)
{
	struct pt_walk w;

	if (!in_range(p, gpa))
		return -EFAULT;
	if (p2m_walk(p, gpa, &w) != PT_WALK_OK)
		return -ENOENT;
	*hpa = w.pa;
	return 0;
}

static void set_state_range(struct p2m *p, uint64_t gpa_page, enum p2m_state s)
{
	uint64_t bytes = p->page_size;

	if (bytes > p->gpa_limit - gpa_page) /* the last host page may overhang the limit */
		bytes = p->gpa_limit - gpa_page;
	(void)p2m_book_set_range(&p->book, gpa_page, bytes, s); /* in range: the callers checked */
}

int p2m_back(struct p2m *p, uint64_t gpa)
{
	uint64_t page = gpa & ~(p->page_size - 1), hpa, old;
	int rc;

	if (!in_range(p, gpa))
		return -EFAULT;
	if (p2m_lookup(p, gpa, &old) == 0)
		return 0;
	if (p2m_get_state(p, gpa) == P2M_BALLOONED) {
		if (!p->ballooned_touches++)
			p->ballooned_touch_gpa = gpa;
		return -EACCES;
	}
	rc = hostmem_alloc(p->host, p->page_size, &hpa);
	if (rc)
		return rc;
	rc = pt_map(&pt_format_ept, P2M_LEVELS, p->root, page, hpa, p->page_size, P2M_LEAF_FLAGS, &p->tables.mem);
	if (rc) {
		hostmem_free(p->host, hpa, p->page_size);
		return rc;
	}
	p->backed_pages++;
	set_state_range(p, page, P2M_RESIDENT);
	return 0;
}

int p2m_unback(struct p2m *p, uint64_t gpa, enum p2m_state new_state)
{
	uint64_t page = gpa & ~(p->page_size - 1), old;

	if (!in_range(p, gpa))
		return -EFAULT;
	if (!pt_unmap(&pt_format_ept, P2M_LEVELS, p->root, page, &p->tables.mem, &old))
		return -ENOENT;
	/* released, not freed: the host gets the page back (hostmem.h), which is why a frame is
	 * unbacked at all */
	uint64_t hpa = old & PT_ADDR_MASK & ~(p->page_size - 1);
	if (p2m_share_release(p, hpa)) { /* a shared host frame stays while others map it */
		hostmem_release(p->host, hpa, p->page_size);
		p->backed_pages--;
	}
	p->map.gen++; /* cached translations of this page are now stale */
	set_state_range(p, page, new_state);
	return 0;
}

void p2m_release_flush(struct p2m *p)
{
	hostmem_release_flush(p->host);
}

enum p2m_state p2m_get_state(struct p2m *p, uint64_t gpa)
{
	enum p2m_state s = P2M_UNBACKED;

	(void)p2m_book_get(&p->book, gpa, &s); /* outside: stays UNBACKED */
	return s;
}

int p2m_set_state(struct p2m *p, uint64_t gpa, enum p2m_state s)
{
	return p2m_book_set(&p->book, gpa, s);
}

/* ---- struct mmu_p2m_ops for the simulated machine ----------------------------------------- */

static int ops_create(struct hostmem *h, uint64_t gpa_limit, uint64_t host_page, struct mmu_p2m **out)
{
	struct p2m *p;
	int rc = p2m_create(h, gpa_limit, host_page, &p);
	if (rc == 0)
		*out = &p->map;
	return rc;
}

static void ops_destroy(struct mmu_p2m *m) { p2m_destroy(p2m_from(m)); }
static int ops_lookup(struct mmu_p2m *m, uint64_t gpa, uint64_t *hpa) { return p2m_lookup(p2m_from(m), gpa, hpa); }
static int ops_back(struct mmu_p2m *m, uint64_t gpa) { return p2m_back(p2m_from(m), gpa); }

const struct mmu_p2m_ops p2m_ops = {
	.name = "p2m",
	.create = ops_create,
	.destroy = ops_destroy,
	.lookup = ops_lookup,
	.back = ops_back,
};
