/* sysfs.h — reading and writing the host's small control and status files (sysfs, procfs:
 * zram, memory cgroups, module parameters, /proc/meminfo), the one set of helpers host probing
 * and host set-up share. Errors are returned as negative errno so the caller can name the file. */
#ifndef MEMVIRT_SYSFS_H
#define MEMVIRT_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int sysfs_write(const char *path, const char *value);
int sysfs_write_u64(const char *path, uint64_t v);
/* Reads the file's first line into buf (newline and trailing blanks cut); returns its length
 * (0 for an empty file) or -errno. */
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_read_u64(const char *path, uint64_t *v);
/* A module parameter's boolean, printed Y/N (bool) or 1/0 (int): 1 on, 0 off, -errno unknown. */
int sysfs_read_flag(const char *path);
bool sysfs_exists(const char *path);
/* The value of the first "key<blanks>: value" line of a /proc file (/proc/cpuinfo's
 * "model name\t: ...", /proc/meminfo's "MemTotal:  24683620 kB") into out; -ENOENT if absent. */
int proc_field(const char *path, const char *key, char *out, size_t len);
/* The value, in KiB, of one /proc/meminfo line ("MemTotal:  24683620 kB"); -ENOENT if absent. */
int proc_meminfo_kib(const char *key, uint64_t *out);

#endif
