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

#include "error.h"

#define KL_BLOCKMAP_MAX 8192 /* runs (the saver writes at most this many) */

struct kl_block_run {
	uint64_t logical, physical, length; /* bytes: file offset, disk offset, length */
};

/*
 * Parse "LOGICAL PHYSICAL LENGTH" lines (decimal; ascending and disjoint by LOGICAL; LENGTH > 0;
 * LOGICAL + LENGTH <= file_size; PHYSICAL 512-aligned and PHYSICAL + LENGTH <= disk_size; at
 * most max runs) into runs. Returns the number of runs (0 for an empty map), or -EBADMSG with
 * *err naming the line and what was expected.
 */
int kl_blockmap_parse(const char *text, size_t len, uint64_t file_size, uint64_t disk_size,
		      struct kl_block_run *runs, size_t max, struct kl_error **err);
