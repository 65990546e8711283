/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "extents.h"

static int render(int fd, uint64_t size, uint64_t gap, char *buf, size_t buflen)
{
	size_t o = 0;
	int runs = 0;
	uint64_t start = 0, end = 0, off = 0;
	bool have = false;

	buf[0] = '\0';
	while (off < size) {
		off_t d = lseek(fd, (off_t)off, SEEK_DATA);
		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0)
			return -errno;
		off_t h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return -errno;
		if (have && (uint64_t)d - end < gap) {
			end = (uint64_t)h;
		} else {
			if (have) {
				int n = snprintf(buf + o, buflen - o, "%" PRIu64 " %" PRIu64 "\n",
						 start, end - start);
				if (n < 0 || (size_t)n >= buflen - o)
					return -ENOSPC;
				o += (size_t)n;
				runs++;
			}
			start = (uint64_t)d;
			end = (uint64_t)h;
			have = true;
		}
		off = (uint64_t)h;
	}
	if (have) {
		if (end > size)
			end = size;
		int n = snprintf(buf + o, buflen - o, "%" PRIu64 " %" PRIu64 "\n", start,
				 end - start);
		if (n < 0 || (size_t)n >= buflen - o)
			return -ENOSPC;
		runs++;
	}
	return runs;
}

int saver_extents_text(int fd, uint64_t size, char *buf, size_t buflen)
{
	for (uint64_t gap = 1 << 20; gap <= (1ULL << 40); gap <<= 1) {
		int r = render(fd, size, gap, buf, buflen);
		if (r != -ENOSPC)
			return r;
	}
	return -ENOSPC;
}
