/* SPDX-License-Identifier: MIT */
/*
 * The kl_mem backend of ELF dumps (raw /proc/vmcore copies, makedumpfile -E): physical
 * and virtual reads over the PT_LOAD ranges, each looked up by binary search.
 *
 * The kernel-text PT_LOAD duplicates part of a RAM PT_LOAD by p_paddr
 * (crash_prepare_elf64_headers), so physical lookups search the RAM segments first and the
 * kernel-image ones only when no RAM segment has the address. Bytes in [p_filesz, p_memsz)
 * read as zeros: makedumpfile -E leaves trailing zero pages out of the file that way.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "dump.h"
#include "mem.h"

struct seg {
	uint64_t start; /* p_paddr or p_vaddr */
	uint64_t memsz, filesz, offset;
};

struct elf_mem {
	struct kl_dump *d;
	bool own_dump;
	struct seg *ram, *image, *virt; /* sorted by start */
	size_t n_ram, n_image, n_virt;
};

static void elf_mem_free(void *ctx)
{
	struct elf_mem *em = ctx;
	if (!em)
		return;
	if (em->own_dump)
		kl_dump_free(em->d);
	free(em->ram);
	free(em->image);
	free(em->virt);
	free(em);
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The segment with the greatest start <= addr, if it contains addr. */
static const struct seg *find(const struct seg *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct seg *s = &v[lo - 1];
	return addr - s->start < s->memsz ? s : NULL;
}

static int read_seg(const struct elf_mem *em, const struct seg *s, uint64_t addr,
		    unsigned char *buf, size_t len)
{
	uint64_t rel = addr - s->start;
	if (rel < s->filesz) {
		size_t n = len;
		if (n > s->filesz - rel)
			n = (size_t)(s->filesz - rel);
		/* phdr.load-bounds rejects this dump; the backend must still not read past. */
		if (s->offset > em->d->size || rel + n > em->d->size - s->offset)
			return -EIO;
		ssize_t k = kl_pread_full(em->d->fd, buf, n, s->offset + rel);
		if (k < 0 || (size_t)k != n)
			return -EIO;
		buf += n;
		len -= n;
	}
	memset(buf, 0, len);
	return 0;
}

/* Reads may span adjacent segments; each step consumes at least one byte of a segment. */
static int read_in(const struct elf_mem *em, const struct seg *v, size_t n, const struct seg *v2,
		   size_t n2, uint64_t addr, void *buf, size_t len)
{
	unsigned char *out = buf;
	while (len > 0) {
		const struct seg *s = find(v, n, addr);
		if (!s && v2)
			s = find(v2, n2, addr);
		if (!s)
			return -ENOENT;
		size_t chunk = len;
		if (chunk > s->memsz - (addr - s->start))
			chunk = (size_t)(s->memsz - (addr - s->start));
		int r = read_seg(em, s, addr, out, chunk);
		if (r < 0)
			return r;
		out += chunk;
		addr += chunk;
		len -= chunk;
	}
	return 0;
}

static int elf_read_paddr(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	const struct elf_mem *em = ctx;
	return read_in(em, em->ram, em->n_ram, em->image, em->n_image, paddr, buf, len);
}

static int elf_read_vaddr(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	const struct elf_mem *em = ctx;
	return read_in(em, em->virt, em->n_virt, NULL, 0, vaddr, buf, len);
}

/* All RAM PT_LOADs share one p_vaddr - p_paddr delta: the direct-map base. 0 if not. */
static uint64_t direct_map_base(const struct kl_dump *d)
{
	uint64_t delta = 0;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD || p->p_vaddr >= KL_X86_START_KERNEL_MAP)
			continue;
		uint64_t x = p->p_vaddr - p->p_paddr;
		if (delta && x != delta)
			return 0;
		delta = x;
	}
	return delta;
}

int kl_dump_mem_new(struct kl_dump *d, bool own, struct kl_mem **ret, struct kl_error **err)
{
	_cleanup_(kl_mem_freep) struct kl_mem *m = calloc(1, sizeof(*m));
	struct elf_mem *em = calloc(1, sizeof(*em));
	if (!m || !em) {
		free(em);
		return kl_error_set(err, ENOMEM, "mapping the dump's PT_LOADs");
	}
	m->ctx = em;
	m->free_ctx = elf_mem_free;
	m->read_paddr = elf_read_paddr;
	m->read_vaddr = elf_read_vaddr;
	if (!d->have_phdrs)
		return kl_error_set(err, EBADMSG, "the dump has no usable program headers");
	em->ram = calloc(d->n_phdrs + 1, sizeof(*em->ram));
	em->image = calloc(d->n_phdrs + 1, sizeof(*em->image));
	em->virt = calloc(d->n_phdrs + 1, sizeof(*em->virt));
	if (!em->ram || !em->image || !em->virt)
		return kl_error_set(err, ENOMEM, "mapping the dump's PT_LOADs");
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		/* A segment whose end wraps around 2^64 cannot be addressed: leave it out. */
		bool pwrap = p->p_paddr + p->p_memsz < p->p_paddr;
		bool vwrap = p->p_vaddr + p->p_memsz < p->p_vaddr;
		uint64_t filesz = p->p_filesz < p->p_memsz ? p->p_filesz : p->p_memsz;
		struct seg s = { .memsz = p->p_memsz, .filesz = filesz, .offset = p->p_offset };
		if (!pwrap) {
			s.start = p->p_paddr;
			if (p->p_vaddr >= KL_X86_START_KERNEL_MAP)
				em->image[em->n_image++] = s;
			else
				em->ram[em->n_ram++] = s;
		}
		if (!vwrap) {
			s.start = p->p_vaddr;
			em->virt[em->n_virt++] = s;
		}
	}
	qsort(em->ram, em->n_ram, sizeof(*em->ram), cmp_seg);
	qsort(em->image, em->n_image, sizeof(*em->image), cmp_seg);
	qsort(em->virt, em->n_virt, sizeof(*em->virt), cmp_seg);
	m->page_offset = direct_map_base(d);
	if (d->have_vmcoreinfo) {
		int r = kl_mem_setup_from_vmcoreinfo(m, d->vmcoreinfo, err);
		if (r < 0)
			return r;
	}
	em->d = d;
	em->own_dump = own;
	*ret = TAKE_PTR(m);
	return 0;
}

int kl_dump_open_mem(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
		     struct kl_error **err)
{
	_cleanup_(kl_dump_freep) struct kl_dump *d = NULL;
	_cleanup_(kl_mem_freep) struct kl_mem *m = NULL;
	int r = kl_dump_open(path, &d, err);
	if (r < 0)
		return r;
	if (!d->have_ehdr)
		return kl_error_set(err, EBADMSG, "%s", d->ehdr_error ? d->ehdr_error : "bad ELF");
	if (!d->have_phdrs)
		return kl_error_set(err, EBADMSG, "%s",
				    d->phdrs_error ? d->phdrs_error : "bad program headers");
	r = kl_dump_load_notes(d, err);
	if (r < 0)
		return r;
	kl_dump_load_vmcoreinfo(d);
	if (!d->have_vmcoreinfo)
		return kl_error_set(err, EBADMSG, "no usable VMCOREINFO note: %s",
				    d->vmcoreinfo_error ? d->vmcoreinfo_error
				    : d->notes_error	? d->notes_error
				    : d->note_seg_error ? d->note_seg_error
							: "absent or not exactly one");
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = TAKE_PTR(d->vmcoreinfo);
	d->have_vmcoreinfo = false;
	r = kl_dump_mem_new(d, true, &m, err);
	if (r < 0)
		return r;
	d = NULL; /* m owns the dump now */
	/* VMCOREINFO goes to the caller, so the backend did not see it: set up from it here. */
	r = kl_mem_setup_from_vmcoreinfo(m, vi, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	*ret_vi = TAKE_PTR(vi);
	return 0;
}
