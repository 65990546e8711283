/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the saver's extent map (lab/guest/blockmap.c kl_extents_parse), which the
 * capture kernel writes and the pull follows to copy only the dump's data. The first 16 input
 * bytes are the sizes the host knows (file size, disk size: little-endian u64), the rest is the
 * map. No input may crash, hang, leak or allocate without bound, and a parsed map must hold what
 * kl_extents_parse promises: at most max runs (max also from the input), each non-empty,
 * ascending and disjoint, inside the file, the file no larger than the disk (so the runs add up
 * to at most the disk's size). Built only with -Dfuzz=true and clang; run by run.sh.
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
	size_t max = (file_size & 1) ? KL_EXTENTS_MAX : (size_t)(disk_size >> 9 & 15);
	/* exactly max runs and an exact-size copy of the map: ASan sees any access past them */
	struct kl_extent *runs = calloc(max ? max : 1, sizeof(*runs));
	size_t len = size - 16;
	char *text = malloc(len ? len : 1);
	if (!runs || !text)
		abort();
	memcpy(text, data + 16, len);

	struct kl_error *err = NULL;
	int n = kl_extents_parse(text, len, file_size, disk_size, runs, max, &err);
	if (n < 0) {
		if (!err || !err->msg)
			abort(); /* a failure always says why */
	} else {
		if ((size_t)n > max || (n > 0 && file_size > disk_size))
			abort();
		uint64_t prev_end = 0, total = 0;
		for (int i = 0; i < n; i++) {
			const struct kl_extent *r = &runs[i];
			if (r->length == 0 || r->offset < prev_end || r->offset > file_size ||
			    r->length > file_size - r->offset)
				abort();
			prev_end = r->offset + r->length;
			total += r->length;
		}
		if (total > disk_size)
			abort();
	}
	kl_error_free(err);
	free(text);
	free(runs);
	return 0;
}
