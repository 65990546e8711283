/* SPDX-License-Identifier: MIT */
/* The algorithm of dpkg's lib/dpkg/version.c (verrevcmp), written from deb-version(7). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "debversion.h"

/* Letters sort before non-letters, '~' before everything, even the end of the string. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compare a[0..alen) with b[0..blen). */
static int verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = a + alen, *be = b + blen;
	while (a < ae || b < be) {
		int diff = 0;
		while ((a < ae && !isdigit((unsigned char)*a)) ||
		       (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? order((unsigned char)*a) : 0;
			int bc = b < be ? order((unsigned char)*b) : 0;
			if (ac != bc)
				return ac - bc;
			if (a < ae)
				a++;
			if (b < be)
				b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && isdigit((unsigned char)*a) && b < be &&
		       isdigit((unsigned char)*b)) {
			if (!diff)
				diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (diff)
			return diff;
	}
	return 0;
}

struct ver {
	unsigned long epoch;
	const char *up;
	size_t uplen;
	const char *rev;
	size_t revlen;
};

static void split(const char *v, struct ver *out)
{
	const char *colon = strchr(v, ':');
	out->epoch = 0;
	if (colon) {
		out->epoch = strtoul(v, NULL, 10);
		v = colon + 1;
	}
	const char *dash = strrchr(v, '-');
	out->up = v;
	if (dash) {
		out->uplen = (size_t)(dash - v);
		out->rev = dash + 1;
		out->revlen = strlen(dash + 1);
	} else {
		out->uplen = strlen(v);
		out->rev = "";
		out->revlen = 0;
	}
}

int kl_debversion_compare(const char *a, const char *b)
{
	struct ver va, vb;
	split(a, &va);
	split(b, &vb);
	if (va.epoch != vb.epoch)
		return va.epoch > vb.epoch ? 1 : -1;
	int r = verrevcmp(va.up, va.uplen, vb.up, vb.uplen);
	if (r)
		return r;
	return verrevcmp(va.rev, va.revlen, vb.rev, vb.revlen);
}
