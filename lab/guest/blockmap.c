/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
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

/*
 * The next line of text as [p, eol): false at the end. A line without its newline is an error
 * (a map cut short), reported through *bad.
 */
static bool next_line(const char **p, const char *end, const char **ret_eol, bool *bad)
{
	if (*p >= end)
		return false;
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));
	*bad = !eol;
	*ret_eol = eol;
	return eol != NULL;
}

static int by_physical(const void *a, const void *b)
{
	const struct kl_block_run *x = a, *y = b;
	return x->physical < y->physical ? -1 : x->physical > y->physical;
}

/* No two runs share a byte of the disk (checked on a copy sorted by disk offset). */
static int physical_disjoint(const struct kl_block_run *runs, size_t n, struct kl_error **err)
{
	if (n < 2)
		return 0;
	_cleanup_free_ struct kl_block_run *s = malloc(n * sizeof(*s));
	if (!s)
		return kl_error_set(err, ENOMEM, "block map: %zu runs", n);
	memcpy(s, runs, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_physical);
	for (size_t i = 1; i < n; i++)
		if (s[i].physical < s[i - 1].physical + s[i - 1].length)
			return kl_error_set(err, EBADMSG,
					    "block map: disk range %" PRIu64 "+%" PRIu64
					    " (file %" PRIu64 ") overlaps disk range %" PRIu64
					    "+%" PRIu64 " (file %" PRIu64
					    "): expected each disk byte in at most one run",
					    s[i].physical, s[i].length, s[i].logical,
					    s[i - 1].physical, s[i - 1].length, s[i - 1].logical);
	return 0;
}

int kl_blockmap_parse(const char *text, size_t len, uint64_t file_size, uint64_t disk_size,
		      struct kl_block_run *runs, size_t max, struct kl_error **err)
{
	const char *p = text, *end = text + len, *eol;
	uint64_t prev_end = 0, total = 0;
	size_t n = 0;
	bool bad = false;
	unsigned line = 1;
	if (file_size > disk_size)
		return kl_error_set(err, EBADMSG,
				    "block map of a %" PRIu64
				    "-byte file: expected a file no larger "
				    "than the %" PRIu64 "-byte disk",
				    file_size, disk_size);
	for (; next_line(&p, end, &eol, &bad); line++) {
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
		/* Each length is <= disk_size and total stays <= disk_size: no overflow. */
		if (r.length > disk_size - total)
			return kl_error_set(err, EBADMSG,
					    "block map line %u: runs add up to more than the "
					    "%" PRIu64 "-byte disk",
					    line, disk_size);
		total += r.length;
		runs[n++] = r;
		prev_end = r.logical + r.length;
		p = eol + 1;
	}
	if (bad)
		return kl_error_set(err, EBADMSG, "block map line %u: no newline at the end", line);
	int rr = physical_disjoint(runs, n, err);
	return rr < 0 ? rr : (int)n;
}

int kl_extents_parse(const char *text, size_t len, uint64_t file_size, uint64_t disk_size,
		     struct kl_extent *runs, size_t max, struct kl_error **err)
{
	const char *p = text, *end = text + len, *eol;
	uint64_t prev_end = 0;
	size_t n = 0;
	bool bad = false;
	unsigned line = 1;
	/* Disjoint runs inside the file then add up to at most the disk's size. */
	if (file_size > disk_size)
		return kl_error_set(err, EBADMSG,
				    "extent map of a %" PRIu64
				    "-byte file: expected a file no larger "
				    "than the %" PRIu64 "-byte disk",
				    file_size, disk_size);
	for (; next_line(&p, end, &eol, &bad); line++) {
		struct kl_extent r;
		const char *q = p;
		if (!number(&q, eol, &r.offset) || q >= eol || *q++ != ' ' ||
		    !number(&q, eol, &r.length) || q != eol)
			return kl_error_set(
				err, EBADMSG,
				"extent map line %u: expected \"OFFSET LENGTH\" in decimal", line);
		if (n >= max)
			return kl_error_set(err, EBADMSG, "extent map: more than %zu runs", max);
		if (r.length == 0 || r.offset < prev_end || r.offset > file_size ||
		    r.length > file_size - r.offset)
			return kl_error_set(err, EBADMSG,
					    "extent map line %u: range %" PRIu64 "+%" PRIu64
					    ": expected a non-empty range after %" PRIu64
					    " and inside the %" PRIu64 "-byte file",
					    line, r.offset, r.length, prev_end, file_size);
		runs[n++] = r;
		prev_end = r.offset + r.length;
		p = eol + 1;
	}
	if (bad)
		return kl_error_set(err, EBADMSG, "extent map line %u: no newline at the end",
				    line);
	return (int)n;
}
