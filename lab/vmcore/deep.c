/* SPDX-License-Identifier: MIT */
/* The deep check: crash(8) in batch mode on a dump and its debug vmlinux (see deep.h). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/macro.h"
#include "base/spawn.h"
#include "base/text.h"
#include "deep.h"

/* We keep the first HEAD and the last TAIL bytes of crash's output: sys and bt come early,
 * the reason it gave up comes last, and a corrupt dump can make it print megabytes. */
#define OUT_HEAD (768u << 10)
#define OUT_TAIL (256u << 10)
#define MARK	 "KDUMPLAB-DEEP "

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* Each command is preceded by a marker line so the output splits per command without
 * guessing from its content. `log | tail` runs tail through crash's own pipe support. */
static const char commands[] = "echo " MARK "sys\n"
			       "sys\n"
			       "echo " MARK "bt\n"
			       "bt\n"
			       "echo " MARK "log\n"
			       "log | tail -n 20\n"
			       "echo " MARK "end\n"
			       "q\n";

/* ---- parsing ---- */

struct line {
	const char *p;
	size_t n;
};

static bool line_is(struct line l, const char *s)
{
	return l.n == strlen(s) && memcmp(l.p, s, l.n) == 0;
}

static bool line_starts(struct line l, const char *s)
{
	return l.n >= strlen(s) && memcmp(l.p, s, strlen(s)) == 0;
}

static struct line line_trim(struct line l)
{
	while (l.n && (*l.p == ' ' || *l.p == '\t'))
		l.p++, l.n--;
	while (l.n && (l.p[l.n - 1] == ' ' || l.p[l.n - 1] == '\r'))
		l.n--;
	return l;
}

/* Split into lines (no NUL needed); *ret_n lines. */
static struct line *split_lines(const char *out, size_t len, size_t *ret_n)
{
	size_t n = 0, cap = 64;
	struct line *v = malloc(cap * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(out + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - out) : len;
		if (n == cap) {
			struct line *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv)
				return free(v), NULL;
			v = nv;
		}
		v[n++] = (struct line){ out + i, e - i };
		i = e + 1;
	}
	*ret_n = n;
	return v;
}

/* Append a line (with '\n') to a growing string; false on ENOMEM. */
static bool append(char **s, size_t *len, const char *p, size_t n)
{
	char *ns = realloc(*s, *len + n + 2);
	if (!ns)
		return false;
	memcpy(ns + *len, p, n);
	*len += n;
	ns[(*len)++] = '\n';
	ns[*len] = '\0';
	*s = ns;
	return true;
}

/* The section of lines after marker `name` up to the next marker: [*b, *e). */
static bool section(const struct line *v, size_t n, const char *name, size_t *b, size_t *e)
{
	char want[64];
	snprintf(want, sizeof(want), MARK "%s", name);
	for (size_t i = 0; i < n; i++) {
		if (!line_is(line_trim(v[i]), want))
			continue;
		size_t j = i + 1;
		while (j < n && !line_starts(line_trim(v[j]), MARK))
			j++;
		*b = i + 1, *e = j;
		return true;
	}
	return false;
}

/* `    PANIC: "Kernel panic - ..."` -> the value without quotes. */
static char *sys_field(const struct line *v, size_t b, size_t e, const char *key)
{
	for (size_t i = b; i < e; i++) {
		struct line l = line_trim(v[i]);
		if (!line_starts(l, key) || l.n <= strlen(key) || l.p[strlen(key)] != ':')
			continue;
		struct line val =
			line_trim((struct line){ l.p + strlen(key) + 1, l.n - strlen(key) - 1 });
		if (val.n >= 2 && val.p[0] == '"' && val.p[val.n - 1] == '"')
			val.p++, val.n -= 2;
		return strndup(val.p, val.n);
	}
	return NULL;
}

static bool is_frame(struct line l)
{
	l = line_trim(l);
	return l.n >= 2 && l.p[0] == '#' && l.p[1] >= '0' && l.p[1] <= '9';
}

static bool bt_text(const struct line *v, size_t b, size_t e, char **ret)
{
	char *s = NULL;
	size_t len = 0;
	unsigned frames = 0;
	for (size_t i = b; i < e && frames < KL_DEEP_BT_FRAMES; i++) {
		bool frame = is_frame(v[i]);
		if (!frame && !line_starts(v[i], "PID:"))
			continue;
		frames += frame;
		if (!append(&s, &len, v[i].p, MIN(v[i].n, 200)))
			return free(s), false;
	}
	*ret = s;
	return true;
}

static bool log_text(const struct line *v, size_t b, size_t e, char **ret)
{
	char *s = NULL;
	size_t len = 0;
	for (size_t i = e > b + KL_DEEP_LOG_LINES ? e - KL_DEEP_LOG_LINES : b; i < e; i++)
		if (!append(&s, &len, v[i].p, MIN(v[i].n, 300)))
			return free(s), false;
	*ret = s;
	return true;
}

/*
 * crash's complaint: its "crash: ..." lines (the fatal ones) first, then its "WARNING: ..."
 * lines with their indented continuation lines (e.g. "may be truncated or incomplete" and the
 * sizes), at most KL_DEEP_ERROR_LINES in all; with neither, its last lines. Repeated lines are
 * quoted once with a count: one bogus note header per note makes crash print the same warning
 * hundreds of times.
 */
static bool error_text(const struct line *v, size_t n, char **ret)
{
	static const char *const kinds[] = { "crash:", "WARNING:" };
	char *s = NULL;
	size_t len = 0;
	unsigned quoted = 0;
	for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
		for (size_t i = 0; i < n && quoted < KL_DEEP_ERROR_LINES; i++) {
			if (!line_starts(v[i], kinds[k]))
				continue;
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = v[j].n == v[i].n && !memcmp(v[j].p, v[i].p, v[i].n);
			if (seen)
				continue;
			size_t reps = 0;
			for (size_t j = i; j < n; j++)
				reps += v[j].n == v[i].n && !memcmp(v[j].p, v[i].p, v[i].n);
			char buf[360];
			int m = snprintf(buf, sizeof(buf), "%.*s", (int)MIN(v[i].n, 300), v[i].p);
			if (reps > 1)
				m += snprintf(buf + m, sizeof(buf) - m, " (%zu times)", reps);
			if (!append(&s, &len, buf, (size_t)m))
				return free(s), false;
			quoted++;
			/* continuation lines of a single warning */
			for (size_t j = i + 1; reps == 1 && j < n && quoted < KL_DEEP_ERROR_LINES &&
					       v[j].n && (v[j].p[0] == ' ' || v[j].p[0] == '\t');
			     j++, quoted++)
				if (!append(&s, &len, v[j].p, MIN(v[j].n, 300)))
					return free(s), false;
		}
	}
	if (!s) {
		size_t b = n > 6 ? n - 6 : 0;
		for (size_t i = b; i < n; i++)
			if (line_trim(v[i]).n && !append(&s, &len, v[i].p, MIN(v[i].n, 300)))
				return free(s), false;
	}
	if (s && len && s[len - 1] == '\n')
		s[--len] = '\0';
	*ret = s;
	return true;
}

void kl_deep_result_free(struct kl_deep_result *r)
{
	if (!r)
		return;
	free(r->panic);
	free(r->release);
	free(r->bt);
	free(r->log_tail);
	free(r->error);
	free(r);
}

static char *dupf(const char *fmt, ...) _printf_(1, 2);
static char *dupf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

struct kl_deep_result *kl_deep_parse(const char *out, size_t len, int exit_status, bool timed_out)
{
	_cleanup_(kl_deep_result_freep) struct kl_deep_result *r = calloc(1, sizeof(*r));
	size_t n = 0;
	_cleanup_free_ struct line *v = split_lines(out ? out : "", out ? len : 0, &n);
	if (!r || !v)
		return NULL;
	r->exit_status = exit_status;
	r->timed_out = timed_out;

	size_t b, e;
	bool have_sys = section(v, n, "sys", &b, &e);
	if (have_sys) {
		r->panic = sys_field(v, b, e, "PANIC");
		r->release = sys_field(v, b, e, "RELEASE");
	}
	if (section(v, n, "bt", &b, &e) && !bt_text(v, b, e, &r->bt))
		return NULL;
	if (section(v, n, "log", &b, &e) && !log_text(v, b, e, &r->log_tail))
		return NULL;

	_cleanup_free_ char *quote = NULL;
	if (!error_text(v, n, &quote))
		return NULL;
	const char *q = quote ? quote : "(no output)";
	if (timed_out)
		r->error = dupf(
			"crash did not finish before the deadline and was killed; it said:\n%s", q);
	else if (exit_status < 0)
		r->error = dupf("crash was killed by a signal; it said:\n%s", q);
	else if (!have_sys)
		r->error =
			dupf("crash could not open the dump (exit status %d):\n%s", exit_status, q);
	/* An empty PANIC with a panicking task's bt is crash's view of a double fault (a stack
	 * overflow into the guard page has no panic string): opened, and the bt says the rest. */
	else if (!r->panic || (!*r->panic && !r->bt))
		r->error = dupf(
			"crash opened the dump but `sys` shows no PANIC line (exit status %d):\n%s",
			exit_status, q);
	else if (exit_status != 0)
		r->error = dupf("crash exited with status %d after `sys`:\n%s", exit_status, q);
	else
		r->ok = true;
	if (!r->ok && !r->error)
		return NULL;
	/* crash(8) quotes the dump (the panic string, task names, log text): what reaches
	 * results.json and the terminal is escaped like the validator's messages (text.h). */
	if (kl_text_escape_inplace(&r->panic, false) < 0 ||
	    kl_text_escape_inplace(&r->release, false) < 0 ||
	    kl_text_escape_inplace(&r->bt, true) < 0 ||
	    kl_text_escape_inplace(&r->log_tail, true) < 0 ||
	    kl_text_escape_inplace(&r->error, true) < 0)
		return NULL;
	return TAKE_PTR(r);
}

/* ---- running crash ---- */

static int check_readable(const char *what, const char *path, struct kl_error **err)
{
	struct stat st;
	if (stat(path, &st) < 0 || access(path, R_OK) < 0)
		return kl_error_usage(err, errno, "%s \"%s\": %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kl_error_usage(err, EINVAL, "%s \"%s\": not a regular file", what, path);
	return 0;
}

int kl_deep_check(const char *dump, const char *vmlinux, struct kl_deep_result **ret,
		  struct kl_error **err)
{
	return kl_deep_check_opts(dump, vmlinux, NULL, ret, err);
}

int kl_deep_check_opts(const char *dump, const char *vmlinux, const struct kl_deep_options *opts,
		       struct kl_deep_result **ret, struct kl_error **err)
{
	const char *crash = opts && opts->crash ? opts->crash : "crash";
	unsigned timeout = opts && opts->timeout_s ? opts->timeout_s : KL_DEEP_TIMEOUT_DEFAULT;
	int r;

	if ((r = check_readable("dump", dump, err)) < 0 ||
	    (r = check_readable("vmlinux", vmlinux, err)) < 0)
		return r;

	/* Commands come from a memfd on stdin, not a pipe: crash may exit before reading
	 * them, and a write to a pipe nobody reads would raise SIGPIPE in our process. */
	_cleanup_close_ int in = memfd_create("kdumplab-crash-commands", MFD_CLOEXEC);
	if (in < 0 || write(in, commands, sizeof(commands) - 1) != sizeof(commands) - 1 ||
	    lseek(in, 0, SEEK_SET) < 0)
		return kl_error_set(err, errno ? errno : EIO, "crash's command file: %s",
				    strerror(errno));
	/* --no_scroll: never run a pager; --no_crashrc: the user's ~/.crashrc must not change
	 * what we parse; -s: no banner; "--": the paths are never options (a dump named "-x"
	 * or "--minimal"; crash parses its arguments with getopt_long). */
	const char *argv[] = {
		crash, "-s", "--no_scroll", "--no_crashrc", "--", vmlinux, dump, NULL
	};
	/* A fixed locale (stable messages), no pager; its own process group, killed as a whole
	 * at the deadline (it runs `tail` for us). */
	static const char *const env[] = { "LC_ALL=C", "PAGER=cat", "CRASHPAGER", NULL };
	const struct kl_spawn_options o = {
		.what = "crash",
		.stdin_fd = in,
		.env = env,
		.merge_stderr = true,
		.own_group = true,
		.out = { .head = OUT_HEAD, .tail = OUT_TAIL },
		.timeout_s = timeout,
	};
	struct kl_spawn_result run = { 0 };
	r = kl_spawn_run(argv, &o, &run, NULL);
	if (r == -ENOMEM)
		return kl_error_set(err, ENOMEM, "out of memory");
	if (r < 0)
		return kl_error_set(err, -r, "cannot run \"%s\" (is crash installed?): %s", crash,
				    strerror(-r));
	_cleanup_free_ char *text = run.out;
	size_t len = run.out_len;
	int status = WIFEXITED(run.status) ? WEXITSTATUS(run.status) : -1;
	bool timed_out = run.timed_out;
	double seconds = run.seconds;
	struct kl_deep_result *res = kl_deep_parse(text, len, status, timed_out);
	if (!res)
		return kl_error_set(err, ENOMEM, "out of memory");
	res->seconds = seconds;
	*ret = res;
	return 0;
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *kl_deep_result_to_json(const struct kl_deep_result *r)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
	json_object_object_add(o, "exit_status", json_object_new_int(r->exit_status));
	json_object_object_add(o, "timed_out", json_object_new_boolean(r->timed_out));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(o, "panic", str_or_null(r->panic));
	json_object_object_add(o, "release", str_or_null(r->release));
	json_object_object_add(o, "bt", str_or_null(r->bt));
	json_object_object_add(o, "log_tail", str_or_null(r->log_tail));
	json_object_object_add(o, "error", str_or_null(r->error));
	return o;
}
