/* SPDX-License-Identifier: MIT */
/*
 * Embedded driver roots: <state_dir>/embed-<pid>/ (qemu:///embed?root=...), one per process,
 * guarded by <state_dir>/embed-<pid>.lock (lockfile.h) held from before the root is created
 * until after it is removed.
 */
#pragma once

#include "base/error.h"

/*
 * This process's root under state_dir, created on first use (a root left with our pid by a dead
 * process is wiped first) and shared by its connections (libvirt allows one per process).
 * *ret_root is a copy (free it); each successful call is paired with kl_embed_root_release().
 */
int kl_embed_root_acquire(const char *state_dir, char **ret_root, struct kl_error **err);
/* Drop one reference; the last one kills the root's QEMUs and removes it and its lock. */
void kl_embed_root_release(void);
/* Write <root>/etc/qemu.conf (as root only; <root>/etc is created in any case). */
int kl_embed_write_config(const char *root, struct kl_error **err);

/* Kill the QEMUs whose command line names root, and delete root. The caller holds its lock. */
void kl_embed_root_wipe(const char *root);
/* "embed-<pid><suffix>" → *ret_pid; -EINVAL for any other name. */
int kl_embed_name_pid(const char *name, const char *suffix, long *ret_pid);
/* Remove the console PTY lock files (/var/lock/LCK..*) that hold owner_pid. */
void kl_embed_console_locks_remove(long owner_pid);
