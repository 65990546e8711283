/* SPDX-License-Identifier: MIT */
/* Little-endian loads from unaligned dump bytes (x86_64 dumps are little-endian). */
#pragma once

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t kl_le16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t kl_le32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t kl_le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}
