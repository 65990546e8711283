/* SPDX-License-Identifier: MIT */
/*
 * PT_NOTE and PT_LOAD layout (invariants 8, 10-17) and address translation.
 *
 * Two ELF layouts are valid. /proc/vmcore (fs/proc/vmcore.c) puts the merged notes at the
 * page-rounded end of the program headers, gives every PT_LOAD p_filesz == p_memsz and a
 * file offset congruent to p_paddr modulo the page size, and so has an exact size formula.
 * makedumpfile -E packs the notes right after the program headers, drops filtered pages by
 * splitting segments and ends segments early (p_filesz < p_memsz): only bounds, order and
 * containment hold there. The layout is recognised from the PT_NOTE offset.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "checks.h"
#include "guest/facts.h"
#include "mem.h"

#define PAGE	  4096ULL
#define LOW_1MIB  0x100000ULL
#define MAX_RANGE 4096 /* pieces of expected RAM we compute (facts are bounded to 256) */

static uint64_t roundup_page(uint64_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

static uint64_t headers_end(const struct kl_dump *d)
{
	return sizeof(Elf64_Ehdr) + (uint64_t)d->n_phdrs * sizeof(Elf64_Phdr);
}

bool kl_layout_is_makedumpfile_elf(const struct kl_dump *d)
{
	if (!d->have_phdrs || d->n_phdrs == 0 || d->phdrs[0].p_type != PT_NOTE)
		return false;
	uint64_t off = d->phdrs[0].p_offset;
	return off == headers_end(d) && off != roundup_page(headers_end(d));
}

static const char *layout_name(const struct kl_check_ctx *c)
{
	return c->makedumpfile_elf ? "makedumpfile -E" : "/proc/vmcore";
}

static bool is_image(const GElf_Phdr *p)
{
	return p->p_vaddr >= KL_X86_START_KERNEL_MAP;
}

/* ---- PT_NOTE (invariant 8) ---- */

int kl_check_note_layout(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const GElf_Phdr *p = &c->d->phdrs[c->d->note_index];
	uint64_t want = c->makedumpfile_elf ? headers_end(c->d) : roundup_page(headers_end(c->d));
	if (p->p_offset != want)
		return FAIL(r,
			    "PT_NOTE p_offset %#" PRIx64 ", expected %#" PRIx64
			    " (the page-rounded end of %zu program headers, as /proc/vmcore has)",
			    (uint64_t)p->p_offset, want, c->d->n_phdrs);
	if (p->p_filesz != p->p_memsz || p->p_vaddr != 0 || p->p_paddr != 0)
		return FAIL(r,
			    "PT_NOTE p_filesz %#" PRIx64 ", p_memsz %#" PRIx64 ", p_vaddr %#" PRIx64
			    ", p_paddr %#" PRIx64
			    "; expected p_filesz == p_memsz and both addresses 0",
			    (uint64_t)p->p_filesz, (uint64_t)p->p_memsz, (uint64_t)p->p_vaddr,
			    (uint64_t)p->p_paddr);
	return PASS(r, "%s layout: PT_NOTE at %#" PRIx64 ", p_filesz == p_memsz == %#" PRIx64,
		    layout_name(c), want, (uint64_t)p->p_filesz);
}

int kl_check_note_align(struct kl_check_ctx *c, struct kl_check_result *r)
{
	uint64_t a = c->d->phdrs[c->d->note_index].p_align;
	/* fs/proc/vmcore.c writes 4 on recent kernels; 6.1 and makedumpfile -E write 0. */
	return CHECK(r, a == 4 || a == 0, "PT_NOTE p_align %" PRIu64 ", expected 4 (or 0)", a);
}

/* ---- PT_LOAD layout (invariants 10, 12, 13) ---- */

int kl_check_load_filesz(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD)
			continue;
		bool ok =
			c->makedumpfile_elf ? p->p_filesz <= p->p_memsz : p->p_filesz == p->p_memsz;
		if (!ok)
			return FAIL(r,
				    "PT_LOAD %zu: p_filesz %#" PRIx64 ", p_memsz %#" PRIx64
				    ", expected p_filesz %s p_memsz (%s layout)",
				    i, (uint64_t)p->p_filesz, (uint64_t)p->p_memsz,
				    c->makedumpfile_elf ? "<=" : "==", layout_name(c));
	}
	return PASS(r, "every PT_LOAD has p_filesz %s p_memsz (%s layout)",
		    c->makedumpfile_elf ? "<=" : "==", layout_name(c));
}

int kl_check_load_order(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	uint64_t prev_end = d->note_off + d->note_len;
	if (!c->makedumpfile_elf)
		prev_end = roundup_page(prev_end);
	const char *prev = "the notes";
	char prevbuf[32];
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		/* makedumpfile -E gives segments with no file data offset 0 */
		if (p->p_type != PT_LOAD || p->p_filesz == 0)
			continue;
		if (p->p_offset < prev_end)
			return FAIL(r,
				    "PT_LOAD %zu: p_offset %#" PRIx64
				    " is before the end of %s at %#" PRIx64
				    " (offsets must increase without overlap)",
				    i, (uint64_t)p->p_offset, prev, prev_end);
		if (p->p_filesz > UINT64_MAX - p->p_offset)
			return FAIL(r,
				    "PT_LOAD %zu: p_offset %#" PRIx64 " + p_filesz %#" PRIx64
				    " overflows",
				    i, (uint64_t)p->p_offset, (uint64_t)p->p_filesz);
		prev_end = p->p_offset + p->p_filesz;
		snprintf(prevbuf, sizeof(prevbuf), "PT_LOAD %zu", i);
		prev = prevbuf;
	}
	return PASS(r, "PT_LOAD file offsets increase without overlap, after the notes");
}

int kl_check_file_size(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	uint64_t want;
	if (c->makedumpfile_elf) {
		want = d->note_off + d->note_len;
		for (size_t i = 0; i < d->n_phdrs; i++) {
			const GElf_Phdr *p = &d->phdrs[i];
			if (p->p_type == PT_LOAD && p->p_filesz &&
			    p->p_filesz <= UINT64_MAX - p->p_offset &&
			    p->p_offset + p->p_filesz > want)
				want = p->p_offset + p->p_filesz;
		}
		return CHECK(r, d->size == want,
			     "file size %" PRIu64 ", the last segment ends at %" PRIu64
			     " (makedumpfile -E layout)",
			     d->size, want);
	}
	/* fs/proc/vmcore.c: headers and notes page-rounded, then each segment's pages. */
	want = roundup_page(headers_end(d)) + roundup_page(d->note_len);
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD)
			continue;
		uint64_t end, pages;
		if (__builtin_add_overflow(p->p_paddr, p->p_memsz, &end) || end > UINT64_MAX - PAGE)
			return FAIL(r,
				    "PT_LOAD %zu: p_paddr %#" PRIx64 " + p_memsz %#" PRIx64
				    " overflows",
				    i, (uint64_t)p->p_paddr, (uint64_t)p->p_memsz);
		pages = roundup_page(end) - (p->p_paddr & ~(PAGE - 1));
		if (__builtin_add_overflow(want, pages, &want))
			return FAIL(r, "the PT_LOAD sizes add up past 2^64");
	}
	return CHECK(r, d->size == want,
		     "file size %" PRIu64 ", expected %" PRIu64
		     " (page-rounded headers and notes plus every PT_LOAD's pages)",
		     d->size, want);
}

/* ---- the kernel-text PT_LOAD (invariant 14) ---- */

/* The RAM PT_LOAD containing [paddr, paddr + len), or -1. */
static long ram_load_containing(const struct kl_dump *d, uint64_t paddr, uint64_t len)
{
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type == PT_LOAD && !is_image(p) && paddr >= p->p_paddr &&
		    paddr - p->p_paddr <= p->p_memsz && len <= p->p_memsz - (paddr - p->p_paddr))
			return (long)i;
	}
	return -1;
}

int kl_check_kernel_text(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	const struct kl_loader_facts *l = kl_check_facts(c);
	uint64_t phys_base, ko;
	size_t n = 0, first = 0;
	for (size_t i = 0; i < d->n_phdrs; i++)
		if (d->phdrs[i].p_type == PT_LOAD && is_image(&d->phdrs[i])) {
			/* the lowest p_vaddr is where the image starts */
			if (!n || d->phdrs[i].p_vaddr < d->phdrs[first].p_vaddr)
				first = i;
			n++;
		}
	if (n == 0 || (!c->makedumpfile_elf && n != 1))
		return FAIL(r, "%zu PT_LOADs map the kernel image (p_vaddr >= %#llx), expected %s",
			    n, KL_X86_START_KERNEL_MAP, c->makedumpfile_elf ? "1 or more" : "1");
	if (kl_check_vi_number(c, "NUMBER(phys_base)", &phys_base) < 0)
		return FAIL(r, "NUMBER(phys_base)=%s is not a decimal number",
			    kl_vmcoreinfo_get(d->vmcoreinfo, "NUMBER(phys_base)") ?: "(absent)");
	if (kl_check_vi_hex(c, "KERNELOFFSET", &ko) < 0)
		return FAIL(r, "KERNELOFFSET=%s is not hex",
			    kl_vmcoreinfo_get(d->vmcoreinfo, "KERNELOFFSET") ?: "(absent)");
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD || !is_image(p))
			continue;
		uint64_t want = p->p_vaddr - KL_X86_START_KERNEL_MAP + phys_base;
		if (p->p_paddr != want)
			return FAIL(r,
				    "kernel-text PT_LOAD %zu: p_paddr %#" PRIx64
				    ", expected p_vaddr %#" PRIx64
				    " - %#llx + NUMBER(phys_base) %#" PRIx64 " = %#" PRIx64,
				    i, (uint64_t)p->p_paddr, (uint64_t)p->p_vaddr,
				    KL_X86_START_KERNEL_MAP, phys_base, want);
		if (l && l->sym_text && l->sym_end &&
		    (p->p_vaddr < l->sym_text || p->p_memsz > l->sym_end - p->p_vaddr))
			return FAIL(r,
				    "kernel-text PT_LOAD %zu: [%#" PRIx64 ", +%#" PRIx64
				    ") is outside kallsyms [_text %#" PRIx64 ", _end %#" PRIx64 ")",
				    i, (uint64_t)p->p_vaddr, (uint64_t)p->p_memsz, l->sym_text,
				    l->sym_end);
	}
	const GElf_Phdr *t = &d->phdrs[first];
	/* kaslr_offset() = _text - __START_KERNEL with CONFIG_PHYSICAL_START = 16 MiB */
	if (t->p_vaddr != 0xffffffff81000000ULL + ko)
		return FAIL(r,
			    "kernel-text p_vaddr %#" PRIx64
			    ", expected 0xffffffff81000000 + KERNELOFFSET %" PRIx64,
			    (uint64_t)t->p_vaddr, ko);
	if (!c->makedumpfile_elf && ram_load_containing(d, t->p_paddr, t->p_memsz) < 0)
		return FAIL(r,
			    "kernel-text physical range [%#" PRIx64 ", +%#" PRIx64
			    ") lies inside no RAM PT_LOAD",
			    (uint64_t)t->p_paddr, (uint64_t)t->p_memsz);
	if (!l || !l->sym_text || !l->sym_end)
		return PASS(r,
			    "kernel text at %#" PRIx64 " (paddr %#" PRIx64
			    ") agrees with phys_base and KERNELOFFSET; kallsyms unknown",
			    (uint64_t)t->p_vaddr, (uint64_t)t->p_paddr);
	bool size_ok = c->makedumpfile_elf || t->p_memsz == l->sym_end - l->sym_text;
	return CHECK(r, t->p_vaddr == l->sym_text && size_ok,
		     "kernel-text p_vaddr %#" PRIx64 " p_memsz %#" PRIx64
		     ", kallsyms _text %#" PRIx64 " _end - _text %#" PRIx64,
		     (uint64_t)t->p_vaddr, (uint64_t)t->p_memsz, l->sym_text,
		     l->sym_end - l->sym_text);
}

/* ---- RAM PT_LOADs vs the first kernel's System RAM (invariants 15-17) ---- */

struct span {
	uint64_t start, end; /* end exclusive */
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* System RAM - [0, 1 MiB) - Crash kernel, unmerged (one piece per PT_LOAD the kernel
 * writes: crash_prepare_elf64_headers after elf_header_exclude_ranges). */
static size_t expected_ram(const struct kl_loader_facts *l, struct span *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n_ram && n < cap; i++) {
		if (l->ram[i].end == UINT64_MAX || l->ram[i].end < l->ram[i].start)
			continue;
		struct span s = { l->ram[i].start, l->ram[i].end + 1 };
		if (s.start < LOW_1MIB)
			s.start = LOW_1MIB;
		if (s.start >= s.end)
			continue;
		/* Subtract the crash ranges from s, emitting the pieces left. */
		struct span work[2 * KL_FACTS_MAX_RANGES + 2];
		size_t nw = 1;
		work[0] = s;
		for (size_t k = 0; k < l->n_crash; k++) {
			uint64_t cs = l->crash[k].start, ce = l->crash[k].end + 1;
			size_t nn = 0;
			struct span next[2 * KL_FACTS_MAX_RANGES + 2];
			for (size_t w = 0; w < nw && nn + 2 <= ELEMENTSOF(next); w++) {
				if (ce <= work[w].start || cs >= work[w].end) {
					next[nn++] = work[w];
					continue;
				}
				if (cs > work[w].start)
					next[nn++] = (struct span){ work[w].start, cs };
				if (ce < work[w].end)
					next[nn++] = (struct span){ ce, work[w].end };
			}
			memcpy(work, next, nn * sizeof(*next));
			nw = nn;
		}
		for (size_t w = 0; w < nw && n < cap; w++)
			out[n++] = work[w];
	}
	qsort(out, n, sizeof(*out), cmp_span);
	return n;
}

/* Merge touching spans in place (sorted input); returns the new count. */
static size_t merge(struct span *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && v[i].start <= v[k - 1].end) {
			if (v[i].end > v[k - 1].end)
				v[k - 1].end = v[i].end;
			continue;
		}
		v[k++] = v[i];
	}
	return k;
}

int kl_check_ram(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	const struct kl_loader_facts *l = kl_check_facts(c);
	_cleanup_free_ struct span *got = calloc(d->n_phdrs + 1, sizeof(*got));
	_cleanup_free_ struct span *want = calloc(MAX_RANGE, sizeof(*want));
	size_t ng = 0;
	uint64_t prev_end = 0;
	if (!got || !want)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD || is_image(p) || p->p_memsz == 0)
			continue;
		if (p->p_memsz > UINT64_MAX - p->p_paddr)
			return FAIL(r,
				    "RAM PT_LOAD %zu: p_paddr %#" PRIx64 " + p_memsz %#" PRIx64
				    " overflows",
				    i, (uint64_t)p->p_paddr, (uint64_t)p->p_memsz);
		if (ng && p->p_paddr < prev_end)
			return FAIL(r,
				    "RAM PT_LOAD %zu at p_paddr %#" PRIx64
				    " starts before the previous one ends (%#" PRIx64
				    "): expected ascending and disjoint",
				    i, (uint64_t)p->p_paddr, prev_end);
		got[ng++] = (struct span){ p->p_paddr, p->p_paddr + p->p_memsz };
		prev_end = p->p_paddr + p->p_memsz;
	}
	if (!l || l->n_ram == 0)
		return SKIP(
			r,
			"%zu RAM PT_LOADs, ascending and disjoint; the first kernel's System RAM is unknown",
			ng);
	size_t nw = merge(want, expected_ram(l, want, MAX_RANGE));
	ng = merge(got, ng);
	if (c->makedumpfile_elf) {
		/* Filtered pages are left out: every segment must lie inside expected RAM. */
		for (size_t i = 0, k = 0; i < ng; i++) {
			while (k < nw && want[k].end <= got[i].start)
				k++;
			if (k == nw || got[i].start < want[k].start || got[i].end > want[k].end)
				return FAIL(
					r,
					"RAM [%#" PRIx64 ", %#" PRIx64
					") is outside the first kernel's System RAM minus the low 1 MiB and the crash kernel",
					got[i].start, got[i].end);
		}
		return PASS(
			r,
			"%zu RAM ranges lie inside System RAM minus the low 1 MiB and the crash kernel (%zu ranges)",
			ng, nw);
	}
	for (size_t i = 0; i < ng || i < nw; i++) {
		if (i < ng && i < nw && got[i].start == want[i].start && got[i].end == want[i].end)
			continue;
		if (i >= ng)
			return FAIL(
				r,
				"System RAM [%#" PRIx64 ", %#" PRIx64
				") (minus the low 1 MiB and the crash kernel) is missing from the dump",
				want[i].start, want[i].end);
		if (i >= nw)
			return FAIL(
				r,
				"the dump has RAM [%#" PRIx64 ", %#" PRIx64
				") beyond the first kernel's System RAM minus the low 1 MiB and the crash kernel",
				got[i].start, got[i].end);
		return FAIL(r,
			    "RAM range %zu is [%#" PRIx64 ", %#" PRIx64
			    ") in the dump, expected [%#" PRIx64 ", %#" PRIx64
			    ") (System RAM minus the low 1 MiB and the crash kernel)",
			    i, got[i].start, got[i].end, want[i].start, want[i].end);
	}
	return PASS(
		r,
		"the RAM PT_LOADs cover exactly System RAM minus [0, 1 MiB) and %zu crash kernel range(s): %zu range(s)",
		l->n_crash, ng);
}

int kl_check_direct_map(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	uint64_t delta = 0;
	size_t n = 0;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD || is_image(p))
			continue;
		uint64_t x = p->p_vaddr - p->p_paddr;
		if (n++ && x != delta)
			return FAIL(r,
				    "RAM PT_LOAD %zu has p_vaddr - p_paddr = %#" PRIx64
				    ", the ones before %#" PRIx64 ": expected one direct-map base",
				    i, x, delta);
		delta = x;
	}
	if (!n)
		return SKIP(r, "no RAM PT_LOADs");
	bool dflt = delta == KL_X86_PAGE_OFFSET_L4 || delta == KL_X86_PAGE_OFFSET_L5;
	return PASS(r, "%zu RAM PT_LOADs share the direct-map base %#" PRIx64 " (%s)", n, delta,
		    dflt ? "the default: memory KASLR off" : "randomized: memory KASLR on");
}

int kl_check_ram_count(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	const struct kl_loader_facts *l = kl_check_facts(c);
	_cleanup_free_ struct span *want = NULL;
	size_t n = 0;
	if (c->makedumpfile_elf)
		return SKIP(r, "makedumpfile -E splits RAM where it filtered pages");
	if (!l || l->n_ram == 0)
		return SKIP(r, "the first kernel's System RAM is unknown");
	if (!(want = calloc(MAX_RANGE, sizeof(*want))))
		return -ENOMEM;
	for (size_t i = 0; i < d->n_phdrs; i++)
		n += d->phdrs[i].p_type == PT_LOAD && !is_image(&d->phdrs[i]);
	size_t nw = expected_ram(l, want, MAX_RANGE);
	return CHECK(
		r, n == nw,
		"%zu RAM PT_LOADs, expected %zu (System RAM ranges above 1 MiB, split by the crash kernel)",
		n, nw);
}

/* ---- address translation ---- */

/* vaddr -> paddr through the PT_LOAD headers (the ELF dump's own mapping). */
static int phdr_translate(const struct kl_dump *d, uint64_t vaddr, uint64_t *ret)
{
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type == PT_LOAD && vaddr >= p->p_vaddr &&
		    vaddr - p->p_vaddr < p->p_memsz) {
			*ret = p->p_paddr + (vaddr - p->p_vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

int kl_check_translate(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	const char *names[8];
	uint64_t vaddrs[8];
	size_t n = 0;
	static const char *const syms[] = { "SYMBOL(init_top_pgt)", "SYMBOL(init_uts_ns)",
					    "SYMBOL(prb)" };
	for (size_t i = 0; i < ELEMENTSOF(syms); i++)
		if (kl_check_vi_hex(c, syms[i], &vaddrs[n]) == 0)
			names[n++] = syms[i];
	/* Direct-map samples: the first and last page of the first and last RAM PT_LOAD. */
	const GElf_Phdr *lo = NULL, *hi = NULL;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD || is_image(p) || p->p_memsz < PAGE)
			continue;
		if (!lo)
			lo = p;
		hi = p;
	}
	if (lo) {
		vaddrs[n] = lo->p_vaddr;
		names[n++] = "the first RAM PT_LOAD";
		vaddrs[n] = hi->p_vaddr + hi->p_memsz - PAGE;
		names[n++] = "the last page of the last RAM PT_LOAD";
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t want, got;
		if (phdr_translate(d, vaddrs[i], &want) < 0)
			return FAIL(r, "%s (%#" PRIx64 ") is in no PT_LOAD", names[i], vaddrs[i]);
		int k = kl_mem_walk(c->mem, vaddrs[i], &got);
		if (k < 0)
			return FAIL(
				r,
				"the page tables from SYMBOL(init_top_pgt) do not map %s (%#" PRIx64
				"): %s",
				names[i], vaddrs[i], strerror(-k));
		if (got != want)
			return FAIL(r,
				    "the page tables map %s (%#" PRIx64 ") to paddr %#" PRIx64
				    ", the PT_LOADs to %#" PRIx64,
				    names[i], vaddrs[i], got, want);
	}
	if (!c->have_uts)
		return FAIL(r, "%s", c->uts_error ? c->uts_error : "cannot read init_uts_ns");
	return PASS(
		r,
		"the %s-level page-table walk agrees with the PT_LOADs on %zu addresses; init_uts_ns is readable",
		c->mem->l5 ? "5" : "4", n);
}
