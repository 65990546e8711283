/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4): the cache's content hash. Small and dependency-free on purpose. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define KL_SHA256_HEX_LEN 64

struct kl_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

void kl_sha256_init(struct kl_sha256 *s);
void kl_sha256_update(struct kl_sha256 *s, const void *data, size_t len);
/* Writes 64 lower-case hex digits and a NUL. */
void kl_sha256_final_hex(struct kl_sha256 *s, char out[KL_SHA256_HEX_LEN + 1]);
/* Hash a whole file, streaming. */
int kl_sha256_file(const char *path, char out[KL_SHA256_HEX_LEN + 1], struct kl_error **err);
/* Feed a file's content into a running hash. */
int kl_sha256_update_file(struct kl_sha256 *s, const char *path, struct kl_error **err);
