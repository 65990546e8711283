/* SPDX-License-Identifier: MIT */
/* Running a helper program (apt-get, apt-cache, depmod) as a child process. */
#pragma once

#include "base/error.h"

/*
 * Run argv[0] (searched in PATH) with stdin from /dev/null, in directory cwd (NULL: ours),
 * with LC_ALL=C so its messages are stable. Its stdout is returned in *ret_stdout when that is
 * non-NULL (discarded otherwise). Exit status 0 is success; anything else fails with a message
 * quoting the command (what, or argv joined when what is NULL) and the end of its stderr.
 */
int kl_spawn(const char *const *argv, const char *what, const char *cwd, char **ret_stdout,
	     struct kl_error **err);
