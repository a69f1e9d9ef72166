/* run_cmd.c — running a program from a test (see run_cmd.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/common/run_cmd.h"

static void redirect(const char *path, int fd)
{
	int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f < 0 || dup2(f, fd) < 0)
		_exit(126);
}

int test_run_cmd(char *const argv[], const char *out_path, const char *err_path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		redirect(out_path, STDOUT_FILENO);
		redirect(err_path, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *test_cmd_line(char *const argv[], char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 1; argv[i] && n < size; i++) {
		int w = snprintf(buf + n, size - n, "%s%s", i > 1 ? " " : "", argv[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}
