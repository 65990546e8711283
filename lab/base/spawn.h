/* SPDX-License-Identifier: MIT */
/*
 * Running a helper program as a child process: the tree's one spawner (apt-get, depmod for
 * images/; mke2fs for lab/virt/disk.c; crash(8) for lab/vmcore/deep.c) and its one waitpid
 * loop. Children start with posix_spawn (the lab runs cells in threads, so no fork), stdin
 * from /dev/null unless given, SIGPIPE at its default and no signal blocked; their output is
 * captured with a cap on what is kept, and an optional deadline kills them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/*
 * Kill (SIGKILL) and reap a child: its whole process group when it leads one (own_group).
 * For `_cleanup_pid_ pid_t pid`; does nothing when *pid <= 0, and sets *pid to 0.
 */
void kl_pid_kill_and_reap(pid_t *pid);
#define _cleanup_pid_ _cleanup_(kl_pid_kill_and_reap)

/*
 * Wait for pid to end, until deadline (CLOCK_MONOTONIC seconds, kl_now() in stop.h; 0: no
 * deadline). 0 with the wait status in *ret_status (may be NULL); -ETIMEDOUT when the
 * deadline passed first (the child still runs); another -errno from waitpid.
 */
int kl_pid_wait(pid_t pid, double deadline, int *ret_status);

/* CLOCK_MONOTONIC in seconds. */

/*
 * What of a stream to keep: the first head bytes and the last tail bytes. SIZE_MAX as head
 * keeps everything; { 0, 0 } discards the stream. When bytes were dropped between a head and
 * a tail, a line "[N bytes of WHAT output not kept]" joins them and the tail starts at its
 * first full line; a tail alone is the stream's last bytes as they are.
 */
struct kl_spawn_cap {
	size_t head, tail;
};
#define KL_SPAWN_ALL ((struct kl_spawn_cap){ .head = SIZE_MAX })

struct kl_spawn_options {
	const char *what;	 /* names the program in messages and notes; NULL: argv[0] */
	const char *cwd;	 /* NULL: ours */
	int stdin_fd;		 /* > 0: the child's stdin; else /dev/null (never our stdin) */
	const char *const *env;	 /* "NAME=value" set, "NAME" removed; NULL-terminated; NULL: ours */
	const char *const *dirs; /* tried in order when argv[0] (no '/') is not found in PATH */
	bool merge_stderr;	 /* stderr goes where stdout goes (into out) */
	bool own_group;		 /* the child leads a new process group, killed as a whole */
	struct kl_spawn_cap out; /* stdout (and stderr when merged) */
	struct kl_spawn_cap err; /* stderr when not merged */
	double timeout_s;	 /* > 0: killed (SIGKILL, with its group) after this long */
};

struct kl_spawn_result {
	int status;	/* wait status (WIFEXITED ...) */
	bool timed_out; /* killed at the deadline */
	double seconds; /* from start to reaped */
	char *out;	/* NUL-terminated, NULL when discarded */
	size_t out_len;
	char *err; /* NUL-terminated, NULL when discarded or merged */
	size_t err_len;
};
void kl_spawn_result_clear(struct kl_spawn_result *r);

/*
 * Run argv (argv[0] searched in PATH, then o->dirs) to its end or its deadline. 0 when it
 * ran, whatever its exit status (in ret->status); -errno when it could not start (-ENOENT:
 * not found, with "cannot run 'WHAT'" in *err) or its output could not be read.
 */
int kl_spawn_run(const char *const *argv, const struct kl_spawn_options *o,
		 struct kl_spawn_result *ret, struct kl_error **err);

/*
 * The common case for tools whose failure is an error: run argv with LC_ALL=C (stable
 * messages) and stdin from /dev/null, in cwd (NULL: ours). Its stdout is returned in
 * *ret_stdout when that is non-NULL (discarded otherwise). Exit status 0 is success; anything
 * else fails with a message quoting the command (what, or argv joined when what is NULL) and
 * the end of its stderr.
 */
int kl_spawn(const char *const *argv, const char *what, const char *cwd, char **ret_stdout,
	     struct kl_error **err);
/* kl_spawn's deadline in seconds (apt, dpkg, depmod, ...: a stalled mirror must not hold a run
 * for ever); 1800 by default, generous for a 350 MB download. Tests lower it. */
extern double kl_spawn_timeout_s;
