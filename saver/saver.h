/* SPDX-License-Identifier: MIT */
/*
 * kdumplab-saver: /init of the capture initramfs. It finds the dump disk by its serial,
 * copies /proc/vmcore onto it as a sparse file, and writes the manifest and then the DONE
 * marker, each after an fsync, so a partial dump can never look complete.
 */
#pragma once

#include <stddef.h>

#include "copy.h"

struct saver_opts {
	size_t chunk;			/* bytes per read; 0: 4 MiB */
	unsigned disk_wait_ms;		/* how long devices may take to appear; 0: no retry */
	enum saver_read_mode read_mode; /* kdumplab.saver_read= overrides it */
};

#define SAVER_OPTS_DEFAULT                                                                         \
	{                                                                                          \
		.chunk = 4u << 20, .disk_wait_ms = 15000, .read_mode = SAVER_READ_MMAP             \
	}

/* Everything /init does before powering off: 0 when the dump is saved, else -errno (reported). */
int saver_run(const struct saver_opts *opts);
