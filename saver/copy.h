/* SPDX-License-Identifier: MIT */
/*
 * The copy loop: /proc/vmcore → a sparse file, hashing what it writes.
 *
 * Under TCG every guest instruction is expensive, so the loop does no per-page syscalls on
 * the read side (large pread()s or an mmap() window), no stdio, one pwrite() per run of
 * non-zero pages, and leaves all-zero pages as holes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum saver_read_mode {
	SAVER_READ_MMAP,  /* mmap() windows of /proc/vmcore (falls back to pread) */
	SAVER_READ_PREAD, /* pread() into one buffer */
};

const char *saver_read_mode_name(enum saver_read_mode mode);
/* "mmap" / "pread" → mode; -EINVAL otherwise. */
int saver_read_mode_parse(const char *s, enum saver_read_mode *ret);

struct saver_copy_stats {
	uint64_t zero_pages, data_pages;
	uint64_t hash;
	enum saver_read_mode mode; /* what was used in the end */
	double read_seconds, write_seconds;
};

/* Called after each chunk. */
typedef void (*saver_progress_fn)(uint64_t done, uint64_t total, void *userdata);

/*
 * Copy size bytes of in_fd to out_fd (written from offset 0, extended to size with a hole at
 * the end when it ends in zeros). chunk is rounded down to whole pages (at least one).
 * On failure reports error step=read|write and returns -errno.
 */
int saver_copy(int in_fd, uint64_t size, int out_fd, enum saver_read_mode mode, size_t chunk,
	       saver_progress_fn progress, void *userdata, struct saver_copy_stats *ret);
