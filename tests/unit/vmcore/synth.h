/* SPDX-License-Identifier: MIT */
/*
 * A synthetic crashed kernel's memory, as the tests need it: 4-level page tables from
 * init_top_pgt, init_uts_ns, and a lockless printk ring with the 6.1 VMCOREINFO layout.
 * Pages live in a small sparse list; test-vmcore.c writes them into an ELF core and
 * test-mem.c reads them through an in-memory kl_mem.
 *
 * Physical layout (phys_base 0, KERNELOFFSET 0):
 *   0x1000000 +0x40000  kernel image (_text = 0xffffffff81000000): page tables at +0x10000,
 *                       init_uts_ns at +0x20000, prb (a pointer) at +0x21000 pointing to the
 *                       struct printk_ringbuffer at +0x21040
 *   0x200000            descs, 0x210000 infos, 0x220000 text data (direct map)
 * The direct map (0xffff888000000000) is one 1 GiB page; the image one 2 MiB page.
 */
#pragma once

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYN_PAGE	4096u
#define SYN_TEXT	0xffffffff81000000ULL
#define SYN_TEXT_PADDR	0x1000000ULL
#define SYN_TEXT_SIZE	0x40000ULL
#define SYN_PAGE_OFFSET 0xffff888000000000ULL
#define SYN_PGT		(SYN_TEXT + 0x10000)
#define SYN_UTS		(SYN_TEXT + 0x20000)
#define SYN_PRB		(SYN_TEXT + 0x21000)
#define SYN_RB		(SYN_TEXT + 0x21040)
#define SYN_DESCS_PADDR 0x200000ULL
#define SYN_INFOS_PADDR 0x210000ULL
#define SYN_DATA_PADDR	0x220000ULL
#define SYN_COUNT_BITS	4
#define SYN_SIZE_BITS	12
#define SYN_FIRST_ID	20 /* tail_id: idx 4 of 16 */
#define SYN_MAX_PAGES	64
#define SYN_OSRELEASE	"6.1.0-56-cloud-amd64"
#define SYN_UTS_VERSION "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2"
#define SYN_NONCE	"00112233aabbccdd"
#define SYN_TRIGGER_PID 101
#define SYN_TRIGGER_CPU 1

struct syn_page {
	uint64_t paddr;
	unsigned char data[SYN_PAGE];
};

struct synth {
	struct syn_page pages[SYN_MAX_PAGES];
	size_t n;
};

struct syn_opts {
	const char *const *log; /* NULL: syn_default_log */
	bool bad_block_id;	/* the 2nd record's data block carries another id */
	bool head_far;		/* head_id more than count ids after tail_id */
	bool wrap_second;	/* the 2nd record's block wraps to the ring's start */
	bool bad_direct_map;	/* the direct map's 1 GiB entry points 1 GiB too high */
	const char *uts_release;
};

static const char *const syn_default_log[] = {
	"Linux version " SYN_OSRELEASE " (debian-kernel@lists.debian.org)",
	"Multi-line\nsecond line and a \x01 byte",
	"kdumplab: nonce=" SYN_NONCE " scenario=sysrq pid=101",
	"sysrq: Trigger a crash",
	"Kernel panic - not syncing: sysrq triggered crash",
	"CPU: 1 PID: 101 Comm: loader Not tainted " SYN_OSRELEASE " #1",
	"Call Trace:",
	NULL,
};

static unsigned char *syn_at(struct synth *s, uint64_t paddr)
{
	uint64_t base = paddr & ~(uint64_t)(SYN_PAGE - 1);
	for (size_t i = 0; i < s->n; i++)
		if (s->pages[i].paddr == base)
			return s->pages[i].data + (paddr - base);
	if (s->n == SYN_MAX_PAGES)
		abort();
	s->pages[s->n].paddr = base;
	memset(s->pages[s->n].data, 0, SYN_PAGE);
	return s->pages[s->n++].data + (paddr - base);
}

static void syn_put(struct synth *s, uint64_t paddr, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len) {
		size_t chunk = SYN_PAGE - (paddr & (SYN_PAGE - 1));
		if (chunk > len)
			chunk = len;
		memcpy(syn_at(s, paddr), p, chunk);
		paddr += chunk;
		p += chunk;
		len -= chunk;
	}
}

static void syn_put64(struct synth *s, uint64_t paddr, uint64_t v)
{
	v = htole64(v);
	syn_put(s, paddr, &v, 8);
}

static uint64_t syn_image_paddr(uint64_t vaddr)
{
	return vaddr - SYN_TEXT + SYN_TEXT_PADDR;
}

/* Page tables: PML4 -> PDPT(511) -> PD 2 MiB page for the image; PML4 -> 1 GiB direct map. */
static void syn_page_tables(struct synth *s, bool bad_direct_map)
{
	uint64_t pml4 = syn_image_paddr(SYN_PGT), pdpt_k = pml4 + 0x1000, pd_k = pml4 + 0x2000,
		 pdpt_d = pml4 + 0x3000;
	syn_put64(s, pml4 + 8 * ((SYN_TEXT >> 39) & 511), pdpt_k | 0x63);
	syn_put64(s, pdpt_k + 8 * ((SYN_TEXT >> 30) & 511), pd_k | 0x63);
	syn_put64(s, pd_k + 8 * ((SYN_TEXT >> 21) & 511), SYN_TEXT_PADDR | 0xe3); /* PSE */
	syn_put64(s, pml4 + 8 * ((SYN_PAGE_OFFSET >> 39) & 511), pdpt_d | 0x63);
	syn_put64(s, pdpt_d + 8 * ((SYN_PAGE_OFFSET >> 30) & 511),
		  (bad_direct_map ? 1ULL << 30 : 0) | 0xe3); /* 1 GiB */
}

static void syn_uts(struct synth *s, const char *release)
{
	char name[6 * 65] = { 0 };
	strcpy(name, "Linux");
	strcpy(name + 65, "(none)");
	strcpy(name + 130, release);
	strcpy(name + 195, SYN_UTS_VERSION);
	strcpy(name + 260, "x86_64");
	strcpy(name + 325, "(none)");
	syn_put(s, syn_image_paddr(SYN_UTS), name, sizeof(name));
}

/* The ring with the 6.1 offsets (see syn_vmcoreinfo). */
static void syn_ring(struct synth *s, const struct syn_opts *o)
{
	const char *const *log = o->log ? o->log : syn_default_log;
	const uint64_t count = 1u << SYN_COUNT_BITS, size = 1u << SYN_SIZE_BITS;
	uint64_t rb = syn_image_paddr(SYN_RB), id = SYN_FIRST_ID;
	/* Start near the end of the 3rd wrap so that a block can wrap when asked. */
	uint64_t lpos = 2 * size + (o->wrap_second ? size - 96 : 64);

	syn_put64(s, syn_image_paddr(SYN_PRB), SYN_RB);
	for (size_t k = 0; log[k]; k++, id++) {
		size_t len = strlen(log[k]);
		uint64_t blk = (8 + len + 7) & ~7ULL, begin = lpos, next = lpos + blk, at;
		if (begin / size != (next - 1) / size) {
			/* data_alloc(): a block that would cross the end starts the next wrap */
			syn_put64(s, SYN_DATA_PADDR + begin % size, id);
			next = (begin / size + 1) * size + blk;
			at = 0;
		} else {
			at = begin % size;
		}
		syn_put64(s, SYN_DATA_PADDR + at, o->bad_block_id && k == 1 ? id + 1 : id);
		syn_put(s, SYN_DATA_PADDR + at + 8, log[k], len);
		uint64_t d = SYN_DESCS_PADDR + (id % count) * 24;
		syn_put64(s, d, (2ULL << 62) | id); /* finalized */
		syn_put64(s, d + 8, begin);
		syn_put64(s, d + 16, next);
		uint64_t in = SYN_INFOS_PADDR + (id % count) * 88;
		syn_put64(s, in, 1000 + k);			      /* seq */
		syn_put64(s, in + 8, 1500000000ULL * (k + 1) + 1234); /* ts_nsec */
		uint16_t tl = htole16((uint16_t)len);
		syn_put(s, in + 16, &tl, 2);
		unsigned char fl[2] = { 0, (unsigned char)(6 << 5) }; /* facility 0, level 6 */
		syn_put(s, in + 18, fl, 2);
		uint32_t caller = htole32(0x80000001u);
		syn_put(s, in + 20, &caller, 4);
		lpos = next;
	}
	/* struct printk_ringbuffer: desc_ring at 0, text_data_ring at 48 */
	uint32_t cb = htole32(SYN_COUNT_BITS), sb = htole32(SYN_SIZE_BITS);
	syn_put(s, rb + 0, &cb, 4);
	syn_put64(s, rb + 8, SYN_PAGE_OFFSET + SYN_DESCS_PADDR);
	syn_put64(s, rb + 16, SYN_PAGE_OFFSET + SYN_INFOS_PADDR);
	syn_put64(s, rb + 24, o->head_far ? id + 3 * count : id - 1); /* head_id */
	syn_put64(s, rb + 32, SYN_FIRST_ID);			      /* tail_id */
	syn_put(s, rb + 48, &sb, 4);
	syn_put64(s, rb + 56, SYN_PAGE_OFFSET + SYN_DATA_PADDR);
}

static void syn_build(struct synth *s, const struct syn_opts *o)
{
	s->n = 0;
	syn_page_tables(s, o->bad_direct_map);
	syn_uts(s, o->uts_release ? o->uts_release : SYN_OSRELEASE);
	syn_ring(s, o);
}

/* The VMCOREINFO a 6.1 kernel would write for this memory (printk offsets from a real
 * 6.1 dump). drop: a key to leave out; set: "KEY=value" replacing KEY's line. */
static char *syn_vmcoreinfo(const char *drop, const char *set)
{
	static const char *const lines[] = {
		"OSRELEASE=" SYN_OSRELEASE,
		"BUILD-ID=3b43fad5034874490492495d552c0af6a5fab235",
		"PAGESIZE=4096",
		"SYMBOL(init_uts_ns)=ffffffff81020000",
		"OFFSET(uts_namespace.name)=0",
		"SYMBOL(swapper_pg_dir)=ffffffff81010000",
		"SYMBOL(_stext)=ffffffff81000000",
		"SYMBOL(mem_section)=ffff888000300000",
		"LENGTH(mem_section)=2048",
		"SIZE(page)=64",
		"SYMBOL(prb)=ffffffff81021000",
		"SIZE(printk_ringbuffer)=88",
		"OFFSET(printk_ringbuffer.desc_ring)=0",
		"OFFSET(printk_ringbuffer.text_data_ring)=48",
		"OFFSET(printk_ringbuffer.fail)=80",
		"SIZE(prb_desc_ring)=48",
		"OFFSET(prb_desc_ring.count_bits)=0",
		"OFFSET(prb_desc_ring.descs)=8",
		"OFFSET(prb_desc_ring.infos)=16",
		"OFFSET(prb_desc_ring.head_id)=24",
		"OFFSET(prb_desc_ring.tail_id)=32",
		"SIZE(prb_desc)=24",
		"OFFSET(prb_desc.state_var)=0",
		"OFFSET(prb_desc.text_blk_lpos)=8",
		"SIZE(prb_data_blk_lpos)=16",
		"OFFSET(prb_data_blk_lpos.begin)=0",
		"OFFSET(prb_data_blk_lpos.next)=8",
		"SIZE(printk_info)=88",
		"OFFSET(printk_info.seq)=0",
		"OFFSET(printk_info.ts_nsec)=8",
		"OFFSET(printk_info.text_len)=16",
		"OFFSET(printk_info.caller_id)=20",
		"OFFSET(printk_info.dev_info)=24",
		"SIZE(prb_data_ring)=32",
		"OFFSET(prb_data_ring.size_bits)=0",
		"OFFSET(prb_data_ring.data)=8",
		"OFFSET(prb_data_ring.head_lpos)=16",
		"OFFSET(prb_data_ring.tail_lpos)=24",
		"SIZE(atomic_long_t)=8",
		"OFFSET(atomic_long_t.counter)=0",
		"NUMBER(phys_base)=0",
		"SYMBOL(init_top_pgt)=ffffffff81010000",
		"NUMBER(pgtable_l5_enabled)=0",
		"KERNELOFFSET=0",
		"NUMBER(KERNEL_IMAGE_SIZE)=1073741824",
		"CRASHTIME=1700000003",
	};
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	bool set_done = false;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t klen = strcspn(lines[i], "=");
		const char *line = lines[i];
		if (drop && strlen(drop) == klen && !strncmp(lines[i], drop, klen))
			continue;
		if (set && !strncmp(set, lines[i], klen) && set[klen] == '=') {
			line = set;
			set_done = true;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", line);
	}
	if (set && !set_done) /* a key the kernel does not write by default */
		snprintf(buf + len, cap - len, "%s\n", set);
	return buf;
}
