/* guest_ram.c — the guest-RAM handle (see guest_ram.h). */
#include "vmm/mem/guest_ram.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

void guest_ram_handle_init(struct guest_ram_handle *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->ram = (struct guest_ram){ .fd = -1 };
	atomic_store(&h->uffd_final, 0);
}

void guest_ram_handle_fini(struct guest_ram_handle *h) { pthread_mutex_destroy(&h->lock); }

/* Withdrawn guest RAM: the uffd counter outlives the VMM that kept it, so the monitor's last
 * sample still reads the run's final count. */
static struct guest_ram withdrawn(struct guest_ram_handle *h)
{
	const atomic_uint_fast64_t *c = h->ram.uffd_faults;
	if (c && c != &h->uffd_final)
		atomic_store(&h->uffd_final, atomic_load(c));
	return (struct guest_ram){ .fd = -1, .uffd_faults = c ? &h->uffd_final : NULL };
}

void guest_ram_publish(struct guest_ram_handle *h, const struct guest_ram *ram)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->ram = ram ? *ram : withdrawn(h);
	pthread_mutex_unlock(&h->lock);
}

struct guest_ram guest_ram_get(struct guest_ram_handle *h)
{
	pthread_mutex_lock(&h->lock);
	struct guest_ram r = h->ram;
	pthread_mutex_unlock(&h->lock);
	return r;
}

bool guest_ram_try_get(struct guest_ram_handle *h, struct guest_ram *out)
{
	if (pthread_mutex_trylock(&h->lock) != 0)
		return false;
	*out = h->ram;
	pthread_mutex_unlock(&h->lock);
	return true;
}

int guest_ram_with(struct guest_ram_handle *h, int (*fn)(const struct guest_ram *ram, void *arg), void *arg)
{
	pthread_mutex_lock(&h->lock);
	int rc = fn(&h->ram, arg);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int guest_ram_discard(const struct guest_ram *ram, uint64_t off, uint64_t len)
{
	if (!ram->base || off > ram->bytes || len > ram->bytes - off)
		return -EINVAL;
	if (len == 0)
		return 0;
	int rc = ram->fd >= 0 ? fallocate(ram->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len)
			      : madvise((uint8_t *)ram->base + off, len, MADV_DONTNEED);
	return rc < 0 ? -errno : 0;
}

int guest_ram_protect(const struct guest_ram *ram, uint64_t off, uint64_t len, bool access)
{
	if (!ram->base || off > ram->bytes || len > ram->bytes - off)
		return -EINVAL;
	if (len == 0)
		return 0;
	int prot = access ? PROT_READ | PROT_WRITE : PROT_NONE;
	return mprotect((uint8_t *)ram->base + off, len, prot) < 0 ? -errno : 0;
}
