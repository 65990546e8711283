/* SPDX-License-Identifier: MIT */
/*
 * Internal: makedumpfile's flattened format (-F), which makedumpfile writes to a pipe: a
 * 4096-byte header ("makedumpfile", then big-endian int64 type == 1 and version == 1),
 * then records of a big-endian (int64 offset, int64 size) header and size bytes that
 * belong at offset in the real dump file, ended by the record (-1, -1)
 * (makedumpfile.h struct makedumpfile_header / makedumpfile_data_header).
 *
 * We reassemble it (makedumpfile -R semantics: records applied in stream order, later
 * bytes win) into an unlinked temporary file and validate that, rather than indexing the
 * records: makedumpfile -E -F rewrites the ELF headers in later records (records overlap),
 * an index of an untrusted stream costs memory in proportion to its record count, and the
 * result then goes through exactly the same readers and checks as a non-flat dump. The
 * cost is disk: never more bytes written than the flat file has, and holes stay holes: a
 * payload in a hole of the input (SEEK_DATA) or an all-zero 4 KiB block is not written (a
 * hole is punched where an earlier record wrote data), so the temporary file allocates
 * only the non-zero data.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define KL_FLAT_SIGNATURE     "makedumpfile"
#define KL_FLAT_HEADER_SIZE   4096 /* MAX_SIZE_MDF_HEADER */
#define KL_FLAT_RECORD_HEADER 16
/* Where records may write: beyond this the reassembled file is not a dump of any machine
 * we test, and ext4 refuses files over 16 TiB anyway. */
#define KL_FLAT_MAX_OFFSET (1ULL << 44)

struct kl_flat_info {
	uint64_t in_size;
	char *header_error;  /* NULL: signature, type and version are right */
	char *records_error; /* NULL: every record was in bounds (reassembly stops at one that is
				not) */
	uint64_t n_records;  /* data records applied */
	uint64_t data_bytes; /* their payload */
	uint64_t out_size;   /* the reassembled file's size (highest end written) */
	bool ended;	     /* the (-1, -1) record was reached */
	uint64_t trailing;   /* bytes after it */
	uint64_t written;    /* bytes written into the reassembled file (<= in_size) */
};

void kl_flat_info_done(struct kl_flat_info *info);

/* The first bytes are a flattened-format header ("makedumpfile" and NUL padding). */
bool kl_flat_probe(const unsigned char *head, size_t len);

/*
 * Reassemble the flattened stream in in_fd (in_size bytes) into out_fd (an empty file).
 * Structural problems are recorded in *ret_info (always filled on success); -errno only
 * when reading or writing fails, -ETIMEDOUT / -EINTR when stop (may be NULL) says so.
 */
struct kl_stop;
int kl_flat_reassemble(int in_fd, uint64_t in_size, int out_fd, const struct kl_stop *stop,
		       struct kl_flat_info *ret_info, struct kl_error **err);

/*
 * Reassemble path into a new unlinked temporary file under $TMPDIR (default /tmp);
 * *ret_fd is readable as "/proc/self/fd/N". *ret_info and stop as above.
 */
int kl_flat_reassemble_tmp(const char *path, const struct kl_stop *stop, int *ret_fd,
			   struct kl_flat_info *ret_info, struct kl_error **err);
