/* SPDX-License-Identifier: MIT */
/*
 * Error objects that gain context on the way up (after crun's libcrun_error).
 *
 * Functions return 0 or -errno. Where the message matters they also take a
 * `struct kl_error **err` (last parameter) that they fill only on failure.
 * Callers add context with kl_error_wrap(). Only the CLI prints an error.
 */
#pragma once

#include "macro.h"

struct kl_error {
	int code;      /* positive errno, or 0 when not from a syscall */
	int exit_code; /* suggested process exit status (2 usage/input, 1 otherwise) */
	char *msg;
};

/* Fill *err (if err and *err == NULL) and return -code (or -EINVAL when code is 0). */
int kl_error_set(struct kl_error **err, int code, const char *fmt, ...) _printf_(3, 4);
/* Same, and mark the error as bad user input (exit status 2). */
int kl_error_usage(struct kl_error **err, int code, const char *fmt, ...) _printf_(3, 4);
/* Prefix an existing error with context: "context: old message". Returns -code. */
int kl_error_wrap(struct kl_error **err, const char *fmt, ...) _printf_(2, 3);
void kl_error_free(struct kl_error *e);
static inline void kl_error_freep(struct kl_error **e)
{
	kl_error_free(*e);
	*e = NULL;
}
#define _cleanup_error_ _cleanup_(kl_error_freep)
