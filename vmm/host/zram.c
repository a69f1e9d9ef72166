/* zram.c — zram swap set up for a run and torn down after it (see zram.h). The swap header is
 * written here (the layout of Linux's union swap_header, version 1) rather than by running
 * mkswap, so that no child process is forked from a multi-threaded VMM. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "vmm/host/swap.h"
#include "vmm/host/sysfs.h"
#include "vmm/host/zram.h"

#define ZRAM_DEV "/dev/zram0"
#define ZRAM_SYS "/sys/block/zram0"
#define SWAP_PRIO 32767 /* preferred over any other swap, so the run's pages go to zram */

/* Linux swap header v1: version, last_page and nr_badpages at byte 1024 of the first page,
 * "SWAPSPACE2" in its last 10 bytes. */
static int write_swap_header(uint64_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *hdr = calloc(1, (size_t)page);
	if (!hdr)
		return -ENOMEM;
	uint32_t info[3] = { 1, (uint32_t)(bytes / (uint64_t)page - 1), 0 };
	memcpy(hdr + 1024, info, sizeof(info));
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	int fd = open(ZRAM_DEV, O_WRONLY | O_CLOEXEC);
	int rc = fd < 0 ? -errno : 0;
	if (rc == 0 && pwrite(fd, hdr, (size_t)page, 0) != page)
		rc = -EIO;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(hdr);
	return rc;
}

static int setup_fail(struct zram_swap *z, int rc, char *why, size_t n, const char *what)
{
	snprintf(why, n, "zram swap: %s: %s", what, strerror(-rc));
	zram_swap_teardown(z);
	return rc;
}

static int check_unused(char *why, size_t n)
{
	uint64_t disksize = 0;
	if (geteuid() != 0) {
		snprintf(why, n, "zram swap needs root (it configures /dev/zram0 and swapon)");
		return -EPERM;
	}
	if (access(ZRAM_SYS "/disksize", W_OK) < 0) {
		snprintf(why, n, "zram swap: %s is absent (load the zram module)", ZRAM_SYS);
		return -ENODEV;
	}
	if (host_swap_device_on(ZRAM_DEV) || (sysfs_read_u64(ZRAM_SYS "/disksize", &disksize) == 0 && disksize)) {
		snprintf(why, n, "zram swap: %s is already in use; memvirt leaves it alone", ZRAM_DEV);
		return -EBUSY;
	}
	return 0;
}

int zram_swap_setup(struct zram_swap *z, uint64_t bytes, char *why, size_t whylen)
{
	*z = (struct zram_swap){ .bytes = bytes };
	int rc = check_unused(why, whylen);
	if (rc < 0)
		return rc;
	if ((rc = sysfs_write_u64(ZRAM_SYS "/disksize", bytes)) < 0)
		return setup_fail(z, rc, why, whylen, "cannot set disksize");
	z->sized = true;
	if ((rc = write_swap_header(bytes)) < 0)
		return setup_fail(z, rc, why, whylen, "cannot write the swap header");
	if (swapon(ZRAM_DEV, SWAP_FLAG_PREFER | (SWAP_PRIO << SWAP_FLAG_PRIO_SHIFT)) < 0)
		return setup_fail(z, -errno, why, whylen, "swapon " ZRAM_DEV);
	z->swap_on = true;
	return 0;
}

int zram_swap_teardown(struct zram_swap *z)
{
	int rc = 0;
	if (z->swap_on && swapoff(ZRAM_DEV) < 0)
		rc = -errno;
	else
		z->swap_on = false;
	if (z->sized && !z->swap_on) {
		int r = sysfs_write(ZRAM_SYS "/reset", "1");
		if (r < 0 && rc == 0)
			rc = r;
		z->sized = r < 0;
	}
	return rc;
}
