/* SPDX-License-Identifier: MIT */
/*
 * kl_mem, the page-table walker, the printk ring and init_uts_ns on synthetic memory held
 * in a sparse page list (synth.h), read through an in-memory backend: no files.
 */
#include "kl-check.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "base/macro.h"
#include "base/stop.h"
#include "synth.h"
#include "vmcore/mem.h"
#include "vmcore/printk.h"
#include "vmcore/uts.h"
#include "vmcore/vmcore.h"

static int syn_read_paddr(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct synth *s = ctx;
	unsigned char *out = buf;
	while (len) {
		uint64_t base = paddr & ~(uint64_t)(SYN_PAGE - 1);
		size_t chunk = SYN_PAGE - (paddr - base);
		const unsigned char *page = NULL;
		if (chunk > len)
			chunk = len;
		for (size_t i = 0; i < s->n; i++)
			if (s->pages[i].paddr == base)
				page = s->pages[i].data;
		if (!page)
			return -ENOENT;
		memcpy(out, page + (paddr - base), chunk);
		out += chunk;
		paddr += chunk;
		len -= chunk;
	}
	return 0;
}

static struct synth mem;

static struct kl_vmcoreinfo *vmcoreinfo(const char *drop, const char *set)
{
	_cleanup_free_ char *text = syn_vmcoreinfo(drop, set);
	struct kl_vmcoreinfo *vi = NULL;
	ck_assert_int_eq(kl_vmcoreinfo_parse(text, strlen(text), &vi, NULL), 0);
	return vi;
}

/* A kl_mem over `mem`, set up from the default VMCOREINFO: no vaddr reader, no direct-map
 * base, so every non-image address goes through the page-table walk. */
static struct kl_mem syn_mem(void)
{
	struct kl_mem m = { .read_paddr = syn_read_paddr, .ctx = &mem };
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = vmcoreinfo(NULL, NULL);
	ck_assert_int_eq(kl_mem_setup_from_vmcoreinfo(&m, vi, NULL), 0);
	return m;
}

START_TEST(setup_from_vmcoreinfo)
{
	struct kl_mem m = syn_mem();
	ck_assert_uint_eq(m.phys_base, 0);
	ck_assert_uint_eq(m.kernel_map, KL_X86_START_KERNEL_MAP);
	ck_assert_uint_eq(m.kernel_image_size, 1ULL << 30);
	ck_assert_uint_eq(m.top_pgt, SYN_PGT);
	ck_assert(!m.l5);

	static const struct {
		const char *drop, *set, *message;
	} bad[] = {
		{ "NUMBER(phys_base)", NULL, "no NUMBER(phys_base)" },
		{ NULL, "NUMBER(phys_base)=12ab", "NUMBER(phys_base)=12ab is not a number" },
		{ NULL, "NUMBER(pgtable_l5_enabled)=2", "expected 0 or 1" },
		{ NULL, "SYMBOL(init_top_pgt)=xyz", "SYMBOL(init_top_pgt)=xyz is not hex" },
		{ NULL, "NUMBER(KERNEL_IMAGE_SIZE)=2147483648", "expected 1..1073741824" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi =
			vmcoreinfo(bad[i].drop, bad[i].set);
		_cleanup_error_ struct kl_error *e = NULL;
		struct kl_mem x = { 0 };
		ck_assert_int_eq(kl_mem_setup_from_vmcoreinfo(&x, vi, &e), -EBADMSG);
		ck_assert_msg(strstr(e->msg, bad[i].message), "%s", e->msg);
	}
	/* phys_base is printed with %ld; 0x is accepted too (arm64 style). */
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi =
		vmcoreinfo(NULL, "NUMBER(phys_base)=0x3c00000");
	ck_assert_int_eq(kl_mem_setup_from_vmcoreinfo(&m, vi, NULL), 0);
	ck_assert_uint_eq(m.phys_base, 0x3c00000);
}
END_TEST

START_TEST(walk_4level_large_pages)
{
	syn_build(&mem, &(struct syn_opts){ 0 });
	struct kl_mem m = syn_mem();
	uint64_t pa;
	/* 2 MiB page of the kernel image */
	ck_assert_int_eq(kl_mem_walk(&m, SYN_UTS + 5, &pa), 0);
	ck_assert_uint_eq(pa, syn_image_paddr(SYN_UTS) + 5);
	/* 1 GiB page of the direct map */
	ck_assert_int_eq(kl_mem_walk(&m, SYN_PAGE_OFFSET + 0x3fffffff, &pa), 0);
	ck_assert_uint_eq(pa, 0x3fffffff);
	/* Not present: the next GiB of the direct map, an unmapped PML4 slot. */
	ck_assert_int_eq(kl_mem_walk(&m, SYN_PAGE_OFFSET + (1ULL << 30), &pa), -ENOENT);
	ck_assert_int_eq(kl_mem_walk(&m, 0xffffc90000000000ULL, &pa), -ENOENT);
	/* kl_mem_translate uses the linear image rule, then the walk. */
	ck_assert_int_eq(kl_mem_translate(&m, SYN_TEXT + 0x12345, &pa), 0);
	ck_assert_uint_eq(pa, SYN_TEXT_PADDR + 0x12345);
	ck_assert_int_eq(kl_mem_translate(&m, SYN_PAGE_OFFSET + SYN_DESCS_PADDR, &pa), 0);
	ck_assert_uint_eq(pa, SYN_DESCS_PADDR);
	/* With a known direct-map base, no walk is needed (the tables could be absent). */
	m.page_offset = SYN_PAGE_OFFSET;
	m.top_pgt = 0;
	ck_assert_int_eq(kl_mem_translate(&m, SYN_PAGE_OFFSET + 0x7000000, &pa), 0);
	ck_assert_uint_eq(pa, 0x7000000);
	ck_assert_int_eq(kl_mem_walk(&m, SYN_PAGE_OFFSET, &pa), -EFAULT);
	ck_assert_int_eq(kl_mem_translate(&m, 0xffffc90000000000ULL, &pa), -EFAULT);
}
END_TEST

/* 4 KiB leaves and 5-level paging on hand-made tables. */
START_TEST(walk_4k_and_5level)
{
	const uint64_t va = 0xffffc90001234000ULL, top = SYN_TEXT + 0x30000;
	uint64_t t = syn_image_paddr(top), pa;
	mem.n = 0;
	struct kl_mem m = { .read_paddr = syn_read_paddr, .ctx = &mem };
	m.kernel_map = KL_X86_START_KERNEL_MAP;
	m.kernel_image_size = 1ULL << 30;
	m.phys_base = 0;
	m.top_pgt = top;

	/* 4-level: PML4 -> PDPT -> PD -> PT -> 4 KiB page at 0x5000000 */
	syn_put64(&mem, t + 8 * ((va >> 39) & 511), (t + 0x1000) | 0x63);
	syn_put64(&mem, t + 0x1000 + 8 * ((va >> 30) & 511), (t + 0x2000) | 0x63);
	syn_put64(&mem, t + 0x2000 + 8 * ((va >> 21) & 511), (t + 0x3000) | 0x63);
	syn_put64(&mem, t + 0x3000 + 8 * ((va >> 12) & 511), 0x5000000 | 0x8000000000000063ULL);
	ck_assert_int_eq(kl_mem_walk(&m, va + 0x123, &pa), 0);
	ck_assert_uint_eq(pa, 0x5000123); /* NX (bit 63) is not part of the address */
	/* a PT entry not present */
	ck_assert_int_eq(kl_mem_walk(&m, va + 0x1000, &pa), -ENOENT);

	/* 5-level: a PML5 in front, 57-bit address space */
	const uint64_t va5 = 0xff11000000000000ULL + 0x2000;
	uint64_t t5 = syn_image_paddr(top + 0x10000);
	m.top_pgt = top + 0x10000;
	m.l5 = true;
	syn_put64(&mem, t5 + 8 * ((va5 >> 48) & 511), (t5 + 0x1000) | 0x63);
	syn_put64(&mem, t5 + 0x1000 + 8 * ((va5 >> 39) & 511), (t5 + 0x2000) | 0x63);
	syn_put64(&mem, t5 + 0x2000 + 8 * ((va5 >> 30) & 511), (t5 + 0x3000) | 0x63);
	syn_put64(&mem, t5 + 0x3000 + 8 * ((va5 >> 21) & 511), 0x40000000 | 0xe3); /* 2 MiB */
	ck_assert_int_eq(kl_mem_walk(&m, va5 + 0x10, &pa), 0);
	ck_assert_uint_eq(pa, 0x40002010);
	/* The same tables read as 4-level give another path: not present. */
	m.l5 = false;
	ck_assert_int_eq(kl_mem_walk(&m, va5, &pa), -ENOENT);
	/* A table that is not in the dump */
	m.l5 = true;
	syn_put64(&mem, t5 + 8 * 7, 0x7fff0000ULL | 0x63);
	ck_assert_int_eq(kl_mem_walk(&m, 7ULL << 48, &pa), -ENOENT);
	/* top_pgt outside the kernel image: no walk */
	m.top_pgt = 0xffff888000000000ULL;
	ck_assert_int_eq(kl_mem_walk(&m, va5, &pa), -EFAULT);
}
END_TEST

START_TEST(read_vaddr_crosses_pages)
{
	syn_build(&mem, &(struct syn_opts){ 0 });
	struct kl_mem m = syn_mem();
	/* A read across a page boundary is split and each page translated on its own. */
	unsigned char buf[64];
	syn_put(&mem, syn_image_paddr(SYN_TEXT + 0x24ff0), "0123456789abcdefGHIJ", 20);
	ck_assert_int_eq(kl_mem_read_vaddr(&m, SYN_TEXT + 0x24ff0, buf, 20), 0);
	ck_assert_int_eq(memcmp(buf, "0123456789abcdefGHIJ", 20), 0);
	uint64_t v;
	ck_assert_int_eq(kl_mem_read_u64(&m, SYN_PRB, &v), 0);
	ck_assert_uint_eq(v, SYN_RB);
	uint32_t w;
	ck_assert_int_eq(kl_mem_read_u32(&m, SYN_RB, &w), 0);
	ck_assert_uint_eq(w, SYN_COUNT_BITS);
	/* A page that is not in the dump */
	ck_assert_int_eq(kl_mem_read_vaddr(&m, SYN_TEXT + 0x38000, buf, 8), -ENOENT);
	ck_assert_int_eq(kl_mem_read_vaddr(&m, SYN_TEXT + 0x21ff8, buf, 16), -ENOENT);
}
END_TEST

static struct kl_printk_log *extract(const struct syn_opts *o, const char *drop, const char *set,
				     int want)
{
	syn_build(&mem, o);
	struct kl_mem m = syn_mem();
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = vmcoreinfo(drop, set);
	_cleanup_error_ struct kl_error *e = NULL;
	struct kl_printk_log *log = NULL;
	int r = kl_printk_extract(&m, vi, &log, &e);
	ck_assert_msg(r == want, "kl_printk_extract: %d (%s), expected %d", r,
		      e && e->msg ? e->msg : "", want);
	return log;
}

START_TEST(printk_ring)
{
	for (int wrap = 0; wrap < 2; wrap++) {
		_cleanup_(kl_printk_log_freep) struct kl_printk_log *log =
			extract(&(struct syn_opts){ .wrap_second = wrap }, NULL, NULL, 0);
		size_t n = 0;
		while (syn_default_log[n])
			n++;
		ck_assert_uint_eq(log->n_records, n);
		ck_assert_uint_eq(log->count, 16);
		ck_assert_uint_eq(log->data_size, 4096);
		ck_assert_uint_eq(log->tail_id, SYN_FIRST_ID);
		ck_assert_uint_eq(log->head_id, SYN_FIRST_ID + n - 1);
		ck_assert_uint_eq(log->n_bad_id + log->n_unreadable, 0);
		for (size_t i = 0; i < n; i++) {
			const struct kl_printk_record *r = &log->records[i];
			ck_assert_str_eq(r->text, syn_default_log[i]);
			ck_assert_uint_eq(r->text_len, strlen(syn_default_log[i]));
			ck_assert_uint_eq(r->seq, 1000 + i);
			ck_assert_uint_eq(r->ts_nsec, 1500000000ULL * (i + 1) + 1234);
			ck_assert_uint_eq(r->caller_id, 0x80000001u);
			ck_assert_int_eq(r->level, 6);
			ck_assert_int_eq(r->facility, 0);
		}
		ck_assert_int_eq(kl_printk_rfind(log, n, "sysrq:"), 3);
		ck_assert_int_eq(kl_printk_rfind(log, 3, "sysrq:"), -1);
		ck_assert_int_eq(kl_printk_rfind(log, n, "no such text"), -1);
	}
}
END_TEST

START_TEST(printk_format)
{
	/* makedumpfile's dump_record(): "[%5lld.%06ld] ", newlines indented, \xNN */
	struct kl_printk_record r = { .ts_nsec = 2238751123ULL,
				      .text = (char *)"a\nb\x01\tc",
				      .text_len = 6 };
	_cleanup_free_ char *s = kl_printk_format(&r);
	ck_assert_str_eq(s, "[    2.238751] a\n               b\\x01\tc\n");
	struct kl_printk_record big = { .ts_nsec = 123456789012345678ULL,
					.text = (char *)"",
					.text_len = 0 };
	_cleanup_free_ char *s2 = kl_printk_format(&big);
	ck_assert_str_eq(s2, "[123456789.012345] \n");
}
END_TEST

START_TEST(printk_untrusted)
{
	_cleanup_(kl_printk_log_freep) struct kl_printk_log *bad_id =
		extract(&(struct syn_opts){ .bad_block_id = true }, NULL, NULL, 0);
	ck_assert_uint_eq(bad_id->n_bad_id, 1);
	ck_assert_str_eq(bad_id->records[1].text, syn_default_log[2]); /* the 2nd is dropped */

	/* head_id beyond count descriptors: refused, not looped over */
	ck_assert_ptr_null(extract(&(struct syn_opts){ .head_far = true }, NULL, NULL, -EBADMSG));
	/* pre-5.10: log_buf instead of prb */
	ck_assert_ptr_null(extract(&(struct syn_opts){ 0 }, "SYMBOL(prb)",
				   "SYMBOL(log_buf)=ffffffff81030000", -EOPNOTSUPP));
	ck_assert_ptr_null(extract(&(struct syn_opts){ 0 }, "SYMBOL(prb)", NULL, -EBADMSG));
	/* layout keys: missing, not decimal, too large, not fitting the structure */
	ck_assert_ptr_null(
		extract(&(struct syn_opts){ 0 }, "OFFSET(printk_info.text_len)", NULL, -EBADMSG));
	ck_assert_ptr_null(extract(&(struct syn_opts){ 0 }, NULL, "SIZE(prb_desc)=0x18", -EBADMSG));
	ck_assert_ptr_null(
		extract(&(struct syn_opts){ 0 }, NULL, "SIZE(printk_info)=99999", -EBADMSG));
	ck_assert_ptr_null(
		extract(&(struct syn_opts){ 0 }, NULL, "OFFSET(printk_info.seq)=84", -EBADMSG));
	/* the pointer at SYMBOL(prb) leads nowhere in the dump */
	ck_assert_ptr_null(
		extract(&(struct syn_opts){ 0 }, NULL, "SYMBOL(prb)=ffffffff81038000", -ENOENT));
}
END_TEST

/* Ring sizes from the dump are bounded before anything is allocated or iterated. */
START_TEST(printk_ring_bounds)
{
	syn_build(&mem, &(struct syn_opts){ 0 });
	uint32_t big = htole32(KL_PRINTK_MAX_COUNT_BITS + 1);
	syn_put(&mem, syn_image_paddr(SYN_RB), &big, 4);
	struct kl_mem m = syn_mem();
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = vmcoreinfo(NULL, NULL);
	_cleanup_error_ struct kl_error *e = NULL;
	struct kl_printk_log *log = NULL;
	ck_assert_int_eq(kl_printk_extract(&m, vi, &log, &e), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e->msg, "count_bits 23"));
	kl_error_freep(&e);

	syn_build(&mem, &(struct syn_opts){ 0 });
	big = htole32(KL_PRINTK_MAX_SIZE_BITS + 1);
	syn_put(&mem, syn_image_paddr(SYN_RB + 48), &big, 4);
	ck_assert_int_eq(kl_printk_extract(&m, vi, &log, &e), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e->msg, "size_bits 26"));
}
END_TEST

/*
 * A hostile ring (1 M descriptors, an 8 MiB data ring), every descriptor
 * finalized and owning an 8-byte block with no text: memory made up on the fly past the
 * synthetic pages. Extraction keeps at most KL_PRINTK_MAX_TEXT of records (the 4 M records
 * a ring at the bounds can have used to cost ~300 MB) and says the log was truncated; the deadline
 * stops the same walk.
 */
#define BIG_DESCS 0x08000000ULL
#define BIG_INFOS 0x10000000ULL
#define BIG_DATA  0x28000000ULL
#define BIG_COUNT (1ULL << 20)
#define BIG_SIZE  (1ULL << 23)

static uint64_t big_word(uint64_t paddr)
{
	if (paddr >= BIG_DESCS && paddr < BIG_DESCS + BIG_COUNT * 24) {
		uint64_t k = (paddr - BIG_DESCS) / 24, f = (paddr - BIG_DESCS) % 24 / 8;
		return f == 0 ? (2ULL << 62) | k : f == 1 ? 8 * k : 8 * k + 8;
	}
	if (paddr >= BIG_INFOS && paddr < BIG_INFOS + BIG_COUNT * 88)
		return (paddr - BIG_INFOS) % 88 == 0 ? (paddr - BIG_INFOS) / 88
						     : 0; /* seq, len 0 */
	return (paddr - BIG_DATA) / 8;			  /* block k holds id k */
}

static int big_read_paddr(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	if (paddr < BIG_DESCS || paddr >= BIG_DATA + BIG_SIZE)
		return syn_read_paddr(ctx, paddr, buf, len);
	ck_assert(paddr % 8 == 0 && len % 8 == 0);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = htole64(big_word(paddr + i));
		memcpy((unsigned char *)buf + i, &v, 8);
	}
	return 0;
}

START_TEST(printk_ring_memory_bound)
{
	syn_build(&mem, &(struct syn_opts){ 0 });
	uint64_t rb = SYN_RB - SYN_TEXT + SYN_TEXT_PADDR;
	uint32_t cb = htole32(20), sb = htole32(23);
	syn_put(&mem, rb + 0, &cb, 4);
	syn_put64(&mem, rb + 8, SYN_PAGE_OFFSET + BIG_DESCS);
	syn_put64(&mem, rb + 16, SYN_PAGE_OFFSET + BIG_INFOS);
	syn_put64(&mem, rb + 24, BIG_COUNT - 1); /* head_id */
	syn_put64(&mem, rb + 32, 0);		 /* tail_id */
	syn_put(&mem, rb + 48, &sb, 4);
	syn_put64(&mem, rb + 56, SYN_PAGE_OFFSET + BIG_DATA);
	struct kl_mem m = syn_mem();
	m.read_paddr = big_read_paddr;
	m.page_offset = SYN_PAGE_OFFSET; /* no page-table walk per read */
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = vmcoreinfo(NULL, NULL);
	_cleanup_error_ struct kl_error *e = NULL;
	_cleanup_(kl_printk_log_freep) struct kl_printk_log *log = NULL;
	/* A million records: 75 s under valgrind for a bound the plain run proves. */
	if (!getenv("KL_VALGRIND")) {
		ck_assert_msg(kl_printk_extract(&m, vi, &log, &e) == 0, "%s", e ? e->msg : "");
		ck_assert_uint_eq(log->count, BIG_COUNT);
		ck_assert(log->truncated);
		ck_assert_uint_gt(log->n_records, 1000);
		ck_assert_uint_le(log->n_records * KL_PRINTK_RECORD_COST, KL_PRINTK_MAX_TEXT);
		ck_assert_uint_eq(log->n_bad_id + log->n_unreadable, 0);
	}

	/* the same walk under a deadline that has passed: -ETIMEDOUT, no log */
	struct kl_stop stop = { .deadline = 1 };
	m.stop = &stop;
	struct kl_printk_log *log2 = NULL;
	_cleanup_error_ struct kl_error *e2 = NULL;
	ck_assert_int_eq(kl_printk_extract(&m, vi, &log2, &e2), -ETIMEDOUT);
	ck_assert_ptr_null(log2);
	ck_assert_ptr_nonnull(strstr(e2->msg, "walking the printk ring"));
}
END_TEST

START_TEST(uts_name)
{
	syn_build(&mem, &(struct syn_opts){ 0 });
	struct kl_mem m = syn_mem();
	struct kl_utsname u;
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = vmcoreinfo(NULL, NULL);
	ck_assert_int_eq(kl_uts_read(&m, vi, &u, NULL), 0);
	ck_assert_str_eq(u.sysname, "Linux");
	ck_assert_str_eq(u.nodename, "(none)");
	ck_assert_str_eq(u.release, SYN_OSRELEASE);
	ck_assert_str_eq(u.version, SYN_UTS_VERSION);
	ck_assert_str_eq(u.machine, "x86_64");
	ck_assert(!u.offset_assumed);

	/* Without OFFSET(uts_namespace.name): the pre-ns_common layout (kref first). */
	syn_put(&mem, syn_image_paddr(SYN_UTS) - 4, "\1\0\0\0", 4);
	memmove(syn_at(&mem, syn_image_paddr(SYN_UTS)) + 4, syn_at(&mem, syn_image_paddr(SYN_UTS)),
		6 * 65);
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *old =
		vmcoreinfo("OFFSET(uts_namespace.name)", NULL);
	ck_assert_int_eq(kl_uts_read(&m, old, &u, NULL), 0);
	ck_assert(u.offset_assumed);
	ck_assert_str_eq(u.release, SYN_OSRELEASE);

	/* A field without its NUL */
	memset(syn_at(&mem, syn_image_paddr(SYN_UTS)), 'x', 65);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_uts_read(&m, vi, &u, &e), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e->msg, "sysname"));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { setup_from_vmcoreinfo,
				       walk_4level_large_pages,
				       walk_4k_and_5level,
				       read_vaddr_crosses_pages,
				       printk_ring,
				       printk_format,
				       printk_untrusted,
				       printk_ring_bounds,
				       uts_name,
				       printk_ring_memory_bound };
	return kl_check_main("mem", 60, tests, KL_CHECK_N(tests));
}
