/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "size.h"

static const struct {
	const char *suffix;
	int shift;
} suffixes[] = {
	{ "", 20 }, /* bare number: MiB */
	{ "B", 0 },   { "K", 10 },   { "KB", 10 },  { "KIB", 10 }, { "M", 20 },
	{ "MB", 20 }, { "MIB", 20 }, { "G", 30 },   { "GB", 30 },  { "GIB", 30 },
	{ "T", 40 },  { "TB", 40 },  { "TIB", 40 },
};

int kl_size_parse(const char *s, const char *what, uint64_t *ret_bytes, struct kl_error **err)
{
	if (!s || !*s)
		return kl_error_usage(
			err, 0,
			"%s: empty size; expected a number with an optional K/M/G/T suffix, e.g. \"1G\" or \"192M\"",
			what);
	const char *p = s;
	uint64_t n = 0;
	if (!isdigit((unsigned char)*p))
		return kl_error_usage(
			err, 0,
			"%s \"%s\": not a size; expected a number with an optional K/M/G/T suffix, e.g. \"1G\" or \"192M\"",
			what, s);
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return kl_error_usage(err, 0, "%s \"%s\": number too large", what, s);
		n = n * 10 + (uint64_t)(*p - '0');
	}
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		if (strcasecmp(p, suffixes[i].suffix) != 0)
			continue;
		if (suffixes[i].shift && n > (UINT64_MAX >> suffixes[i].shift))
			return kl_error_usage(err, 0, "%s \"%s\": size too large", what, s);
		*ret_bytes = n << suffixes[i].shift;
		return 0;
	}
	return kl_error_usage(
		err, 0,
		"%s \"%s\": unknown unit \"%s\"; expected K, M, G or T (bare numbers are MiB)",
		what, s, p);
}

void kl_size_format(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "TGMK";
	for (int i = 0; i < 4; i++) {
		int shift = (4 - i) * 10;
		uint64_t unit = (uint64_t)1 << shift;
		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes >> shift, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64 "B", bytes);
}
