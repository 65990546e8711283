/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the saver's manifest (lab/guest/manifest.c), written by the capture kernel's
 * saver and pulled from the dump disk. The input is parsed from an exact-size buffer (so ASan
 * sees any read past it) and read as a file, as the pull reads it: a memfd opened by its
 * /proc/self/fd path. Both must agree; a parsed manifest must hold its required keys, at most
 * KL_MANIFEST_MAX_ENTRIES unique keys, and kl_manifest_get must find each entry. No input may
 * crash, hang, leak or allocate without bound. Built only with -Dfuzz=true and clang.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest/manifest.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct kl_manifest *m)
{
	if (m->n_entries > KL_MANIFEST_MAX_ENTRIES || !kl_manifest_get(m, KL_MANIFEST_SIZE) ||
	    !kl_manifest_get(m, KL_MANIFEST_HASH))
		abort();
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct kl_manifest_entry *e = &m->entries[i];
		if (!*e->key || kl_manifest_get(m, e->key) != e->value)
			abort();
		for (const char *v = e->value; *v; v++)
			if ((unsigned char)*v < 0x20 && *v != '\t')
				abort();
	}
}

static int read_file(const uint8_t *data, size_t size, struct kl_manifest **ret)
{
	int fd = memfd_create("fuzz-manifest", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct kl_error *err = NULL;
	int r = kl_manifest_read(path, ret, &err);
	if (r < 0 && (!err || !err->msg))
		abort();
	kl_error_free(err);
	close(fd);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kl_manifest *m = NULL, *f = NULL;
	struct kl_error *err = NULL;
	int r = kl_manifest_parse((const char *)data, size, &m, &err);
	if (r < 0 && (!err || !err->msg))
		abort();
	kl_error_free(err);
	int rf = read_file(data, size, &f);
	if ((r < 0) != (rf < 0))
		abort();
	if (r == 0) {
		check(m);
		if (m->size != f->size || m->hash != f->hash || m->n_entries != f->n_entries)
			abort();
	}
	kl_manifest_free(m);
	kl_manifest_free(f);
	return 0;
}
