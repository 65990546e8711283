/* SPDX-License-Identifier: MIT */
/*
 * Dump formats, detected from the file's content only (never its name): one table
 * (kl_dump_formats[]) with what reads each, and validation of any of them.
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

struct kl_check_ctx;
struct kl_flat_info;
struct kl_mem;
struct kl_stop;
struct kl_validate_input;
struct kl_validation;
struct kl_vmcoreinfo;

enum kl_dump_format_id {
	KL_DUMP_FORMAT_UNKNOWN = 0,
	KL_DUMP_FORMAT_ELF,
	KL_DUMP_FORMAT_MAKEDUMPFILE_ELF,
	KL_DUMP_FORMAT_KDUMP,
	KL_DUMP_FORMAT_DISKDUMP,
	KL_DUMP_FORMAT_FLAT,
	KL_DUMP_FORMAT_N,
};

/*
 * One dump format: the only place that knows which code reads it. kl_dump_formats[] (format.c)
 * is indexed by id; adding a format is one row there plus the format's own file. A callback
 * left NULL means the format does not offer it.
 */
struct kl_dump_format {
	enum kl_dump_format_id id;
	const char *name;	 /* "elf", "makedumpfile-elf", "kdump", "diskdump", "flat" */
	const char *description; /* format.detect's message */
	/* Claims the file from its first bytes (never its name); formats claim disjoint sets. */
	bool (*probe)(const unsigned char *head, size_t len);
	/* The crashed kernel's memory and VMCOREINFO (kl_mem_open(), `validate --dmesg`). */
	int (*open_mem)(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
			struct kl_error **err);
	/* Loader of the headers the checks read: opens path and fills c (c->d, c->k, c->fd,
	 * c->size, c->layout). A stage that cannot load is recorded, not an error. */
	int (*load)(struct kl_check_ctx *c, const char *path, struct kl_error **err);
	/* A kl_mem over what load() loaded, for the kernel-level checks: 0 with *ret NULL when a
	 * stage it needs is missing (the check owning that stage says why). */
	int (*check_mem)(struct kl_check_ctx *c, struct kl_mem **ret, struct kl_error **err);
	/* Container formats (flat): the content reassembled into an unlinked file, read as a
	 * dump of another format. Structural problems go to *ret_info, not to the return. */
	int (*reassemble)(const char *path, const struct kl_stop *stop, int *ret_fd,
			  struct kl_flat_info *ret_info, struct kl_error **err);
};

/* The table, indexed by enum kl_dump_format_id (KL_DUMP_FORMAT_N rows). */
extern const struct kl_dump_format kl_dump_formats[KL_DUMP_FORMAT_N];

/* Bytes of the file's start that kl_dump_format_probe() needs to tell every format apart:
 * the ELF program headers of any dump with up to 1169 PT_LOADs fit. */
#define KL_DUMP_FORMAT_PROBE_BYTES 65536

/* "elf", "makedumpfile-elf", "kdump", "diskdump", "flat", "unknown" (static). */
const char *kl_dump_format_name(enum kl_dump_format_id f);

/*
 * The format of a file whose first len bytes are head (len may be short for short files).
 * An ELF whose program headers do not fit in head is reported as plain elf.
 */
enum kl_dump_format_id kl_dump_format_probe(const unsigned char *head, size_t len);

/*
 * Read the start of path and probe it. Unknown content is not an error: *ret is
 * KL_DUMP_FORMAT_UNKNOWN. -errno only when the file cannot be opened or read.
 */
int kl_dump_format_detect(const char *path, enum kl_dump_format_id *ret, struct kl_error **err);

/*
 * Validate a dump of any format (validate.c): detect it, load its headers (the format's
 * load()), run the one check table on it (the rows whose .formats include it). Flattened
 * files are reassembled (makedumpfile -R semantics) into an unlinked temporary file and
 * validated as what they contain, after the flat.* checks. Every validation starts with
 * "format.detect", which names the format found (or fails). Same returns as
 * kl_vmcore_validate().
 */
int kl_vmcore_validate_any(const char *path, const struct kl_validate_input *in,
			   struct kl_validation **ret, struct kl_error **err);
