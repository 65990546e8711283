/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <string.h>

#include "error.h"

static int error_vset(struct kl_error **err, int code, int exit_code, const char *fmt, va_list ap)
{
	int ret = code > 0 ? -code : (code < 0 ? code : -EINVAL);

	if (!err || *err)
		return ret;
	struct kl_error *e = calloc(1, sizeof(*e));
	if (!e)
		return ret;
	e->code = -ret;
	e->exit_code = exit_code;
	if (vasprintf(&e->msg, fmt, ap) < 0)
		e->msg = NULL;
	/* EINVAL adds nothing to a message that already says what is wrong. */
	if (e->msg && code > 0 && code != EINVAL) {
		char *with;
		if (asprintf(&with, "%s: %s", e->msg, strerror(code)) >= 0) {
			free(e->msg);
			e->msg = with;
		}
	}
	*err = e;
	return ret;
}

int kl_error_set(struct kl_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

int kl_error_usage(struct kl_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, code, 2, fmt, ap);
	va_end(ap);
	return r;
}

int kl_error_wrap(struct kl_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -EINVAL;
	char *ctx = NULL, *joined = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&ctx, fmt, ap);
	va_end(ap);
	if (n >= 0 && asprintf(&joined, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "?") >= 0) {
		free((*err)->msg);
		(*err)->msg = joined;
	}
	free(ctx);
	return -(*err)->code;
}

void kl_error_free(struct kl_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}
