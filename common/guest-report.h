/* SPDX-License-Identifier: MIT */
/*
 * Console reporting for the in-guest programs: one protocol line per write(2), so kernel
 * messages can interleave between our lines but never inside one (see protocol.h).
 *
 *	struct kl_line l;
 *	kl_line_begin(&l, "vmcore");
 *	kl_line_addf(&l, "size", "%llu", size);
 *	kl_line_emit(&l);
 */
#pragma once

#include <stddef.h>

#include "base/macro.h"

/*
 * Where lines go. -1 (the default) means: open kl_root + /dev/console on first use, falling
 * back to stdout. Tests point it at a file.
 */
extern int kl_console_fd;

#define KL_LINE_MAX 4096

struct kl_line {
	size_t len;
	int truncated;
	char buf[KL_LINE_MAX];
};

void kl_line_begin(struct kl_line *l, const char *phase);
/* Append key=value, %XX-encoding value. A line that would overflow ends in "truncated=1". */
void kl_line_add(struct kl_line *l, const char *key, const char *value);
void kl_line_addf(struct kl_line *l, const char *key, const char *fmt, ...) _printf_(3, 4);
void kl_line_emit(struct kl_line *l);
/*
 * Wait until the console has sent what was written (tcdrain; a console that is not a tty has
 * nothing queued). Before a crash: the serial driver transmits from a buffer, and a panic
 * right after a write loses its tail (the trigger line, seen cut off under TCG).
 */
void kl_console_drain(void);

/* A line with only a phase: "KDUMPLAB phase=<phase>". */
void kl_report(const char *phase);
/*
 * "KDUMPLAB phase=error step=<step> errno=<n> errname=<E...> detail=<text>".
 * err is a positive or negative errno. Returns -|err| (or -EIO when err is 0) so callers can
 * `return kl_report_error(...)`.
 */
int kl_report_error(const char *step, int err, const char *fmt, ...) _printf_(3, 4);
/* "EADDRNOTAVAIL" for 99 (or -99); "E<n>" when unknown. */
const char *kl_errname(int err, char *buf, size_t size);
