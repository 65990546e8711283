/* SPDX-License-Identifier: MIT */
/*
 * The deep check: open the dump with crash(8) and a debug vmlinux, in batch mode.
 *
 * Our own checks read the dump through VMCOREINFO only; crash reads it through the kernel's
 * DWARF types, so it catches what they cannot (a dump whose memory does not match the
 * kernel that wrote it, page tables crash cannot walk, a panic task it cannot find). We run
 * `sys`, `bt` and `log | tail` and report the PANIC line and the first frames of the
 * panicking task's backtrace; when crash cannot open the dump we quote its own words.
 *
 * crash is a child process with a deadline: a dump that makes it loop is killed, not waited
 * for. Its output is bounded (head and tail kept) because a corrupt note segment makes it
 * print one warning per bogus note.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct json_object;

#define KL_DEEP_TIMEOUT_DEFAULT 300 /* s: crash loads a 600 MB vmlinux's DWARF first */
#define KL_DEEP_BT_FRAMES	16  /* frames of the panicking task's bt we keep */
#define KL_DEEP_LOG_LINES	20  /* last lines of `log` we keep */
#define KL_DEEP_ERROR_LINES	16  /* distinct lines of crash's complaint we quote */

struct kl_deep_options {
	const char *crash;  /* program to run; NULL: "crash" from PATH */
	unsigned timeout_s; /* kill crash after this long; 0: KL_DEEP_TIMEOUT_DEFAULT */
};

struct kl_deep_result {
	bool ok;	 /* crash opened the dump and `sys` reported a PANIC line */
	int exit_status; /* crash's exit status; -1 when killed (timed_out or a signal) */
	bool timed_out;	 /* killed at the deadline */
	char *panic;	 /* `sys` PANIC value without its quotes, e.g. "Kernel panic - not
			    syncing: sysrq triggered crash"; NULL when absent */
	char *release;	 /* `sys` RELEASE value, or NULL */
	char *bt;	 /* "PID: ..." line and the first KL_DEEP_BT_FRAMES frames, or NULL */
	char *log_tail;	 /* the last KL_DEEP_LOG_LINES lines of `log`, or NULL */
	char *error;	 /* !ok: why, quoting crash's own error lines; NULL when ok */
	double seconds;	 /* wall time crash ran */
};

/*
 * Run crash on dump with vmlinux (a debug vmlinux of the kernel that crashed). Returns 0 and
 * a result, ok or not, whenever crash ran (a dump crash cannot open is a result with ok false
 * and error quoting crash); -errno when it could not run: dump or vmlinux unreadable
 * (-ENOENT/-EACCES, a usage error), crash not installed (-ENOENT), fork/pipe failures.
 */
int kl_deep_check(const char *dump, const char *vmlinux, struct kl_deep_result **ret,
		  struct kl_error **err);
int kl_deep_check_opts(const char *dump, const char *vmlinux, const struct kl_deep_options *opts,
		       struct kl_deep_result **ret, struct kl_error **err);

/*
 * Interpret crash's combined stdout+stderr (out, len bytes, not necessarily NUL-terminated)
 * and its exit status (-1: killed). Exposed for tests; kl_deep_check uses it. NULL on ENOMEM.
 */
struct kl_deep_result *kl_deep_parse(const char *out, size_t len, int exit_status, bool timed_out);

/* {"ok", "exit_status", "timed_out", "seconds", "panic", "release", "bt", "log_tail",
 *  "error"} (absent strings are null); NULL on ENOMEM. */
struct json_object *kl_deep_result_to_json(const struct kl_deep_result *r);

void kl_deep_result_free(struct kl_deep_result *r);
static inline void kl_deep_result_freep(struct kl_deep_result **r)
{
	kl_deep_result_free(*r);
}
