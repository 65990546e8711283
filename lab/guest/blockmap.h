/* SPDX-License-Identifier: MIT */
/*
 * The saver's block map (common/protocol.h KL_BLOCKS_FILE): where the dump's data lies on the
 * dump disk. It comes from the guest, so it is parsed with every value bounded by the sizes
 * the host knows, and it is trusted for nothing: the pull spot-checks it against the file as
 * libguestfs reads it, and the manifest hash checks every byte copied through it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define KL_BLOCKMAP_MAX 8192 /* runs (the saver writes at most this many) */

struct kl_block_run {
	uint64_t logical, physical, length; /* bytes: file offset, disk offset, length */
};

/*
 * Parse "LOGICAL PHYSICAL LENGTH" lines (decimal; ascending and disjoint by LOGICAL; LENGTH > 0;
 * LOGICAL + LENGTH <= file_size; PHYSICAL 512-aligned and PHYSICAL + LENGTH <= disk_size; at
 * most max runs) into runs. file_size must not exceed disk_size. The disk ranges must be disjoint
 * too, and their lengths add up to at most disk_size: a map copies at most as many bytes as the
 * disk holds, whatever file size the guest claims (8192 runs all naming the same disk range would
 * otherwise make 8 TiB out of a 1 GiB disk). Returns the number of runs (0 for an empty map), or
 * -EBADMSG with *err naming the line and what was expected (-ENOMEM when the overlap check cannot
 * allocate).
 */
int kl_blockmap_parse(const char *text, size_t len, uint64_t file_size, uint64_t disk_size,
		      struct kl_block_run *runs, size_t max, struct kl_error **err);

#define KL_EXTENTS_MAX 4096 /* runs of the saver's extent map the host accepts */

struct kl_extent {
	uint64_t offset, length; /* bytes of the file that hold data */
};

/*
 * Parse the saver's extent map (common/protocol.h KL_EXTENTS_FILE): "OFFSET LENGTH" lines
 * (decimal; ascending and disjoint; LENGTH > 0; OFFSET + LENGTH <= file_size; at most max runs)
 * into runs. file_size must not exceed disk_size (both parsers refuse a file larger than its
 * disk), so the runs add up to at most the disk's size. Returns the number of runs, or -EBADMSG
 * with *err naming the line.
 */
int kl_extents_parse(const char *text, size_t len, uint64_t file_size, uint64_t disk_size,
		     struct kl_extent *runs, size_t max, struct kl_error **err);
