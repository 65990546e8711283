/* SPDX-License-Identifier: MIT */
/*
 * The kdump.* checks of a kdump-compressed file (invariants 40-48 of
 * shared/reference/vmcore-invariants.md). The format-independent ones (notes.*,
 * vmcoreinfo.*, dmesg.parse, crash.*, manifest.*) run over this format's notes and kl_mem
 * under the same ids as for ELF, from the same rows of the one table (checks-table.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "checks.h"
#include "codecs.h"
#include "dump.h"
#include "kdump.h"
#include "mem.h"
#include "vmcore.h"

#define STREAM_CHUNK (1u << 20)

/* Every KL_STOP_EVERY items of a loop over the dump: the deadline or interrupt, passed up. */
static int poll_every(struct kl_check_ctx *c, uint64_t i, const char *step)
{
	return i % KL_STOP_EVERY ? 0 : kl_stop_poll(&c->stop, step, c->err);
}

static const struct kl_vmcoreinfo *vmcoreinfo(const struct kl_check_ctx *c)
{
	return c->k->notes && c->k->notes->have_vmcoreinfo ? c->k->notes->vmcoreinfo : NULL;
}

static uint64_t divideup(uint64_t x, uint64_t y)
{
	return (x + y - 1) / y;
}

/* ---- disk_dump_header (invariants 40, 41, 43, 44) ---- */

int kl_check_kdump_signature(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *s = c->k->h.signature;
	if (!memcmp(s, KL_KDUMP_SIGNATURE, KL_KDUMP_SIG_LEN))
		return PASS(r, "signature \"%s\"", KL_KDUMP_SIGNATURE);
	if (!memcmp(s, KL_DISKDUMP_SIGNATURE, KL_KDUMP_SIG_LEN))
		return FAIL(
			r,
			"signature \"%s\" (the old diskdump facility), expected \"%s\" (makedumpfile)",
			KL_DISKDUMP_SIGNATURE, KL_KDUMP_SIGNATURE);
	return FAIL(r, "signature is not \"%s\"", KL_KDUMP_SIGNATURE);
}

int kl_check_kdump_header(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	if (!k->have_header)
		return FAIL(r, "%s", k->header_error ? k->header_error : "header unreadable");
	int32_t v = k->h.header_version;
	if (v < 1)
		return FAIL(r, "header_version %" PRId32 ", expected >= 1", v);
	/* A version we do not know means a layout we cannot vouch for (makedumpfile writes
	 * KL_KDUMP_HEADER_VERSION today; a later version needs a reader update first). */
	if (v > KL_KDUMP_HEADER_VERSION)
		return FAIL(r,
			    "header_version %" PRId32
			    ", expected at most %d (the newest layout this reader knows)",
			    v, KL_KDUMP_HEADER_VERSION);
	return CHECK(r, v >= 4,
		     "header_version %" PRId32
		     " (makedumpfile 1.6+ writes %d); expected >= 4, which has the notes",
		     v, KL_KDUMP_HEADER_VERSION);
}

int kl_check_kdump_block_size(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	uint64_t ps = 4096;
	const char *src = "the x86_64 page size";
	const char *v = kl_vmcoreinfo_get(vmcoreinfo(c), "PAGESIZE");
	if (k->header_error)
		return FAIL(r, "%s", k->header_error);
	if (v && kl_check_parse_dec(v, &ps) == 0)
		src = "VMCOREINFO PAGESIZE";
	return CHECK(r, (uint64_t)k->h.block_size == ps, "block_size %" PRId32 ", %s is %" PRIu64,
		     k->h.block_size, src, ps);
}

int kl_check_kdump_sub_header(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	const struct kl_kdump_sub_header *s = &k->sub;
	uint64_t bs = (uint64_t)k->h.block_size;
	if (!k->have_sub)
		return FAIL(r, "%s", k->sub_error ? k->sub_error : "sub-header unreadable");
	if (k->h.header_version < 4)
		return PASS(
			r, "sub_hdr_size %" PRId32 " blocks (header_version %" PRId32 ", no notes)",
			k->h.sub_hdr_size, k->h.header_version);
	uint64_t want_blocks = divideup(KL_KDUMP_SUB_SIZE + s->size_note, bs);
	uint64_t want_note = bs + KL_KDUMP_SUB_SIZE;
	return CHECK(r, (uint64_t)k->h.sub_hdr_size == want_blocks && s->offset_note == want_note,
		     "sub_hdr_size %" PRId32 " blocks, offset_note %#" PRIx64
		     "; expected ceil((%d + size_note %" PRIu64 ") / %" PRIu64 ") = %" PRIu64
		     " blocks and offset_note %#" PRIx64,
		     k->h.sub_hdr_size, s->offset_note, KL_KDUMP_SUB_SIZE, s->size_note, bs,
		     want_blocks, want_note);
}

int kl_check_kdump_split(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump_sub_header *s = &c->k->sub;
	if (c->k->h.header_version < 2)
		return PASS(r, "header_version %" PRId32 " predates split dumps",
			    c->k->h.header_version);
	return CHECK(
		r, s->split == 0,
		"split is %" PRId32 " (start_pfn %#" PRIx64 ", end_pfn %#" PRIx64
		"); expected 0: a part of a split dump (makedumpfile --split) holds only some pages",
		s->split, s->start_pfn_64 ? s->start_pfn_64 : s->start_pfn,
		s->end_pfn_64 ? s->end_pfn_64 : s->end_pfn);
}

int kl_check_kdump_compression(struct kl_check_ctx *c, struct kl_check_result *r)
{
	uint32_t st = c->k->h.status, comp = st & KL_KDUMP_COMPRESSION;
	/* makedumpfile without -c/-l/-p/-z (or -z where built without zstd) writes none. */
	return CHECK(
		r, (comp & (comp - 1)) == 0,
		"status %#" PRIx32
		": compression %s; expected at most one of zlib 0x1, lzo 0x2, snappy 0x4, zstd 0x20",
		st, kl_kdump_compression_name(comp));
}

int kl_check_kdump_incomplete(struct kl_check_ctx *c, struct kl_check_result *r)
{
	uint32_t st = c->k->h.status;
	return CHECK(
		r, !(st & KL_KDUMP_INCOMPLETE),
		"status %#" PRIx32
		", expected the incomplete bit 0x8 clear (makedumpfile sets it when the disk filled up)",
		st);
}

int kl_check_kdump_decompressor(struct kl_check_ctx *c, struct kl_check_result *r)
{
	uint32_t comp = c->k->h.status & KL_KDUMP_COMPRESSION;
	if (comp & (comp - 1))
		return SKIP(r, "several compression bits (see kdump.compression)");
	const char *why = kl_codec_unavailable(comp);
	return CHECK(r, !why, "pages are %s-compressed; kdumplab %s%s%s",
		     kl_kdump_compression_name(comp),
		     why ? "cannot decompress them (unsupported compression: "
			 : "decompresses them",
		     why ? why : "", why ? ")" : "");
}

/* ---- notes and VMCOREINFO (invariants 18-21, 25-28, 42, 43) ---- */

int kl_check_kdump_notes(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	if (!k->notes)
		return FAIL(r, "%s", k->notes_error ? k->notes_error : "notes unreadable");
	return PASS(r, "notes at %#" PRIx64 ", %" PRIu64 " bytes, inside the sub-header blocks",
		    k->sub.offset_note, k->sub.size_note);
}

int kl_check_kdump_nr_cpus(struct kl_check_ctx *c, struct kl_check_result *r)
{
	size_t n = kl_dump_count_prstatus(c->k->notes);
	int32_t nr = c->k->h.nr_cpus;
	return CHECK(r, nr >= 0 && (size_t)nr == n,
		     "nr_cpus %" PRId32 ", the notes hold %zu NT_PRSTATUS", nr, n);
}

/* VMCOREINFO at (offset_vmcoreinfo, size_vmcoreinfo) must be the note's descriptor itself. */
int kl_check_kdump_vmcoreinfo(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	const struct kl_kdump_sub_header *s = &k->sub;
	const struct kl_dump *d = k->notes;
	const struct kl_note *n = d->vmcoreinfo_note;
	uint64_t desc_off = n->offset + 12 + ((n->namesz + 3ULL) & ~3ULL);
	uint64_t note_end = s->offset_note + s->size_note;

	if (s->offset_vmcoreinfo < s->offset_note || s->offset_vmcoreinfo > note_end ||
	    s->size_vmcoreinfo > note_end - s->offset_vmcoreinfo)
		return FAIL(r,
			    "offset_vmcoreinfo %#" PRIx64 " + size_vmcoreinfo %" PRIu64
			    " is not inside the notes [%#" PRIx64 ", %#" PRIx64 ")",
			    s->offset_vmcoreinfo, s->size_vmcoreinfo, s->offset_note, note_end);
	return CHECK(r, s->offset_vmcoreinfo == desc_off && s->size_vmcoreinfo == n->descsz,
		     "offset_vmcoreinfo %#" PRIx64 " size_vmcoreinfo %" PRIu64
		     ", the VMCOREINFO note's descriptor is at %#" PRIx64 " with %" PRIu32 " bytes",
		     s->offset_vmcoreinfo, s->size_vmcoreinfo, desc_off, n->descsz);
}

int kl_check_kdump_timestamp(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(vmcoreinfo(c), "CRASHTIME");
	uint64_t t;
	if (!v || kl_check_parse_dec(v, &t) < 0)
		return SKIP(r,
			    "timestamp %" PRId64 "; no usable CRASHTIME (see vmcoreinfo.crashtime)",
			    c->k->h.tv_sec);
	return CHECK(r, c->k->h.tv_sec >= 0 && (uint64_t)c->k->h.tv_sec == t,
		     "timestamp.tv_sec %" PRId64 ", VMCOREINFO CRASHTIME=%s", c->k->h.tv_sec, v);
}

int kl_check_kdump_utsname(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump_header *h = &c->k->h;
	const char *v = kl_vmcoreinfo_get(vmcoreinfo(c), "OSRELEASE");
	if (!v)
		return SKIP(r, "utsname.release \"%s\"; VMCOREINFO has no OSRELEASE", h->release);
	return CHECK(
		r, streq(h->release, v) && streq(h->sysname, "Linux"),
		"utsname sysname \"%s\" (expected \"Linux\"), release \"%s\", VMCOREINFO OSRELEASE=%s",
		h->sysname, h->release, v);
}

/* ---- bitmaps and page descriptors (invariants 45-48) ---- */

int kl_check_kdump_bitmap_size(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	if (!k->have_layout)
		return FAIL(r, "%s", k->layout_error ? k->layout_error : "bitmaps unusable");
	if (k->index_error) /* bigger than any machine we test: refused, not skipped */
		return FAIL(r, "%s", k->index_error);
	return PASS(r,
		    "%" PRIu32 " bitmap blocks: two bitmaps of %" PRIu64
		    " bytes cover max_mapnr %" PRIu64 " pfns",
		    k->h.bitmap_blocks, k->bitmap_len, k->max_mapnr);
}

int kl_check_kdump_bitmap_subset(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	_cleanup_free_ unsigned char *b1 = malloc(STREAM_CHUNK), *b2 = malloc(STREAM_CHUNK);
	uint64_t n1 = 0, n2 = 0, beyond = 0;
	if (!b1 || !b2)
		return -ENOMEM;
	for (uint64_t pos = 0; pos < k->bitmap_len; pos += STREAM_CHUNK) {
		size_t n = k->bitmap_len - pos > STREAM_CHUNK ? STREAM_CHUNK
							      : (size_t)(k->bitmap_len - pos);
		int q = kl_stop_poll(&c->stop, "comparing the kdump bitmaps", c->err);
		if (q < 0)
			return q;
		int x = kl_kdump_pread_or_hole(k, b1, n, k->bitmap_off + pos);
		int y = kl_kdump_pread_or_hole(k, b2, n, k->bitmap_off + k->bitmap_len + pos);
		if (x < 0 || y < 0)
			return kl_error_set(c->err, EIO, "reading the bitmaps of \"%s\"", k->path);
		if (x == 1 && y == 1)
			continue; /* both all zero: no bit to count or compare */
		if (x == 1)
			memset(b1, 0, n);
		if (y == 1)
			memset(b2, 0, n);
		for (size_t i = 0; i < n; i++) {
			n1 += (uint64_t)__builtin_popcount(b1[i]);
			n2 += (uint64_t)__builtin_popcount(b2[i]);
			if (b2[i] & ~b1[i]) {
				uint64_t pfn =
					(pos + i) * 8 + (uint64_t)__builtin_ctz(b2[i] & ~b1[i]);
				return FAIL(
					r,
					"pfn %#" PRIx64
					" is dumped (2nd bitmap) but not in memory (1st bitmap)",
					pfn);
			}
			/* bits at and above max_mapnr: makedumpfile never sets them */
			uint64_t first_pfn = (pos + i) * 8;
			if (first_pfn + 8 > k->max_mapnr) {
				unsigned keep = first_pfn >= k->max_mapnr
							? 0
							: (1u << (k->max_mapnr - first_pfn)) - 1;
				beyond += (uint64_t)__builtin_popcount((b1[i] | b2[i]) & ~keep);
			}
		}
	}
	if (beyond)
		return FAIL(r, "%" PRIu64 " bits set at or above max_mapnr %" PRIu64, beyond,
			    k->max_mapnr);
	return PASS(r,
		    "2nd bitmap (%" PRIu64 " pages dumped) is a subset of the 1st (%" PRIu64
		    " pages in memory)",
		    n2, n1);
}

/* Streams the descriptors in chunks; each loop is bounded by n_descs, itself bounded by the
 * file size (the table must fit). */
int kl_check_kdump_descs(struct kl_check_ctx *c, struct kl_check_result *r)
{
	struct kl_kdump *k = c->k;
	uint64_t bs = (uint64_t)k->h.block_size, n = k->n_descs;
	uint32_t comp = k->h.status & KL_KDUMP_COMPRESSION;
	if (n > (k->size - k->desc_off) / KL_KDUMP_DESC_SIZE)
		return FAIL(r,
			    "%" PRIu64 " page descriptors (set bits of the 2nd bitmap) at %#" PRIx64
			    " end beyond the file size %#" PRIx64 ": dump truncated",
			    n, k->desc_off, k->size);
	uint64_t data_start = k->desc_off + n * KL_KDUMP_DESC_SIZE;
	for (uint64_t i = 0; i < n; i++) {
		struct kl_kdump_desc d;
		int q = poll_every(c, i, "checking the kdump page descriptors");
		if (q < 0)
			return q;
		if (kl_kdump_read_desc(k, i, &d) < 0)
			return kl_error_set(c->err, EIO, "reading page_desc %" PRIu64, i);
		uint32_t how = d.flags & KL_KDUMP_COMPRESSION;
		const char *why = NULL;
		if (d.offset < data_start || d.offset > k->size || d.size > k->size - d.offset)
			why = "data outside [end of the descriptor table, end of file)";
		else if (d.size == 0 || d.size > bs)
			why = "size not in 1..block_size";
		else if (how == 0 && d.size != bs)
			why = "uncompressed but size != block_size";
		else if (d.flags & ~KL_KDUMP_COMPRESSION)
			why = "unknown flag bits";
		else if (how && how != comp)
			why = "compression flag differs from the header's status";
		if (why)
			return FAIL(r,
				    "page_desc %" PRIu64 " (of %" PRIu64 "): offset %#" PRIx64
				    " size %" PRIu32 " flags %#" PRIx32 ": %s (data from %#" PRIx64
				    ", file size %#" PRIx64 ", block_size %" PRIu64
				    ", status %#" PRIx32 ")",
				    i, n, d.offset, d.size, d.flags, why, data_start, k->size, bs,
				    k->h.status);
	}
	return PASS(r, "%" PRIu64 " page descriptors, one per set bit of the 2nd bitmap, in bounds",
		    n);
}

/* makedumpfile writes pages in pfn order after one shared zero page at the data start. */
int kl_check_kdump_desc_order(struct kl_check_ctx *c, struct kl_check_result *r)
{
	struct kl_kdump *k = c->k;
	uint64_t n = k->n_descs, zero = k->desc_off + n * KL_KDUMP_DESC_SIZE, end = zero,
		 shared = 0;
	if (n > (k->size - k->desc_off) / KL_KDUMP_DESC_SIZE)
		return SKIP(r, "descriptor table truncated (see kdump.descs)");
	for (uint64_t i = 0; i < n; i++) {
		struct kl_kdump_desc d;
		int q = poll_every(c, i, "checking the kdump page order");
		if (q < 0)
			return q;
		if (kl_kdump_read_desc(k, i, &d) < 0)
			return kl_error_set(c->err, EIO, "reading page_desc %" PRIu64, i);
		if (d.offset == zero) {
			shared++;
			end = end > zero + d.size ? end : zero + d.size;
			continue;
		}
		if (d.offset < end)
			return FAIL(
				r,
				"page_desc %" PRIu64 " data at %#" PRIx64
				" overlaps or precedes the previous page's data (ending %#" PRIx64
				")",
				i, d.offset, end);
		end = d.offset + d.size;
	}
	return PASS(r,
		    "page data in pfn order without overlap; %" PRIu64
		    " pages share the zero page at %#" PRIx64,
		    shared, zero);
}

int kl_check_kdump_pages(struct kl_check_ctx *c, struct kl_check_result *r)
{
	struct kl_kdump *k = c->k;
	uint64_t n = k->n_descs, bs = (uint64_t)k->h.block_size;
	uint32_t comp = k->h.status & KL_KDUMP_COMPRESSION;
	if (n > (k->size - k->desc_off) / KL_KDUMP_DESC_SIZE)
		return SKIP(r, "descriptor table truncated (see kdump.descs)");
	if (!kl_kdump_compression_supported(comp))
		return SKIP(r, "%s compression unsupported by this build (see kdump.decompressor)",
			    kl_kdump_compression_name(comp));
	_cleanup_free_ unsigned char *page = malloc(bs);
	if (!page)
		return -ENOMEM;
	uint64_t zero = k->desc_off + n * KL_KDUMP_DESC_SIZE, compressed = 0, end = 0, shared = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct kl_kdump_desc d;
		_cleanup_error_ struct kl_error *e = NULL;
		int p = poll_every(c, i, "reading back the kdump pages");
		if (p < 0)
			return p;
		if (kl_kdump_read_desc(k, i, &d) < 0)
			return kl_error_set(c->err, EIO, "reading page_desc %" PRIu64, i);
		/* Data read before (the shared zero page, or overlaps kdump.desc-order reports) is
		 * not decompressed again: the work stays bounded by the file size, whatever
		 * number of descriptors point at one small, highly compressible block. */
		if (d.offset < end || (d.offset == zero && i > 0)) {
			shared++;
			continue;
		}
		end = d.offset + d.size;
		int q = kl_kdump_read_page_desc(k, &d, page, &e);
		if (q == -EIO || q == -ENOMEM)
			return kl_error_set(c->err, -q, "%s",
					    e && e->msg ? e->msg : "reading a page");
		if (q < 0)
			return FAIL(r, "page_desc %" PRIu64 ": %s", i,
				    e && e->msg ? e->msg : "unreadable page");
		compressed += (d.flags & KL_KDUMP_COMPRESSION) != 0;
	}
	return PASS(r,
		    "%" PRIu64 " pages read back to %" PRIu64 " bytes each (%" PRIu64
		    " stored compressed, %" PRIu64 " sharing data read before)",
		    n, bs, compressed, shared);
}

int kl_check_kdump_eraseinfo(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_kdump *k = c->k;
	const struct kl_kdump_sub_header *s = &k->sub;
	if (k->h.header_version < 5 || s->size_eraseinfo == 0)
		return PASS(r, "no eraseinfo");
	return CHECK(r,
		     s->offset_eraseinfo <= k->size &&
			     s->size_eraseinfo <= k->size - s->offset_eraseinfo,
		     "eraseinfo at %#" PRIx64 ", %" PRIu64 " bytes, file size %#" PRIx64,
		     s->offset_eraseinfo, s->size_eraseinfo, k->size);
}

/* ---- the saver's manifest (invariant 4) ---- */
