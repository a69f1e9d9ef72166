/* sysfs.h — small helpers for the host control files memvirt writes (zram, memory cgroups):
 * one value per file, errors returned as negative errno so the caller can name the file. */
#ifndef MEMVIRT_SYSFS_H
#define MEMVIRT_SYSFS_H

#include <stddef.h>
#include <stdint.h>

int sysfs_write(const char *path, const char *value);
int sysfs_write_u64(const char *path, uint64_t v);
/* Reads the file's first line (newline stripped) into buf. */
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_read_u64(const char *path, uint64_t *v);

#endif
