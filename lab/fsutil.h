/* SPDX-License-Identifier: MIT */
/* File helpers of the orchestrator; the shared ones (mkdir -p, atomic writes, reads) are in
 * images/fs.h. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "fs.h"

/* Remove the regular files directly inside dir (not subdirectories). */
int kl_rm_files(const char *dir, struct kl_error **err);
