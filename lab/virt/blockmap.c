/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "blockmap.h"

/* A decimal number without sign or leading junk, up to UINT64_MAX; *p moves past it. */
static bool number(const char **p, const char *end, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;
	if (s >= end || *s < '0' || *s > '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*ret = v;
	return true;
}

int kl_blockmap_parse(const char *text, size_t len, uint64_t file_size, uint64_t disk_size,
		      struct kl_block_run *runs, size_t max, struct kl_error **err)
{
	const char *p = text, *end = text + len;
	uint64_t prev_end = 0;
	size_t n = 0;
	for (unsigned line = 1; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return kl_error_set(err, EBADMSG,
					    "block map line %u: no newline at the end", line);
		struct kl_block_run r;
		const char *q = p;
		if (!number(&q, eol, &r.logical) || q >= eol || *q++ != ' ' ||
		    !number(&q, eol, &r.physical) || q >= eol || *q++ != ' ' ||
		    !number(&q, eol, &r.length) || q != eol)
			return kl_error_set(
				err, EBADMSG,
				"block map line %u: expected \"LOGICAL PHYSICAL LENGTH\" "
				"in decimal",
				line);
		if (n >= max)
			return kl_error_set(err, EBADMSG, "block map: more than %zu runs", max);
		if (r.length == 0 || r.logical < prev_end || r.logical > file_size ||
		    r.length > file_size - r.logical)
			return kl_error_set(err, EBADMSG,
					    "block map line %u: file range %" PRIu64 "+%" PRIu64
					    ": expected a non-empty range after %" PRIu64
					    " and inside the %" PRIu64 "-byte file",
					    line, r.logical, r.length, prev_end, file_size);
		if (r.physical % 512 || r.physical > disk_size || r.length > disk_size - r.physical)
			return kl_error_set(
				err, EBADMSG,
				"block map line %u: disk range %" PRIu64 "+%" PRIu64
				": expected a 512-byte aligned range inside the %" PRIu64
				"-byte disk",
				line, r.physical, r.length, disk_size);
		runs[n++] = r;
		prev_end = r.logical + r.length;
		p = eol + 1;
	}
	return (int)n;
}
