/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "spawn.h"

/* Enough of stderr to explain a failure; apt puts the reason at the end. */
#define STDERR_KEEP 4096

extern char **environ;

struct buf {
	char *data;
	size_t len, cap;
};

static int buf_append(struct buf *b, const char *p, size_t n, size_t keep_tail)
{
	if (keep_tail && b->len + n > keep_tail) {
		/* Keep only the last keep_tail bytes. */
		if (n >= keep_tail) {
			p += n - keep_tail;
			n = keep_tail;
			b->len = 0;
		} else {
			size_t drop = b->len + n - keep_tail;
			memmove(b->data, b->data + drop, b->len - drop);
			b->len -= drop;
		}
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* A command line for messages: words joined by spaces. */
static char *argv_join(const char *const *argv)
{
	struct buf b = { 0 };
	for (size_t i = 0; argv[i]; i++) {
		if (i > 0 && buf_append(&b, " ", 1, 0) < 0)
			break;
		if (buf_append(&b, argv[i], strlen(argv[i]), 0) < 0)
			break;
	}
	return b.data ? b.data : strdup("?");
}

/* environ with LC_ALL=C added (and any previous LC_ALL dropped). */
static char **make_env(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(char *));
	if (!env)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (!startswith(environ[i], "LC_ALL="))
			env[j++] = environ[i];
	env[j] = (char *)"LC_ALL=C";
	return env;
}

static void child(const char *const *argv, const char *cwd, char **env, int out, int errfd,
		  int report)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		goto fail;
	if (cwd && chdir(cwd) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	execvpe(argv[0], (char *const *)argv, env);
fail:;
	int e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}

/* Read both pipes until EOF. */
static int drain(int out, int errfd, struct buf *bout, struct buf *berr)
{
	struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
	char tmp[65536];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, tmp, sizeof(tmp));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			int r = i == 0 ? buf_append(bout, tmp, (size_t)n, 0)
				       : buf_append(berr, tmp, (size_t)n, STDERR_KEEP);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The last non-empty lines of stderr, on one line, for the error message. */
static void squash(char *s)
{
	if (!s)
		return;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

int kl_spawn(const char *const *argv, const char *what, const char *cwd, char **ret_stdout,
	     struct kl_error **err)
{
	_cleanup_free_ char *cmd = what ? strdup(what) : argv_join(argv);
	_cleanup_free_ char **env = make_env();
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pr[2] = { -1, -1 };
	if (!env)
		return kl_error_set(err, ENOMEM, "cannot run '%s'", cmd);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 || pipe2(pr, O_CLOEXEC) < 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			closep(&po[i]);
			closep(&pe[i]);
			closep(&pr[i]);
		}
		return kl_error_set(err, e, "cannot run '%s'", cmd);
	}
	pid_t pid = fork();
	if (pid == 0)
		child(argv, cwd, env, po[1], pe[1], pr[1]);
	int fork_errno = errno;
	close(po[1]);
	close(pe[1]);
	close(pr[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		close(pr[0]);
		return kl_error_set(err, fork_errno, "cannot run '%s'", cmd);
	}
	struct buf bout = { 0 }, berr = { 0 };
	int r = drain(po[0], pe[0], &bout, &berr);
	close(po[0]);
	close(pe[0]);
	int exec_errno = 0;
	ssize_t n = read(pr[0], &exec_errno, sizeof(exec_errno));
	close(pr[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_cleanup_free_ char *out = bout.data, *errtext = berr.data;
	if (n == (ssize_t)sizeof(exec_errno))
		return kl_error_set(err, exec_errno, "cannot run '%s'", cmd);
	if (r < 0)
		return kl_error_set(err, -r, "cannot read the output of '%s'", cmd);
	squash(errtext);
	if (WIFSIGNALED(status))
		return kl_error_set(err, 0, "'%s' was killed by signal %d: %s", cmd,
				    WTERMSIG(status), errtext ? errtext : "");
	if (WEXITSTATUS(status) != 0)
		return kl_error_set(err, 0, "'%s' failed with exit status %d: %s", cmd,
				    WEXITSTATUS(status), errtext ? errtext : "(no message)");
	if (ret_stdout)
		*ret_stdout = out ? TAKE_PTR(out) : strdup("");
	return 0;
}
