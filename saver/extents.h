/* SPDX-License-Identifier: MIT */
/*
 * The extent map of the saved dump: where its data is, as "OFFSET LENGTH" lines (decimal),
 * ascending. The host copies only these ranges out of the dump disk: reading the holes too
 * through the libguestfs appliance costs seconds per GiB under TCG.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SAVER_EXTENTS_MAX_TEXT 65536

/*
 * Fill buf with the data runs of fd (size bytes) found with SEEK_DATA/SEEK_HOLE, merging runs
 * separated by less than a gap that starts at 1 MiB and doubles until the text fits.
 * Returns the number of runs, or -errno.
 */
int saver_extents_text(int fd, uint64_t size, char *buf, size_t buflen);
