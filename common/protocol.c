/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "protocol.h"

static int value_char_raw(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%';
}

int kl_value_encode(const char *src, size_t len, char *dst, size_t dstlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (value_char_raw(c)) {
			if (o + 1 >= dstlen)
				return -1;
			dst[o++] = (char)c;
		} else {
			if (o + 3 >= dstlen)
				return -1;
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (o >= dstlen)
		return -1;
	dst[o] = '\0';
	return (int)o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kl_value_decode(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
		if (hi < 0 || lo < 0)
			return -1;
		*w++ = (char)(hi << 4 | lo);
		r += 2;
	}
	*w = '\0';
	return (int)(w - s);
}

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* A word-at-a-time mix (xxh64-like constants); fast under TCG, not cryptographic. */
uint64_t kl_page_hash(const void *page, uint64_t offset)
{
	const uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL;
	uint64_t a = offset * P1 + P2, b = offset ^ P1, c = rotl64(offset, 31) + P2, d = ~offset;
	const unsigned char *p = page;

	for (size_t i = 0; i < KL_HASH_PAGE; i += 32) {
		uint64_t w[4];
		memcpy(w, p + i, sizeof(w));
		a = rotl64(a + w[0] * P2, 31) * P1;
		b = rotl64(b + w[1] * P2, 31) * P1;
		c = rotl64(c + w[2] * P2, 31) * P1;
		d = rotl64(d + w[3] * P2, 31) * P1;
	}
	uint64_t h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18);
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	return h;
}

int kl_page_is_zero(const void *page)
{
	const uint64_t *w = page;
	uint64_t acc = 0;
	for (size_t i = 0; i < KL_HASH_PAGE / 8; i += 8)
		acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] |
		       w[i + 7];
	return acc == 0;
}
