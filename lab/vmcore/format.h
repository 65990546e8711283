/* SPDX-License-Identifier: MIT */
/*
 * Dump formats, detected from the file's content only (never its name), and validation of
 * any of them.
 *
 *   elf               a copy of /proc/vmcore (notes and PT_LOADs page-aligned)
 *   makedumpfile-elf  makedumpfile -E: notes right after the program headers, PT_LOAD
 *                     offsets not page-congruent, p_filesz < p_memsz for trailing zeros
 *   kdump             makedumpfile -c/-l/-p/-z (or no compression): "KDUMP   " header,
 *                     sub-header with the notes, two bitmaps, page descriptors, pages
 *   diskdump          the old diskdump facility's "DISKDUMP" header (recognised, refused)
 *   flat              makedumpfile -F: a "makedumpfile" header then (offset, size) records
 *                     of either of the makedumpfile formats above
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct kl_validate_input;
struct kl_validation;

enum kl_dump_format {
	KL_DUMP_FORMAT_UNKNOWN = 0,
	KL_DUMP_FORMAT_ELF,
	KL_DUMP_FORMAT_MAKEDUMPFILE_ELF,
	KL_DUMP_FORMAT_KDUMP,
	KL_DUMP_FORMAT_DISKDUMP,
	KL_DUMP_FORMAT_FLAT,
};

/* Bytes of the file's start that kl_dump_format_probe() needs to tell every format apart:
 * the ELF program headers of any dump with up to 1169 PT_LOADs fit. */
#define KL_DUMP_FORMAT_PROBE_BYTES 65536

/* "elf", "makedumpfile-elf", "kdump", "diskdump", "flat", "unknown" (static). */
const char *kl_dump_format_name(enum kl_dump_format f);

/*
 * The format of a file whose first len bytes are head (len may be short for short files).
 * An ELF whose program headers do not fit in head is reported as plain elf.
 */
enum kl_dump_format kl_dump_format_probe(const unsigned char *head, size_t len);

/*
 * Read the start of path and probe it. Unknown content is not an error: *ret is
 * KL_DUMP_FORMAT_UNKNOWN. -errno only when the file cannot be opened or read.
 */
int kl_dump_format_detect(const char *path, enum kl_dump_format *ret, struct kl_error **err);

/*
 * Validate a dump of any format (dispatch.c): raw ELF and makedumpfile -E go to
 * kl_vmcore_validate(); kdump-compressed files run the kdump.* checks plus the notes,
 * VMCOREINFO, kernel-log, uts and manifest checks; flattened files are reassembled
 * (makedumpfile -R semantics) into an unlinked temporary file after the flat.* checks, then
 * validated as what they contain. Unknown content is a validation whose check
 * "format.detect" failed. Same returns as kl_vmcore_validate().
 */
int kl_vmcore_validate_any(const char *path, const struct kl_validate_input *in,
			   struct kl_validation **ret, struct kl_error **err);
