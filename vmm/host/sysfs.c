/* sysfs.c — reading and writing the host's small control and status files (see sysfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/host/sysfs.h"

int sysfs_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t w = write(fd, value, len);
	int rc = w < 0 ? -errno : (size_t)w == len ? 0 : -EIO;
	close(fd);
	return rc;
}

int sysfs_write_u64(const char *path, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return sysfs_write(path, buf);
}

int sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, len - 1);
	int rc = r < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	buf[r] = 0;
	size_t n = strcspn(buf, "\n");
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	return (int)n;
}

int sysfs_read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int rc = sysfs_read(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

int sysfs_read_flag(const char *path)
{
	char buf[16];
	int rc = sysfs_read(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

bool sysfs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int proc_field(const char *path, const char *key, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[4096];
	size_t klen = strlen(key);
	int rc = -ENOENT;
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon || strncmp(line, key, klen) != 0 || strspn(line + klen, " \t") != (size_t)(colon - line - klen))
			continue;
		char *val = colon + 1 + strspn(colon + 1, " \t");
		val[strcspn(val, "\n")] = '\0';
		snprintf(out, len, "%s", val);
		rc = 0;
	}
	fclose(f);
	return rc;
}

int proc_meminfo_kib(const char *key, uint64_t *out)
{
	char val[64];
	int rc = proc_field("/proc/meminfo", key, val, sizeof(val));
	if (rc == 0)
		*out = strtoull(val, NULL, 10);
	return rc;
}
