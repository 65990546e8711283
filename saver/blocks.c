/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "blocks.h"

#define BATCH 256

int saver_blocks_text(int fd, uint64_t size, char *buf, size_t buflen)
{
	static union {
		struct fiemap fm;
		char bytes[sizeof(struct fiemap) + BATCH * sizeof(struct fiemap_extent)];
	} u;
	const uint32_t bad = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
			     FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
			     FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE |
			     FIEMAP_EXTENT_DATA_TAIL;
	size_t o = 0;
	int lines = 0;
	uint64_t start = 0;
	buf[0] = '\0';
	for (;;) {
		memset(&u, 0, sizeof(u));
		u.fm.fm_start = start;
		u.fm.fm_length = size - start;
		u.fm.fm_extent_count = BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, &u.fm) < 0)
			return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
		if (u.fm.fm_mapped_extents == 0 || u.fm.fm_mapped_extents > BATCH)
			return lines;
		for (uint32_t i = 0; i < u.fm.fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &u.fm.fm_extents[i];
			if (e->fe_flags & bad)
				return -EOPNOTSUPP;
			uint64_t len = e->fe_length;
			if (e->fe_logical >= size)
				return lines; /* preallocated beyond the end */
			if (len > size - e->fe_logical)
				len = size - e->fe_logical;
			start = e->fe_logical + e->fe_length;
			if (!(e->fe_flags & FIEMAP_EXTENT_UNWRITTEN)) {
				if (lines >= SAVER_BLOCKS_MAX)
					return -E2BIG;
				int n = snprintf(buf + o, buflen - o,
						 "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
						 (uint64_t)e->fe_logical, (uint64_t)e->fe_physical,
						 len);
				if (n < 0 || (size_t)n >= buflen - o)
					return -ENOSPC;
				o += (size_t)n;
				lines++;
			}
			if ((e->fe_flags & FIEMAP_EXTENT_LAST) || start >= size)
				return lines;
		}
	}
}
