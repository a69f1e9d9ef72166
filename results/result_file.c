/* result_file.c — result files on disk: checked before a run, written atomically after it,
 * so an interrupted or failed run never leaves a half-written file behind; and the one way
 * result documents and other inputs are opened (regular files only). An output replaces only
 * a regular file: its temporary is created beside it with O_EXCL|O_NOFOLLOW (a planted symlink
 * or file is never opened), a symlink, device or FIFO at the target is refused, and the
 * directory is fsynced after the rename so the new name survives a crash. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/result.h"

static int dir_of(const char *path, char *out, size_t n)
{
	if (strlen(path) >= n)
		return -ENAMETOOLONG;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(out, n, "%s", dirname(tmp));
	return 0;
}

int result_make_dirs(const char *dir)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* What is at an output path may be replaced only when it is a regular file (or nothing). */
static int target_check(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 0 : -EMEDIUMTYPE;
}

int result_path_check(const char *path)
{
	char dir[4096];
	struct stat st;
	if (!path || !*path)
		return -EINVAL;
	int rc = dir_of(path, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(dir, W_OK) < 0)
		return -errno;
	return target_check(path);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int regular_fopen(const char *path, FILE **f)
{
	*f = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -errno : !S_ISREG(st.st_mode) ? -EMEDIUMTYPE : 0;
	if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		rc = -errno;
	if (rc == 0 && !(*f = fdopen(fd, "r")))
		rc = -errno;
	if (rc < 0)
		close(fd);
	return rc;
}

const char *result_file_strerror(int rc)
{
	return rc == -EMEDIUMTYPE ? "not a regular file" : strerror(-rc);
}

json_t *result_load_file(const char *path, json_error_t *err)
{
	FILE *f;
	int rc = regular_fopen(path, &f);
	if (rc < 0) {
		*err = (json_error_t){ .line = -1, .column = -1, .position = 0 };
		snprintf(err->text, sizeof(err->text), "%s", result_file_strerror(rc));
		snprintf(err->source, sizeof(err->source), "%.*s", (int)sizeof(err->source) - 1, path);
		return NULL;
	}
	json_t *doc = json_loadf(f, 0, err);
	fclose(f);
	return doc;
}

/* A new temporary beside path (path.tmp.PID.K): created, never opened if something is there. */
static int create_temp(const char *path, char *tmp, size_t n)
{
	static unsigned counter;
	for (int tries = 0; tries < 100; tries++) {
		int len = snprintf(tmp, n, "%s.tmp.%ld.%u", path, (long)getpid(),
				   __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		if (len < 0 || (size_t)len >= n)
			return -ENAMETOOLONG;
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/* The rename is durable once the directory is on disk too. */
static int sync_dir_of(const char *path)
{
	char dir[4096];
	int rc = dir_of(path, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = fsync(fd) < 0 && errno != EINVAL ? -errno : 0; /* EINVAL: a file system that cannot */
	close(fd);
	return rc;
}

int atomic_write_file(const char *path, const char *data, size_t len)
{
	char tmp[4200];
	int rc = target_check(path);
	if (rc < 0)
		return rc;
	int fd = create_temp(path, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	rc = write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0)
		rc = target_check(path); /* still nothing but a regular file there */
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc < 0 ? rc : sync_dir_of(path);
}

int result_write_atomic(const char *path, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	char *nl = realloc(text, len + 2);
	if (!nl) {
		free(text);
		return -ENOMEM;
	}
	nl[len] = '\n';
	nl[len + 1] = 0;
	int rc = atomic_write_file(path, nl, len + 1);
	free(nl);
	return rc;
}

int atomic_write_stream(const char *path, void (*emit)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	emit(f, arg);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	int rc = atomic_write_file(path, buf, len);
	free(buf);
	return rc;
}
