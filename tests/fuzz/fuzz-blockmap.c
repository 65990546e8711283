/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the saver's block map (lab/guest/blockmap.c), which the capture kernel
 * writes and the pull follows to copy the dump off the disk. The first 16 input bytes are the
 * sizes the host knows (file size, disk size: little-endian u64), the rest is the map. No
 * input may crash, hang, leak or allocate without bound, and a parsed map must hold what
 * kl_blockmap_parse promises: at most max runs (max also from the input), each non-empty,
 * ascending and disjoint in the file, inside the file, 512-byte aligned and inside the disk;
 * the disk ranges disjoint and adding up to at most the disk's size (the map never copies
 * more than the disk holds), and the file no larger than the disk.
 * Built only with -Dfuzz=true and clang; run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/blockmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 16)
		return 0;
	uint64_t file_size = le64(data), disk_size = le64(data + 8);
	/* small limits too, so "more than max runs" is reachable */
	size_t max = (file_size & 1) ? KL_BLOCKMAP_MAX : (size_t)(disk_size >> 9 & 15);
	/* exactly max runs: ASan sees any write past them */
	struct kl_block_run *runs = calloc(max ? max : 1, sizeof(*runs));
	if (!runs)
		abort();
	/* an exact-size copy: ASan sees any read past the map */
	size_t len = size - 16;
	char *text = malloc(len ? len : 1);
	if (!text)
		abort();
	memcpy(text, data + 16, len);

	struct kl_error *err = NULL;
	int n = kl_blockmap_parse(text, len, file_size, disk_size, runs, max, &err);
	if (n < 0) {
		if (!err || !err->msg)
			abort(); /* a failure always says why */
	} else {
		if ((size_t)n > max || (n > 0 && file_size > disk_size))
			abort();
		uint64_t total = 0;
		uint64_t prev_end = 0;
		for (int i = 0; i < n; i++) {
			const struct kl_block_run *r = &runs[i];
			if (r->length == 0 || r->logical < prev_end || r->logical > file_size ||
			    r->length > file_size - r->logical || r->physical % 512 ||
			    r->physical > disk_size || r->length > disk_size - r->physical)
				abort();
			prev_end = r->logical + r->length;
			total += r->length; /* no overflow: each length <= disk_size - physical */
			if (total > disk_size)
				abort();
			for (int j = 0; j < i; j++) /* disk ranges disjoint */
				if (runs[j].physical < r->physical + r->length &&
				    r->physical < runs[j].physical + runs[j].length)
					abort();
		}
	}
	kl_error_free(err);
	free(text);
	free(runs);
	return 0;
}
