/* memvirt_cmd.c — running the real memvirt binary from a test (see memvirt_cmd.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "tests/common/memvirt_cmd.h"
#include "tests/common/run_cmd.h"

void test_slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;
	buf[got] = 0;
	if (f)
		fclose(f);
}

/* The words of args (blank-separated; tests pass no quoted arguments). */
static int split(char *args, char **argv, int max)
{
	int n = 0;
	for (char *save = NULL, *w = strtok_r(args, " \t\n", &save); w && n < max - 1; w = strtok_r(NULL, " \t\n", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return n;
}

int memvirt_cmd_run(struct memvirt_cmd *c, const char *fmt, ...)
{
	char args[4096], outf[512], errf[512], *argv[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(outf, sizeof(outf), "%s/stdout", c->dir);
	snprintf(errf, sizeof(errf), "%s/stderr", c->dir);
	argv[0] = (char *)c->bin;
	split(args, argv + 1, 127);
	c->status = test_run_cmd(argv, outf, errf);
	test_slurp(outf, c->out, sizeof(c->out));
	test_slurp(errf, c->err, sizeof(c->err));
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

bool memvirt_host_refuses(struct memvirt_cmd *c, const struct scenario_refusal *cases, size_t n)
{
	char ini[256], out[256];
	bool all = true;
	snprintf(out, sizeof(out), "%s/never.json", c->dir);
	for (size_t i = 0; i < n; i++) {
		test_write_file(c->dir, "bad.ini", cases[i].text, ini, sizeof(ini));
		int rc = memvirt_cmd_run(c, "host %s --json %s --no-progress", ini, out);
		bool ok = rc == 2 && test_count_lines(c->err) == 1 && !c->out[0] && strstr(c->err, ini) &&
			  !test_file_exists(out);
		for (int k = 0; ok && k < 4 && cases[i].needles[k]; k++)
			ok = strstr(c->err, cases[i].needles[k]) != NULL;
		if (!ok)
			fprintf(stderr, "case %zu: exit %d, stdout '%s', stderr '%s'\n", i, rc, c->out, c->err);
		all &= ok;
	}
	return all;
}
