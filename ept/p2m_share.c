/* p2m_share.c — copy-on-write sharing in the p2m (see p2m.h): what the own merge engine
 * (ksm/ksm_merge.h) does to sim's second dimension. A merge points a guest frame's EPT leaf at
 * another frame's host frame and clears EPT_W on both; a guest write then faults in the
 * second dimension and ept_fill breaks the sharing (exits.cow_break). Each shared host frame
 * counts the guest frames mapping it, so the last one to leave frees it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ept/p2m.h"

#define SHARED_FLAGS (EPT_R | EPT_X)
#define PRIVATE_FLAGS (EPT_R | EPT_W | EPT_X)

static int refs_ready(struct p2m *p)
{
	if (p->share_refs)
		return 0;
	p->share_refs = calloc(p->host->size / P2M_FRAME, sizeof(*p->share_refs));
	return p->share_refs ? 0 : -ENOMEM;
}

static int remap(struct p2m *p, uint64_t gpa, uint64_t hpa, uint64_t flags)
{
	return pt_map(&pt_format_ept, P2M_LEVELS, p->root, gpa, hpa, P2M_FRAME, flags, &p->tables.mem);
}

int p2m_share(struct p2m *p, uint64_t gpa, uint64_t into)
{
	uint64_t mine, theirs;
	int rc;

	if (p->page_size != P2M_FRAME || (gpa | into) % P2M_FRAME || gpa == into)
		return -EINVAL;
	if ((rc = p2m_lookup(p, gpa, &mine)) < 0 || (rc = p2m_lookup(p, into, &theirs)) < 0)
		return rc;
	if (p2m_get_state(p, gpa) == P2M_SHARED) /* the engine merges only private frames */
		return -EINVAL;
	if ((rc = refs_ready(p)) < 0)
		return rc;
	uint32_t *r = &p->share_refs[theirs / P2M_FRAME];
	if (*r == 0) { /* `into` becomes shared now: read-only from here on */
		if ((rc = remap(p, into, theirs, SHARED_FLAGS)) < 0)
			return rc;
		*r = 1;
		(void)p2m_set_state(p, into, P2M_SHARED);
	}
	if ((rc = remap(p, gpa, theirs, SHARED_FLAGS)) < 0)
		return rc;
	(*r)++;
	(void)p2m_set_state(p, gpa, P2M_SHARED);
	hostmem_free(p->host, mine, P2M_FRAME);
	p->backed_pages--;
	p->map.gen++; /* gpa's cached translation (and into's writable one) are stale */
	return 0;
}

int p2m_cow_break(struct p2m *p, uint64_t gpa)
{
	uint64_t old, fresh;
	int rc;

	gpa &= ~(P2M_FRAME - 1);
	if ((rc = p2m_lookup(p, gpa, &old)) < 0)
		return rc;
	uint32_t *r = p->share_refs ? &p->share_refs[old / P2M_FRAME] : NULL;
	if (!r || *r == 0 || p2m_get_state(p, gpa) != P2M_SHARED)
		return -ENOENT;
	if ((rc = hostmem_alloc(p->host, P2M_FRAME, &fresh)) < 0)
		return rc;
	memcpy(hostmem_ptr(p->host, fresh), hostmem_ptr(p->host, old), P2M_FRAME);
	if ((rc = remap(p, gpa, fresh, PRIVATE_FLAGS)) < 0) {
		hostmem_free(p->host, fresh, P2M_FRAME);
		return rc;
	}
	p->backed_pages++;
	if (--*r == 0) { /* the last guest frame of this content left it */
		hostmem_free(p->host, old, P2M_FRAME);
		p->backed_pages--;
	}
	(void)p2m_set_state(p, gpa, P2M_RESIDENT);
	p->map.gen++;
	return 0;
}

bool p2m_share_release(struct p2m *p, uint64_t hpa)
{
	uint32_t *r = p->share_refs ? &p->share_refs[hpa / P2M_FRAME] : NULL;
	if (!r || *r == 0)
		return true;
	return --*r == 0;
}
