/* p2m_pool.c — a host's shared-frame pool (see p2m_pool.h): a sparse memfd, a stack of freed
 * frames and a bump counter; a freed frame's memory is punched out of the memfd at once, so
 * the host gets it back and a reused frame starts from zeros. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ept/p2m_pool.h"

#define FRAME 4096u

int p2m_pool_init(struct p2m_pool *p, uint64_t bytes)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!bytes || bytes % FRAME)
		return -EINVAL;
	p->frames = bytes / FRAME;
	int rc = -ENOMEM; /* the real errno where a call says one */
	p->fd = memfd_create("memvirt-share-pool", MFD_CLOEXEC);
	if (p->fd < 0 || ftruncate(p->fd, (off_t)bytes) < 0) {
		rc = -errno;
		goto fail;
	}
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, p->fd, 0);
	if (m == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	p->base = m;
	p->refs = calloc(p->frames, sizeof(*p->refs));
	p->domain = calloc(p->frames, 1);
	p->free = malloc(p->frames * sizeof(*p->free));
	if (!p->refs || !p->domain || !p->free)
		goto fail;
	pthread_mutex_init(&p->lock, NULL);
	return 0;
fail:
	if (p->base)
		munmap(p->base, bytes);
	if (p->fd >= 0)
		close(p->fd);
	free(p->refs);
	free(p->domain);
	free(p->free);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	return rc;
}

void p2m_pool_fini(struct p2m_pool *p)
{
	if (!p->refs)
		return;
	munmap(p->base, p->frames * FRAME);
	close(p->fd);
	free(p->refs);
	free(p->domain);
	free(p->free);
	pthread_mutex_destroy(&p->lock);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

int p2m_pool_new(struct p2m_pool *p, unsigned domain, const void *content, uint64_t *frame)
{
	if (domain >= P2M_POOL_DOMAINS)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	uint64_t f;
	if (p->nfree)
		f = p->free[--p->nfree];
	else if (p->bump < p->frames)
		f = p->bump++;
	else {
		pthread_mutex_unlock(&p->lock);
		return -ENOSPC;
	}
	memcpy(p->base + f * FRAME, content, FRAME);
	p->refs[f] = 1;
	p->domain[f] = (uint8_t)domain;
	p->used++;
	p->refs_total++;
	p->dom_used[domain]++;
	p->dom_refs[domain]++;
	if (p->used > p->peak_used)
		p->peak_used = p->used;
	pthread_mutex_unlock(&p->lock);
	*frame = f;
	return 0;
}

int p2m_pool_get(struct p2m_pool *p, uint64_t frame, unsigned domain)
{
	int rc = 0;
	pthread_mutex_lock(&p->lock);
	if (frame >= p->frames || !p->refs[frame])
		rc = -EINVAL;
	else if (p->domain[frame] != domain)
		rc = -EXDEV;
	else {
		p->refs[frame]++;
		p->refs_total++;
		p->dom_refs[domain]++;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

bool p2m_pool_put(struct p2m_pool *p, uint64_t frame, bool broken)
{
	bool freed = false;
	pthread_mutex_lock(&p->lock);
	if (frame < p->frames && p->refs[frame]) {
		unsigned d = p->domain[frame];
		p->refs_total--;
		p->dom_refs[d]--;
		p->cow_breaks += broken;
		if (--p->refs[frame] == 0) {
			p->used--;
			p->dom_used[d]--;
			/* back to the host now; a failed punch leaves the content, so zero it */
			if (fallocate(p->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(frame * FRAME), FRAME) < 0)
				memset(p->base + frame * FRAME, 0, FRAME);
			p->free[p->nfree++] = frame;
			freed = true;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return freed;
}

uint32_t p2m_pool_refs(struct p2m_pool *p, uint64_t frame)
{
	pthread_mutex_lock(&p->lock);
	uint32_t r = frame < p->frames ? p->refs[frame] : 0;
	pthread_mutex_unlock(&p->lock);
	return r;
}

void p2m_pool_counts(struct p2m_pool *p, struct p2m_pool_counts *out)
{
	pthread_mutex_lock(&p->lock);
	*out = (struct p2m_pool_counts){ .used = p->used, .refs = p->refs_total, .cow_breaks = p->cow_breaks,
					 .peak_used = p->peak_used };
	memcpy(out->dom_used, p->dom_used, sizeof(out->dom_used));
	memcpy(out->dom_refs, p->dom_refs, sizeof(out->dom_refs));
	pthread_mutex_unlock(&p->lock);
}
