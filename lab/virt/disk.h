/* SPDX-License-Identifier: MIT */
/* Dump disks: what the saver writes the dump to. */
#pragma once

#include <stdint.h>

#include "base/error.h"

/*
 * Create path (replacing any file there) as a raw sparse file of size_bytes (a multiple of
 * 4096, at least 16 MiB) holding an empty ext4 without a journal, by running mke2fs. The
 * inode tables are left for mke2fs to mark zeroed (a fresh sparse file reads as zeros), so the
 * capture kernel has no lazy init to do and the file stays sparse.
 */
int kl_disk_create(const char *path, uint64_t size_bytes, struct kl_error **err);
