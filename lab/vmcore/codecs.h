/* SPDX-License-Identifier: MIT */
/*
 * Page codecs of kdump-compressed dumps (makedumpfile -c zlib, -l lzo, -p snappy, -z zstd).
 *
 * zlib is linked: libelf loads it anyway. lzo, snappy and zstd are dlopen()ed the first time a
 * dump needs one (as systemd does for its compression libraries): most dumps are raw ELF, and
 * libsnappy alone brings libstdc++, whose start-up costs more than reading a kernel log
 * (bench/validate). A codec this build has no headers for, or whose library does not load, is
 * unavailable: its pages are reported (kdump.decompressor), never misread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* NULL when pages of that compression bit (KL_KDUMP_ZLIB, ...) can be decompressed, else why
 * not (a static string, e.g. dlerror()'s words). Thread-safe; loads the library once. */
const char *kl_codec_unavailable(uint32_t bit);

/* Decompress one page: 0 when in decodes to exactly out_len bytes, -EBADMSG when it does not,
 * -EOPNOTSUPP for an unavailable codec, -ENOMEM. *zstd_ctx is the caller's ZSTD_DCtx (made on
 * first use; free it with kl_codec_free_zstd). */
int kl_codec_decompress(uint32_t bit, void **zstd_ctx, const unsigned char *in, size_t in_len,
			unsigned char *out, size_t out_len);
void kl_codec_free_zstd(void *zstd_ctx);
