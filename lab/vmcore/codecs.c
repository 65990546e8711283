/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#if HAVE_ZLIB
#include <zlib.h>
#endif
#if HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif
#if HAVE_ZSTD
#include <zstd.h>
#endif

#include "codecs.h"
#include "kdump.h"

/* One dlopen()ed library: the sonames are Debian's (and upstream's) ABI versions. */
struct lib {
	const char *soname;
	const char *const *syms;
	void **ptrs;
	size_t n;
	bool tried;
	const char *why; /* NULL once loaded */
	char buf[256];
};

#if HAVE_LZO
static struct {
	typeof(&__lzo_init_v2) init;
	typeof(&lzo1x_decompress_safe) decompress_safe;
} lzo;
static const char *const lzo_syms[] = { "__lzo_init_v2", "lzo1x_decompress_safe" };
#endif
#if HAVE_SNAPPY
static struct {
	typeof(&snappy_uncompressed_length) uncompressed_length;
	typeof(&snappy_uncompress) uncompress;
} snappy;
static const char *const snappy_syms[] = { "snappy_uncompressed_length", "snappy_uncompress" };
#endif
#if HAVE_ZSTD
static struct {
	typeof(&ZSTD_createDCtx) createDCtx;
	typeof(&ZSTD_freeDCtx) freeDCtx;
	typeof(&ZSTD_decompressDCtx) decompressDCtx;
	typeof(&ZSTD_isError) isError;
} zstd;
static const char *const zstd_syms[] = { "ZSTD_createDCtx", "ZSTD_freeDCtx", "ZSTD_decompressDCtx",
					 "ZSTD_isError" };
#endif

#define LIB(so, name)                                                                              \
	{                                                                                          \
		so, name##_syms, (void **)&name, sizeof(name##_syms) / sizeof(char *)              \
	}
static struct lib libs[3] = {
#if HAVE_LZO
	[0] = LIB("liblzo2.so.2", lzo),
#endif
#if HAVE_SNAPPY
	[1] = LIB("libsnappy.so.1", snappy),
#endif
#if HAVE_ZSTD
	[2] = LIB("libzstd.so.1", zstd),
#endif
};
static pthread_mutex_t libs_lock = PTHREAD_MUTEX_INITIALIZER;

static int lib_index(uint32_t bit)
{
	switch (bit) {
	case KL_KDUMP_LZO:
		return 0;
	case KL_KDUMP_SNAPPY:
		return 1;
	case KL_KDUMP_ZSTD:
		return 2;
	default:
		return -1;
	}
}

static void lib_load(struct lib *l)
{
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(l->buf, sizeof(l->buf), "%s", dlerror());
		l->why = l->buf;
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (!(l->ptrs[i] = dlsym(h, l->syms[i]))) {
			snprintf(l->buf, sizeof(l->buf), "%s has no symbol %s", l->soname,
				 l->syms[i]);
			l->why = l->buf;
			dlclose(h);
			return;
		}
		/* lzo_init() checks the library was built for this ABI: sizes of its types. */
#if HAVE_LZO
	if (l->ptrs == (void **)&lzo &&
	    lzo.init(LZO_VERSION, (int)sizeof(short), (int)sizeof(int), (int)sizeof(long),
		     (int)sizeof(lzo_uint32_t), (int)sizeof(lzo_uint), (int)lzo_sizeof_dict_t,
		     (int)sizeof(char *), (int)sizeof(lzo_voidp),
		     (int)sizeof(lzo_callback_t)) != LZO_E_OK) {
		snprintf(l->buf, sizeof(l->buf), "%s: lzo_init() failed", l->soname);
		l->why = l->buf;
		return;
	}
#endif
	l->why = NULL; /* the handle stays open for the life of the process */
}

const char *kl_codec_unavailable(uint32_t bit)
{
	if (bit == 0)
		return NULL;
	if (bit == KL_KDUMP_ZLIB)
		return HAVE_ZLIB ? NULL : "built without zlib";
	int i = lib_index(bit);
	if (i < 0)
		return "no such codec";
	if (!libs[i].soname)
		return "built without its headers";
	pthread_mutex_lock(&libs_lock);
	if (!libs[i].tried) {
		lib_load(&libs[i]);
		libs[i].tried = true;
	}
	const char *why = libs[i].why;
	pthread_mutex_unlock(&libs_lock);
	return why;
}

int kl_codec_decompress(uint32_t bit, void **zstd_ctx, const unsigned char *in, size_t in_len,
			unsigned char *out, size_t out_len)
{
	if (kl_codec_unavailable(bit))
		return -EOPNOTSUPP;
	switch (bit) {
#if HAVE_ZLIB
	case KL_KDUMP_ZLIB: {
		uLongf n = out_len;
		return uncompress(out, &n, in, in_len) == Z_OK && n == out_len ? 0 : -EBADMSG;
	}
#endif
#if HAVE_LZO
	case KL_KDUMP_LZO: {
		lzo_uint n = out_len;
		return lzo.decompress_safe(in, in_len, out, &n, NULL) == LZO_E_OK && n == out_len
			       ? 0
			       : -EBADMSG;
	}
#endif
#if HAVE_SNAPPY
	case KL_KDUMP_SNAPPY: {
		size_t n;
		if (snappy.uncompressed_length((const char *)in, in_len, &n) != SNAPPY_OK ||
		    n != out_len)
			return -EBADMSG;
		return snappy.uncompress((const char *)in, in_len, (char *)out, &n) == SNAPPY_OK &&
				       n == out_len
			       ? 0
			       : -EBADMSG;
	}
#endif
#if HAVE_ZSTD
	case KL_KDUMP_ZSTD: {
		if (!*zstd_ctx && !(*zstd_ctx = zstd.createDCtx()))
			return -ENOMEM;
		size_t n = zstd.decompressDCtx(*zstd_ctx, out, out_len, in, in_len);
		return !zstd.isError(n) && n == out_len ? 0 : -EBADMSG;
	}
#endif
	default:
		return -EOPNOTSUPP;
	}
}

void kl_codec_free_zstd(void *zstd_ctx)
{
#if HAVE_ZSTD
	if (zstd_ctx && !kl_codec_unavailable(KL_KDUMP_ZSTD))
		zstd.freeDCtx(zstd_ctx);
#endif
}
