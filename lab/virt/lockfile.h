/* SPDX-License-Identifier: MIT */
/*
 * Owner lock files: a process holds flock(LOCK_EX) on <name>-<pid>.lock for as long as its
 * files live, and the kernel drops it when the process dies, however it dies. A lock that can
 * be taken therefore belongs to a dead owner. A cleaner that took one unlinks it when done, so
 * a lock is only trusted when the fd is still the file at its path.
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

/*
 * Create (or open) path and lock it for the caller's lifetime, retrying (~2 s) while a cleaner
 * holds, and then unlinks, a stale file of the same name. Returns the fd, or -errno with *err
 * set ("cannot lock").
 */
int kl_lockfile_hold(const char *path, struct kl_error **err);
/*
 * Take the lock of an owner that may be dead: open path (O_RDWR | O_CLOEXEC | O_NOFOLLOW plus
 * extra_flags, mode 0600) and lock it without waiting. Returns the fd when the owner is dead and
 * the file is still at path, else -1: the owner lives, another cleaner is at it, or no file.
 */
int kl_lockfile_take(const char *path, int extra_flags);
