/* SPDX-License-Identifier: MIT */
/*
 * kdump-compressed and flattened dumps on synthetic files: a small writer lays out what
 * makedumpfile writes (disk_dump_header, kdump_sub_header with the notes and VMCOREINFO,
 * two bitmaps, page descriptors, a shared zero page, pages compressed with each codec this
 * build has), then each corruption must fail exactly the expected check. Pages are also
 * read back through the kl_mem backend.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

#include "base/macro.h"
#include "guest/facts.h"
#include "kl-check.h"
#include "vmcore/codecs.h"
#include "vmcore/flat.h"
#include "vmcore/format.h"
#include "vmcore/kdump.h"
#include "vmcore/mem.h"
#include "vmcore/vmcore.h"

#define BS	  4096u
#define OSRELEASE "6.1.0-56-cloud-amd64"
#define CRASHTIME 1700000000
#define MAPNR	  64
#define NCPUS	  2

/* In memory: every pfn but 10 and 11. Dumped: 1..9 (5 is zero) and 20..29. */
static bool in_memory(unsigned pfn)
{
	return pfn != 10 && pfn != 11;
}
static bool dumped(unsigned pfn)
{
	return (pfn >= 1 && pfn <= 9) || (pfn >= 20 && pfn <= 29);
}
static void page_content(unsigned pfn, unsigned char *p)
{
	if (pfn == 5) {
		memset(p, 0, BS);
		return;
	}
	for (unsigned i = 0; i < BS; i++)
		p[i] = (unsigned char)(i % 7 == 0 ? pfn : i / 64);
}

struct kd {
	uint32_t how; /* compression of the even pfns */
	/* corruptions */
	const char *signature;
	int32_t header_version, block_size, sub_hdr_size_delta, nr_cpus, split;
	uint32_t status_or, bitmap_blocks;
	int64_t tv_delta;
	const char *release;
	int64_t note_size_delta, vmcoreinfo_off_delta;
	bool stray_bit;	      /* a dumped pfn that is not in memory */
	bool big_desc;	      /* a descriptor larger than block_size */
	bool wrong_flag;      /* a descriptor with another codec's flag */
	bool garbage;	      /* compressed data corrupted */
	uint64_t truncate_to; /* cut the file there when non-zero */
};

struct buf {
	unsigned char *p;
	size_t len, cap;
};
static void put(struct buf *b, uint64_t off, const void *src, size_t n)
{
	if (off + n > b->cap) {
		size_t cap = (off + n) * 2;
		b->p = realloc(b->p, cap);
		ck_assert_ptr_nonnull(b->p);
		memset(b->p + b->cap, 0, cap - b->cap);
		b->cap = cap;
	}
	memcpy(b->p + off, src, n);
	if (off + n > b->len)
		b->len = off + n;
}
static void put32(struct buf *b, uint64_t off, uint32_t v)
{
	v = htole32(v);
	put(b, off, &v, 4);
}
static void put64(struct buf *b, uint64_t off, uint64_t v)
{
	v = htole64(v);
	put(b, off, &v, 8);
}

static size_t note(unsigned char *out, const char *name, uint32_t type, const void *desc,
		   uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t n = 12;
	uint32_t h[3] = { htole32(namesz), htole32(descsz), htole32(type) };
	memcpy(out, h, 12);
	memset(out + n, 0, (namesz + 3) & ~3u);
	memcpy(out + n, name, namesz);
	n += (namesz + 3) & ~3u;
	memset(out + n, 0, (descsz + 3) & ~3u);
	memcpy(out + n, desc, descsz);
	return n + ((descsz + 3) & ~3u);
}

static size_t compress_page(uint32_t how, const unsigned char *in, unsigned char *out)
{
	switch (how) {
#if HAVE_ZLIB
	case KL_KDUMP_ZLIB: {
		uLongf n = 2 * BS;
		ck_assert_int_eq(compress2(out, &n, in, BS, 1), Z_OK);
		return n;
	}
#endif
#if HAVE_LZO
	case KL_KDUMP_LZO: {
		static unsigned char wrk[LZO1X_1_MEM_COMPRESS];
		lzo_uint n = 2 * BS;
		ck_assert_int_eq(lzo_init(), LZO_E_OK);
		ck_assert_int_eq(lzo1x_1_compress(in, BS, out, &n, wrk), LZO_E_OK);
		return n;
	}
#endif
#if HAVE_SNAPPY
	case KL_KDUMP_SNAPPY: {
		size_t n = 2 * BS;
		ck_assert_int_eq(snappy_compress((const char *)in, BS, (char *)out, &n), SNAPPY_OK);
		return n;
	}
#endif
#if HAVE_ZSTD
	case KL_KDUMP_ZSTD: {
		size_t n = ZSTD_compress(out, 2 * BS, in, BS, 1);
		ck_assert(!ZSTD_isError(n));
		return n;
	}
#endif
	default:
		ck_abort_msg("codec %#x not built", how);
		return 0;
	}
}

static char *vmcoreinfo_text(void)
{
	char *s;
	ck_assert_int_ge(asprintf(&s,
				  "OSRELEASE=%s\nPAGESIZE=4096\nNUMBER(phys_base)=16777216\n"
				  "SYMBOL(init_top_pgt)=ffffffff82a0a000\nCRASHTIME=%d\n",
				  OSRELEASE, CRASHTIME),
			 0);
	return s;
}

/* Lay out the dump in memory, write it to a new temporary file, return its path. */
static char *write_kdump(const struct kd *o, struct buf *ret_bytes)
{
	struct buf b = { 0 };
	unsigned char notes[2048], prstatus[336] = { 0 };
	_cleanup_free_ char *vi = vmcoreinfo_text();
	size_t nlen = 0;
	uint64_t vi_desc_off = 0;

	for (int c = 0; c < NCPUS; c++) {
		int32_t pid = htole32(100 + c);
		memcpy(prstatus + 32, &pid, 4);
		nlen += note(notes + nlen, "CORE", 1, prstatus, sizeof(prstatus));
	}
	vi_desc_off = BS + KL_KDUMP_SUB_SIZE + nlen + 12 + 12; /* "VMCOREINFO\0" pads to 12 */
	nlen += note(notes + nlen, "VMCOREINFO", 0, vi, (uint32_t)strlen(vi));

	uint32_t sub_blocks = (uint32_t)((KL_KDUMP_SUB_SIZE + nlen + BS - 1) / BS);
	uint32_t bitmap_blocks = o->bitmap_blocks ? o->bitmap_blocks : 2;
	uint64_t bm = (1 + sub_blocks) * BS, desc_off = bm + 2 * BS;
	uint32_t how = o->how;

	/* header */
	put(&b, 0, o->signature ? o->signature : KL_KDUMP_SIGNATURE, 8);
	put32(&b, 8, (uint32_t)(o->header_version ? o->header_version : 6));
	put(&b, 12, "Linux", 6);
	const char *rel = o->release ? o->release : OSRELEASE;
	put(&b, 12 + 2 * 65, rel, strlen(rel) + 1);
	put64(&b, 408, (uint64_t)(CRASHTIME + o->tv_delta));
	put32(&b, 424, how | o->status_or);
	put32(&b, 428, (uint32_t)(o->block_size ? o->block_size : (int32_t)BS));
	put32(&b, 432, (uint32_t)((int32_t)sub_blocks + o->sub_hdr_size_delta));
	put32(&b, 436, bitmap_blocks);
	put32(&b, 440, MAPNR);
	put32(&b, 460, (uint32_t)(o->nr_cpus ? o->nr_cpus : NCPUS));
	/* sub-header and notes */
	put64(&b, BS, 0x1000000);
	put32(&b, BS + 8, 31);
	put32(&b, BS + 12, (uint32_t)o->split);
	put64(&b, BS + 32, (uint64_t)((int64_t)vi_desc_off + o->vmcoreinfo_off_delta));
	put64(&b, BS + 40, strlen(vi));
	put64(&b, BS + 48, BS + KL_KDUMP_SUB_SIZE);
	put64(&b, BS + 56, (uint64_t)((int64_t)nlen + o->note_size_delta));
	put64(&b, BS + 96, MAPNR);
	put(&b, BS + KL_KDUMP_SUB_SIZE, notes, nlen);
	/* bitmaps */
	unsigned char b1[BS] = { 0 }, b2[BS] = { 0 };
	unsigned ndesc = 0;
	for (unsigned pfn = 0; pfn < MAPNR; pfn++) {
		if (in_memory(pfn))
			b1[pfn / 8] |= (unsigned char)(1u << (pfn % 8));
		if (dumped(pfn) || (o->stray_bit && pfn == 10)) {
			b2[pfn / 8] |= (unsigned char)(1u << (pfn % 8));
			ndesc++;
		}
	}
	put(&b, bm, b1, BS);
	put(&b, bm + BS, b2, BS);
	/* the zero page, then pages in pfn order */
	uint64_t data = desc_off + ndesc * KL_KDUMP_DESC_SIZE, zero = data;
	unsigned char page[BS], comp[2 * BS];
	memset(page, 0, BS);
	put(&b, data, page, BS);
	data += BS;
	unsigned i = 0;
	for (unsigned pfn = 0; pfn < MAPNR; pfn++) {
		if (!dumped(pfn) && !(o->stray_bit && pfn == 10))
			continue;
		uint64_t d = desc_off + i++ * KL_KDUMP_DESC_SIZE;
		page_content(pfn, page);
		if (pfn == 5) {
			put64(&b, d, zero);
			put32(&b, d + 8, BS);
			continue;
		}
		uint32_t size = BS, flags = 0;
		const unsigned char *src = page;
		if (how && pfn % 2 == 0) {
			size = (uint32_t)compress_page(how, page, comp);
			flags = how;
			src = comp;
			if (o->garbage && pfn == 22)
				memset(comp, 0xa5, size);
		}
		if (o->wrong_flag && pfn == 24)
			flags = how == KL_KDUMP_ZLIB ? KL_KDUMP_LZO : KL_KDUMP_ZLIB;
		put64(&b, d, data);
		put32(&b, d + 8, o->big_desc && pfn == 26 ? 2 * BS : size);
		put32(&b, d + 12, flags);
		put(&b, data, src, size);
		data += size;
	}
	if (o->truncate_to)
		b.len = o->truncate_to;

	char *path = strdup("/tmp/test-kdump-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b.p, b.len), (ssize_t)b.len);
	close(fd);
	if (ret_bytes)
		*ret_bytes = b;
	else
		free(b.p);
	return path;
}

static struct kl_facts *good_facts(void)
{
	struct kl_facts *f = kl_facts_new();
	ck_assert_ptr_nonnull(f);
	f->loader.uname_r = strdup(OSRELEASE);
	f->loader.cpus_online = NCPUS;
	f->loader.page_size = BS;
	f->loader.trigger_time = CRASHTIME;
	return f;
}

static struct kl_validation *validate(const char *path)
{
	_cleanup_(kl_facts_freep) struct kl_facts *f = good_facts();
	_cleanup_error_ struct kl_error *err = NULL;
	struct kl_validation *v = NULL;
	struct kl_validate_input in = { .facts = f };
	int r = kl_vmcore_validate_any(path, &in, &v, &err);
	ck_assert_msg(r == 0, "validate: %s", err ? err->msg : "?");
	return v;
}

static const char *status_of(const struct kl_validation *v, const char *id)
{
	const struct kl_check_result *r = kl_validation_find(v, id);
	return r ? kl_check_status_name(r->status) : "absent";
}

/* Every structural check passes; the kernel-level ones need a real kernel's memory. */
static void assert_structure_ok(const struct kl_validation *v)
{
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *r = &v->results[i];
		if (startswith(r->id, "dmesg.") || startswith(r->id, "crash."))
			continue;
		ck_assert_msg(r->status != KL_CHECK_FAILED, "%s failed: %s", r->id, r->message);
	}
}

static const uint32_t codecs[] = { 0, KL_KDUMP_ZLIB, KL_KDUMP_LZO, KL_KDUMP_SNAPPY, KL_KDUMP_ZSTD };

/*
 * Whether this test program can write pages with codec `how` (its library was found at build
 * time). Cases with a codec it cannot write are not registered (main() says which on stderr);
 * a registered case requires the validator to read the codec, so none passes without checking.
 */
static bool codec_built(uint32_t how)
{
	switch (how) {
	case KL_KDUMP_ZLIB:
		return HAVE_ZLIB;
	case KL_KDUMP_LZO:
		return HAVE_LZO;
	case KL_KDUMP_SNAPPY:
		return HAVE_SNAPPY;
	case KL_KDUMP_ZSTD:
		return HAVE_ZSTD;
	default:
		return true;
	}
}

/* The indexes of codecs[] and corruptions[] this build runs (filled by main()). */
static int codec_cases[ELEMENTSOF(codecs)], n_codec_cases;

START_TEST(valid_kdump_each_codec)
{
	uint32_t how = codecs[codec_cases[_i]];
	ck_assert(kl_kdump_compression_supported(how));
	_cleanup_free_ char *path = write_kdump(&(struct kd){ .how = how }, NULL);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
	assert_structure_ok(v);
	ck_assert_str_eq(status_of(v, "format.detect"), "passed");
	ck_assert_str_eq(status_of(v, "kdump.pages"), "passed");
	ck_assert_str_eq(status_of(v, "kdump.decompressor"), "passed");
	ck_assert_str_eq(status_of(v, "notes.prstatus-count"), "passed");
	ck_assert_str_eq(status_of(v, "vmcoreinfo.osrelease"), "passed");
	ck_assert_int_eq(v->n_prstatus, NCPUS);
	ck_assert_int_eq(v->prstatus[1].pid, 101);
	ck_assert_str_eq(kl_vmcoreinfo_get(v->vmcoreinfo, "OSRELEASE"), OSRELEASE);
	unlink(path);
}
END_TEST

/* Codecs this build has headers for load on first use (dlopen); an unknown bit says why not. */
START_TEST(codecs_load_on_demand)
{
	const bool have[] = { true, HAVE_ZLIB, HAVE_LZO, HAVE_SNAPPY, HAVE_ZSTD };
	for (size_t i = 0; i < ELEMENTSOF(codecs); i++) {
		const char *why = kl_codec_unavailable(codecs[i]);
		ck_assert_msg(have[i] == !why, "codec %#x: have %d, unavailable: %s", codecs[i],
			      have[i], why ? why : "(no)");
	}
	ck_assert_str_eq(kl_codec_unavailable(0x40), "no such codec");
	ck_assert_int_eq(kl_codec_decompress(0x40, NULL, NULL, 0, NULL, 0), -EOPNOTSUPP);
}
END_TEST

/* Pages read back by physical address through kl_mem equal what was written. */
START_TEST(pages_through_kl_mem)
{
	uint32_t how = codecs[codec_cases[_i]];
	ck_assert(kl_kdump_compression_supported(how));
	_cleanup_free_ char *path = write_kdump(&(struct kd){ .how = how }, NULL);
	_cleanup_(kl_mem_freep) struct kl_mem *m = NULL;
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = NULL;
	_cleanup_error_ struct kl_error *err = NULL;
	unsigned char want[BS], got[2 * BS];
	int r = kl_dump_formats[KL_DUMP_FORMAT_KDUMP].open_mem(path, &m, &vi, &err);
	ck_assert_msg(r == 0, "open: %s", err ? err->msg : "?");
	ck_assert_uint_eq(m->phys_base, 16777216);
	for (unsigned pfn = 0; pfn < MAPNR + 2; pfn++) {
		r = m->read_paddr(m->ctx, (uint64_t)pfn * BS, got, BS);
		if (pfn >= MAPNR || !dumped(pfn)) {
			ck_assert_int_eq(r, -ENOENT);
			continue;
		}
		ck_assert_int_eq(r, 0);
		page_content(pfn, want);
		ck_assert_msg(!memcmp(want, got, BS), "pfn %u differs", pfn);
	}
	/* A read across two dumped pages. */
	ck_assert_int_eq(m->read_paddr(m->ctx, 21 * BS + 100, got, BS), 0);
	page_content(21, want);
	ck_assert(!memcmp(want + 100, got, BS - 100));
	page_content(22, want);
	ck_assert(!memcmp(want, got + BS - 100, 100));
	unlink(path);
}
END_TEST

static const struct {
	const char *name;
	struct kd kd;
	const char *id; /* must fail */
} corruptions[] = {
	{ "diskdump signature", { .signature = "DISKDUMP" }, "kdump.signature" },
	{ "header_version -1", { .header_version = -1 }, "kdump.header" },
	{ "block_size 1000", { .block_size = 1000 }, "kdump.block-size" },
	{ "sub_hdr_size +1", { .sub_hdr_size_delta = 1 }, "kdump.sub-header" },
	{ "split part", { .split = 1 }, "kdump.split" },
	{ "notes past the sub-header", { .note_size_delta = 8000 }, "kdump.notes" },
	{ "note size cuts VMCOREINFO", { .note_size_delta = -8 }, "notes.parse" },
	{ "nr_cpus 3", { .nr_cpus = 3 }, "kdump.nr-cpus" },
	{ "offset_vmcoreinfo moved", { .vmcoreinfo_off_delta = 4 }, "kdump.vmcoreinfo" },
	{ "timestamp", { .tv_delta = 5 }, "kdump.timestamp" },
	{ "utsname.release", { .release = "6.1.0-99-amd64" }, "kdump.utsname" },
	{ "two codecs", { .how = KL_KDUMP_ZLIB, .status_or = KL_KDUMP_LZO }, "kdump.compression" },
	{ "incomplete", { .status_or = KL_KDUMP_INCOMPLETE }, "kdump.incomplete" },
	{ "odd bitmap_blocks", { .bitmap_blocks = 3 }, "kdump.bitmap-size" },
	{ "bitmaps beyond the file", { .bitmap_blocks = 2000 }, "kdump.bitmap-size" },
	{ "dumped but not in memory", { .stray_bit = true }, "kdump.bitmap-subset" },
	{ "descriptor larger than a block", { .big_desc = true }, "kdump.descs" },
	{ "descriptor with another codec",
	  { .how = KL_KDUMP_ZLIB, .wrong_flag = true },
	  "kdump.descs" },
	{ "garbage compressed data", { .how = KL_KDUMP_ZLIB, .garbage = true }, "kdump.pages" },
	{ "truncated in the descriptors", { .truncate_to = 5 * BS + 100 }, "kdump.descs" },
	{ "truncated in the bitmaps", { .truncate_to = 3 * BS }, "kdump.bitmap-size" },
	{ "truncated in the header", { .truncate_to = 300 }, "kdump.header" },
};

static int corruption_cases[ELEMENTSOF(corruptions)], n_corruption_cases;

START_TEST(corruption_fails_expected_check)
{
	const int i = corruption_cases[_i];
	const struct kd *o = &corruptions[i].kd;
	ck_assert(!o->how || kl_kdump_compression_supported(o->how));
	ck_assert(!(o->status_or & KL_KDUMP_COMPRESSION) ||
		  kl_kdump_compression_supported(o->status_or & KL_KDUMP_COMPRESSION));
	_cleanup_free_ char *path = write_kdump(o, NULL);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
	const struct kl_check_result *r = kl_validation_find(v, corruptions[i].id);
	ck_assert_msg(r, "%s: no check %s", corruptions[i].name, corruptions[i].id);
	ck_assert_msg(r->status == KL_CHECK_FAILED, "%s: %s is %s: %s", corruptions[i].name, r->id,
		      kl_check_status_name(r->status), r->message);
	ck_assert(!kl_validation_ok(v));
	unlink(path);
}
END_TEST

/* ---- flattened ---- */

static void be64put(unsigned char *p, int64_t v)
{
	uint64_t x = htobe64((uint64_t)v);
	memcpy(p, &x, 8);
}

enum flat_fault { FLAT_OK, FLAT_VERSION, FLAT_TRUNCATED, FLAT_TRAILING, FLAT_NEGATIVE };

/* The kdump bytes as records of 1000 bytes in reverse order, then (-1, -1). */
static char *write_flat(const struct buf *k, enum flat_fault fault)
{
	struct buf b = { 0 };
	unsigned char h[16];
	uint64_t pos = KL_FLAT_HEADER_SIZE;
	put(&b, 0, KL_FLAT_SIGNATURE, strlen(KL_FLAT_SIGNATURE));
	be64put(h, 1);
	be64put(h + 8, fault == FLAT_VERSION ? 2 : 1);
	put(&b, 16, h, 16);
	put(&b, KL_FLAT_HEADER_SIZE - 1, "", 1);
	size_t n = (k->len + 999) / 1000;
	for (size_t i = n; i-- > 0;) {
		size_t off = i * 1000, len = k->len - off < 1000 ? k->len - off : 1000;
		be64put(h, fault == FLAT_NEGATIVE && i == 3 ? -5 : (int64_t)off);
		be64put(h + 8, (int64_t)len);
		put(&b, pos, h, 16);
		put(&b, pos + 16, k->p + off, len);
		pos += 16 + len;
	}
	be64put(h, -1);
	be64put(h + 8, -1);
	put(&b, pos, h, 16);
	if (fault == FLAT_TRAILING)
		put(&b, pos + 16, "junk", 4);
	if (fault == FLAT_TRUNCATED)
		b.len = pos - 500;
	char *path = strdup("/tmp/test-flat-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b.p, b.len), (ssize_t)b.len);
	close(fd);
	free(b.p);
	return path;
}

START_TEST(flat_valid)
{
	struct buf k;
	_cleanup_free_ char *kpath = write_kdump(&(struct kd){ 0 }, &k);
	_cleanup_free_ char *path = write_flat(&k, FLAT_OK);
	enum kl_dump_format_id f;
	ck_assert_int_eq(kl_dump_format_detect(path, &f, NULL), 0);
	ck_assert_int_eq(f, KL_DUMP_FORMAT_FLAT);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
	assert_structure_ok(v);
	ck_assert_str_eq(status_of(v, "flat.header"), "passed");
	ck_assert_str_eq(status_of(v, "flat.records"), "passed");
	ck_assert_str_eq(status_of(v, "kdump.pages"), "passed");
	const struct kl_check_result *d = kl_validation_find(v, "format.detect");
	ck_assert_ptr_nonnull(strstr(d->message, "flattened stream of kdump"));

	/* and through kl_mem: the same pages */
	_cleanup_(kl_mem_freep) struct kl_mem *m = NULL;
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = NULL;
	unsigned char want[BS], got[BS];
	ck_assert_int_eq(kl_mem_open(path, &m, &vi, NULL, NULL), 0);
	ck_assert_int_eq(m->read_paddr(m->ctx, 27 * BS, got, BS), 0);
	page_content(27, want);
	ck_assert(!memcmp(want, got, BS));
	free(k.p);
	unlink(kpath);
	unlink(path);
}
END_TEST

START_TEST(flat_faults)
{
	static const struct {
		enum flat_fault fault;
		const char *id;
	} cases[] = {
		{ FLAT_VERSION, "flat.header" },
		{ FLAT_TRUNCATED, "flat.records" },
		{ FLAT_TRAILING, "flat.records" },
		{ FLAT_NEGATIVE, "flat.records" },
	};
	struct buf k;
	_cleanup_free_ char *kpath = write_kdump(&(struct kd){ 0 }, &k);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *path = write_flat(&k, cases[i].fault);
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
		ck_assert_msg(streq(status_of(v, cases[i].id), "failed"), "fault %d: %s is %s",
			      cases[i].fault, cases[i].id, status_of(v, cases[i].id));
		ck_assert(!kl_validation_ok(v));
		unlink(path);
	}
	free(k.p);
	unlink(kpath);
}
END_TEST

/* ---- detection ---- */

/*
 * Issue 6 (3): a record whose payload lies in a hole of the input was read and written as
 * zeros into $TMPDIR. Holes stay holes now: the temporary file allocates the kdump's bytes,
 * not the 64 MiB hole record, and a later record of zeros still wins over earlier data.
 */
static char *write_flat_holes(const struct buf *k, uint64_t hole, uint64_t *ret_size)
{
	struct buf b = { 0 };
	unsigned char h[16], junk[8192];
	uint64_t pos = KL_FLAT_HEADER_SIZE;
	put(&b, 0, KL_FLAT_SIGNATURE, strlen(KL_FLAT_SIGNATURE));
	be64put(h, 1);
	be64put(h + 8, 1);
	put(&b, 16, h, 16);
	put(&b, KL_FLAT_HEADER_SIZE - 1, "", 1);
	/* the kdump in one record */
	be64put(h, 0);
	be64put(h + 8, (int64_t)k->len);
	put(&b, pos, h, 16);
	put(&b, pos + 16, k->p, k->len);
	pos += 16 + k->len;
	/* data after the kdump, then a hole record over it and 64 MiB more */
	memset(junk, 0xaa, sizeof(junk));
	be64put(h, (int64_t)k->len);
	be64put(h + 8, sizeof(junk));
	put(&b, pos, h, 16);
	put(&b, pos + 16, junk, sizeof(junk));
	pos += 16 + sizeof(junk);
	be64put(h, (int64_t)k->len);
	be64put(h + 8, (int64_t)hole);
	put(&b, pos, h, 16);
	pos += 16;
	char *path = strdup("/tmp/test-flat-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b.p, b.len), (ssize_t)b.len);
	pos += hole; /* the payload: a hole of the file */
	be64put(h, -1);
	be64put(h + 8, -1);
	ck_assert_int_eq(pwrite(fd, h, 16, (off_t)pos), 16);
	close(fd);
	free(b.p);
	*ret_size = pos + 16;
	return path;
}

START_TEST(flat_holes_stay_holes)
{
	const uint64_t hole = 64ULL << 20;
	struct buf k;
	uint64_t size;
	_cleanup_free_ char *kpath = write_kdump(&(struct kd){ .how = codecs[0] }, &k);
	_cleanup_free_ char *path = write_flat_holes(&k, hole, &size);
	struct kl_flat_info fi = { 0 };
	_cleanup_close_ int fd = -1;
	struct stat st;
	ck_assert_int_eq(kl_flat_reassemble_tmp(path, NULL, &fd, &fi, NULL), 0);
	ck_assert_ptr_null(fi.header_error);
	ck_assert_ptr_null(fi.records_error);
	ck_assert(fi.ended);
	ck_assert_uint_eq(fi.out_size, k.len + hole);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, k.len + hole);
	/* allocated: the kdump and the 8 KiB record, not the 64 MiB hole (a block of slack) */
	ck_assert_msg((uint64_t)st.st_blocks * 512 <= k.len + 8192 + 2 * 4096,
		      "%" PRIu64 " bytes allocated for %zu bytes of data",
		      (uint64_t)st.st_blocks * 512, k.len);
	ck_assert_uint_le(fi.written, size);
	ck_assert_uint_le(fi.written, k.len + 8192);
	/* the later hole record won over the 0xaa bytes */
	unsigned char got[8192], zero[8192] = { 0 };
	ck_assert_int_eq(pread(fd, got, sizeof(got), (off_t)k.len), (ssize_t)sizeof(got));
	ck_assert(!memcmp(got, zero, sizeof(got)));
	kl_flat_info_done(&fi);
	/* and the verdict is the one of the plain kdump */
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
	_cleanup_(kl_validation_freep) struct kl_validation *want = validate(kpath);
	assert_structure_ok(v);
	ck_assert_str_eq(status_of(v, "flat.records"), "passed");
	ck_assert_int_eq(kl_validation_ok(v), kl_validation_ok(want));
	free(k.p);
	unlink(kpath);
	unlink(path);
}
END_TEST

/*
 * Issue 6 (4): the deadline and the interrupt flag stop a validation whose work is large (a
 * 4 GiB sparse bitmap to index, a 1 GiB hole record to reassemble) at the first poll, with
 * -ETIMEDOUT / -EINTR and a message naming the step.
 */
static char *write_huge_kdump(void)
{
	struct buf k;
	_cleanup_free_ char *small = write_kdump(&(struct kd){ 0 }, &k);
	unlink(small);
	/* 2 x 4 GiB bitmaps of 4 KiB blocks (the largest index); max_mapnr_64 to match */
	const uint32_t blocks = 2u * (1u << 20);
	put32(&k, 436, blocks);
	put64(&k, BS + 96, (uint64_t)(blocks / 2) * BS * 8);
	char *path = strdup("/tmp/test-kdump-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, k.p, k.len), (ssize_t)k.len);
	ck_assert_int_eq(ftruncate(fd, (off_t)((uint64_t)(blocks + 8) * BS)), 0);
	close(fd);
	free(k.p);
	return path;
}

START_TEST(deadline_and_interrupt_stop)
{
	struct buf k;
	uint64_t size;
	_cleanup_free_ char *kpath = write_kdump(&(struct kd){ 0 }, &k);
	_cleanup_free_ char *flat = write_flat_holes(&k, 1ULL << 30, &size);
	_cleanup_free_ char *huge = write_huge_kdump();
	const struct {
		const char *path, *step;
	} inputs[] = {
		{ huge, "indexing the kdump 2nd bitmap" },
		{ flat, "reading the flattened records" },
	};
	for (size_t i = 0; i < ELEMENTSOF(inputs); i++)
		for (int how = 0; how < 2; how++) {
			volatile sig_atomic_t flag = how == 1;
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			struct kl_validate_input in = {
				.deadline = how == 0 ? (double)ts.tv_sec - 1 : 0,
				.interrupted = &flag,
			};
			_cleanup_error_ struct kl_error *e = NULL;
			struct kl_validation *v = NULL;
			int r = kl_vmcore_validate_any(inputs[i].path, &in, &v, &e);
			ck_assert_int_eq(r, how == 0 ? -ETIMEDOUT : -EINTR);
			ck_assert_ptr_null(v);
			ck_assert_ptr_nonnull(e);
			ck_assert_msg(
				strstr(e->msg, how == 0 ? "reached its deadline" : "interrupted"),
				"%s", e->msg);
			ck_assert_msg(strstr(e->msg, inputs[i].step), "%s", e->msg);
		}
	/* a deadline in the future and a clear flag change nothing */
	volatile sig_atomic_t clear = 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct kl_validate_input in = { .deadline = (double)ts.tv_sec + 3600,
					.interrupted = &clear };
	struct kl_validation *v = NULL;
	ck_assert_int_eq(kl_vmcore_validate_any(kpath, &in, &v, NULL), 0);
	assert_structure_ok(v);
	kl_validation_free(v);
	free(k.p);
	unlink(kpath);
	unlink(flat);
	unlink(huge);
}
END_TEST

/* A 2nd bitmap larger than kdumplab indexes (2 x 8 GiB, sparse) fails kdump.bitmap-size; the
 * checks that need the index are skipped, nothing is allocated for it. */
START_TEST(bitmap_beyond_index_max)
{
	struct buf k;
	_cleanup_free_ char *small = write_kdump(&(struct kd){ 0 }, &k);
	unlink(small);
	const uint32_t blocks = 2u * (2u << 20);
	put32(&k, 436, blocks);
	put64(&k, BS + 96, (uint64_t)(blocks / 2) * BS * 8);
	char path[] = "/tmp/test-kdump-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, k.p, k.len), (ssize_t)k.len);
	ck_assert_int_eq(ftruncate(fd, (off_t)((uint64_t)(blocks + 8) * BS)), 0);
	close(fd);
	free(k.p);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
	const struct kl_check_result *r = kl_validation_find(v, "kdump.bitmap-size");
	ck_assert_int_eq(r->status, KL_CHECK_FAILED);
	ck_assert_msg(strstr(r->message, "indexes at most"), "%s", r->message);
	ck_assert_str_eq(status_of(v, "kdump.descs"), "skipped");
	ck_assert(!kl_validation_ok(v));
	unlink(path);
}
END_TEST

START_TEST(detect_from_content)
{
	unsigned char h[4096] = { 0 };
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_UNKNOWN);
	ck_assert_int_eq(kl_dump_format_probe(h, 0), KL_DUMP_FORMAT_UNKNOWN);
	memcpy(h, "KDUMP   ", 8);
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_KDUMP);
	ck_assert_int_eq(kl_dump_format_probe(h, 7), KL_DUMP_FORMAT_UNKNOWN);
	memcpy(h, "DISKDUMP", 8);
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_DISKDUMP);
	memcpy(h, "makedumpfile\0\0\0\0", 16);
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_FLAT);
	memcpy(h, "makedumpfileX", 13);
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_UNKNOWN);

	/* ELF: notes at the page-rounded end of 3 phdrs (proc) vs right after them (-E) */
	memset(h, 0, sizeof(h));
	memcpy(h, "\177ELF\2\1\1", 7);
	uint64_t phoff = htole64(64);
	uint16_t phentsize = htole16(56), phnum = htole16(3);
	uint32_t pt_note = htole32(4);
	memcpy(h + 32, &phoff, 8);
	memcpy(h + 54, &phentsize, 2);
	memcpy(h + 56, &phnum, 2);
	memcpy(h + 64, &pt_note, 4);
	uint64_t off = htole64(4096);
	memcpy(h + 64 + 8, &off, 8);
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_ELF);
	off = htole64(64 + 3 * 56);
	memcpy(h + 64 + 8, &off, 8);
	ck_assert_int_eq(kl_dump_format_probe(h, sizeof(h)), KL_DUMP_FORMAT_MAKEDUMPFILE_ELF);
	/* the phdrs cut off: plain ELF */
	ck_assert_int_eq(kl_dump_format_probe(h, 100), KL_DUMP_FORMAT_ELF);
}
END_TEST

START_TEST(unknown_format_is_named)
{
	char path[] = "/tmp/test-unknown-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "hello, world", 12), 12);
	close(fd);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path);
	ck_assert_str_eq(status_of(v, "format.detect"), "failed");
	ck_assert_ptr_nonnull(strstr(kl_validation_find(v, "format.detect")->message, "68 65 6c"));
	ck_assert(!kl_validation_ok(v));
	unlink(path);

	_cleanup_error_ struct kl_error *err = NULL;
	struct kl_validation *none = NULL;
	ck_assert_int_eq(kl_vmcore_validate_any("/nonexistent/dump", NULL, &none, &err), -ENOENT);
	ck_assert_ptr_null(none);
	ck_assert_ptr_nonnull(strstr(err->msg, "/nonexistent/dump"));
}
END_TEST

/* Random bytes over the header, sub-header, bitmaps and descriptors never crash or hang. */
START_TEST(fuzz_structures)
{
	struct buf k;
	_cleanup_free_ char *kpath = write_kdump(&(struct kd){ .how = 0 }, &k);
	srand(1);
	for (int it = 0; it < 300; it++) {
		struct buf c = { .p = malloc(k.len), .len = k.len, .cap = k.len };
		memcpy(c.p, k.p, k.len);
		size_t regions[] = { 0, 464, BS, BS + 400, 2 * BS, 4 * BS, 4 * BS + 24 * 20 };
		for (int j = 0; j < 4; j++) {
			int r = rand() % 6;
			size_t at = regions[r], span = regions[r + 1] - at;
			c.p[at + (size_t)rand() % span] = (unsigned char)rand();
		}
		char path[] = "/tmp/test-kfuzz-XXXXXX";
		int fd = mkstemp(path);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, c.p, c.len), (ssize_t)c.len);
		close(fd);
		struct kl_validation *v = NULL;
		struct kl_error *err = NULL;
		int r = kl_vmcore_validate_any(path, NULL, &v, &err);
		ck_assert(r == 0 || err);
		kl_validation_free(v);
		kl_error_free(err);
		unlink(path);
		free(c.p);
	}
	free(k.p);
	unlink(kpath);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kdump");
	TCase *t = tcase_create("all");
	tcase_set_timeout(t, 120);
	for (size_t i = 0; i < ELEMENTSOF(codecs); i++)
		if (codec_built(codecs[i]))
			codec_cases[n_codec_cases++] = (int)i;
		else
			fprintf(stderr, "# %s: not in this build, its pages are not tested\n",
				kl_kdump_compression_name(codecs[i]));
	for (size_t i = 0; i < ELEMENTSOF(corruptions); i++)
		if (codec_built(corruptions[i].kd.how) &&
		    codec_built(corruptions[i].kd.status_or & KL_KDUMP_COMPRESSION))
			corruption_cases[n_corruption_cases++] = (int)i;
	tcase_add_loop_test(t, valid_kdump_each_codec, 0, n_codec_cases);
	tcase_add_loop_test(t, pages_through_kl_mem, 0, n_codec_cases);
	tcase_add_loop_test(t, corruption_fails_expected_check, 0, n_corruption_cases);
	tcase_add_test(t, codecs_load_on_demand);
	tcase_add_test(t, flat_valid);
	tcase_add_test(t, flat_faults);
	tcase_add_test(t, flat_holes_stay_holes);
	tcase_add_test(t, bitmap_beyond_index_max);
	tcase_add_test(t, deadline_and_interrupt_stop);
	tcase_add_test(t, detect_from_content);
	tcase_add_test(t, unknown_format_is_named);
	tcase_add_test(t, fuzz_structures);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
