/* SPDX-License-Identifier: MIT */
/*
 * Internal: an opened raw ELF dump, loaded in stages (header, program headers, note
 * segment, notes, VMCOREINFO). A stage that cannot complete records why in its *_error
 * string instead of failing: the checks turn those into named failures. Functions return
 * -errno only when the file cannot be read.
 */
#pragma once

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/fs.h" /* kl_pread_full */
#include "vmcore.h"

/* Bounds on what we read from an untrusted dump. A PT_NOTE holds one PRSTATUS per CPU
 * (~360 bytes) plus VMCOREINFO and optional device dumps: 16 MiB is ~40k CPUs. */
#define KL_DUMP_NOTES_MAX (16u << 20)
/* Notes we index: one NT_PRSTATUS per CPU (x86_64 NR_CPUS is at most 8192 with MAXSMP),
 * VMCOREINFO and a few device dumps. 16-byte empty notes would otherwise make a 16 MiB
 * segment cost 40 MiB of index. */
#define KL_DUMP_NOTES_COUNT_MAX 65536
#define KL_X86_64_PRSTATUS_SIZE 336
#define KL_PRSTATUS_PID_OFFSET	32 /* pr_info(12) pr_cursig(2+2) pr_sigpend(8) pr_sighold(8) */
/* Program headers we accept: /proc/vmcore has one PT_LOAD per System RAM range plus the
 * kernel text (tens to a few thousand); 2^17 is 7 MiB of table, the most we copy. Counts
 * from the dump (e_phnum, or section 0's sh_info under PN_XNUM) are bounded by this and by
 * the file size before anything is allocated or handed to libelf. */
#define KL_DUMP_PHNUM_MAX (1u << 17)

struct kl_note {
	uint32_t namesz, descsz, type;
	const char *name; /* NUL-terminated (checked) */
	const unsigned char *desc;
	uint64_t offset; /* file offset of the note header */
};

struct kl_dump {
	int fd;
	char *path;
	uint64_t size;

	unsigned char ident[EI_NIDENT];
	size_t ident_len; /* bytes of e_ident the file has */

	/* libelf over a copy of the ELF header and program header table (elf_memory): the
	 * copy has no section header table and counts we bounded, so libelf never reads a
	 * count or a section from the file itself. */
	Elf *elf;
	unsigned char *hdr_image;
	bool have_ehdr;
	GElf_Ehdr ehdr; /* as the file has it */
	char *ehdr_error;

	/* The section header table: a vmcore has none. Only extended numbering may use
	 * section 0 (e_phnum == PN_XNUM: sh_info holds the real count). */
	bool have_shdr0; /* section 0 read (e_shoff != 0, in the file) */
	GElf_Shdr shdr0;
	uint64_t shnum;	      /* e_shnum, or section 0's sh_size when e_shnum == 0 */
	char *sections_error; /* NULL: no table, or only the PN_XNUM section 0 */

	bool have_phdrs;
	GElf_Phdr *phdrs;
	size_t n_phdrs;
	char *phdrs_error;

	/* the first PT_NOTE segment, read whole (bounded) */
	bool have_note_seg;
	int note_index; /* -1: none */
	unsigned char *note_buf;
	uint64_t note_off, note_len;
	char *note_seg_error;

	bool have_notes;
	struct kl_note *notes;
	size_t n_notes;
	char *notes_error;

	size_t n_vmcoreinfo_notes;
	const struct kl_note *vmcoreinfo_note; /* the first one */
	bool have_vmcoreinfo;
	struct kl_vmcoreinfo *vmcoreinfo;
	char *vmcoreinfo_error;
};

/* elf.c: open, read e_ident, ELF header (ours) and program headers (libelf on a bounded copy). */
int kl_dump_open(const char *path, struct kl_dump **ret, struct kl_error **err);
void kl_dump_free(struct kl_dump *d);
static inline void kl_dump_freep(struct kl_dump **d)
{
	kl_dump_free(*d);
}

/* notes.c: read the first PT_NOTE segment and split it into notes. */
int kl_dump_load_notes(struct kl_dump *d, struct kl_error **err);
bool kl_note_is(const struct kl_note *n, const char *name, uint32_t type);

/* vmcoreinfo.c: find and parse the VMCOREINFO note. */
void kl_dump_load_vmcoreinfo(struct kl_dump *d);

/* Helpers shared by the stages. */
char *kl_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * mem-elf.c: a kl_mem over d's PT_LOADs (translation set up from d's VMCOREINFO when it has
 * one). With own, the kl_mem frees d; else d must outlive it.
 */
struct kl_mem;
int kl_dump_mem_new(struct kl_dump *d, bool own, struct kl_mem **ret, struct kl_error **err);
/* mem-elf.c: the ELF formats' memory reader (kl_dump_formats[]): a kl_mem over path and its
 * VMCOREINFO; -EBADMSG with a message when the dump has no usable VMCOREINFO. */
int kl_dump_open_mem(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
		     struct kl_error **err);
