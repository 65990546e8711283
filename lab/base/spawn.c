/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "spawn.h"
#include "stop.h"

/* Enough of stderr to explain a failure; apt puts the reason at the end. */
#define STDERR_KEEP 4096

extern char **environ;

int kl_pid_wait(pid_t pid, double deadline, int *ret_status)
{
	for (;;) {
		int status;
		pid_t w = waitpid(pid, &status, deadline > 0 ? WNOHANG : 0);
		if (w == pid) {
			if (ret_status)
				*ret_status = status;
			return 0;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (kl_now() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

void kl_pid_kill_and_reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	int saved = errno;
	/* An unreaped child keeps its pid, so the group test cannot hit another process. */
	kill(getpgid(*pid) == *pid ? -*pid : *pid, SIGKILL);
	(void)kl_pid_wait(*pid, 0, NULL);
	*pid = 0;
	errno = saved;
}

/* ---- output capture: the first head bytes, a ring of the last tail bytes ---- */

struct capture {
	struct kl_spawn_cap cap;
	char *head;
	size_t head_len, head_alloc;
	char *tail;
	size_t tail_pos, tail_len;
	size_t dropped; /* bytes between head and tail that were not kept */
};

static void capture_free(struct capture *c)
{
	free(c->head);
	free(c->tail);
}

static int capture_add(struct capture *c, const char *p, size_t n)
{
	size_t h = n < c->cap.head - c->head_len ? n : c->cap.head - c->head_len;
	if (h > 0 && c->head_len + h + 1 > c->head_alloc) {
		size_t a = c->head_alloc ? c->head_alloc : 4096;
		while (a < c->head_len + h + 1)
			a *= 2;
		char *nh = realloc(c->head, a);
		if (!nh)
			return -ENOMEM;
		c->head = nh;
		c->head_alloc = a;
	}
	if (h > 0)
		memcpy(c->head + c->head_len, p, h);
	c->head_len += h;
	p += h, n -= h;
	if (n == 0)
		return 0;
	if (c->cap.tail == 0) {
		c->dropped += n;
		return 0;
	}
	if (!c->tail && !(c->tail = malloc(c->cap.tail)))
		return -ENOMEM;
	for (; n > 0; p++, n--) {
		if (c->tail_len == c->cap.tail)
			c->dropped++;
		else
			c->tail_len++;
		c->tail[c->tail_pos] = *p;
		c->tail_pos = (c->tail_pos + 1) % c->cap.tail;
	}
	return 0;
}

/* head, a line saying how much was dropped, then the tail from its first full line. */
static char *capture_join(const struct capture *c, const char *what, size_t *ret_len)
{
	_cleanup_free_ char *tail = malloc(c->tail_len + 1);
	if (!tail)
		return NULL;
	size_t start = c->tail_len ? (c->tail_pos + c->cap.tail - c->tail_len) % c->cap.tail : 0;
	for (size_t i = 0; i < c->tail_len; i++)
		tail[i] = c->tail[(start + i) % c->cap.tail];
	size_t skip = 0;
	char note[160] = "";
	if (c->dropped && c->cap.head > 0) {
		char *nl = memchr(tail, '\n', c->tail_len);
		skip = nl ? (size_t)(nl - tail) + 1 : c->tail_len;
		snprintf(note, sizeof(note), "\n[%zu bytes of %s output not kept]\n",
			 c->dropped + skip, what);
	}
	size_t nlen = strlen(note), len = c->head_len + nlen + c->tail_len - skip;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	if (c->head_len)
		memcpy(out, c->head, c->head_len);
	memcpy(out + c->head_len, note, nlen);
	memcpy(out + c->head_len + nlen, tail + skip, c->tail_len - skip);
	out[len] = '\0';
	*ret_len = len;
	return out;
}

static bool capture_on(struct kl_spawn_cap cap)
{
	return cap.head > 0 || cap.tail > 0;
}

/* ---- starting the child ---- */

static bool env_named(const char *entry, const char *spec)
{
	size_t n = strcspn(spec, "=");
	return strncmp(entry, spec, n) == 0 && entry[n] == '=';
}

/* environ without the names in set, then set's "NAME=value" entries. */
static char **make_env(const char *const *set)
{
	size_t n = 0, k = 0, ns = 0;
	while (environ[n])
		n++;
	while (set[ns])
		ns++;
	char **env = calloc(n + ns + 1, sizeof(char *));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool drop = false;
		for (size_t j = 0; j < ns && !drop; j++)
			drop = env_named(environ[i], set[j]);
		if (!drop)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < ns; j++)
		if (strchr(set[j], '='))
			env[k++] = (char *)set[j];
	return env;
}

static void actions_freep(posix_spawn_file_actions_t **fa)
{
	if (*fa)
		posix_spawn_file_actions_destroy(*fa);
}

static void attr_freep(posix_spawnattr_t **a)
{
	if (*a)
		posix_spawnattr_destroy(*a);
}

/* stdio: fd > 0 dup'ed onto target, else /dev/null opened with flags. */
static int action_stdio(posix_spawn_file_actions_t *fa, int fd, int target, int flags)
{
	return fd > 0 ? posix_spawn_file_actions_adddup2(fa, fd, target)
		      : posix_spawn_file_actions_addopen(fa, target, "/dev/null", flags, 0);
}

/*
 * The file to execute for name: name itself when it has a '/', else the first executable
 * regular file named so in $PATH (the lab's, as posix_spawnp would search), then in dirs.
 * Resolved here rather than by posix_spawnp so that "not found" is ENOENT even where the
 * child's exec failure cannot be reported back (under valgrind, posix_spawn forks).
 */
/* 0 with *ret = dir/name when that is an executable regular file, ENOENT when not. */
static int executable_in(const char *dir, const char *name, char **ret)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;
	if (asprintf(&p, "%s/%s", *dir ? dir : ".", name) < 0)
		return ENOMEM;
	if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || access(p, X_OK) < 0)
		return ENOENT;
	*ret = TAKE_PTR(p);
	return 0;
}

static int resolve(const char *name, const char *const *dirs, char **ret)
{
	struct stat st;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0 || !S_ISREG(st.st_mode) || access(name, X_OK) < 0)
			return ENOENT;
		*ret = strdup(name);
		return *ret ? 0 : ENOMEM;
	}
	const char *path = getenv("PATH");
	_cleanup_free_ char *search = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!search)
		return ENOMEM;
	char *save = NULL;
	for (const char *d = strtok_r(search, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		int r = executable_in(d, name, ret);
		if (r != ENOENT)
			return r;
	}
	for (size_t i = 0; dirs && dirs[i]; i++) {
		int r = executable_in(dirs[i], name, ret);
		if (r != ENOENT)
			return r;
	}
	return ENOENT;
}

static int start(const char *const *argv, const struct kl_spawn_options *o, int out_w, int err_w,
		 pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa_store, *fa = NULL;
	posix_spawnattr_t at_store, *at = NULL;
	_cleanup_(actions_freep) posix_spawn_file_actions_t *fap = NULL;
	_cleanup_(attr_freep) posix_spawnattr_t *atp = NULL;
	_cleanup_free_ char **env = o->env ? make_env(o->env) : NULL;
	if (o->env && !env)
		return ENOMEM;
	if (posix_spawn_file_actions_init(&fa_store) != 0)
		return ENOMEM;
	fap = fa = &fa_store;
	if (posix_spawnattr_init(&at_store) != 0)
		return ENOMEM;
	atp = at = &at_store;
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
		      (o->own_group ? POSIX_SPAWN_SETPGROUP : 0);
	int r;
	if ((r = posix_spawnattr_setflags(at, flags)) != 0 ||
	    (r = posix_spawnattr_setsigmask(at, &none)) != 0 ||
	    (r = posix_spawnattr_setsigdefault(at, &def)) != 0 ||
	    (r = posix_spawnattr_setpgroup(at, 0)) != 0 ||
	    (r = action_stdio(fa, o->stdin_fd, 0, O_RDONLY)) != 0 ||
	    (r = action_stdio(fa, out_w, 1, O_WRONLY)) != 0 ||
	    (r = action_stdio(fa, o->merge_stderr ? out_w : err_w, 2, O_WRONLY)) != 0 ||
	    (o->cwd && (r = posix_spawn_file_actions_addchdir_np(fa, o->cwd)) != 0))
		return r;
	_cleanup_free_ char *path = NULL;
	r = resolve(argv[0], o->dirs, &path);
	if (r != 0)
		return r;
	return posix_spawn(ret_pid, path, fa, at, (char *const *)argv, env ? env : environ);
}

/* ---- reading until EOF or the deadline ---- */

/* Read both pipes (fd -1: none) until EOF on both; -ETIMEDOUT at the deadline. */
static int drain(int out, int errfd, struct capture *cout, struct capture *cerr, double deadline)
{
	struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
	struct capture *caps[2] = { cout, cerr };
	char buf[65536];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int ms = -1;
		if (deadline > 0) {
			double left = deadline - kl_now();
			if (left <= 0)
				return -ETIMEDOUT;
			ms = left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1;
		}
		int pr = poll(p, 2, ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			int r = capture_add(caps[i], buf, (size_t)n);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

void kl_spawn_result_clear(struct kl_spawn_result *r)
{
	free(r->out);
	free(r->err);
	*r = (struct kl_spawn_result){ 0 };
}

static void close_pair(int p[2])
{
	closep(&p[0]);
	closep(&p[1]);
	p[0] = p[1] = -1;
}

static void close_pairp(int (*p)[2])
{
	close_pair(*p);
}

static int finish(struct capture *cout, struct capture *cerr, const char *what,
		  struct kl_spawn_result *res)
{
	if (capture_on(cout->cap) && !(res->out = capture_join(cout, what, &res->out_len)))
		return -ENOMEM;
	if (capture_on(cerr->cap) && !(res->err = capture_join(cerr, what, &res->err_len)))
		return -ENOMEM;
	return 0;
}

int kl_spawn_run(const char *const *argv, const struct kl_spawn_options *o,
		 struct kl_spawn_result *ret, struct kl_error **err)
{
	const char *what = o->what ? o->what : argv[0];
	bool want_err = !o->merge_stderr && capture_on(o->err);
	_cleanup_(close_pairp) int po[2] = { -1, -1 };
	_cleanup_(close_pairp) int pe[2] = { -1, -1 };
	if ((capture_on(o->out) && pipe2(po, O_CLOEXEC) < 0) ||
	    (want_err && pipe2(pe, O_CLOEXEC) < 0))
		return kl_error_set(err, errno, "cannot run '%s'", what);

	double start_s = kl_now(), deadline = o->timeout_s > 0 ? start_s + o->timeout_s : 0;
	_cleanup_pid_ pid_t pid = 0;
	int r = start(argv, o, po[1], pe[1], &pid);
	if (r != 0) {
		pid = 0;
		return kl_error_set(err, r, "cannot run '%s'", what);
	}
	closep(&po[1]), po[1] = -1;
	closep(&pe[1]), pe[1] = -1;

	struct kl_spawn_result res = { 0 };
	struct capture cout = { .cap = o->out },
		       cerr = { .cap = want_err ? o->err : (struct kl_spawn_cap){ 0 } };
	r = drain(po[0], pe[0], &cout, &cerr, deadline);
	if (r < 0 && r != -ETIMEDOUT) {
		capture_free(&cout), capture_free(&cerr);
		return kl_error_set(err, -r, "cannot read the output of '%s'", what);
	}
	/* After EOF the child ends promptly; one that holds on past the deadline is killed. */
	int w = r == -ETIMEDOUT ? r : kl_pid_wait(pid, deadline, &res.status);
	if (w == -ETIMEDOUT) {
		res.timed_out = true;
		kill(o->own_group ? -pid : pid, SIGKILL);
		w = kl_pid_wait(pid, 0, &res.status);
	}
	if (w < 0) {
		capture_free(&cout), capture_free(&cerr);
		return kl_error_set(err, -w, "cannot wait for '%s'", what);
	}
	pid = 0;
	res.seconds = kl_now() - start_s;
	r = finish(&cout, &cerr, what, &res);
	capture_free(&cout), capture_free(&cerr);
	if (r < 0) {
		kl_spawn_result_clear(&res);
		return kl_error_set(err, -r, "cannot read the output of '%s'", what);
	}
	*ret = res;
	return 0;
}

/* ---- the common case: a tool that must succeed ---- */

/* A command line for messages: words joined by spaces. */
static char *argv_join(const char *const *argv)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
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

double kl_spawn_timeout_s = 1800;

int kl_spawn(const char *const *argv, const char *what, const char *cwd, char **ret_stdout,
	     struct kl_error **err)
{
	_cleanup_free_ char *cmd = what ? strdup(what) : argv_join(argv);
	if (!cmd)
		return kl_error_set(err, ENOMEM, "cannot run '%s'", argv[0]);
	static const char *const env[] = { "LC_ALL=C", NULL };
	const struct kl_spawn_options o = {
		.what = cmd,
		.cwd = cwd,
		.env = env,
		.out = ret_stdout ? KL_SPAWN_ALL : (struct kl_spawn_cap){ 0 },
		.err = { .tail = STDERR_KEEP },
		.timeout_s = kl_spawn_timeout_s,
	};
	struct kl_spawn_result res = { 0 };
	int r = kl_spawn_run(argv, &o, &res, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *out = res.out, *errtext = res.err;
	squash(errtext);
	if (res.timed_out) {
		kl_error_set(err, 0,
			     "'%s' did not finish within its %g s deadline and was killed: %s", cmd,
			     kl_spawn_timeout_s, errtext ? errtext : "");
		return -ETIMEDOUT;
	}
	if (WIFSIGNALED(res.status))
		return kl_error_set(err, 0, "'%s' was killed by signal %d: %s", cmd,
				    WTERMSIG(res.status), errtext ? errtext : "");
	if (WEXITSTATUS(res.status) != 0)
		return kl_error_set(err, 0, "'%s' failed with exit status %d: %s", cmd,
				    WEXITSTATUS(res.status),
				    errtext && *errtext ? errtext : "(no message)");
	if (ret_stdout)
		*ret_stdout = TAKE_PTR(out);
	return 0;
}
