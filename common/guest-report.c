/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "guest-report.h"
#include "guest-util.h"
#include "protocol.h"

int kl_console_fd = -1;

static int console_fd(void)
{
	if (kl_console_fd >= 0)
		return kl_console_fd;
	char path[KL_PATH_MAX];
	int fd = open(kl_path(path, sizeof(path), "/dev/console"), O_WRONLY | O_NOCTTY | O_CLOEXEC);
	kl_console_fd = fd >= 0 ? fd : STDOUT_FILENO;
	return kl_console_fd;
}

static void line_append(struct kl_line *l, const char *s, size_t n)
{
	/* Keep room for " truncated=1\n". */
	if (l->truncated || l->len + n + 16 > sizeof(l->buf)) {
		l->truncated = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void kl_line_begin(struct kl_line *l, const char *phase)
{
	l->len = 0;
	l->truncated = 0;
	line_append(l, KL_PROTO_PREFIX "phase=", strlen(KL_PROTO_PREFIX "phase="));
	line_append(l, phase, strlen(phase));
}

void kl_line_add(struct kl_line *l, const char *key, const char *value)
{
	char field[KL_LINE_MAX];
	size_t klen = strlen(key);

	/* Append the whole field or nothing, so a truncated line never ends mid-value. */
	if (klen + 3 > sizeof(field)) {
		l->truncated = 1;
		return;
	}
	field[0] = ' ';
	memcpy(field + 1, key, klen);
	field[klen + 1] = '=';
	int n = kl_value_encode(value, strlen(value), field + klen + 2, sizeof(field) - klen - 2);
	if (n < 0) {
		l->truncated = 1;
		return;
	}
	line_append(l, field, klen + 2 + (size_t)n);
}

void kl_line_addf(struct kl_line *l, const char *key, const char *fmt, ...)
{
	char value[KL_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	kl_line_add(l, key, value);
}

void kl_console_drain(void)
{
	(void)tcdrain(console_fd());
}

void kl_line_emit(struct kl_line *l)
{
	if (l->truncated) {
		static const char t[] = " truncated=1";
		memcpy(l->buf + l->len, t, strlen(t));
		l->len += strlen(t);
	}
	l->buf[l->len++] = '\n';
	/* One write per line; a console write can be short only on a signal, so retry. */
	for (size_t off = 0; off < l->len;) {
		ssize_t n = write(console_fd(), l->buf + off, l->len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	l->len--;
}

void kl_report(const char *phase)
{
	struct kl_line l;
	kl_line_begin(&l, phase);
	kl_line_emit(&l);
}

const char *kl_errname(int err, char *buf, size_t size)
{
	if (err < 0)
		err = -err;
	const char *name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, size, "E%d", err);
	return buf;
}

int kl_report_error(const char *step, int err, const char *fmt, ...)
{
	char detail[KL_LINE_MAX], name[16];
	struct kl_line l;
	va_list ap;

	if (err < 0)
		err = -err;
	if (err == 0)
		err = EIO;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);

	kl_line_begin(&l, "error");
	kl_line_add(&l, "step", step);
	kl_line_addf(&l, "errno", "%d", err);
	kl_line_add(&l, "errname", kl_errname(err, name, sizeof(name)));
	kl_line_add(&l, "detail", detail);
	kl_line_emit(&l);
	return -err;
}
