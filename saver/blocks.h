/* SPDX-License-Identifier: MIT */
/*
 * The block map of the saved dump: where vmcore's data lies on the dump disk, as
 * "LOGICAL PHYSICAL LENGTH" lines (decimal bytes, ascending by LOGICAL), from FIEMAP. The host
 * checks it, spot-checks it through libguestfs, and then reads the dump's bytes straight from
 * the disk image: copying them through the libguestfs appliance runs at ~50 MB/s under TCG.
 * The ext4 is made on the whole disk (no partition table), so PHYSICAL is an offset in it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SAVER_BLOCKS_MAX      8192 /* extents; more and the host copies through libguestfs */
#define SAVER_BLOCKS_MAX_TEXT (SAVER_BLOCKS_MAX * 64)

/*
 * Fill buf with the mapped extents of fd (size bytes). Unwritten extents (read as zeros) are
 * left out like holes. Returns the number of lines, or -EOPNOTSUPP when the filesystem cannot
 * map the file or an extent is not a plain on-disk run (inline, encoded, unknown location,
 * delayed allocation), -E2BIG over SAVER_BLOCKS_MAX, -ENOSPC when buf is too small, or -errno.
 */
int saver_blocks_text(int fd, uint64_t size, char *buf, size_t buflen);
