/* memvirt_cmd.c — running the real memvirt binary from a test (see memvirt_cmd.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/common/memvirt_cmd.h"

static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;
	buf[got] = 0;
	if (f)
		fclose(f);
}

int memvirt_cmd_run(struct memvirt_cmd *c, const char *fmt, ...)
{
	char args[4096], cmd[8192], outf[512], errf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(outf, sizeof(outf), "%s/stdout", c->dir);
	snprintf(errf, sizeof(errf), "%s/stderr", c->dir);
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s </dev/null", c->bin, args, outf, errf);
	int st = system(cmd);
	slurp(outf, c->out, sizeof(c->out));
	slurp(errf, c->err, sizeof(c->err));
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return c->status;
}

void test_write_file(const char *dir, const char *name, const char *text, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		abort();
	}
	fputs(text, f);
	fclose(f);
}

int test_count_lines(const char *text)
{
	int n = 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n' || (p[1] == 0);
	return n;
}

bool test_file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}
