/* ram_book.c — the locked p2m state book of kvm guest RAM (see ram_book.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmm/mem/ram_book.h"
#include "vmm/mem/residency.h"

int ram_book_init(struct ram_book *b, uint64_t bytes)
{
	memset(b, 0, sizeof(*b));
	int rc = p2m_book_init(&b->book, bytes);
	if (rc < 0)
		return rc;
	pthread_mutex_init(&b->lock, NULL);
	b->ready = true;
	return 0;
}

void ram_book_fini(struct ram_book *b)
{
	if (!b->ready)
		return;
	pthread_mutex_destroy(&b->lock);
	p2m_book_fini(&b->book);
	b->ready = false;
}

/* Under the lock: [off, off + len) becomes RESIDENT; the frames that were RECLAIMED refaulted. */
static void make_resident(struct ram_book *b, uint64_t off, uint64_t len)
{
	int64_t back = p2m_book_move_range(&b->book, off, len, P2M_RECLAIMED, P2M_RESIDENT);
	if (back > 0)
		b->refaulted += (uint64_t)back;
	(void)p2m_book_move_range(&b->book, off, len, P2M_UNBACKED, P2M_RESIDENT);
}

void ram_book_touched(struct ram_book *b, uint64_t off, uint64_t len)
{
	if (!b->ready)
		return;
	pthread_mutex_lock(&b->lock);
	make_resident(b, off, len); /* outside guest RAM: refused by the book, nothing changes */
	pthread_mutex_unlock(&b->lock);
}

void ram_book_reclaimed(struct ram_book *b, uint64_t off, uint64_t len)
{
	if (!b->ready)
		return;
	pthread_mutex_lock(&b->lock);
	int64_t n = p2m_book_move_range(&b->book, off, len, P2M_RESIDENT, P2M_RECLAIMED);
	if (n > 0)
		b->reclaimed += (uint64_t)n;
	pthread_mutex_unlock(&b->lock);
}

/* One pagemap batch: runs of mapped frames become RESIDENT (the lock is taken per batch, so
 * the reclaim and uffd threads are never held up for a whole pass). */
static int sync_batch(struct ram_book *b, int fd, const uint8_t *base, uint64_t first, uint64_t n)
{
	uint8_t mapped[RESIDENCY_BATCH];
	int rc = residency_mapped(fd, base + first * P2M_FRAME, n, mapped);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&b->lock);
	for (uint64_t i = 0; i < n; i++)
		if (mapped[i])
			make_resident(b, (first + i) * P2M_FRAME, P2M_FRAME);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int ram_book_sync(struct ram_book *b, const void *base)
{
	if (!b->ready || !base)
		return -EINVAL;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	for (uint64_t f = 0; rc == 0 && f < b->book.frames; f += RESIDENCY_BATCH) {
		uint64_t n = b->book.frames - f < RESIDENCY_BATCH ? b->book.frames - f : RESIDENCY_BATCH;
		rc = sync_batch(b, fd, base, f, n);
	}
	close(fd);
	return rc;
}

void ram_book_counts(struct ram_book *b, uint64_t frames[P2M_STATES], uint64_t *reclaimed, uint64_t *refaulted)
{
	memset(frames, 0, P2M_STATES * sizeof(frames[0]));
	*reclaimed = *refaulted = 0;
	if (!b->ready)
		return;
	pthread_mutex_lock(&b->lock);
	for (unsigned s = 0; s < P2M_STATES; s++)
		frames[s] = p2m_book_count(&b->book, (enum p2m_state)s);
	*reclaimed = b->reclaimed;
	*refaulted = b->refaulted;
	pthread_mutex_unlock(&b->lock);
}
