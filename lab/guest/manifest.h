/* SPDX-License-Identifier: MIT */
/*
 * The saver's manifest (KL_MANIFEST_FILE beside the dump): key=value lines, written after
 * the dump is fsynced. And hashing a pulled dump exactly as the saver did, to prove the
 * copy is the one the saver wrote (common/protocol.h kl_page_hash).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define KL_MANIFEST_MAX_BYTES	(64 * 1024)
#define KL_MANIFEST_MAX_LINE	4096
#define KL_MANIFEST_MAX_ENTRIES 256

struct kl_manifest_entry {
	char *key, *value;
};

struct kl_manifest {
	/* Required. */
	uint64_t size; /* bytes of the dump file */
	uint64_t hash; /* page-hash sum over non-zero pages */
	/* Optional: has_* says whether present. */
	uint64_t allocated, zero_pages, data_pages;
	bool has_allocated, has_zero_pages, has_data_pages;
	double read_seconds, write_seconds, total_seconds; /* < 0 when absent */
	/* Every line, known keys included, in file order. */
	struct kl_manifest_entry *entries;
	size_t n_entries;
};

/*
 * Parse manifest text. Lines are key=value (key [a-z0-9_]+, value printable, no NUL),
 * blank lines and '#' comments are skipped; duplicate keys, overlong lines and more than
 * KL_MANIFEST_MAX_ENTRIES entries are errors. size= and hash= (16 hex digits) are required;
 * known optional keys must parse. -EBADMSG with the line number and value on failure.
 */
int kl_manifest_parse(const char *text, size_t len, struct kl_manifest **ret,
		      struct kl_error **err);
/* Read and parse a manifest file of at most KL_MANIFEST_MAX_BYTES. */
int kl_manifest_read(const char *path, struct kl_manifest **ret, struct kl_error **err);
const char *kl_manifest_get(const struct kl_manifest *m, const char *key);
void kl_manifest_free(struct kl_manifest *m);
static inline void kl_manifest_freep(struct kl_manifest **m)
{
	kl_manifest_free(*m);
}

struct kl_hash_stats {
	uint64_t data_pages; /* non-zero pages hashed */
	uint64_t zero_pages; /* all-zero pages read from data extents */
	uint64_t bytes_read; /* bytes read (holes are never read) */
};

/*
 * Hash a (sparse) dump as the saver does: for every 4096-byte page at file offset o that
 * is not all zero, add kl_page_hash(page, o) (mod 2^64). Holes (SEEK_DATA/SEEK_HOLE) are
 * skipped without reading; a last partial page is zero-padded.
 */
int kl_dump_hash_file(const char *path, uint64_t *ret_size, uint64_t *ret_hash,
		      struct kl_error **err);
/* The same over an open fd (positional reads only); ret_stats may be NULL. Every 4 MiB it polls
 * stop (vmcore/stop.h; NULL: never stops): -EINTR / -ETIMEDOUT. */
struct kl_stop;
int kl_dump_hash_fd(int fd, const char *name, uint64_t *ret_size, uint64_t *ret_hash,
		    struct kl_hash_stats *ret_stats, const struct kl_stop *stop,
		    struct kl_error **err);
