/* SPDX-License-Identifier: MIT */
/*
 * Reading the crashed kernel's memory out of a dump, any format.
 *
 * A format backend (mem-elf.c, kdump.c; chosen by format.c's table) provides one callback
 * that reads physical memory; everything above it (address translation, the
 * printk ring, init_uts_ns) is format-independent and reads only through this interface.
 *
 * Virtual addresses are translated in this order (x86_64):
 *   1. a backend's own vaddr reader when it has one (raw ELF: PT_LOAD p_vaddr ranges, which
 *      is what vmcore-dmesg does); -ENOENT from it falls through to the rules below;
 *   2. the kernel image mapping: [__START_KERNEL_map, + KERNEL_IMAGE_SIZE) maps linearly to
 *      vaddr - __START_KERNEL_map + phys_base (arch/x86/include/asm/page_64.h
 *      __phys_addr_nodebug);
 *   3. the direct map when its base is known (page_offset != 0): paddr = vaddr - page_offset;
 *   4. otherwise a 4- or 5-level page-table walk from the kernel's top-level table
 *      (SYMBOL(init_top_pgt), translated by rule 2), NUMBER(pgtable_l5_enabled) deciding.
 * With memory KASLR (the Debian default) the direct-map base is random and VMCOREINFO does
 * not carry it, so formats without vaddrs leave page_offset 0 and rely on the walk.
 *
 * Every read is bounded by its len; a backend never reads beyond its file. The helpers
 * here never allocate in proportion to dump data.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct kl_vmcoreinfo;
struct kl_stop;

/* arch/x86/include/asm/page_64_types.h */
#define KL_X86_START_KERNEL_MAP	 0xffffffff80000000ULL
#define KL_X86_KERNEL_IMAGE_SIZE (1ULL << 30)	       /* NUMBER(KERNEL_IMAGE_SIZE) when absent */
#define KL_X86_PAGE_OFFSET_L4	 0xffff888000000000ULL /* __PAGE_OFFSET_BASE_L4, no KASLR */
#define KL_X86_PAGE_OFFSET_L5	 0xff11000000000000ULL /* __PAGE_OFFSET_BASE_L5, no KASLR */

struct kl_mem {
	/*
	 * Read len bytes at physical address paddr. Returns 0, -ENOENT when (part of) the
	 * range is not in the dump (hole / filtered page), -EIO on read errors. Never reads
	 * beyond the file. Required.
	 */
	int (*read_paddr)(void *ctx, uint64_t paddr, void *buf, size_t len);
	/* Optional: read by virtual address directly (same returns). NULL: translate. */
	int (*read_vaddr)(void *ctx, uint64_t vaddr, void *buf, size_t len);
	/* Optional: releases ctx in kl_mem_free(). */
	void (*free_ctx)(void *ctx);
	void *ctx;

	uint64_t phys_base;	    /* NUMBER(phys_base) */
	uint64_t kernel_map;	    /* __START_KERNEL_map (KL_X86_START_KERNEL_MAP) */
	uint64_t kernel_image_size; /* NUMBER(KERNEL_IMAGE_SIZE) or KL_X86_KERNEL_IMAGE_SIZE */
	uint64_t page_offset;	    /* direct-map base; 0: unknown, walk the page tables */
	uint64_t top_pgt;	    /* vaddr of SYMBOL(init_top_pgt); 0: no walk possible */
	bool l5;		    /* NUMBER(pgtable_l5_enabled) */
	/* Polled by the loops that read through m (the printk walk); NULL: never stop. */
	const struct kl_stop *stop;
};

/*
 * Fill m's translation fields (phys_base, kernel_map, kernel_image_size, top_pgt, l5) from
 * VMCOREINFO; leaves the callbacks and page_offset alone. -EBADMSG naming the key when
 * NUMBER(phys_base) is missing or a present key does not parse.
 */
int kl_mem_setup_from_vmcoreinfo(struct kl_mem *m, const struct kl_vmcoreinfo *vi,
				 struct kl_error **err);

/*
 * Read len bytes at vaddr, crossing pages (each page translated on its own). Returns 0,
 * -ENOENT (unmapped or not in the dump), -EFAULT (no rule translates vaddr), -EIO.
 */
int kl_mem_read_vaddr(const struct kl_mem *m, uint64_t vaddr, void *buf, size_t len);
/* Little-endian helpers on top of kl_mem_read_vaddr. */
int kl_mem_read_u64(const struct kl_mem *m, uint64_t vaddr, uint64_t *ret);
int kl_mem_read_u32(const struct kl_mem *m, uint64_t vaddr, uint32_t *ret);

/*
 * Translate vaddr without the backend's vaddr reader (rules 2-4 above). Returns 0 and the
 * physical address, -EFAULT when no rule applies, -ENOENT when a page-table entry is not
 * present or a table is not in the dump, -EIO.
 */
int kl_mem_translate(const struct kl_mem *m, uint64_t vaddr, uint64_t *ret_paddr);
/* The page-table walk alone (rule 4), for tests and for finding the direct-map base. */
int kl_mem_walk(const struct kl_mem *m, uint64_t vaddr, uint64_t *ret_paddr);

/* Frees ctx through free_ctx, then m (for backends that allocate their kl_mem). */
void kl_mem_free(struct kl_mem *m);
static inline void kl_mem_freep(struct kl_mem **m)
{
	kl_mem_free(*m);
}

/* The bytes kl_mem_open() reads to tell the formats apart. */
#define KL_MEM_PROBE_BYTES 4096

/*
 * Open any supported dump (format.c): the format that claims the file (kl_dump_formats[])
 * opens it with its memory reader. -EPROTONOSUPPORT when none does or it has no reader.
 */
int kl_mem_open(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
		const char **ret_format, struct kl_error **err);
