/* SPDX-License-Identifier: MIT */
/*
 * Address translation over a format backend's physical reader: the kernel image mapping,
 * the direct map, and an x86_64 4/5-level page-table walk (see mem.h for the order).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "mem.h"
#include "vmcore.h"

#define PAGE_SIZE_X86 4096ULL
/* Physical address bits of a page-table entry (arch/x86/include/asm/pgtable_types.h
 * PTE_PFN_MASK with 52 physical bits). */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_PRESENT   (1ULL << 0)
#define PTE_PSE	      (1ULL << 7) /* a 1 GiB (PUD) or 2 MiB (PMD) page */

static int parse_hex(const char *s, uint64_t *ret)
{
	char *end;
	if (!s || !*s || strlen(s) > 18)
		return -EINVAL;
	errno = 0;
	uint64_t v = strtoull(s, &end, 16);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* NUMBER(x) is printed with %ld (decimal, maybe negative); some arches use 0x%llx. */
static int parse_number(const char *s, uint64_t *ret)
{
	char *end;
	if (!s || !*s || strlen(s) > 20)
		return -EINVAL;
	errno = 0;
	if (startswith(s, "0x")) {
		uint64_t v = strtoull(s + 2, &end, 16);
		if (errno || *end || end == s + 2)
			return -EINVAL;
		*ret = v;
		return 0;
	}
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}

int kl_mem_setup_from_vmcoreinfo(struct kl_mem *m, const struct kl_vmcoreinfo *vi,
				 struct kl_error **err)
{
	const char *pb = kl_vmcoreinfo_get(vi, "NUMBER(phys_base)");
	const char *top = kl_vmcoreinfo_get(vi, "SYMBOL(init_top_pgt)");
	const char *l5 = kl_vmcoreinfo_get(vi, "NUMBER(pgtable_l5_enabled)");
	const char *kis = kl_vmcoreinfo_get(vi, "NUMBER(KERNEL_IMAGE_SIZE)");
	uint64_t v;

	if (!pb)
		return kl_error_set(err, EBADMSG, "VMCOREINFO has no NUMBER(phys_base)");
	if (parse_number(pb, &m->phys_base) < 0)
		return kl_error_set(err, EBADMSG, "NUMBER(phys_base)=%s is not a number", pb);
	m->kernel_map = KL_X86_START_KERNEL_MAP;
	m->kernel_image_size = KL_X86_KERNEL_IMAGE_SIZE;
	if (kis) {
		/* KERNEL_IMAGE_SIZE is at most 1 GiB: the image mapping ends at the top. */
		if (parse_number(kis, &v) < 0 || v == 0 || v > (1ULL << 30))
			return kl_error_set(err, EBADMSG,
					    "NUMBER(KERNEL_IMAGE_SIZE)=%s, expected 1..1073741824",
					    kis);
		m->kernel_image_size = v;
	}
	m->top_pgt = 0;
	if (top && parse_hex(top, &m->top_pgt) < 0)
		return kl_error_set(err, EBADMSG, "SYMBOL(init_top_pgt)=%s is not hex", top);
	m->l5 = false;
	if (l5) {
		if (parse_number(l5, &v) < 0 || v > 1)
			return kl_error_set(err, EBADMSG,
					    "NUMBER(pgtable_l5_enabled)=%s, expected 0 or 1", l5);
		m->l5 = v == 1;
	}
	return 0;
}

static bool in_kernel_image(const struct kl_mem *m, uint64_t vaddr)
{
	return m->kernel_map && vaddr >= m->kernel_map &&
	       vaddr - m->kernel_map < m->kernel_image_size;
}

static int read_entry(const struct kl_mem *m, uint64_t table, unsigned index, uint64_t *ret)
{
	uint64_t e;
	int r = m->read_paddr(m->ctx, (table & PTE_ADDR_MASK) + 8ULL * index, &e, sizeof(e));
	if (r < 0)
		return r;
	*ret = le64toh(e);
	return 0;
}

int kl_mem_walk(const struct kl_mem *m, uint64_t vaddr, uint64_t *ret_paddr)
{
	if (!m->top_pgt || !in_kernel_image(m, m->top_pgt))
		return -EFAULT;
	/* The top-level table is in the kernel image (init_top_pgt, arch/x86/kernel/head_64.S). */
	uint64_t table = m->top_pgt - m->kernel_map + m->phys_base, e;
	/* Levels from the top: shift of the index bits; PML5 only with 5-level paging. */
	static const unsigned shifts5[] = { 48, 39, 30, 21, 12 };
	const unsigned *shift = m->l5 ? shifts5 : shifts5 + 1;
	unsigned levels = m->l5 ? 5 : 4;

	for (unsigned l = 0; l < levels; l++) {
		int r = read_entry(m, table, (unsigned)((vaddr >> shift[l]) & 511), &e);
		if (r < 0)
			return r;
		if (!(e & PTE_PRESENT))
			return -ENOENT;
		/* PSE at the PUD (shift 30) or PMD (shift 21) level maps a large page. */
		bool leaf = shift[l] == 12 || ((shift[l] == 30 || shift[l] == 21) && (e & PTE_PSE));
		if (leaf) {
			uint64_t mask = (1ULL << shift[l]) - 1;
			*ret_paddr = (e & PTE_ADDR_MASK & ~mask) | (vaddr & mask);
			return 0;
		}
		table = e;
	}
	return -ENOENT; /* not reached: the last level is always a leaf */
}

int kl_mem_translate(const struct kl_mem *m, uint64_t vaddr, uint64_t *ret_paddr)
{
	if (in_kernel_image(m, vaddr)) {
		*ret_paddr = vaddr - m->kernel_map + m->phys_base;
		return 0;
	}
	/* The direct map is 64 TiB with 4-level paging, 32 PiB with 5-level
	 * (Documentation/arch/x86/x86_64/mm.rst); vmalloc space follows it. */
	uint64_t span = m->l5 ? 1ULL << 55 : 1ULL << 46;
	if (m->page_offset && vaddr >= m->page_offset && vaddr - m->page_offset < span) {
		*ret_paddr = vaddr - m->page_offset;
		return 0;
	}
	return kl_mem_walk(m, vaddr, ret_paddr);
}

int kl_mem_read_vaddr(const struct kl_mem *m, uint64_t vaddr, void *buf, size_t len)
{
	unsigned char *out = buf;
	while (len > 0) {
		/* One page at a time: contiguous vaddrs need not be contiguous physically. */
		size_t chunk = (size_t)(PAGE_SIZE_X86 - (vaddr & (PAGE_SIZE_X86 - 1)));
		if (chunk > len)
			chunk = len;
		int r = -ENOENT;
		if (m->read_vaddr)
			r = m->read_vaddr(m->ctx, vaddr, out, chunk);
		if (r == -ENOENT) {
			uint64_t paddr;
			r = kl_mem_translate(m, vaddr, &paddr);
			if (r == 0)
				r = m->read_paddr(m->ctx, paddr, out, chunk);
		}
		if (r < 0)
			return r;
		out += chunk;
		vaddr += chunk;
		len -= chunk;
	}
	return 0;
}

int kl_mem_read_u64(const struct kl_mem *m, uint64_t vaddr, uint64_t *ret)
{
	uint64_t v;
	int r = kl_mem_read_vaddr(m, vaddr, &v, sizeof(v));
	if (r < 0)
		return r;
	*ret = le64toh(v);
	return 0;
}

int kl_mem_read_u32(const struct kl_mem *m, uint64_t vaddr, uint32_t *ret)
{
	uint32_t v;
	int r = kl_mem_read_vaddr(m, vaddr, &v, sizeof(v));
	if (r < 0)
		return r;
	*ret = le32toh(v);
	return 0;
}

void kl_mem_free(struct kl_mem *m)
{
	if (!m)
		return;
	if (m->free_ctx)
		m->free_ctx(m->ctx);
	free(m);
}
