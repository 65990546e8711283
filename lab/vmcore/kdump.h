/* SPDX-License-Identifier: MIT */
/*
 * Internal: a kdump-compressed file (makedumpfile -c/-l/-p/-z, or no compression), loaded
 * in stages like struct kl_dump: a stage that cannot complete records why in its *_error
 * string and the kdump.* checks turn that into a named failure. Functions return -errno
 * only when the file cannot be read.
 *
 * Layout (makedumpfile diskdump_mod.h, IMPLEMENTATION; x86_64 sizes):
 *   block 0                     struct disk_dump_header (464 bytes)
 *   block 1 ..                  struct kdump_sub_header (104 bytes), then the ELF notes
 *                               (offset_note, size_note) with VMCOREINFO inside them;
 *                               sub_hdr_size blocks in all
 *   block 1 + sub_hdr_size ..   bitmap_blocks blocks: the 1st bitmap (pfns present in
 *                               memory), then the 2nd (pfns dumped), bit pfn%8 of byte pfn/8
 *   next block                  one 24-byte page_desc per set bit of the 2nd bitmap, in
 *                               pfn order
 *   then                        page data (a shared zero page first), eraseinfo last
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct kl_dump;
struct kl_stop;

#define KL_KDUMP_SIGNATURE	"KDUMP   "
#define KL_DISKDUMP_SIGNATURE	"DISKDUMP"
#define KL_KDUMP_SIG_LEN	8
#define KL_KDUMP_HEADER_SIZE	464 /* sizeof(struct disk_dump_header) on x86_64 */
#define KL_KDUMP_SUB_SIZE	104 /* sizeof(struct kdump_sub_header), version 6 */
#define KL_KDUMP_DESC_SIZE	24  /* sizeof(page_desc_t) */
#define KL_KDUMP_PAGE_SIZE_MIN	4096
#define KL_KDUMP_PAGE_SIZE_MAX	65536
#define KL_KDUMP_HEADER_VERSION 6 /* what makedumpfile 1.6 .. 1.7 writes */

/* disk_dump_header.status and page_desc.flags */
#define KL_KDUMP_ZLIB	      0x1
#define KL_KDUMP_LZO	      0x2
#define KL_KDUMP_SNAPPY	      0x4
#define KL_KDUMP_INCOMPLETE   0x8
#define KL_KDUMP_EXCL_VMEMMAP 0x10
#define KL_KDUMP_ZSTD	      0x20
#define KL_KDUMP_COMPRESSION  (KL_KDUMP_ZLIB | KL_KDUMP_LZO | KL_KDUMP_SNAPPY | KL_KDUMP_ZSTD)

/* The cumulative popcount index holds one entry per 4 KiB of 2nd bitmap: at most this many
 * (8 MiB of index, a 4 GiB bitmap, 128 TiB of 4 KiB pages; the validator stays under 64 MiB
 * of RSS). */
#define KL_KDUMP_INDEX_MAX (1u << 20)

struct kl_kdump_header {
	char signature[KL_KDUMP_SIG_LEN];
	int32_t header_version;
	/* struct new_utsname: six NUL-padded 65-byte fields, NUL-terminated copies here */
	char sysname[66], nodename[66], release[66], version[66], machine[66], domainname[66];
	int64_t tv_sec, tv_usec;
	uint32_t status;
	int32_t block_size, sub_hdr_size;
	uint32_t bitmap_blocks, max_mapnr, total_ram_blocks, device_blocks, written_blocks;
	uint32_t current_cpu;
	int32_t nr_cpus;
};

struct kl_kdump_sub_header {
	uint64_t phys_base;
	int32_t dump_level, split;			 /* version >= 1, >= 2 */
	uint64_t start_pfn, end_pfn;			 /* version >= 2, 32-bit era */
	uint64_t offset_vmcoreinfo, size_vmcoreinfo;	 /* version >= 3 */
	uint64_t offset_note, size_note;		 /* version >= 4 */
	uint64_t offset_eraseinfo, size_eraseinfo;	 /* version >= 5 */
	uint64_t start_pfn_64, end_pfn_64, max_mapnr_64; /* version >= 6 */
};

struct kl_kdump_desc {
	uint64_t offset;
	uint32_t size, flags;
	uint64_t page_flags;
};

struct kl_kdump {
	int fd;
	char *path;
	uint64_t size;

	/* the header read and block_size usable (a power of two in [4 KiB, 64 KiB]) */
	bool have_header;
	struct kl_kdump_header h;
	char *header_error;

	/* the sub-header inside the file (header_version >= 1) */
	bool have_sub;
	struct kl_kdump_sub_header sub;
	char *sub_error;

	/* the notes as a struct kl_dump with one synthetic PT_NOTE, so notes.c and
	 * vmcoreinfo.c load them and their messages and checks apply unchanged */
	struct kl_dump *notes;
	char *notes_error; /* why notes is NULL (no notes, out of bounds) */

	/* geometry: the bitmaps and descriptors lie inside the file */
	bool have_layout;
	uint64_t max_mapnr;  /* max_mapnr_64 (version >= 6) or max_mapnr */
	uint64_t bitmap_off; /* the 1st bitmap; the 2nd follows at bitmap_off + bitmap_len */
	uint64_t bitmap_len; /* bytes of each bitmap */
	uint64_t desc_off;   /* the first page_desc */
	char *layout_error;

	/* the popcount index of the 2nd bitmap and the descriptor count it implies */
	bool have_index;
	uint64_t *cum; /* cum[i]: set bits before byte i * 4096 of the 2nd bitmap */
	size_t n_cum;
	uint64_t n_descs;
	char *index_error;

	/* one-page caches for reads by pfn */
	unsigned char *bm_block; /* the 2nd bitmap block last read */
	uint64_t bm_block_idx;	 /* UINT64_MAX: none */
	unsigned char *page, *cbuf;
	uint64_t page_pfn; /* UINT64_MAX: none */
	void *zstd;	   /* ZSTD_DCtx, made on first use */
	/* descriptors read ahead for the checks' sequential passes (one pread per 64 KiB,
	 * not one per 24 bytes) */
	unsigned char *desc_win;
	uint64_t desc_win_first, desc_win_n;
	const struct kl_stop *stop; /* kl_kdump_open()'s, for the loading stages; may be NULL */
};

/* Open path and load every stage (header, sub-header, notes, layout, index). stop (may be
 * NULL) is polled while indexing the bitmap: -ETIMEDOUT / -EINTR. */
int kl_kdump_open(const char *path, const struct kl_stop *stop, struct kl_kdump **ret,
		  struct kl_error **err);
void kl_kdump_free(struct kl_kdump *k);
static inline void kl_kdump_freep(struct kl_kdump **k)
{
	kl_kdump_free(*k);
}

/* Whether this build decompresses pages of that status/flags compression bit. */
bool kl_kdump_compression_supported(uint32_t bit);
/* "zlib", "lzo", "snappy", "zstd", "none", or "several" for a set of flags (static). */
const char *kl_kdump_compression_name(uint32_t flags);

/* Read n bytes at off for a streaming pass: 1 when they lie in a hole of the file (buf is
 * untouched: they are zeros; a sparse 16 GiB bitmap costs no reads), 0 when read into
 * buf, -EIO on read errors or a short read. */
int kl_kdump_pread_or_hole(const struct kl_kdump *k, void *buf, size_t n, uint64_t off);

/* Read the descriptor of the i-th dumped page. -EIO on read errors. */
int kl_kdump_read_desc(struct kl_kdump *k, uint64_t i, struct kl_kdump_desc *ret);
/*
 * Decompress (or copy) one page described by desc into out (block_size bytes). -EBADMSG
 * with a message when the descriptor or data is corrupt, -EOPNOTSUPP when this build has
 * no decompressor for it, -EIO on read errors.
 */
int kl_kdump_read_page_desc(struct kl_kdump *k, const struct kl_kdump_desc *desc, void *out,
			    struct kl_error **err);
/* The page of pfn (block_size bytes): -ENOENT when the 2nd bitmap leaves it out, else as
 * kl_kdump_read_page_desc(). */
int kl_kdump_read_pfn(struct kl_kdump *k, uint64_t pfn, void *out, struct kl_error **err);

/* The 2nd bitmap's bit for pfn: 1, 0, or -EIO. pfn must be < max_mapnr. */
int kl_kdump_dumped(struct kl_kdump *k, uint64_t pfn);

/* kdump.c: the format's memory reader (kl_dump_formats[]): a kl_mem over path and its
 * VMCOREINFO; -EBADMSG with a message when the file has no usable VMCOREINFO. */
struct kl_mem;
struct kl_vmcoreinfo;
int kl_kdump_open_mem(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
		      struct kl_error **err);
/* A kl_mem over k (translation set up from k's VMCOREINFO). With own, it frees k. */
int kl_kdump_mem_new(struct kl_kdump *k, bool own, struct kl_mem **ret, struct kl_error **err);
