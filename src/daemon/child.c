/* SPDX-License-Identifier: MIT */
#include "daemon/child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/io.h"
#include "util/proc.h"

#define CHILD_OUTPUT_WAIT_MS 10000

const char *child_find_prog(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin",
					    "/usr/local/sbin", "/usr/local/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

/* uvnetd blocks the signals its signalfd takes; the child must not
 * inherit that.  Only async-signal-safe calls after the fork. */
pid_t child_spawn(char *const argv[], int in, int out, bool own_session)
{
	pid_t parent = getpid(), pid = fork();
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (own_session)
		setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_range(3, ~0u, 0);
	execv(argv[0], argv);
	_exit(127);
}

void child_reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

void child_stop(pid_t pid, unsigned term_ms)
{
	int status;

	kill(pid, SIGTERM);
	for (unsigned ms = 0; ms < term_ms; ms += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	child_reap(pid, NULL);
}

bool child_has_arg(pid_t pid, const char *arg)
{
	char path[64], cmd[8192];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (ssize_t r; len < sizeof(cmd) - 1 && (r = read(fd, cmd + len, sizeof(cmd) - 1 - len)) > 0;)
		len += (size_t)r;
	close(fd);
	cmd[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		if (!strcmp(cmd + i, arg))
			return true;
	return false;
}

static size_t read_output(int fd, char *out, size_t outlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;

	while (len < outlen - 1 && poll(&pfd, 1, CHILD_OUTPUT_WAIT_MS) > 0) {
		ssize_t r = read(fd, out + len, outlen - 1 - len);

		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	return len;
}

static void first_error_line(char *out, const char *prog, struct error *e)
{
	char *line, *save;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "Error"))
			break;
	error_set(e, -EIO, "%s: %s", prog, line ? line : out[0] ? out : "failed");
}

int child_run(char *const argv[], const char *input, char *out, size_t outlen, struct error *e)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int in[2], res[2], status = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return error_set(e, -errno, "%s: pipe: %s", prog, strerror(errno));
	if (pipe2(res, O_CLOEXEC)) {
		int rc = -errno;

		close(in[0]);
		close(in[1]);
		return error_set(e, rc, "%s: pipe: %s", prog, strerror(-rc));
	}
	pid = child_spawn(argv, in[0], res[1], false);
	close(in[0]);
	close(res[1]);
	if (pid > 0)
		io_write_all(in[1], input, strlen(input)); /* a child that stops reading has failed */
	close(in[1]);
	if (pid > 0)
		read_output(res[0], out, outlen);
	close(res[0]);
	if (pid < 0)
		return error_set(e, (int)pid, "%s: cannot start: %s", prog, strerror((int)-pid));
	child_reap(pid, &status);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	first_error_line(out, prog, e);
	return -EIO;
}
