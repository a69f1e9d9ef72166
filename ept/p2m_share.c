/* p2m_share.c — copy-on-write sharing in the p2m (see p2m.h): what the own merge engine
 * (ksm/ksm_merge.h) does to sim's second dimension. A shared guest frame's EPT leaf points, read-
 * only, at a frame of the host's shared-frame pool (ept/p2m_pool.h), seen through the window
 * every sharing VM's host memory maps at hpa host->size; its own host frame was released (that
 * is the saving, once a second frame maps the same pool frame). A guest write then faults in
 * the second dimension and ept_fill breaks the sharing (exits.cow_break): the frame gets a
 * private copy again and the pool frame loses one guest frame; the last one frees it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ept/p2m.h"

#define SHARED_FLAGS (EPT_R | EPT_X)
#define PRIVATE_FLAGS (EPT_R | EPT_W | EPT_X)

static int remap(struct p2m *p, uint64_t gpa, uint64_t hpa, uint64_t flags)
{
	return pt_map(&pt_format_ept, P2M_LEVELS, p->root, gpa, hpa, P2M_FRAME, flags, &p->tables.mem);
}

static uint64_t window_hpa(const struct p2m *p, uint64_t frame) { return p->host->size + frame * P2M_FRAME; }

/* gpa's own (private) host frame, checked: 0 and *hpa, or a negative errno. */
static int private_frame(struct p2m *p, struct p2m_pool *pool, uint64_t gpa, uint64_t *hpa)
{
	int rc;
	if (p->page_size != P2M_FRAME || gpa % P2M_FRAME || p->host->window_bytes < p2m_pool_bytes(pool) ||
	    (p->pool && p->pool != pool))
		return -EINVAL;
	if ((rc = p2m_lookup(p, gpa, hpa)) < 0)
		return rc;
	if (p2m_get_state(p, gpa) == P2M_SHARED || hostmem_in_window(p->host, *hpa))
		return -EINVAL; /* the engine moves only private frames */
	return 0;
}

/* gpa now maps pool frame `frame`, read-only; its own frame `mine` goes back to the host. */
static int map_shared(struct p2m *p, struct p2m_pool *pool, uint64_t gpa, uint64_t mine, uint64_t frame)
{
	int rc = remap(p, gpa, window_hpa(p, frame), SHARED_FLAGS);
	if (rc < 0)
		return rc;
	p->pool = pool;
	(void)p2m_set_state(p, gpa, P2M_SHARED);
	hostmem_release(p->host, mine, P2M_FRAME);
	p->backed_pages--;
	p->map.gen++; /* gpa's cached translation is stale */
	return 0;
}

int p2m_share_new(struct p2m *p, uint64_t gpa, struct p2m_pool *pool, unsigned domain, uint64_t *frame)
{
	uint64_t mine;
	int rc = private_frame(p, pool, gpa, &mine);
	if (rc < 0)
		return rc;
	if ((rc = p2m_pool_new(pool, domain, hostmem_ptr(p->host, mine), frame)) < 0)
		return rc;
	if ((rc = map_shared(p, pool, gpa, mine, *frame)) < 0)
		(void)p2m_pool_put(pool, *frame, false);
	return rc;
}

int p2m_share(struct p2m *p, uint64_t gpa, struct p2m_pool *pool, uint64_t frame, unsigned domain)
{
	uint64_t mine;
	int rc = private_frame(p, pool, gpa, &mine);
	if (rc < 0)
		return rc;
	if ((rc = p2m_pool_get(pool, frame, domain)) < 0)
		return rc;
	if ((rc = map_shared(p, pool, gpa, mine, frame)) < 0)
		(void)p2m_pool_put(pool, frame, false);
	return rc;
}

int p2m_shared_frame(struct p2m *p, uint64_t gpa, uint64_t *frame)
{
	uint64_t hpa;
	int rc = p2m_lookup(p, gpa, &hpa);
	if (rc < 0)
		return rc;
	if (!p->pool || !hostmem_in_window(p->host, hpa))
		return -ENOENT;
	*frame = (hpa - p->host->size) / P2M_FRAME;
	return 0;
}

int p2m_cow_break(struct p2m *p, uint64_t gpa)
{
	uint64_t frame, fresh;
	int rc;

	gpa &= ~(P2M_FRAME - 1);
	if ((rc = p2m_shared_frame(p, gpa, &frame)) < 0)
		return rc;
	if ((rc = hostmem_alloc(p->host, P2M_FRAME, &fresh)) < 0)
		return rc;
	memcpy(hostmem_ptr(p->host, fresh), p2m_pool_ptr(p->pool, frame), P2M_FRAME);
	if ((rc = remap(p, gpa, fresh, PRIVATE_FLAGS)) < 0) {
		hostmem_free(p->host, fresh, P2M_FRAME);
		return rc;
	}
	p->backed_pages++;
	(void)p2m_pool_put(p->pool, frame, true);
	(void)p2m_set_state(p, gpa, P2M_RESIDENT);
	p->map.gen++;
	return 0;
}

bool p2m_share_release(struct p2m *p, uint64_t hpa)
{
	if (!p->pool || !hostmem_in_window(p->host, hpa))
		return true;
	(void)p2m_pool_put(p->pool, (hpa - p->host->size) / P2M_FRAME, false);
	return false;
}

/* Calls fn on every guest frame mapping a pool frame. */
static void each_shared(struct p2m *p, void (*fn)(struct p2m *p, uint64_t frame, void *arg), void *arg)
{
	if (!p->pool)
		return;
	for (uint64_t gpa = 0; gpa < p->gpa_limit; gpa += P2M_FRAME) {
		uint64_t frame;
		if (p2m_get_state(p, gpa) == P2M_SHARED && p2m_shared_frame(p, gpa, &frame) == 0)
			fn(p, frame, arg);
	}
}

static void drop_one(struct p2m *p, uint64_t frame, void *arg)
{
	(void)arg;
	(void)p2m_pool_put(p->pool, frame, false);
}

void p2m_share_drop_all(struct p2m *p)
{
	each_shared(p, drop_one, NULL);
	p->pool = NULL;
}

static void pss_one(struct p2m *p, uint64_t frame, void *arg)
{
	uint32_t refs = p2m_pool_refs(p->pool, frame);
	if (refs)
		*(double *)arg += 1.0 / refs;
}

double p2m_share_pss_frames(struct p2m *p)
{
	double pss = 0;
	each_shared(p, pss_one, &pss);
	return pss;
}
