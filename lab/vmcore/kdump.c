/* SPDX-License-Identifier: MIT */
/*
 * Reading kdump-compressed files (see kdump.h for the layout). Every offset and size from
 * the file is checked against the file size before use, every loop is bounded by a size so
 * checked, and nothing is allocated in proportion to dump data except the popcount index
 * (8 bytes per 4 KiB of bitmap, capped).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "base/stop.h"
#include "bytes.h"
#include "codecs.h"
#include "dump.h"
#include "kdump.h"
#include "mem.h"

#define BM_BLOCK     4096u /* bytes of 2nd bitmap per index entry */
#define STREAM_CHUNK (1u << 20)

bool kl_kdump_compression_supported(uint32_t bit)
{
	return !kl_codec_unavailable(bit);
}

const char *kl_kdump_compression_name(uint32_t flags)
{
	switch (flags & KL_KDUMP_COMPRESSION) {
	case 0:
		return "none";
	case KL_KDUMP_ZLIB:
		return "zlib";
	case KL_KDUMP_LZO:
		return "lzo";
	case KL_KDUMP_SNAPPY:
		return "snappy";
	case KL_KDUMP_ZSTD:
		return "zstd";
	default:
		return "several";
	}
}

void kl_kdump_free(struct kl_kdump *k)
{
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k->path);
	free(k->header_error);
	free(k->sub_error);
	kl_dump_free(k->notes);
	free(k->notes_error);
	free(k->layout_error);
	free(k->cum);
	free(k->index_error);
	free(k->bm_block);
	free(k->page);
	free(k->cbuf);
	free(k->desc_win);
	kl_codec_free_zstd(k->zstd);
	free(k);
}

/* A NUL-terminated copy of a 65-byte NUL-padded utsname field. */
static void uts_field(char dst[66], const unsigned char *src)
{
	memcpy(dst, src, 65);
	dst[65] = '\0';
}

static bool power_of_two(int64_t x)
{
	return x > 0 && (x & (x - 1)) == 0;
}

/* ---- stage 1: struct disk_dump_header ---- */

static int load_header(struct kl_kdump *k, struct kl_error **err)
{
	unsigned char b[KL_KDUMP_HEADER_SIZE];
	struct kl_kdump_header *h = &k->h;

	ssize_t n = kl_pread_full(k->fd, b, sizeof(b), 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading dump \"%s\"", k->path);
	memcpy(h->signature, b, (size_t)n < KL_KDUMP_SIG_LEN ? (size_t)n : KL_KDUMP_SIG_LEN);
	if ((size_t)n < sizeof(b)) {
		k->header_error = kl_strdupf("file is %" PRIu64
					     " bytes, shorter than the %d-byte disk_dump_header",
					     k->size, KL_KDUMP_HEADER_SIZE);
		return 0;
	}
	h->header_version = (int32_t)kl_le32(b + 8);
	uts_field(h->sysname, b + 12);
	uts_field(h->nodename, b + 12 + 65);
	uts_field(h->release, b + 12 + 2 * 65);
	uts_field(h->version, b + 12 + 3 * 65);
	uts_field(h->machine, b + 12 + 4 * 65);
	uts_field(h->domainname, b + 12 + 5 * 65);
	/* struct timeval after the 390 utsname bytes, aligned to 8: offset 408 */
	h->tv_sec = (int64_t)kl_le64(b + 408);
	h->tv_usec = (int64_t)kl_le64(b + 416);
	h->status = kl_le32(b + 424);
	h->block_size = (int32_t)kl_le32(b + 428);
	h->sub_hdr_size = (int32_t)kl_le32(b + 432);
	h->bitmap_blocks = kl_le32(b + 436);
	h->max_mapnr = kl_le32(b + 440);
	h->total_ram_blocks = kl_le32(b + 444);
	h->device_blocks = kl_le32(b + 448);
	h->written_blocks = kl_le32(b + 452);
	h->current_cpu = kl_le32(b + 456);
	h->nr_cpus = (int32_t)kl_le32(b + 460);
	k->have_header = true;
	if (!power_of_two(h->block_size) || h->block_size < KL_KDUMP_PAGE_SIZE_MIN ||
	    h->block_size > KL_KDUMP_PAGE_SIZE_MAX)
		k->header_error =
			kl_strdupf("block_size is %" PRId32 ", expected a power of two in [%d, %d]",
				   h->block_size, KL_KDUMP_PAGE_SIZE_MIN, KL_KDUMP_PAGE_SIZE_MAX);
	return 0;
}

/* ---- stage 2: struct kdump_sub_header ---- */

/* Bytes of the sub-header each header_version defines (fields appended over time). */
static size_t sub_size(int32_t version)
{
	static const size_t sizes[] = { 0, 16, 32, 48, 64, 80, 104 };
	if (version < 1)
		return 0;
	return version < (int32_t)ELEMENTSOF(sizes) ? sizes[version] : KL_KDUMP_SUB_SIZE;
}

static int load_sub(struct kl_kdump *k, struct kl_error **err)
{
	unsigned char b[KL_KDUMP_SUB_SIZE] = { 0 };
	struct kl_kdump_sub_header *s = &k->sub;
	uint64_t bs = (uint64_t)k->h.block_size;
	size_t want = sub_size(k->h.header_version);

	if (want == 0) {
		k->sub_error = kl_strdupf("header_version %" PRId32 " has no kdump_sub_header",
					  k->h.header_version);
		return 0;
	}
	if (k->h.sub_hdr_size <= 0 || bs + want > k->size ||
	    (uint64_t)k->h.sub_hdr_size * bs < want) {
		k->sub_error =
			kl_strdupf("sub-header of %zu bytes at %" PRIu64 " (sub_hdr_size %" PRId32
				   " blocks) does not fit in the %" PRIu64 "-byte file",
				   want, bs, k->h.sub_hdr_size, k->size);
		return 0;
	}
	ssize_t n = kl_pread_full(k->fd, b, want, bs);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the sub-header of \"%s\"", k->path);
	if ((size_t)n != want)
		return kl_error_set(err, EIO, "\"%s\" shrank while reading it", k->path);
	s->phys_base = kl_le64(b);
	s->dump_level = (int32_t)kl_le32(b + 8);
	s->split = (int32_t)kl_le32(b + 12);
	s->start_pfn = kl_le64(b + 16);
	s->end_pfn = kl_le64(b + 24);
	s->offset_vmcoreinfo = kl_le64(b + 32);
	s->size_vmcoreinfo = kl_le64(b + 40);
	s->offset_note = kl_le64(b + 48);
	s->size_note = kl_le64(b + 56);
	s->offset_eraseinfo = kl_le64(b + 64);
	s->size_eraseinfo = kl_le64(b + 72);
	s->start_pfn_64 = kl_le64(b + 80);
	s->end_pfn_64 = kl_le64(b + 88);
	s->max_mapnr_64 = kl_le64(b + 96);
	k->have_sub = true;
	return 0;
}

/* ---- stage 3: the notes, through notes.c and vmcoreinfo.c ---- */

static int load_notes(struct kl_kdump *k, struct kl_error **err)
{
	const struct kl_kdump_sub_header *s = &k->sub;
	uint64_t area_end = (1 + (uint64_t)k->h.sub_hdr_size) * (uint64_t)k->h.block_size;

	if (k->h.header_version < 4) {
		k->notes_error = kl_strdupf("header_version %" PRId32
					    " predates the notes in the sub-header (version 4)",
					    k->h.header_version);
		return 0;
	}
	if (s->size_note == 0 || s->size_note > KL_DUMP_NOTES_MAX) {
		k->notes_error = kl_strdupf("size_note is %" PRIu64 ", expected 1..%u",
					    s->size_note, KL_DUMP_NOTES_MAX);
		return 0;
	}
	if (s->offset_note > area_end || s->size_note > area_end - s->offset_note ||
	    area_end > k->size) {
		k->notes_error =
			kl_strdupf("notes at offset_note %#" PRIx64 " + size_note %#" PRIx64
				   " end beyond the sub-header blocks (%#" PRIx64
				   ") or the file (%#" PRIx64 ")",
				   s->offset_note, s->size_note, area_end, k->size);
		return 0;
	}
	_cleanup_(kl_dump_freep) struct kl_dump *d = calloc(1, sizeof(*d));
	if (!d)
		return kl_error_set(err, ENOMEM, "loading notes");
	d->note_index = -1;
	d->fd = fcntl(k->fd, F_DUPFD_CLOEXEC, 3);
	if (d->fd < 0)
		return kl_error_set(err, errno, "loading notes of \"%s\"", k->path);
	d->path = strdup(k->path);
	d->phdrs = calloc(1, sizeof(*d->phdrs));
	if (!d->path || !d->phdrs)
		return kl_error_set(err, ENOMEM, "loading notes");
	d->size = k->size;
	d->phdrs[0] = (GElf_Phdr){ .p_type = PT_NOTE,
				   .p_offset = s->offset_note,
				   .p_filesz = s->size_note,
				   .p_memsz = s->size_note };
	d->n_phdrs = 1;
	d->have_phdrs = true;
	int r = kl_dump_load_notes(d, err);
	if (r < 0)
		return r;
	kl_dump_load_vmcoreinfo(d);
	k->notes = TAKE_PTR(d);
	return 0;
}

/* ---- stage 4: bitmaps and descriptors in the file ---- */

static void load_layout(struct kl_kdump *k)
{
	const struct kl_kdump_header *h = &k->h;
	uint64_t bs = (uint64_t)h->block_size;

	k->max_mapnr = h->header_version >= 6 ? k->sub.max_mapnr_64 : h->max_mapnr;
	if (h->bitmap_blocks == 0 || h->bitmap_blocks % 2) {
		k->layout_error = kl_strdupf("bitmap_blocks is %" PRIu32
					     ", expected a positive even number (two bitmaps)",
					     h->bitmap_blocks);
		return;
	}
	k->bitmap_off = (1 + (uint64_t)h->sub_hdr_size) * bs;
	k->bitmap_len = (uint64_t)(h->bitmap_blocks / 2) * bs;
	k->desc_off = k->bitmap_off + 2 * k->bitmap_len;
	if (k->desc_off > k->size) {
		k->layout_error =
			kl_strdupf("the bitmaps (%" PRIu32 " blocks at %#" PRIx64
				   ") end at %#" PRIx64 ", beyond the file size %#" PRIx64,
				   h->bitmap_blocks, k->bitmap_off, k->desc_off, k->size);
		return;
	}
	if (k->max_mapnr == 0 || k->max_mapnr > k->bitmap_len * 8) {
		k->layout_error =
			kl_strdupf("max_mapnr %" PRIu64 " pfns, expected 1..%" PRIu64
				   " (what %" PRIu32 " bitmap blocks of %" PRIu64 " bytes cover)",
				   k->max_mapnr, k->bitmap_len * 8, h->bitmap_blocks, bs);
		return;
	}
	k->have_layout = true;
}

/* ---- stage 5: popcount index of the 2nd bitmap ---- */

static uint64_t popcount_bytes(const unsigned char *p, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		c += (uint64_t)__builtin_popcountll(kl_le64(p + i));
	for (; i < n; i++)
		c += (uint64_t)__builtin_popcount(p[i]);
	return c;
}

int kl_kdump_pread_or_hole(const struct kl_kdump *k, void *buf, size_t n, uint64_t off)
{
	off_t data = lseek(k->fd, (off_t)off, SEEK_DATA);
	if ((data < 0 && errno == ENXIO) || (data >= 0 && (uint64_t)data >= off + n))
		return 1;
	ssize_t got = kl_pread_full(k->fd, buf, n, off);
	return got == (ssize_t)n ? 0 : -EIO;
}

static int load_index(struct kl_kdump *k, struct kl_error **err)
{
	uint64_t n_cum = (k->bitmap_len + BM_BLOCK - 1) / BM_BLOCK;
	if (n_cum > KL_KDUMP_INDEX_MAX) {
		k->index_error = kl_strdupf("the 2nd bitmap has %" PRIu64
					    " bytes; kdumplab indexes at most %u",
					    k->bitmap_len, KL_KDUMP_INDEX_MAX * BM_BLOCK);
		return 0;
	}
	_cleanup_free_ unsigned char *buf = malloc(STREAM_CHUNK);
	k->cum = calloc(n_cum ? n_cum : 1, sizeof(*k->cum));
	if (!buf || !k->cum)
		return kl_error_set(err, ENOMEM, "indexing the bitmap of \"%s\"", k->path);
	k->n_cum = (size_t)n_cum;
	uint64_t total = 0, base = k->bitmap_off + k->bitmap_len;
	size_t idx = 0;
	/* STREAM_CHUNK is a multiple of BM_BLOCK, so each chunk holds whole index blocks. */
	for (uint64_t pos = 0; pos < k->bitmap_len; pos += STREAM_CHUNK) {
		size_t n = k->bitmap_len - pos > STREAM_CHUNK ? STREAM_CHUNK
							      : (size_t)(k->bitmap_len - pos);
		int r = kl_stop_poll(k->stop, "indexing the kdump 2nd bitmap", err);
		if (r < 0)
			return r;
		int hole = kl_kdump_pread_or_hole(k, buf, n, base + pos);
		if (hole < 0)
			return kl_error_set(err, EIO, "reading the bitmap of \"%s\"", k->path);
		for (size_t b = 0; b < n; b += BM_BLOCK) {
			k->cum[idx++] = total;
			if (!hole)
				total += popcount_bytes(buf + b,
							n - b < BM_BLOCK ? n - b : BM_BLOCK);
		}
	}
	k->n_descs = total;
	k->have_index = true;
	return 0;
}

/* Each stage needs the ones before it; a stage that fails records why and stops here. */
static int load_stages(struct kl_kdump *k, struct kl_error **err)
{
	int r = load_header(k, err);
	if (r < 0 || k->header_error)
		return r;
	r = load_sub(k, err);
	if (r < 0 || !k->have_sub)
		return r;
	r = load_notes(k, err);
	if (r < 0)
		return r;
	load_layout(k);
	return k->have_layout ? load_index(k, err) : 0;
}

int kl_kdump_open(const char *path, const struct kl_stop *stop, struct kl_kdump **ret,
		  struct kl_error **err)
{
	_cleanup_(kl_kdump_freep) struct kl_kdump *k = calloc(1, sizeof(*k));

	if (!k)
		return kl_error_set(err, ENOMEM, "opening dump \"%s\"", path);
	k->fd = -1;
	k->bm_block_idx = UINT64_MAX;
	k->page_pfn = UINT64_MAX;
	k->path = strdup(path);
	if (!k->path)
		return kl_error_set(err, ENOMEM, "opening dump \"%s\"", path);
	int r = kl_open_regular(path, "dump", &k->fd, &k->size, err);
	if (r < 0)
		return r;
	k->stop = stop;
	r = load_stages(k, err);
	k->stop = NULL; /* the caller's, valid during the open only */
	if (r < 0)
		return r;
	*ret = TAKE_PTR(k);
	return 0;
}

/* ---- reads by pfn ---- */

#define DESC_WINDOW 2730 /* descriptors per read-ahead: 65520 bytes */

int kl_kdump_read_desc(struct kl_kdump *k, uint64_t i, struct kl_kdump_desc *ret)
{
	uint64_t in_file = (k->size - k->desc_off) / KL_KDUMP_DESC_SIZE;
	if (i >= in_file)
		return -EBADMSG; /* the table runs past the file: kdump.descs says so */
	if (i < k->desc_win_first || i - k->desc_win_first >= k->desc_win_n) {
		if (!k->desc_win && !(k->desc_win = malloc(DESC_WINDOW * KL_KDUMP_DESC_SIZE)))
			return -ENOMEM;
		uint64_t n = in_file - i < DESC_WINDOW ? in_file - i : DESC_WINDOW;
		k->desc_win_n = 0;
		ssize_t got = kl_pread_full(k->fd, k->desc_win, n * KL_KDUMP_DESC_SIZE,
					    k->desc_off + i * KL_KDUMP_DESC_SIZE);
		if (got != (ssize_t)(n * KL_KDUMP_DESC_SIZE))
			return -EIO;
		k->desc_win_first = i;
		k->desc_win_n = n;
	}
	const unsigned char *b = k->desc_win + (i - k->desc_win_first) * KL_KDUMP_DESC_SIZE;
	*ret = (struct kl_kdump_desc){ .offset = kl_le64(b),
				       .size = kl_le32(b + 8),
				       .flags = kl_le32(b + 12),
				       .page_flags = kl_le64(b + 16) };
	return 0;
}

int kl_kdump_read_page_desc(struct kl_kdump *k, const struct kl_kdump_desc *desc, void *out,
			    struct kl_error **err)
{
	uint64_t bs = (uint64_t)k->h.block_size;
	uint32_t how = desc->flags & KL_KDUMP_COMPRESSION;

	if (desc->size == 0 || desc->size > bs || desc->offset > k->size ||
	    desc->size > k->size - desc->offset)
		return kl_error_set(err, EBADMSG,
				    "page_desc offset %#" PRIx64 " size %" PRIu32
				    ": expected size 1..%" PRIu64 " within the file size %#" PRIx64,
				    desc->offset, desc->size, bs, k->size);
	if (how == 0 && desc->size != bs)
		return kl_error_set(err, EBADMSG,
				    "uncompressed page at %#" PRIx64 " has size %" PRIu32
				    ", expected block_size %" PRIu64,
				    desc->offset, desc->size, bs);
	if (how & (how - 1))
		return kl_error_set(err, EBADMSG,
				    "page at %#" PRIx64 " has flags %#" PRIx32
				    ": more than one compression bit",
				    desc->offset, desc->flags);
	const char *why = kl_codec_unavailable(how);
	if (why)
		return kl_error_set(err, EOPNOTSUPP, "%s compression is not available: %s",
				    kl_kdump_compression_name(how), why);
	unsigned char *dst = how ? NULL : out;
	if (how && !k->cbuf && !(k->cbuf = malloc(KL_KDUMP_PAGE_SIZE_MAX)))
		return kl_error_set(err, ENOMEM, "reading a page");
	ssize_t n = kl_pread_full(k->fd, how ? k->cbuf : dst, desc->size, desc->offset);
	if (n < 0 || (size_t)n != desc->size)
		return kl_error_set(err, n < 0 ? (int)-n : EIO,
				    "reading the page at %#" PRIx64 " of \"%s\"", desc->offset,
				    k->path);
	if (!how)
		return 0;
	int r = kl_codec_decompress(how, &k->zstd, k->cbuf, desc->size, out, bs);
	if (r < 0)
		return kl_error_set(err, -r,
				    "%s data of %" PRIu32 " bytes at %#" PRIx64
				    " does not decompress to exactly %" PRIu64 " bytes",
				    kl_kdump_compression_name(how), desc->size, desc->offset, bs);
	return 0;
}

/* Load the 2nd bitmap's index block b into the cache. */
static int load_bm_block(struct kl_kdump *k, uint64_t b)
{
	if (k->bm_block_idx == b)
		return 0;
	if (!k->bm_block && !(k->bm_block = malloc(BM_BLOCK)))
		return -ENOMEM;
	uint64_t start = b * BM_BLOCK;
	size_t n = k->bitmap_len - start < BM_BLOCK ? (size_t)(k->bitmap_len - start) : BM_BLOCK;
	memset(k->bm_block, 0, BM_BLOCK);
	ssize_t got = kl_pread_full(k->fd, k->bm_block, n, k->bitmap_off + k->bitmap_len + start);
	if (got < 0 || (size_t)got != n) {
		k->bm_block_idx = UINT64_MAX;
		return -EIO;
	}
	k->bm_block_idx = b;
	return 0;
}

int kl_kdump_dumped(struct kl_kdump *k, uint64_t pfn)
{
	uint64_t byte = pfn / 8;
	int r = load_bm_block(k, byte / BM_BLOCK);
	if (r < 0)
		return r;
	return (k->bm_block[byte % BM_BLOCK] >> (pfn % 8)) & 1;
}

int kl_kdump_read_pfn(struct kl_kdump *k, uint64_t pfn, void *out, struct kl_error **err)
{
	if (!k->have_index || pfn >= k->max_mapnr)
		return -ENOENT;
	int r = kl_kdump_dumped(k, pfn);
	if (r < 0)
		return kl_error_set(err, -r, "reading the bitmap of \"%s\"", k->path);
	if (r == 0)
		return -ENOENT;
	uint64_t byte = pfn / 8, in_block = byte % BM_BLOCK;
	unsigned char last = k->bm_block[in_block] & (unsigned char)((1u << (pfn % 8)) - 1);
	uint64_t i = k->cum[byte / BM_BLOCK] + popcount_bytes(k->bm_block, in_block) +
		     (uint64_t)__builtin_popcount(last);
	struct kl_kdump_desc desc;
	r = kl_kdump_read_desc(k, i, &desc);
	if (r < 0)
		return kl_error_set(err, -r, "reading page_desc %" PRIu64 " (pfn %#" PRIx64 ")", i,
				    pfn);
	return kl_kdump_read_page_desc(k, &desc, out, err);
}

/* ---- kl_mem backend ---- */

static int kdump_read_paddr(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct kl_kdump *k = ctx;
	uint64_t bs = (uint64_t)k->h.block_size;
	unsigned char *out = buf;

	if (!k->page && !(k->page = malloc(bs)))
		return -EIO;
	while (len > 0) {
		uint64_t pfn = paddr / bs, in_page = paddr % bs;
		size_t n = bs - in_page < len ? (size_t)(bs - in_page) : len;
		if (k->page_pfn != pfn) {
			_cleanup_error_ struct kl_error *e = NULL;
			k->page_pfn = UINT64_MAX;
			int r = kl_kdump_read_pfn(k, pfn, k->page, &e);
			if (r < 0)
				return r == -ENOENT ? -ENOENT : -EIO;
			k->page_pfn = pfn;
		}
		memcpy(out, k->page + in_page, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

static void kdump_free_ctx(void *ctx)
{
	kl_kdump_free(ctx);
}

static void kdump_keep_ctx(void *ctx)
{
}

int kl_kdump_mem_new(struct kl_kdump *k, bool own, struct kl_mem **ret, struct kl_error **err)
{
	if (!k->have_index)
		return kl_error_set(err, EBADMSG, "the dump's bitmaps are unusable: %s",
				    k->layout_error   ? k->layout_error
				    : k->index_error  ? k->index_error
				    : k->sub_error    ? k->sub_error
				    : k->header_error ? k->header_error
						      : "not loaded");
	_cleanup_free_ struct kl_mem *m = calloc(1, sizeof(*m));
	if (!m)
		return kl_error_set(err, ENOMEM, "mapping the dump's pages");
	m->read_paddr = kdump_read_paddr;
	m->ctx = k;
	m->free_ctx = own ? kdump_free_ctx : kdump_keep_ctx;
	/* The sub-header's phys_base until VMCOREINFO's NUMBER(phys_base) says otherwise. */
	m->phys_base = k->sub.phys_base;
	m->kernel_map = KL_X86_START_KERNEL_MAP;
	m->kernel_image_size = KL_X86_KERNEL_IMAGE_SIZE;
	if (k->notes && k->notes->have_vmcoreinfo) {
		int r = kl_mem_setup_from_vmcoreinfo(m, k->notes->vmcoreinfo, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int kl_kdump_open_mem(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
		      struct kl_error **err)
{
	_cleanup_(kl_kdump_freep) struct kl_kdump *k = NULL;
	int r = kl_kdump_open(path, NULL, &k, err);
	if (r < 0)
		return r;
	if (!k->notes || !k->notes->have_vmcoreinfo) {
		const struct kl_dump *d = k->notes;
		return kl_error_set(err, EBADMSG, "no usable VMCOREINFO: %s",
				    !d			  ? (k->notes_error    ? k->notes_error
							     : k->sub_error    ? k->sub_error
							     : k->header_error ? k->header_error
									       : "no notes")
				    : d->vmcoreinfo_error ? d->vmcoreinfo_error
				    : d->notes_error	  ? d->notes_error
							  : "absent or not exactly one note");
	}
	_cleanup_(kl_mem_freep) struct kl_mem *m = NULL;
	r = kl_kdump_mem_new(k, true, &m, err);
	if (r < 0)
		return r;
	struct kl_kdump *owned = TAKE_PTR(k); /* m frees it now */
	*ret_vi = TAKE_PTR(owned->notes->vmcoreinfo);
	owned->notes->have_vmcoreinfo = false;
	*ret = TAKE_PTR(m);
	return 0;
}
