/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 for the image cache's content hash and the check of downloaded packages. The digest
 * itself is nettle's (sha2.h); this file only adds hex output and hashing of files.
 */
#pragma once

#include <nettle/sha2.h>
#include <stddef.h>

#include "base/error.h"

#define KL_SHA256_HEX_LEN 64

struct kl_sha256 {
	struct sha256_ctx ctx;
};

void kl_sha256_init(struct kl_sha256 *s);
void kl_sha256_update(struct kl_sha256 *s, const void *data, size_t len);
/* Writes 64 lower-case hex digits and a NUL. */
void kl_sha256_final_hex(struct kl_sha256 *s, char out[KL_SHA256_HEX_LEN + 1]);
/* Hash a whole file, streaming. */
int kl_sha256_file(const char *path, char out[KL_SHA256_HEX_LEN + 1], struct kl_error **err);
/* Feed a file's content into a running hash. */
int kl_sha256_update_file(struct kl_sha256 *s, const char *path, struct kl_error **err);
