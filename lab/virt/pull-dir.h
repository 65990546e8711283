/* SPDX-License-Identifier: MIT */
/*
 * A pull's working directory, $TMPDIR/kdumplab-pull.<pid>.XXXXXX: libguestfs' sockets and the
 * overlay of the dump disk (the appliance's QEMU names it on its command line), the owner lock
 * and the record of the output file the pull created outside it. kl_pull_reap() (pull.h)
 * removes the directories of dead pulls.
 */
#pragma once

#include "base/error.h"

/* Create a pull directory under $TMPDIR (or /tmp) and lock it for as long as *ret_lock_fd is
 * open. On failure nothing is left behind. */
int kl_pull_dir_create(char **ret_dir, int *ret_lock_fd, struct kl_error **err);
/* Record out, a file the pull created outside dir, so a reaper removes it if the pull dies. */
int kl_pull_dir_record_output(const char *dir, const char *out, struct kl_error **err);
/* SIGKILL the appliance QEMU whose command line contains needle (a pull directory path),
 * without waiting for it. */
void kl_pull_kill_appliance(const char *needle);
