/* SPDX-License-Identifier: MIT */
/*
 * cpio "newc" archives (the initramfs format, Documentation/driver-api/early-userspace/
 * buffer-format.rst), written by libarchive. Output is deterministic: entries are sorted by
 * name at the end, parents are added as 0755 directories where missing, mtime/uid/gid are 0
 * and inode numbers count up from 1. Regular files added by path are streamed when the archive
 * is written. Names are given with or without a leading '/'; the archive stores them without it.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

struct kl_cpio;

int kl_cpio_new(struct kl_cpio **ret, struct kl_error **err);
void kl_cpio_free(struct kl_cpio *c);
static inline void kl_cpio_freep(struct kl_cpio **c)
{
	kl_cpio_free(*c);
}

int kl_cpio_add_dir(struct kl_cpio *c, const char *name, mode_t perm, struct kl_error **err);
/* Copies data. */
int kl_cpio_add_data(struct kl_cpio *c, const char *name, mode_t perm, const void *data, size_t len,
		     struct kl_error **err);
/* Takes ownership of data (malloc'ed), also on failure. */
int kl_cpio_add_data_owned(struct kl_cpio *c, const char *name, mode_t perm, void *data, size_t len,
			   struct kl_error **err);
/* Content read from src when the archive is written. */
int kl_cpio_add_file(struct kl_cpio *c, const char *name, mode_t perm, const char *src,
		     struct kl_error **err);
int kl_cpio_add_symlink(struct kl_cpio *c, const char *name, const char *target,
			struct kl_error **err);
int kl_cpio_add_chardev(struct kl_cpio *c, const char *name, mode_t perm, unsigned major,
			unsigned minor, struct kl_error **err);

/* Write the archive (entries, trailer) to path, atomically (temporary name, fsync, rename). */
int kl_cpio_write(struct kl_cpio *c, const char *path, struct kl_error **err);
